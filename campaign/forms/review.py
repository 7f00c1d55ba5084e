"""Forms of the review desk: sending a draft back with a note (approving is a button: ``ActionForm``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from .. import review
from . import Form


class SendBackForm(Form):
    """Send a draft (a quotation, a question) back to its author, saying what needs changing."""

    note = TextAreaField(_l("What needs changing"), validators=[DataRequired(), Length(max=review.MAX_NOTE_CHARS)])
