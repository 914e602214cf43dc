"""One form per booking step."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, RadioField, SelectChoice, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from .. import clock
from ..validators import EmailAddress, PlainName, PlainText, USPhone, strip
from .screening import CURRENT as SCREENING


class VisitStepForm(FlaskForm):
    """Step 1: where, what kind of visit, why, and with whom."""

    office = RadioField("Which office?", validators=[InputRequired("Please choose an office.")], choices=[])
    visit_type = RadioField("Type of visit", validators=[InputRequired("Please choose the type of visit.")], choices=[])
    reason = RadioField(
        "Main reason for the visit",
        validators=[InputRequired("Please choose the main reason for your visit.")],
        choices=[],
    )
    provider = RadioField(
        "Clinician",
        validators=[InputRequired("Please choose a clinician or “First available”.")],
        choices=[],
        default="any",
    )


class DayForm(FlaskForm):
    """Step 2, first part: which day (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    day = RadioField("Day", choices=[])


class TimeStepForm(FlaskForm):
    """Step 2: the chosen slot."""

    slot = RadioField("Time", validators=[InputRequired("Please choose a time.")], choices=[], validate_choice=False)


def screening_fields():
    """One yes/no question per screening question, named after the question's key."""
    return {
        question.key: RadioField(
            question.text,
            choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
            validators=[InputRequired("Please answer yes or no.")],
        )
        for question in SCREENING.questions
    }


# Created before the acknowledgement below, so the questions come first in the form and in its errors.
_QUESTION_FIELDS = screening_fields()


class ScreeningStepForm(FlaskForm):
    """Step 3: the safety screening, built from the one list of questions."""

    acknowledged = BooleanField(
        SCREENING.acknowledgement,
        validators=[DataRequired("Please confirm that you have read the safety policy.")],
    )

    def answers(self) -> dict:
        """{question key: True for yes, False for no}."""
        return {q.key: getattr(self, q.key).data == "yes" for q in SCREENING.questions}


for _key, _field in _QUESTION_FIELDS.items():
    setattr(ScreeningStepForm, _key, _field)


def past_date(form, field):
    """A date of birth is in the past and within a human lifetime."""
    if field.data is None:
        return
    today = clock.now().date()  # a day either way does not change what a birth date may be
    if field.data >= today:
        raise ValidationError("Please check the date of birth: it must be in the past.")
    if field.data.year < today.year - 120:
        raise ValidationError("Please check the year of birth.")


class DetailsStepForm(FlaskForm):
    """Step 4: who the patient is and how to reach them."""

    first_name = StringField(
        "First name",
        filters=[strip],
        validators=[
            DataRequired("Please enter your first name."),
            Length(max=80, message="Please keep the first name under 80 characters."),
            PlainName(),
        ],
    )
    last_name = StringField(
        "Last name",
        filters=[strip],
        validators=[
            DataRequired("Please enter your last name."),
            Length(max=80, message="Please keep the last name under 80 characters."),
            PlainName(),
        ],
    )
    date_of_birth = DateField(
        "Date of birth",
        validators=[InputRequired("Please enter your date of birth."), past_date],
        render_kw={"autocomplete": "bday"},
    )
    phone = TelField(
        "Mobile or home phone",
        filters=[strip],
        validators=[
            DataRequired("Please enter a phone number."),
            Length(max=30, message="That phone number is too long."),
            USPhone(),
        ],
    )
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[
            DataRequired("Please enter your email address."),
            Length(max=254, message="That email address is too long."),
            EmailAddress(),
        ],
    )
    patient_status = RadioField(
        "Have you been seen at our clinic before?",
        choices=[
            SelectChoice("new", "No, I am a new patient"),
            SelectChoice("returning", "Yes, I am a returning patient"),
        ],
        validators=[InputRequired("Please tell us whether you are a new or returning patient.")],
    )
    insurance = StringField(
        "Insurance company (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=120, message="Please keep this under 120 characters."), PlainText()],
    )
    notes = TextAreaField(
        "Anything we should know before your visit? (optional)",
        filters=[strip],
        validators=[
            Optional(),
            Length(max=1000, message="Please shorten your notes to 1,000 characters or fewer."),
            PlainText(),
        ],
    )
    consent = BooleanField(
        "I agree to be contacted by email, phone or text about this appointment.",
        validators=[DataRequired("We need your permission to contact you about this appointment.")],
    )

    def details(self) -> dict:
        """The validated details as stored in the draft (JSON-friendly)."""
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "date_of_birth": self.date_of_birth.data.isoformat(),
            "phone": self.phone.data,
            "email": self.email.data,
            "patient_status": self.patient_status.data,
            "insurance": self.insurance.data or "",
            "notes": self.notes.data or "",
        }


class ConfirmForm(FlaskForm):
    """Step 5: the confirm button (its CSRF token is all it carries)."""


class CancelForm(FlaskForm):
    """Cancel from the manage page."""

    reason = TextAreaField(
        "Reason (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=300, message="Please keep the reason under 300 characters."), PlainText()],
    )
