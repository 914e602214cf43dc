"""Forms of the practice settings: accounts (invite, edit) and setting a password from a link."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectChoice, SelectMultipleField
from wtforms.validators import DataRequired, EqualTo, InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from ...fields import email_field, name_field
from ...models.staff import Role

ROLE_CHOICES = [
    SelectChoice(Role.STAFF, "Front desk: the offices chosen below"),
    SelectChoice(Role.ADMIN, "Admin: every office, the practice settings and the audit log"),
]


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (offices)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AccountForm(FlaskForm):
    """An account's name, role and offices."""

    name = name_field("Name", required="Please enter their name.", max_length=120, what="the name")
    role = RadioField("Role", choices=ROLE_CHOICES, validators=[InputRequired("Please choose a role.")])
    offices = CheckboxesField("Offices", choices=[], coerce=int, validate_choice=False)


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
