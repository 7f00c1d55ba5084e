"""Forms of signing in: email and password, the second-step code, a new password, the first admin."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .. import accounts
from . import Form

class LoginForm(Form):
    """Email and password of an account."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=accounts.MAX_LENGTH)])


class CodeForm(Form):
    """The second step: a code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class NewPasswordForm(Form):
    """A new password, typed twice."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=accounts.MAX_LENGTH)])
    repeat = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))])


class SetupForm(NewPasswordForm):
    """The first admin's email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])

