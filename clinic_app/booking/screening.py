"""The safety-screening questions every patient answers before an in-person visit.

This is the one place the questions are written: the office-update page lists them and the
booking form asks them, so the two can never disagree. Guidance changes, so the questionnaire
carries a version, and stored answers keep the version and the exact wording they answered.
Pure data and functions: no request, no database, no clock.
"""

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class ScreeningQuestion:
    """One yes/no question about the patient's health in the days before the visit."""

    key: str
    text: str


@dataclass(frozen=True)
class Questionnaire:
    """A dated, versioned set of screening questions and the policy acknowledgement."""

    version: str
    questions: tuple[ScreeningQuestion, ...]
    acknowledgement: str

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


CURRENT = Questionnaire(
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
)


def outcome(answers: dict, acknowledged: bool, questionnaire: Questionnaire = CURRENT) -> str:
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


def answers_record(answers: dict, acknowledged: bool, questionnaire: Questionnaire = CURRENT) -> dict:
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
