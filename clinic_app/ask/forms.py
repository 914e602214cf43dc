"""The question form and the call-back request."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import DataRequired

from ..fields import HumanCheck, email_field, name_field, phone_field, text_field
from ..models import PatientQuestion

MESSAGE_MAX = 3000


class QuestionForm(HumanCheck, FlaskForm):
    """Name, email, optional phone, office and message."""

    human_check_button = "Send"

    name = name_field("Your name", required="Please tell us your name.", max_length=120, what="your name")
    email = email_field("Email address", required="Please enter your email address so we can reply.")
    phone = phone_field("Phone (optional)")
    office = RadioField("Which office?", validators=[DataRequired("Please choose an office.")], choices=[])
    message = text_field(
        "Your question or appointment request",
        required="Please write your question.",
        max_length=MESSAGE_MAX,
        too_long=f"Please shorten your message to {MESSAGE_MAX:,} characters or fewer.",
    )


class CallbackForm(HumanCheck, FlaskForm):
    """Ask the office to call: name, phone, office and the best time (nothing about health)."""

    human_check_button = "Ask for a call"

    name = name_field("Your name", required="Please tell us your name.", max_length=120, what="your name")
    phone = phone_field("Phone number", required="Please enter the number we should call.")
    office = RadioField("Which office?", validators=[DataRequired("Please choose an office.")], choices=[])
    best_time = RadioField(
        "When is best to call you?",
        choices=[SelectChoice(key, label) for key, label in PatientQuestion.BEST_TIMES.items()],
        default="any",
        validators=[DataRequired("Please choose when we should call.")],
    )
