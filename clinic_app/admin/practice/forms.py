"""Forms of the practice settings: accounts, a password from a link, clinicians, kinds of visit."""

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ...fields import email_field, name_field, phone_field, text_field
from ...models import VisitType
from ...models.office import WEEKDAY_NAMES
from ...models.staff import Role
from ...validators import strip

ROLE_CHOICES = [
    SelectChoice(Role.STAFF, "Front desk: the offices chosen below"),
    SelectChoice(Role.ADMIN, "Admin: every office, the practice settings and the audit log"),
]


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (offices, clinicians): only values from the list count."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Please choose from the list.") from None

    def pre_validate(self, form):
        offered = {choice.value for choice in self.choices}
        if any(value not in offered for value in self.data or ()):
            raise ValidationError("Please choose from the list.")


class AccountForm(FlaskForm):
    """An account's name, role and offices."""

    name = name_field("Name", required="Please enter their name.", max_length=120, what="the name")
    role = RadioField("Role", choices=ROLE_CHOICES, validators=[InputRequired("Please choose a role.")])
    offices = CheckboxesField("Offices", choices=[], coerce=int)


class InviteForm(AccountForm):
    """A new account: who, and what they may do."""

    email = email_field("Email", required="Please enter their email address.")


class LinkPasswordForm(FlaskForm):
    """Choose a password from an emailed link."""

    # How strong it must be is checked by accounts.password_problem (length, guessability).
    new_password = PasswordField("New password", validators=[DataRequired("Please choose a password.")])
    confirm = PasswordField(
        "New password again", validators=[EqualTo("new_password", message="The two passwords differ.")]
    )


