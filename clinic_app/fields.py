"""Form fields for what people type, each with its length limit, check and friendly messages.

A field is required when it is given the message to show when it is left empty; otherwise it is
optional. Every field trims surrounding spaces before it is checked. A field that may be too long
names ``what`` it holds for the message ("Please keep the reason under 300 characters.") unless it
is given its own ``too_long`` message.
"""

from functools import partial

from wtforms import EmailField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .validators import EmailAddress, PlainName, PlainText, USPhone, strip

EMAIL_MAX = 254  # the longest address SMTP allows
PHONE_MAX = 30


def typed_field(field_class, label, *, required, max_length, too_long, check, **kwargs):
    """A ``field_class`` field that is trimmed, limited to ``max_length`` and checked by ``check``."""
    presence = DataRequired(required) if required else Optional()
    validators = [presence, Length(max=max_length, message=too_long), check()]
    return field_class(label, filters=[strip], validators=validators, **kwargs)


def too_long_message(what, max_length):
    return f"Please keep {what} under {max_length:,} characters."


def name_field(label, *, required, max_length, what):
    """A person's name: any script, no markup or line breaks."""
    too_long = too_long_message(what, max_length)
    return typed_field(StringField, label, required=required, max_length=max_length, too_long=too_long, check=PlainName)


def email_field(label, *, required=None):
    """An email address, normalised."""
    too_long = "That email address is too long."
    return typed_field(
        EmailField, label, required=required, max_length=EMAIL_MAX, too_long=too_long, check=EmailAddress
    )


def phone_field(label, *, required=None):
    """A US phone number, normalised to (703) 555-0123."""
    too_long = "That phone number is too long."
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
