"""The safety-screening questions every patient answers before an in-person visit.

The questions, the acknowledgement and the policy's prose are data: admins publish dated
versions in the back office (``questionnaires.py`` reads the current one), and ``FIRST`` below
is the version a fresh install starts with. The office-update page lists the current questions
and the booking form, the reminder, the desk and the door ask them, so they can never disagree;
stored answers keep the version and the exact wording they answered.

Each version may carry its wording in Spanish (``translations["es"]``, typed by admins with the
English and published with it; ``FIRST_TRANSLATIONS`` for the first version). A Spanish page asks
in Spanish when that wording is complete, and in English otherwise (``translated``). Answers keep
the language they were given in, the English wording staff read and the wording the patient saw.
Pure data and functions: no request, no database, no clock.
"""

from dataclasses import dataclass, replace
from enum import StrEnum

from flask_babel import lazy_gettext as _l

ENGLISH = "en"


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
    language: str = ENGLISH  # the language of the questions and the acknowledgement
    policy_language: str = ENGLISH  # the policy's (each falls back to English on its own)
    original: "Questionnaire | None" = None  # the English wording, when this one is translated

    def question(self, key: str) -> ScreeningQuestion:
        """The question with this key."""
        return next(q for q in self.questions if q.key == key)

    @property
    def english(self) -> "Questionnaire":
        """The same version in English: the wording of record, as staff read it."""
        return self.original or self


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
        """As the patient's review step says it, in the page's language ("" when there is
        nothing to say)."""
        return str(PATIENT_LABELS.get(self, ""))

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
    Outcome.CLEAR: _l("All answers “no”; safety policy acknowledged"),
    Outcome.NOT_REQUIRED: _l("Not needed for a video visit"),
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

FIRST_POLICY_SPANISH = """\
Muchos de nuestros pacientes tienen las defensas bajas, se están recuperando de una operación o
son personas mayores. Por eso, en nuestros dos consultorios tomamos estas medidas, para que todas
las personas que vienen a atenderse puedan hacerlo sin riesgo.

## Lo que hacemos en cada consultorio

- **Unas preguntas de salud antes de cada visita en persona.** Todos los pacientes responden unas
  pocas preguntas al pedir la cita por internet, otra vez en el recordatorio que enviamos el día
  antes y de nuevo en la recepción.
- **Menos personas esperando a la vez.** Dejamos tiempo entre las citas para que la sala de espera
  no se llene. Si lo prefiere, puede esperar en su carro hasta que le escribamos o le llamemos
  para pasar.
- **Salas limpias entre un paciente y otro.** Después de cada visita limpiamos las camillas, las
  sillas, las manijas de las puertas y todo el equipo que se comparte.
- **Desinfectante de manos y mascarillas.** Encontrará ambos en la entrada de cada consultorio.
  Puede usar mascarilla siempre que quiera, y si tiene síntomas respiratorios quizá le pidamos que
  se ponga una.
- **Un equipo que se queda en casa si está enfermo.** Nuestros profesionales y el personal de
  recepción responden las mismas preguntas de salud cada día antes de empezar su turno.
- **Un solo acompañante.** Le pedimos que venga con un solo adulto, salvo que necesite más ayuda,
  por ejemplo un intérprete o la persona que le cuida.
- **Consultas por video cuando sea posible.** Muchas visitas de seguimiento y primeras consultas
  se pueden hacer por video, de forma segura, sin venir al consultorio.

## Si responde que sí a alguna pregunta

No se preocupe, pero por ahora no venga al consultorio. Un “sí” solo quiere decir que le vamos a
atender de otra manera:

- **Una consulta por video.** Un especialista puede atenderle por video, de forma segura, muchas
  veces el mismo día en que iba a venir.
- **Una fecha más adelante.** Puede elegir una cita en persona para cuando se le hayan pasado los
  síntomas, o cuando hayan pasado los 10 días.
- **Una llamada con nuestra recepción.** Llame al consultorio al que pensaba venir y le ayudaremos
  a decidir qué le conviene más.

Cambiar una cita porque usted no se siente bien nunca tiene costo. Guardamos sus respuestas con su
cita para que nuestro personal pueda darle seguimiento; nunca se comparten fuera de la clínica.

## El día de su visita

Si algo cambia después de pedir la cita (le da fiebre o tos, o una prueba le sale positiva), por
favor llame al consultorio antes de salir de casa. Cambiaremos su visita a otro día o a una
consulta por video.
"""

