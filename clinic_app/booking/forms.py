"""One form per booking step."""

from datetime import timedelta
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from .. import clock
from ..fields import HumanCheck, email_field, name_field, phone_field, text_field
from ..models import VisitType
from ..texting.numbers import texting_number


class VisitStepForm(HumanCheck, FlaskForm):
    """Step 1: where, what kind of visit, why, and with whom."""

    office = RadioField(_l("Which office?"), validators=[InputRequired(_l("Please choose an office."))], choices=[])
    visit_type = RadioField(
        _l("Type of visit"), validators=[InputRequired(_l("Please choose the type of visit."))], choices=[]
    )
    reason = RadioField(
        _l("Main reason for the visit"),
        validators=[InputRequired(_l("Please choose the main reason for your visit."))],
        choices=[],
    )
    provider = RadioField(
        _l("Clinician"),
        validators=[InputRequired(_l("Please choose a clinician or “First available”."))],
        choices=[],
        default="any",
    )


class TimeStepForm(FlaskForm):
    """Step 2: the chosen slot."""

    slot = RadioField(
        _l("Time"), validators=[InputRequired(_l("Please choose a time."))], choices=[], validate_choice=False
    )


YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


class ScreeningStepForm(FlaskForm):
    """Step 3: the safety screening. Use ``with_questions(ScreeningStepForm, questionnaire)``: the
    questions are those of the version in force."""

    acknowledged = BooleanField(
        _l("I have read the office's Safe Patient Appointments policy and I will follow it during my visit."),
        validators=[DataRequired(_l("Please confirm that you have read the safety policy."))],
    )


class AskedQuestions:
    """What a form made by ``with_questions`` gives its view."""

    questionnaire = None  # set on the class by with_questions

    def question_fields(self):
        return [self[q.key] for q in self.questionnaire.questions]

    def answers(self) -> dict:
        """{question key: True for yes, False for no}."""
        return {q.key: self[q.key].data == "yes" for q in self.questionnaire.questions}


def with_questions(form_class, questionnaire):
    """``form_class`` with a yes/no field per question of ``questionnaire`` (named by the question's
    key, its help as the field's description), placed just before the form's ``acknowledged``
    field so that the questions and their errors come first. The patient's form also takes the
    version's own acknowledgement as that field's label."""
    return _questions_form(form_class, questionnaire)


@lru_cache(maxsize=64)  # keyed by the questionnaire's content, so a new version is a new class
def _questions_form(form_class, questionnaire):
    acknowledged = form_class.acknowledged
    attrs = {"questionnaire": questionnaire}
    for index, question in enumerate(questionnaire.questions):
        field = RadioField(
            question.text,
            description=question.help,
            choices=YES_NO,
            validators=[InputRequired(_l("Please answer yes or no."))],
        )
        field.creation_counter = acknowledged.creation_counter - 1 + (index + 1) / 1000
        attrs[question.key] = field
    if form_class is ScreeningStepForm or form_class.__name__ == "ClaimOfferForm":
        label = BooleanField(questionnaire.acknowledgement, validators=acknowledged.kwargs["validators"])
        label.creation_counter = acknowledged.creation_counter
        attrs["acknowledged"] = label
    return type(form_class.__name__, (AskedQuestions, form_class), attrs)


def past_date(form, field):
    """A date of birth is in the past and within a human lifetime."""
    if field.data is None:
        return
    today = clock.now().date()  # a day either way does not change what a birth date may be
    if field.data >= today:
        raise ValidationError(_("Please check the date of birth: it must be in the past."))
    if field.data.year < today.year - 120:
        raise ValidationError(_("Please check the year of birth."))


DATE_OF_BIRTH_REQUIRED = _l("Please enter your date of birth.")


def birth_date_field(required=DATE_OF_BIRTH_REQUIRED):
    """The date of birth (step 4, with the reference to find a booking, and staff bookings)."""
    return DateField(
        _l("Date of birth"),
        validators=[InputRequired(required), past_date],
        render_kw={"autocomplete": "bday"},
    )


class DetailsStepForm(HumanCheck, FlaskForm):
    """Step 4: who the patient is and how to reach them. (Their agreement to be contacted is
    the statement above step 5's "Confirm appointment" button.) Use ``details_form``."""

    first_name = name_field(
        _l("First name"), required=_l("Please enter your first name."), max_length=80, what=_l("the first name")
    )
    last_name = name_field(
        _l("Last name"), required=_l("Please enter your last name."), max_length=80, what=_l("the last name")
    )
    date_of_birth = birth_date_field()
    phone = phone_field(_l("Mobile or home phone"), required=_l("Please enter a phone number."))
    email = email_field(_l("Email address"), required=_l("Please enter your email address."))
    text_messages = BooleanField(_l("Also text me about this appointment at this number (optional)"))
    patient_status = RadioField(
        _l("Have you been seen at our clinic before?"),
        choices=[
            SelectChoice("new", _l("No, I am a new patient")),
            SelectChoice("returning", _l("Yes, I am a returning patient")),
        ],
        validators=[InputRequired(_l("Please tell us whether you are a new or returning patient."))],
    )
    insurance = text_field(_l("Insurance company (optional)"), max_length=120, one_line=True)
    notes = text_field(
        _l("Anything we should know before your visit? (optional)"),
        max_length=1000,
        too_long=_l("Please shorten your notes to 1,000 characters or fewer."),
    )

    def validate_text_messages(self, field):
        """Texts go to US numbers only: a number that cannot take them is said so, here."""
        if field.data and not self.phone.errors:
            _number, problem = texting_number(self.phone.data)
            if problem:
                raise ValidationError(problem)

    def details(self) -> dict:
        """The validated details as stored in the draft (JSON-friendly)."""
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "date_of_birth": self.date_of_birth.data.isoformat(),
            "phone": self.phone.data,
            "email": self.email.data,
            "text_messages": bool(self.text_messages.data),
            **({"patient_status": self.patient_status.data} if "patient_status" in self else {}),
            "insurance": self.insurance.data or "",
            "notes": self.notes.data or "",
        }


