"""Form helpers shared by the study-group and login pages: CSRF outcomes and private responses."""
from __future__ import annotations

from functools import wraps

from flask import abort, make_response
from flask_babel import gettext as _
from flask_wtf import FlaskForm

# Flask-WTF's reasons for a refused token that an honest person can cause by leaving a tab open
# or restarting the browser: they get the form back with a "please submit again".
RETRY = {"The CSRF token has expired.", "The CSRF session token is missing.", "The CSRF tokens do not match."}


class ActionForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""


def csrf_state(form: FlaskForm) -> str | None:
    """``None`` when the token is fine, ``"retry"`` when it expired, ``"reject"`` when missing or forged."""
    field = getattr(form, "csrf_token", None)
    if field is None or not field.errors:
        return None
    return "retry" if all(str(e) in RETRY for e in field.errors) else "reject"


def reject_csrf():
    """400 with a message a person can act on."""
    abort(400, _("This form arrived without a valid security token, so nothing was changed. "
                 "Reload the page and submit the form again."))


def no_store(view):
    """Pages with personal data or secret links are never cached."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapper
