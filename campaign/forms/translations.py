"""The translation form (marking a translation reviewed is a button: ``ActionForm``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import translations
from . import Form


class TranslationForm(Form):
    """A translation of one quotation; saved words stay a draft until another translator reviews them."""

    text = TextAreaField(_l("Translation"), validators=[DataRequired(), Length(max=translations.MAX_TEXT_CHARS)])
    translator = StringField(_l("Translated by (a name, or “machine draft”)"),
                             validators=[DataRequired(), Length(max=translations.MAX_NAME_CHARS)])
    translated_on = DateField(_l("Translated on"), validators=[Optional()])
