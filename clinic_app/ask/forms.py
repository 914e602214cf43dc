"""The question form."""

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..validators import EmailAddress, PlainName, PlainText, USPhone, strip

MESSAGE_MAX = 3000


class QuestionForm(FlaskForm):
    """Name, email, optional phone, office and message."""

    name = StringField(
        "Your name",
        filters=[strip],
        validators=[
            DataRequired("Please tell us your name."),
            Length(max=120, message="Please keep your name under 120 characters."),
            PlainName(),
        ],
    )
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[
            DataRequired("Please enter your email address so we can reply."),
            Length(max=254, message="That email address is too long."),
            EmailAddress(),
        ],
    )
    phone = TelField(
        "Phone (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=30, message="That phone number is too long."), USPhone()],
    )
    office = RadioField("Which office?", validators=[DataRequired("Please choose an office.")], choices=[])
    message = TextAreaField(
        "Your question or appointment request",
        filters=[strip],
        validators=[
            DataRequired("Please write your question."),
            Length(max=MESSAGE_MAX, message=f"Please shorten your message to {MESSAGE_MAX:,} characters or fewer."),
            PlainText(),
        ],
    )
