"""WTForms validators for what patients type: names, email addresses, US phone numbers, free text."""

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from wtforms.validators import ValidationError


def strip(value):
    """A form filter: leading and trailing spaces are never meant."""
    return value.strip() if isinstance(value, str) else value


HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>|<\s*script", re.IGNORECASE)


def has_control_characters(text: str, allow_newlines: bool = False) -> bool:
    """True when ``text`` holds a control or format character (CR, LF, NUL, bidi overrides …)."""
    for char in text:
        if allow_newlines and char in "\r\n\t":
            continue
        if unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}:
            return True
    return False


class PlainName:
    """A person's name: any script, but no control characters, line breaks or markup."""

    def __call__(self, form, field):
        value = field.data or ""
        if has_control_characters(value):
            raise ValidationError(
                _(
                    "Please use letters, spaces and punctuation only; "
                    "line breaks and special characters are not allowed."
                )
            )
        if HTML_TAG.search(value) or "<" in value or ">" in value:
            raise ValidationError(_("Please remove the < and > characters from your name."))


# Every character ``str.splitlines`` ends a line at: what a one-line field must not hold.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


class PlainText:
    """Free text (a message, notes): line breaks allowed unless ``one_line``, markup and control
    characters not."""

    def __init__(self, one_line: bool = False):
        self.one_line = one_line

    def __call__(self, form, field):
        value = field.data or ""
        if self.one_line and not LINE_BREAKS.isdisjoint(value):
            raise ValidationError(_("Please keep this on one line."))
        if has_control_characters(value, allow_newlines=True):
            raise ValidationError(_("Please remove the special characters from this text."))
        if HTML_TAG.search(value):
            raise ValidationError(_("Please remove the HTML tags (text between < and >) from this text."))


class EmailAddress:
    """A deliverable-looking email address, normalised (no DNS look-up, so it works offline)."""

    def __call__(self, form, field):
        value = (field.data or "").strip()
        if not value:
            return
        try:
            result = validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(_("Please enter an email address like name@example.com.")) from None
        field.data = result.normalized


class USPhone:
    """A valid US phone number, normalised to (703) 555-0123 style."""

    def __call__(self, form, field):
        value = (field.data or "").strip()
        if not value:
            return
        try:
            number = phonenumbers.parse(value, "US")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or number.country_code != 1 or not phonenumbers.is_valid_number(number):
            raise ValidationError(_("Please enter a US phone number with area code, like (703) 555-0123."))
        field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
