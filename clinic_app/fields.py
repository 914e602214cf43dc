"""Form fields for what people type, each with its length limit, check and friendly messages.

A field is required when it is given the message to show when it is left empty; otherwise it is
optional. Every field trims surrounding spaces before it is checked. A field that may be too long
names ``what`` it holds for the message ("Please keep the reason under 300 characters.") unless it
is given its own ``too_long`` message.
"""

from functools import partial

from flask import current_app, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import EmailField, HiddenField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from . import clock, kept_pages
from .validators import EmailAddress, PlainName, PlainText, USPhone, strip

EMAIL_MAX = 254  # the longest address SMTP allows
PHONE_MAX = 30


def typed_field(field_class, label, *, required, max_length, too_long, check, **kwargs):
    """A ``field_class`` field that is trimmed, limited to ``max_length`` and checked by ``check``."""
    presence = DataRequired(required) if required else Optional()
    validators = [presence, Length(max=max_length, message=too_long), check()]
    return field_class(label, filters=[strip], validators=validators, **kwargs)


def too_long_message(what, max_length):
    """The message for text over ``max_length``, naming ``what`` it is (a lazy string on patient
    forms, so it reads in the page's language); "this" (or nothing) makes the message say "this"."""
    count = f"{max_length:,}"
    if what is None or (isinstance(what, str) and what == "this"):
        return _l("Please keep this under %(count)s characters.", count=count)
    return _l("Please keep %(what)s under %(count)s characters.", what=what, count=count)


def name_field(label, *, required, max_length, what):
    """A person's name: any script, no markup or line breaks."""
    too_long = too_long_message(what, max_length)
    return typed_field(StringField, label, required=required, max_length=max_length, too_long=too_long, check=PlainName)


def email_field(label, *, required=None):
    """An email address, normalised."""
    too_long = _l("That email address is too long.")
    return typed_field(
        EmailField, label, required=required, max_length=EMAIL_MAX, too_long=too_long, check=EmailAddress
    )


def phone_field(label, *, required=None):
    """A US phone number, normalised to (703) 555-0123."""
    too_long = _l("That phone number is too long.")
    return typed_field(TelField, label, required=required, max_length=PHONE_MAX, too_long=too_long, check=USPhone)


def text_field(label, *, max_length, what="this", too_long=None, required=None, one_line=False, **kwargs):
    """Free text (a message, a reason, a note): line breaks allowed unless ``one_line`` (then a
    line break is refused with a message, never stored), no markup."""
    field_class = StringField if one_line else TextAreaField
    too_long = too_long or too_long_message(what, max_length)
    return typed_field(
        field_class,
        label,
        required=required,
        max_length=max_length,
        too_long=too_long,
        check=partial(PlainText, one_line=one_line),
        **kwargs,
    )


# --- anti-automation: a honeypot and a minimum fill time ----------------------------------------

HONEYPOT_LABEL = _l("Leave this field empty")


def _shown_at_serializer():
    key = current_app.config["SECRET_KEY"]
    kept = current_app.extensions.get("shown_at_serializer")
    if kept is None or kept[0] != key:  # made once per key (replaced whole: safe between threads)
        kept = current_app.extensions["shown_at_serializer"] = (key, URLSafeSerializer(key, salt="form-shown-at"))
    return kept[1]


def shown_at_token(form_name: str, moment) -> str:
    """When ``form_name`` was shown, signed with the secret key so it cannot be back-dated."""
    return _shown_at_serializer().dumps([form_name, moment.timestamp()])


def shown_at_from(form_name: str, token) -> float | None:
    """The moment (a POSIX timestamp) a valid token for ``form_name`` says; None otherwise."""
    if not token:
        return None
    try:
        name, moment = _shown_at_serializer().loads(token)
        moment = float(moment)
    except (BadSignature, TypeError, ValueError):
        return None
    return moment if name == form_name else None


def shown_at_now(form_name: str) -> str:
    return shown_at_token(form_name, clock.now())


class HumanCheck:
    """Mixin for a public form that bots like: a field people never see (a bot filling every field
    fills it) and when the form was shown (a bot answers in less than ``FORM_MIN_FILL_SECONDS``;
    0 turns the timing off). Either refuses the form with ``form_errors``, a message that tells a
    person what to do; the form keeps what was typed and when it was first shown, so pressing the
    button again after a moment goes through.

    Mix in before ``FlaskForm``; ``human_check_button`` names the form's button in the message.
    """

    human_check_button = _l("Continue")

    website = StringField(
        HONEYPOT_LABEL,
        render_kw={"tabindex": "-1", "autocomplete": "off"},
    )
    shown_at = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name = type(self).__name__
        self.shown_at_moment = shown_at_from(name, self.shown_at.data)
        if self.shown_at_moment is None:  # first shown now (or the token was missing or altered)
            self.shown_at.data = shown_at_now(name)
            if has_request_context():  # a kept copy of the page stamps each showing anew
                kept_pages.per_browser(self.shown_at.data, partial(shown_at_now, name))

    def automation_refusal(self) -> str | None:
        """The message for a submission that looks automated, or None."""
        too_quick = _(
            "That was quicker than we expected. Please check your answers and press %(button)s again.",
            button=self.human_check_button,
        )
        if self.website.data:
            return too_quick
        min_seconds = current_app.config.get("FORM_MIN_FILL_SECONDS", 3)
        if not min_seconds:
            return None
        if self.shown_at_moment is None or clock.now().timestamp() - self.shown_at_moment < min_seconds:
            return too_quick
        return None

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators=extra_validators)
        refusal = self.automation_refusal()
        if refusal:
            self.form_errors.append(refusal)
            self.website.data = ""  # a person who filled it (an odd autofill) gets through next time
            return False
        return valid
