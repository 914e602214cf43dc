"""The question form and the call-back request."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import DataRequired

from ..fields import HumanCheck, email_field, name_field, phone_field, text_field
from ..models import PatientQuestion

MESSAGE_MAX = 3000

# The patient-facing wording of ``PatientQuestion.BEST_TIMES`` on the form, in the page's language.
BEST_TIME_LABELS = {
    "morning": _l("In the morning (8 AM–12 PM)"),
    "afternoon": _l("In the afternoon (12–5 PM)"),
    "any": _l("Any time"),
}


class QuestionForm(HumanCheck, FlaskForm):
    """Name, email, optional phone, office and message."""

    human_check_button = _l("Send")

    name = name_field(_l("Your name"), required=_l("Please tell us your name."), max_length=120, what=_l("your name"))
    email = email_field(_l("Email address"), required=_l("Please enter your email address so we can reply."))
    phone = phone_field(_l("Phone (optional)"))
    office = RadioField(_l("Which office?"), validators=[DataRequired(_l("Please choose an office."))], choices=[])
    message = text_field(
        _l("Your question or appointment request"),
        required=_l("Please write your question."),
        max_length=MESSAGE_MAX,
        too_long=_l("Please shorten your message to %(count)s characters or fewer.", count=f"{MESSAGE_MAX:,}"),
    )


class CallbackForm(HumanCheck, FlaskForm):
    """Ask the office to call: name, phone, office and the best time (nothing about health)."""

    human_check_button = _l("Ask for a call")

    name = name_field(_l("Your name"), required=_l("Please tell us your name."), max_length=120, what=_l("your name"))
    phone = phone_field(_l("Phone number"), required=_l("Please enter the number we should call."))
    office = RadioField(_l("Which office?"), validators=[DataRequired(_l("Please choose an office."))], choices=[])
    best_time = RadioField(
        _l("When is best to call you?"),
        choices=[
            SelectChoice(key, BEST_TIME_LABELS.get(key, label)) for key, label in PatientQuestion.BEST_TIMES.items()
        ],
        default="any",
        validators=[DataRequired(_l("Please choose when we should call."))],
    )
