"""Forms of the campaign kit, the carousel and the thread page."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from .. import brand, palettes, quotes, thread
from ..db import db
from ..models import Quote
from . import Form, MultiCheckboxField


class _Selection(Form):
    """A theme or chosen quotations."""

    theme = SelectField(_l("Theme"), validators=[Optional()])
    quotes = MultiCheckboxField(_l("Or choose quotations"))

    def fill_choices(self):
        """Themes and printable quotations from the library."""
        self.theme.choices = [SelectChoice("", _("— none —"))] + [SelectChoice(t.id, t.name) for t in quotes.themes()]
        self.quotes.choices = [SelectChoice(q.id, f"{q.speaker}: {q.text[:90]}{'…' if len(q.text) > 90 else ''}")
                               for q in db.session.scalars(db.select(Quote).where(quotes.PRINTABLE)
                                                          .order_by(Quote.position, Quote.id))]

    def validate_quotes(self, field):
        """A theme or at least one quotation, not both."""
        if not self.theme.data and not field.data:
            raise ValidationError(_("Choose a theme or at least one quotation."))
        if self.theme.data and field.data:
            raise ValidationError(_("Choose a theme or quotations, not both."))


class CarouselForm(_Selection):
    """A carousel: the quotations and a palette."""

    palette = RadioField(_l("Palette"), default=palettes.DEFAULT_PALETTE)

    def fill_choices(self):
        super().fill_choices()
        current = brand.current()
        self.palette.choices = [SelectChoice(name, _(palettes.resolve(name, current).label))
                               for name in palettes.names(current)]


class ThreadForm(_Selection):
    """A thread: the quotations and the platform (read-only: a GET form)."""

    class Meta:
        csrf = False  # it only reads: the thread is shown, nothing is stored

    platform = RadioField(_l("Platform"), default=thread.DEFAULT_PLATFORM,
                          choices=[SelectChoice(p.name, f"{p.label} ({p.limit})") for p in thread.PLATFORMS.values()])
