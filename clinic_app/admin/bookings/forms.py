"""Back-office forms."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SearchField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ...validators import PlainText, strip


class BookingFilterForm(FlaskForm):
    """The bookings list's filters (a GET form: no CSRF token, state kept in the URL)."""

    class Meta:
        csrf = False

    q = SearchField(
        "Search",
        filters=[strip],
        validators=[Optional(), Length(max=100)],
        description="Name, reference, email or phone",
    )
    office = SelectField("Office", choices=[], validate_choice=False)
    provider = SelectField("Clinician", choices=[], validate_choice=False)
    status = SelectField("Status", choices=[], validate_choice=False)
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    flagged = BooleanField("Screening flagged only")


class ReasonForm(FlaskForm):
    """Cancel with a reason (the patient is emailed)."""

    reason = TextAreaField(
        "Reason for cancelling",
        filters=[strip],
        validators=[
            DataRequired("Please give a reason; the patient will see it in their email."),
            Length(max=300, message="Please keep the reason under 300 characters."),
            PlainText(),
        ],
    )


class NoteForm(FlaskForm):
    """An internal note on an appointment."""

    text = TextAreaField(
        "Internal note",
        filters=[strip],
        validators=[
            DataRequired("Please write the note."),
            Length(max=2000, message="Please keep notes under 2,000 characters."),
            PlainText(),
        ],
    )
