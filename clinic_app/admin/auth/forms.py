"""Forms of signing in, of the back office's plain actions, and of the audit log's filters."""

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ...validators import strip


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", filters=[strip], validators=[DataRequired("Please enter your email."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Please enter your password."), Length(max=200)])


class CodeForm(FlaskForm):
    """The six-digit code from the authenticator app, or a recovery code."""

    code = StringField(
        "Code",
        filters=[strip],
        validators=[DataRequired("Please enter the code from your authenticator app."), Length(max=20)],
        render_kw={"spellcheck": "false", "autocapitalize": "off"},
    )


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired("Please enter your current password.")]
    )
    # How strong it must be is checked by accounts.password_problem (length, guessability, reuse).
    new_password = PasswordField("New password", validators=[DataRequired("Please choose a new password.")])
    confirm = PasswordField(
        "New password again", validators=[EqualTo("new_password", message="The two new passwords differ.")]
    )


class ActionForm(FlaskForm):
    """A button that changes state (its CSRF token is all it carries)."""


class AuditFilterForm(FlaskForm):
    """The audit log's filters (a GET form: no CSRF token, state kept in the URL)."""

    class Meta:
        csrf = False

    action = SelectField("Action", choices=[], validate_choice=False)
    user = SelectField("Staff account", choices=[], validate_choice=False)
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
