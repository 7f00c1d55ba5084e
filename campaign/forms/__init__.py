"""Forms: the one base every form uses (translated messages, one-line fields without bidi controls),
the shared fields, CSRF outcomes and private responses."""
from __future__ import annotations

from functools import lru_cache, wraps

from babel import support
from flask import abort, current_app, make_response
from flask_babel import get_locale, gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectMultipleField, StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.widgets import CheckboxInput, ListWidget

from ..inputs import one_line

# Flask-WTF's reasons for a refused token that an honest person can cause by leaving a tab open
# or restarting the browser: they get the form back with a "please submit again".
RETRY = {"The CSRF token has expired.", "The CSRF session token is missing.", "The CSRF tokens do not match."}

KEPT_AS_SENT = (PasswordField, TextAreaField, HiddenField)


@lru_cache(maxsize=16)
def _wtforms_translations(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """A form whose built-in messages (WTForms') are translated once per language, not once per request.

    Every one-line text field (names, titles, places, handles) drops bidirectional override and
    isolate controls (:func:`campaign.inputs.one_line`); passwords and multi-line texts are kept as sent.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            """Put :func:`one_line` first among the filters of every one-line text field."""
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, KEPT_AS_SENT):
                options = {**options, "filters": (one_line, *unbound_field.kwargs.get("filters", ()),
                                                  *options.get("filters", ()))}
            return unbound_field.bind(form=form, **options)

        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return None
            return _TranslationsAdapter(_wtforms_translations(str(get_locale() or "en")))


class _TranslationsAdapter:
    def __init__(self, translations):
        self.t = translations

    def gettext(self, string):
        return self.t.ugettext(string)

    def ngettext(self, singular, plural, n):
        return self.t.ungettext(singular, plural, n)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (themes, quotations, roles), rendered as a fieldset by the ``field`` macro."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(Form):
    """A button that changes something: carries only the CSRF token."""


def csrf_field_value() -> dict:
    """``csrf_token()`` for forms written by hand in templates (the language switch on every page)."""
    from flask_wtf.csrf import generate_csrf

    return {"csrf_token": generate_csrf}


def csrf_state(form: FlaskForm) -> str | None:
    """``None`` when the token is fine, ``"retry"`` when it expired, ``"reject"`` when missing or forged."""
    field = getattr(form, "csrf_token", None)
    if field is None or not field.errors:
        return None
    return "retry" if all(str(e) in RETRY for e in field.errors) else "reject"


def valid_post(form: FlaskForm) -> bool:
    """Validate a POSTed form: a forged CSRF token is a 400; an expired one leaves the form invalid."""
    valid = form.validate_on_submit()
    if csrf_state(form) == "reject":
        reject_csrf()
    return valid


def reject_csrf():
    """400 with a message a person can act on."""
    abort(400, _("This form arrived without a valid security token, so nothing was changed. "
                 "Reload the page and submit the form again."))


def require_action_token() -> None:
    """A button-only form (cancel, delete, move, export) must carry a valid CSRF token, else 400."""
    if not ActionForm().validate_on_submit():
        reject_csrf()


def no_store(view):
    """Pages with personal data or secret links are never cached."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapper
