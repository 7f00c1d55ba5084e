"""Forms of the account page: password change, sessions, two-factor sign-in."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .. import accounts
from . import Form

class PasswordChangeForm(Form):
    """The current password, then the new one twice."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=accounts.MAX_LENGTH)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=accounts.MAX_LENGTH)])
    repeat = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))])


class SessionForm(Form):
    """Which session to log out."""

    session = HiddenField(validators=[DataRequired(), Length(max=64)])


class ConfirmCodeForm(Form):
    """The first code from the authenticator app."""

    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=40)])


class PasswordOnlyForm(Form):
    """The current password, to confirm a change to how the account signs in."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=accounts.MAX_LENGTH)])

