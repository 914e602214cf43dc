"""The safety-screening questions every patient answers before an in-person visit.

The questions, the acknowledgement and the policy's prose are data: admins publish dated
versions in the back office (``questionnaires.py`` reads the current one), and ``FIRST`` below
is the version a fresh install starts with. The office-update page lists the current questions
and the booking form, the reminder, the desk and the door ask them, so they can never disagree;
stored answers keep the version and the exact wording they answered.
Pure data and functions: no request, no database, no clock.
"""

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class ScreeningQuestion:
    """One yes/no question about the patient's health in the days before the visit."""

    key: str
    text: str
    help: str = ""  # shown under the question
    yes_means: str = ""  # what the policy says to do after a "yes" (shown to patients and staff)


@dataclass(frozen=True)
class Questionnaire:
    """A dated, versioned set of screening questions and the policy acknowledgement."""

    version: str
    questions: tuple[ScreeningQuestion, ...]
    acknowledgement: str
    policy: str = ""  # Markdown: the Safe Patient Appointments page

    def question(self, key: str) -> ScreeningQuestion:
        """The question with this key."""
        return next(q for q in self.questions if q.key == key)


class Outcome(StrEnum):
    """What the answers mean for an in-person visit; stored as its value, shown by its labels."""

    CLEAR = "clear"  # every answer "no" and the policy acknowledged: come in
    FLAGGED = "flagged"  # at least one "yes": no in-person visit now
    NOT_REQUIRED = "not_required"  # a video visit: nobody comes in
    INCOMPLETE = "incomplete"  # a question unanswered or the policy not acknowledged (never stored)

    @property
    def is_flagged(self) -> bool:
        """True when the office must look at the answers before an in-person visit."""
        return self is Outcome.FLAGGED

    @property
    def may_come_in(self) -> bool:
        """True when every answer was "no" and the policy was acknowledged."""
        return self is Outcome.CLEAR

    @property
    def staff_label(self) -> str:
        """As the back office says it."""
        return STAFF_LABELS[self]

    @property
    def patient_label(self) -> str:
        """As the patient's review step says it ("" when there is nothing to say)."""
        return PATIENT_LABELS.get(self, "")

    @classmethod
    def of(cls, value) -> "Outcome":
        """The outcome stored as ``value`` (an unknown or missing one counts as incomplete)."""
        try:
            return cls(value)
        except ValueError:
            return cls.INCOMPLETE


STAFF_LABELS = {
    Outcome.CLEAR: "All answers no",
    Outcome.FLAGGED: "Flagged",
    Outcome.NOT_REQUIRED: "Not needed (video visit)",
    Outcome.INCOMPLETE: "Not answered",
}
PATIENT_LABELS = {
    Outcome.CLEAR: "All answers “no”; safety policy acknowledged",
    Outcome.NOT_REQUIRED: "Not needed for a video visit",
}


FIRST_POLICY = """\
Many of our patients have weakened immune systems, are recovering from surgery, or are older
adults. These are the steps both of our offices take so that everyone who comes in for care can
do so safely.

## What we do at every office

- **A health check before every in-person visit.** Every patient answers a few short questions
  when booking online, again in the reminder we send the day before, and at the front desk.
- **Fewer people waiting at once.** We space appointments so the waiting room stays uncrowded,
  and you are welcome to wait in your car until we text or call you in.
- **Clean rooms between patients.** Exam tables, chairs, door handles and shared equipment are
  wiped down after every visit.
- **Hand sanitizer and masks.** Both are available at the entrance of each office. You may wear a
  mask at any time, and we may ask you to wear one if you have any respiratory symptoms.
- **Staff who stay home when sick.** Our clinicians and front-desk team follow the same health
  questions every day before their shift.
- **One companion.** Please bring only one adult with you unless you need more help, such as an
  interpreter or caregiver.
- **Telehealth when it fits.** Many follow-up visits and first consultations can take place by
  secure video instead.

## If you answer yes to any question

Please do not worry, and please do not come to the office for now. A "yes" simply means we will
care for you in another way:

- **A telehealth visit.** A specialist can see you by secure video, often on the same day you
  would have come in.
- **A later date.** You can choose an in-person appointment after your symptoms have cleared, or
  after the 10 days have passed.
- **A call with our front desk.** Phone the office you were planning to visit and we will help
  you decide what is best.

There is never a fee for moving an appointment because you are unwell. Your answers are kept
with your appointment so our staff can follow up; they are never shared outside the clinic.

## On the day of your visit

If anything changes after you book (a new fever, a cough, a positive test), please call the
office before you leave home. We will move your visit or switch it to telehealth.
"""

FIRST = Questionnaire(
    version="2026-11-01",
    questions=(
        ScreeningQuestion("fever", "Do you have a fever or chills?"),
        ScreeningQuestion("cough", "Do you have a new cough or new shortness of breath?"),
        ScreeningQuestion("taste_smell", "Have you recently lost your sense of taste or smell?"),
        ScreeningQuestion(
            "close_contact",
            "In the past 10 days, have you been in close contact with someone who has a "
            "confirmed contagious respiratory illness?",
        ),
        ScreeningQuestion(
            "positive_test",
            "In the past 10 days, have you tested positive for a contagious respiratory illness?",
        ),
    ),
    acknowledgement=("I have read the office's Safe Patient Appointments policy and I will follow it during my visit."),
    policy=FIRST_POLICY,
)


def outcome(answers: dict, acknowledged: bool, questionnaire: Questionnaire) -> str:
    """The outcome of a set of answers.

    :param answers: ``{question key: True for yes, False for no}``; a missing key or a value
        that is not a bool counts as unanswered.
    :param acknowledged: whether the patient acknowledged the safety policy.
    :return: ``Outcome.FLAGGED`` when any answer is yes (even if others are missing, since a
        yes already rules out an in-person visit), ``Outcome.INCOMPLETE`` when anything is
        unanswered or unacknowledged, otherwise ``Outcome.CLEAR``.
    """
    values = [answers.get(q.key) for q in questionnaire.questions]
    if any(value is True for value in values):
        return Outcome.FLAGGED
    if any(not isinstance(value, bool) for value in values) or not acknowledged:
        return Outcome.INCOMPLETE
    return Outcome.CLEAR


def answers_record(answers: dict, acknowledged: bool, questionnaire: Questionnaire) -> dict:
    """The answers as they are stored: version, each question's wording and answer, outcome."""
    return {
        "version": questionnaire.version,
        "answers": [{"key": q.key, "question": q.text, "answer": answers.get(q.key)} for q in questionnaire.questions],
        "acknowledgement": {"text": questionnaire.acknowledgement, "given": bool(acknowledged)},
        "outcome": outcome(answers, acknowledged, questionnaire),
    }


# Why the questions were asked again, as stored with each later set of answers, and as staff read it.
ASKED = {
    "reminder": "Answers after the reminder",
    "reschedule": "Answers when the visit was moved",
    "door": "Answers at the door (check-in)",
    "phone": "Answers given by phone",
}


def asked_label(entry: dict) -> str:
    """The heading staff see over a later set of answers (entries stored before the reason was
    recorded came from the reminder, the only later screening then)."""
    return ASKED.get(entry.get("asked", "reminder"), "Later answers")
