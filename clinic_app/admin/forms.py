"""Back-office forms."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SearchField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..validators import PlainText, strip


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", filters=[strip], validators=[DataRequired("Please enter your email."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Please enter your password."), Length(max=200)])


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired("Please enter your current password.")]
    )
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired("Please choose a new password."),
            Length(min=12, max=200, message="Please use at least 12 characters."),
        ],
    )
    confirm = PasswordField(
        "New password again", validators=[EqualTo("new_password", message="The two new passwords differ.")]
    )


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


class ActionForm(FlaskForm):
    """A button that changes state (its CSRF token is all it carries)."""
