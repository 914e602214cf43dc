"""Forms of signing in and of the back office's plain actions."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

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