def asks_patient_status(visit_type) -> bool:
    """Whether step 4 asks "Have you been seen at our clinic before?": only for a kind of visit
    open to any patient; one for new or for returning patients already says (step 1)."""
    return visit_type.patients == VisitType.ANY


def details_form(visit_type) -> DetailsStepForm:
    """Step 4's form for a visit of ``visit_type`` (without the question its choice answered)."""
    form = DetailsStepForm()
    if not asks_patient_status(visit_type):
        del form.patient_status
    return form


class ConfirmForm(FlaskForm):
    """Step 5: the confirm button (its CSRF token is all it carries)."""


# Why a patient cancels, as the choices say it (their language) and as the desk reads it (English).
CANCEL_REASONS = {
    "time": (_l("I cannot come at that time"), "Cannot come at that time"),
    "better": (_l("I am feeling better"), "Feeling better"),
    "elsewhere": (_l("I will be seen somewhere else"), "Seen somewhere else"),
    "other": (_l("Another reason"), "Another reason"),
}


class CancelForm(FlaskForm):
    """The cancel confirmation step: an optional reason (a choice, a note), for the front desk."""

    reason_choice = RadioField(
        _l("Why are you cancelling? (optional)"),
        choices=[SelectChoice(key, patient) for key, (patient, _desk) in CANCEL_REASONS.items()],
        validators=[Optional()],
    )
    reason = text_field(_l("A note for the front desk (optional)"), max_length=250, what=_l("the note"))

    def reason_for_staff(self) -> str:
        """What the desk sees as the cancellation reason: the choice in English, then the note."""
        choice = CANCEL_REASONS.get(self.reason_choice.data or "", (None, ""))[1]
        return " — ".join(part for part in (choice, (self.reason.data or "").strip()) if part)


class FindAppointmentForm(FlaskForm):
    """Find my appointment: the booking reference and the patient's date of birth."""

    reference = text_field(
        _l("Booking reference"),
        required=_l("Please enter your booking reference."),
        max_length=20,
        what=_l("the booking reference"),
        one_line=True,
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    date_of_birth = birth_date_field()


def waitlist_last_day(form, field):
    """The last day a patient could come: from tomorrow, within the booking horizon."""
    if field.data is None:
        return
    today = form.today or clock.now().date()
    if field.data <= today:
        raise ValidationError(_("Please choose a day after today."))
    if field.data > today + timedelta(days=form.horizon_days):
        raise ValidationError(
            ngettext(
                "Please choose a day within the next %(num)d day.",
                "Please choose a day within the next %(num)d days.",
                form.horizon_days,
            )
        )


class WaitlistForm(HumanCheck, FlaskForm):
    """Step 2's "Tell me if an earlier time opens": who to tell, how, and until when."""

    horizon_days = 60  # set from BOOKING_HORIZON_DAYS by the view
    today = None  # the office's date, set by the view

    last_day = DateField(
        _l("The last day you could come"),
        validators=[InputRequired(_l("Please choose the last day you could come.")), waitlist_last_day],
    )
    first_name = DetailsStepForm.first_name
    last_name = DetailsStepForm.last_name
    date_of_birth = birth_date_field()
    phone = DetailsStepForm.phone
    email = email_field(_l("Email address"), required=_l("Please enter your email address."))
    text_messages = BooleanField(_l("Also text me when a time opens (optional)"))
    patient_status = DetailsStepForm.patient_status
    consent = BooleanField(
        _l("I agree to be contacted by email, phone or text about an earlier time."),
        validators=[DataRequired(_l("We need your permission to tell you when a time opens."))],
    )
    validate_text_messages = DetailsStepForm.validate_text_messages


class ManageWaitlistForm(FlaskForm):
    """The manage page's "Tell me if an earlier time opens" (the rest is known from the booking)."""

    clinician = RadioField(_l("With"), choices=[], validators=[InputRequired(_l("Please choose."))])
    text_messages = BooleanField(_l("Also text me when a time opens (optional)"))


class ClaimOfferForm(FlaskForm):
    """Book the offered time (the health questions are added by ``with_questions`` for a visit in person)."""

    acknowledged = ScreeningStepForm.acknowledged