class MinutesField(IntegerField):
    """A whole number of minutes, with a plain message when it is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Please give a whole number of minutes, like 30.") from None


class ClinicianForm(FlaskForm):
    """A clinician as patients and staff see them, where they work and what they offer."""

    name = name_field("Name", required="Please enter the name of the clinician.", max_length=120, what="the name")
    credentials = text_field("Credentials", max_length=60, what="the credentials", one_line=True)
    specialty = text_field("Specialty", max_length=120, what="the specialty", one_line=True)
    bio = text_field("Short biography", max_length=2000, what="the biography")
    # What patients read on the Spanish pages (blank: the English above).
    spanish_specialty = text_field(
        "Specialty in Spanish (optional)",
        max_length=120,
        what="the Spanish specialty",
        one_line=True,
        render_kw={"lang": "es"},
    )
    spanish_bio = text_field(
        "Short biography in Spanish (optional)", max_length=2000, what="the Spanish biography", render_kw={"lang": "es"}
    )
    offices = CheckboxesField("Offices", choices=[], coerce=int)
    visit_types = CheckboxesField("Kinds of visit offered", choices=[], coerce=int)
    accepts_new_patients = BooleanField("Accepts patients new to the practice", default=True)
    photo = FileField("Photo (optional)")
    remove_photo = BooleanField("Remove the photo")


class VisitTypeForm(FlaskForm):
    """A kind of visit: its name, length, pause, place, patients, and who offers it."""

    name = text_field("Name", max_length=120, what="the name", one_line=True, required="Please enter a name.")
    description = text_field("What patients read about it", max_length=500, what="the description")
    # What patients read on the Spanish pages (blank: the English above).
    spanish_name = text_field(
        "Name in Spanish (optional)", max_length=120, what="the Spanish name", one_line=True, render_kw={"lang": "es"}
    )
    spanish_description = text_field(
        "What patients read about it, in Spanish (optional)",
        max_length=500,
        what="the Spanish description",
        render_kw={"lang": "es"},
    )
    duration_minutes = MinutesField(
        "Length in minutes", validators=[InputRequired("Please give the length in minutes.")]
    )
    buffer_minutes = MinutesField(
        "Pause after it, in minutes", default=0, validators=[InputRequired("Please give the pause (0 for none).")]
    )
    is_telehealth = RadioField(
        "Where",
        choices=[SelectChoice("in-person", "At the office"), SelectChoice("video", "By video")],
        default="in-person",
        validators=[InputRequired("Please choose where.")],
    )
    patients = RadioField(
        "For",
        choices=[SelectChoice(key, label) for key, label in VisitType.PATIENTS.items()],
        default=VisitType.ANY,
        validators=[InputRequired("Please choose who it is for.")],
    )
    active = BooleanField("Offered for booking", default=True)
    provider_ids = CheckboxesField("Offered by", choices=[], coerce=int)


def _hours_fields(cls):
    """An "opens" and a "closes" time for each day of the week (empty: closed that day)."""
    for weekday, day in enumerate(WEEKDAY_NAMES):
        for part, word in (("opens", "opens"), ("closes", "closes")):
            setattr(
                cls,
                f"{part}_{weekday}",
                TimeField(
                    f"{day}: {word}",
                    format=["%H:%M", "%H:%M:%S"],
                    validators=[Optional()],
                    invalid_value_message="Please enter a time like 08:30, or leave it empty.",
                ),
            )
    return cls


@_hours_fields
class OfficeForm(FlaskForm):
    """An office as patients find it and as the front desk is told of bookings."""

    name = text_field("Name", max_length=120, what="the name", one_line=True, required="Please enter a name.")
    street = text_field("Street", max_length=200, what="the street", one_line=True, required="Please enter the street.")
    suite = text_field("Suite", max_length=60, what="the suite", one_line=True)
    city = text_field("City", max_length=80, what="the city", one_line=True, required="Please enter the city.")
    state = StringField(
        "State",
        filters=[strip, lambda value: value.upper() if value else value],
        validators=[
            DataRequired("Please enter the state."),
            Regexp(r"^[A-Z]{2}$", message="Please use the two-letter state code, like VA."),
        ],
    )
    postal_code = StringField(
        "ZIP code",
        filters=[strip],
        validators=[
            DataRequired("Please enter the ZIP code."),
            Regexp(r"^\d{5}(-\d{4})?$", message="Please enter a ZIP code like 22033."),
        ],
    )
    phone = phone_field("Phone", required="Please enter the office's phone number.")
    timezone = StringField("Time zone", filters=[strip], validators=[DataRequired("Please enter the time zone.")])
    notify_emails = TextAreaField("Email addresses told of every booking", filters=[strip])
    offers_telehealth = BooleanField("Offers video visits")
    zone_change_confirmed = BooleanField("Change the time zone anyway")

    def validate_notify_emails(self, field):
        addresses = []
        for part in re.split(r"[\s,;]+", field.data or ""):
            if not part:
                continue
            try:
                addresses.append(validate_email(part, check_deliverability=False).normalized)
            except EmailNotValidError:
                raise ValidationError(f"“{part}” is not an email address; please check it.") from None
        field.addresses = tuple(dict.fromkeys(addresses))

    def opening_hours(self) -> tuple:
        """(weekday, opens, closes) of each day open; errors on the fields for half-given or reversed hours."""
        hours = []
        for weekday, day in enumerate(WEEKDAY_NAMES):
            opens, closes = self[f"opens_{weekday}"], self[f"closes_{weekday}"]
            if opens.errors or closes.errors or (opens.data is None and closes.data is None):
                continue
            if opens.data is None or closes.data is None:
                (opens if opens.data is None else closes).errors = [
                    f"Please give both times for {day}, or neither if closed."
                ]
            elif opens.data >= closes.data:
                closes.errors = [f"On {day} the office must close after it opens."]
            else:
                hours.append((weekday, opens.data, closes.data))
        return tuple(hours)


@lru_cache(maxsize=16)
def draft_form_class(rows: int):
    """The draft questionnaire's form with ``rows`` question rows (those in the draft and two
    empty ones to add; a row left empty is dropped), each part also in Spanish (optional: what
    Spanish pages ask; typed with ``lang="es"``)."""
    spanish = {"render_kw": {"lang": "es"}}
    attrs = {}
    for index in range(rows):
        number = index + 1
        attrs[f"q{index}_key"] = HiddenField()
        attrs[f"q{index}_text"] = text_field(f"Question {number}", max_length=300, what="the question", one_line=True)
        attrs[f"q{index}_help"] = text_field(
            f"Question {number}: help under it", max_length=300, what="the help", one_line=True
        )
        attrs[f"q{index}_yes"] = text_field(
            f"Question {number}: what a “yes” means", max_length=300, what="this", one_line=True
        )
        attrs[f"q{index}_spanish_text"] = text_field(
            f"Question {number} in Spanish", max_length=300, what="the question", one_line=True, **spanish
        )
        attrs[f"q{index}_spanish_help"] = text_field(
            f"Question {number}: help under it, in Spanish", max_length=300, what="the help", one_line=True, **spanish
        )
        attrs[f"q{index}_spanish_yes"] = text_field(
            f"Question {number}: what a “yes” means, in Spanish", max_length=300, what="this", one_line=True, **spanish
        )
    attrs["acknowledgement"] = text_field(
        "What the patient confirms", max_length=500, what="the confirmation", one_line=True
    )
    attrs["spanish_acknowledgement"] = text_field(
        "What the patient confirms, in Spanish", max_length=500, what="the confirmation", one_line=True, **spanish
    )
    attrs["policy"] = text_field("The policy (Markdown)", max_length=20000, what="the policy")
    attrs["spanish_policy"] = text_field(
        "The policy in Spanish (Markdown)", max_length=20000, what="the policy", **spanish
    )
    attrs["publish_on"] = DateField("Publish on", validators=[Optional()])
    return type("DraftQuestionnaireForm", (FlaskForm,), attrs)
