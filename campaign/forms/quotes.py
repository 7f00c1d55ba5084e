"""The quotation form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import quotes
from ..db import db
from ..models import Source
from . import Form, MultiCheckboxField


class QuoteForm(Form):
    """A quotation: verbatim text, who said it, what it is about, and our one-line context."""

    id = StringField(_l("Id (used in links and file names)"), validators=[DataRequired(), Length(max=80)])
    source = SelectField(_l("Source"), validators=[DataRequired()])
    speaker = SelectField(_l("Speaker"), validators=[DataRequired()])
    text = TextAreaField(_l("Text, word for word (mark cuts with […])"), validators=[DataRequired(), Length(max=2000)])
    themes = MultiCheckboxField(_l("Themes (one to three)"))
    context = StringField(_l("Context note (ours, one line)"), validators=[Length(max=300)])

    def fill_choices(self):
        all_sources = db.session.scalars(select(Source).order_by(Source.slug)).all()
        self.source.choices = [(s.slug, s.title) for s in all_sources]
        names = sorted({name for s in all_sources for name in quotes.parsed(s).speakers.values()})
        self.speaker.choices = [(n, n) for n in names]
        self.themes.choices = [(t.id, t.name) for t in quotes.themes()]

    def to_input(self) -> quotes.QuoteInput:
        return quotes.QuoteInput(id=self.id.data.strip(), source=self.source.data, speaker=self.speaker.data,
                                 text=self.text.data, themes=list(self.themes.data or []),
                                 context=self.context.data or "")
