"""Back-office forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SearchField, SelectField
from wtforms.validators import Length, Optional

from ...fields import text_field
from ...validators import strip


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
    source = SelectField("Booked", choices=[], validate_choice=False)
    language = SelectField("Language", choices=[], validate_choice=False)
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    flagged = BooleanField("Screening flagged only")


class ReasonForm(FlaskForm):
    """Cancel with a reason (the patient is emailed)."""

    reason = text_field(
        "Reason for cancelling",
        required="Please give a reason; the patient will see it in their email.",
        max_length=300,
        what="the reason",
    )


class NoteForm(FlaskForm):
    """An internal note on an appointment."""

    text = text_field("Internal note", required="Please write the note.", max_length=2000, what="notes")