# The first version in Spanish, stored and published with it (``ScreeningVersion.translations``).
FIRST_TRANSLATIONS = {
    "es": {
        "questions": {
            "fever": {"text": "¿Tiene fiebre o escalofríos?"},
            "cough": {"text": "¿Le ha empezado una tos nueva, o le falta el aire más de lo normal?"},
            "taste_smell": {"text": "¿Ha perdido hace poco el sentido del gusto o del olfato?"},
            "close_contact": {
                "text": "En los últimos 10 días, ¿ha estado en contacto cercano con alguien a quien le "
                "confirmaron una enfermedad respiratoria contagiosa?"
            },
            "positive_test": {
                "text": "En los últimos 10 días, ¿le ha salido positiva una prueba de alguna enfermedad "
                "respiratoria contagiosa?"
            },
        },
        "acknowledgement": "Leí la política de Citas seguras para los pacientes del consultorio y la cumpliré "
        "durante mi visita.",
        "policy": FIRST_POLICY_SPANISH,
    }
}


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
    """The answers as they are stored: version, the language they were given in, each question's
    English wording (as staff read it) and answer, the acknowledgement, the outcome. Answers given
    in another language also keep, as ``as_shown``, the wording the patient read."""
    english = questionnaire.english
    translated_wording = questionnaire.language != ENGLISH
    rows = []
    for question in questionnaire.questions:
        row = {
            "key": question.key,
            "question": english.question(question.key).text,
            "answer": answers.get(question.key),
        }
        if translated_wording:
            row["as_shown"] = question.text
        rows.append(row)
    acknowledgement = {"text": english.acknowledgement, "given": bool(acknowledged)}
    if translated_wording:
        acknowledgement["as_shown"] = questionnaire.acknowledgement
    return {
        "version": questionnaire.version,
        "language": questionnaire.language,
        "answers": rows,
        "acknowledgement": acknowledgement,
        "outcome": outcome(answers, acknowledged, questionnaire),
    }


# --- the same version in another language -----------------------------------------------------


def _text(wording: dict | None, part: str) -> str:
    return ((wording or {}).get(part) or "").strip()


def _wording(translation: dict | None, key: str) -> dict:
    """One question's translated wording: ``{"text", "help", "yes_means"}`` (parts may be missing)."""
    return ((translation or {}).get("questions") or {}).get(key) or {}


def _missing_questions(english: Questionnaire, translation: dict | None) -> list[str]:
    """What the translation lacks of the form itself: the questions and the confirmation."""
    missing = []
    for number, question in enumerate(english.questions, start=1):
        wording = _wording(translation, question.key)
        for part, english_part, label in (
            ("text", question.text, f"question {number}"),
            ("help", question.help, f"question {number}: help"),
            ("yes_means", question.yes_means, f"question {number}: what a “yes” means"),
        ):
            if english_part.strip() and not _text(wording, part):
                missing.append(label)
    if not _text(translation, "acknowledgement"):
        missing.append("the confirmation")
    return missing


def missing_wording(english: Questionnaire, translation: dict | None) -> list[str]:
    """What a version's translation still lacks, as the (English) editor names it: "question 2",
    "question 2: help", "question 2: what a “yes” means", "the confirmation", "the policy".
    Help and what a "yes" means are needed only where the English has them. [] when complete."""
    missing = _missing_questions(english, translation)
    if not _text(translation, "policy"):
        missing.append("the policy")
    return missing


def translated(english: Questionnaire, translation: dict | None, language: str) -> Questionnaire:
    """``english`` as a page in ``language`` shows it. The questions and the acknowledgement are
    in that language only when the translation has all of them (a half-translated form would
    mix languages within one answer); otherwise they stay in English. The policy likewise, on
    its own. With nothing translated, ``english`` itself: the page says so and marks it English."""
    if language == ENGLISH or not translation:
        return english
    questions_translated = not _missing_questions(english, translation)
    policy = _text(translation, "policy")
    if not questions_translated and not policy:
        return english
    questions, acknowledgement = english.questions, english.acknowledgement
    if questions_translated:
        questions = tuple(
            ScreeningQuestion(
                question.key,
                _text(_wording(translation, question.key), "text"),
                _text(_wording(translation, question.key), "help"),
                _text(_wording(translation, question.key), "yes_means"),
            )
            for question in english.questions
        )
        acknowledgement = _text(translation, "acknowledgement")
    return replace(
        english,
        questions=questions,
        acknowledgement=acknowledgement,
        policy=policy or english.policy,
        language=language if questions_translated else ENGLISH,
        policy_language=language if policy else ENGLISH,
        original=english,
    )


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
