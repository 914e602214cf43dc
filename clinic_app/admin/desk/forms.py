"""The front desk's booking forms: the same fields and checks as the patient's, worded for staff."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired, Optional

from ...booking.forms import DetailsStepForm, birth_date_field
from ...fields import email_field, name_field, phone_field, text_field
from ...i18n import ENGLISH, LANGUAGE_NAMES
from ...models import AppointmentSource
from ...reasons import VISIT_REASONS
from ...texting.numbers import texting_number


class FindTimeForm(FlaskForm):
    """Which visit, with whom and which day: a GET form (state in the URL, no CSRF token)."""

    class Meta:
        csrf = False

    office = SelectField("Office", choices=[], validate_choice=False)
    visit_type = SelectField("Type of visit", choices=[], validate_choice=False)
    provider = SelectField("Clinician", choices=[], validate_choice=False, default="any")
    day = DateField("Day", validators=[Optional()])


class MoveForm(FlaskForm):
    """The new time for a visit the desk moves."""

    slot = RadioField("Time", choices=[], validate_choice=False, validators=[InputRequired("Please choose a time.")])


class _VisitPart(FlaskForm):
    booking_key = HiddenField()  # one per form shown: a double submission books once
    slot = RadioField("Time", choices=[], validate_choice=False, validators=[InputRequired("Please choose a time.")])
    source = RadioField(
        "How is the patient booking?",
        choices=[SelectChoice(key, AppointmentSource.LABELS[key]) for key in AppointmentSource.BY_STAFF],
        default=AppointmentSource.PHONE,
        validators=[InputRequired("Please say how the patient is booking.")],
    )
    reason = RadioField(
        "Main reason for the visit",
        choices=[SelectChoice(key, label) for key, label in VISIT_REASONS.items()],
        validators=[InputRequired("Please choose the main reason for the visit.")],
    )


# Made here, so that the questions come after the visit and before the details (in the errors too).


class StaffBookingForm(_VisitPart):
    """The booking itself: time, how the patient is booking, the screening asked aloud, details
    (``with_questions(StaffBookingForm, questionnaire)`` adds the questions)."""

    acknowledged = BooleanField(
        "I read the Safe Patient Appointments policy to the patient (or they have read it).",
        validators=[DataRequired("Please tell the patient about the safety policy and tick this box.")],
    )
    first_name = name_field(
        "First name", required="Please enter the patient's first name.", max_length=80, what="the first name"
    )
    last_name = name_field(
        "Last name", required="Please enter the patient's last name.", max_length=80, what="the last name"
    )
    date_of_birth = birth_date_field(required="Please enter the patient's date of birth.")
    phone = phone_field("Phone number", required="Please enter a phone number.")
    email = email_field("Email address (optional: the confirmation goes here)")
    text_messages = BooleanField("The patient agrees to text messages about this appointment at this number (optional)")
    language = RadioField(
        "The patient's language",
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        default=ENGLISH,
        validators=[DataRequired("Please choose the language the patient reads.")],
    )
    patient_status = RadioField(
        "Seen at the clinic before?",
        choices=[SelectChoice("new", "New patient"), SelectChoice("returning", "Returning patient")],
        validators=[InputRequired("Please say whether the patient is new or returning.")],
    )
    insurance = text_field("Insurance company (optional)", max_length=120, one_line=True)
    notes = text_field(
        "Notes for the visit (optional)",
        max_length=1000,
        too_long="Please shorten the notes to 1,000 characters or fewer.",
    )
    consent = BooleanField(
        "The patient agrees to be contacted by email, phone or text about this appointment.",
        validators=[DataRequired("Please ask the patient whether we may contact them about this appointment.")],
    )

    validate_text_messages = DetailsStepForm.validate_text_messages

    def details(self) -> dict:
        return {
            "sms_phone": texting_number(self.phone.data)[0] if self.text_messages.data else None,
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "date_of_birth": self.date_of_birth.data,
            "phone": self.phone.data,
            "email": self.email.data or "",
            "is_new_patient": self.patient_status.data == "new",
            "insurance": self.insurance.data or "",
            "notes": self.notes.data or "",
            "language": self.language.data,
        }


class DoorScreenForm(FlaskForm):
    """The questions again at the door, asked by staff as the patient arrives
    (``with_questions(DoorScreenForm, questionnaire)`` adds them)."""

    acknowledged = BooleanField(
        "The patient confirmed these answers and will follow the Safe Patient Appointments policy.",
        validators=[DataRequired("Please confirm the answers with the patient.")],
    )
