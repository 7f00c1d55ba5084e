"""The Quote cards page's form: quotations, formats, layout, palette, highlighted phrase, photo, mark, language."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from .. import cards, highlight, images, languages, palettes, quotes
from ..db import db
from ..models import Quote
from . import Form, MultiCheckboxField


class CardsForm(Form):
    """A batch of cards: a theme or chosen quotations, the formats, a layout and palette, an optional mark."""

    class Meta:
        csrf = False  # a GET form that only reads: previews and downloads change nothing

    theme = SelectField(_l("Theme"), validators=[Optional()])
    quotes = MultiCheckboxField(_l("Or choose quotations"))
    formats = MultiCheckboxField(_l("Formats"))
    layout = RadioField(_l("Layout"), default=cards.DEFAULT_LAYOUT)
    palette = RadioField(_l("Palette"), default=cards.DEFAULT_PALETTE)
    image = SelectField(_l("Photo (for the photo layout)"), validators=[Optional()])
    highlight = StringField(_l("Highlighted phrase, as character positions start-end"),
                            validators=[Optional(), Length(max=12)])
    highlight_phrase = StringField(_l("Or type the phrase to highlight, word for word"),
                                   validators=[Optional(), Length(max=400)])
    mark = StringField(_l("Campaign mark or handle (optional, small line at the bottom)"),
                       validators=[Optional(), Length(max=cards.MARK_MAX)])
    lang = SelectField(_l("Language of the cards"), choices=[SelectChoice(c, n) for c, n in languages.choices()],
                       default="en")
    drafts = BooleanField(_l("Allow draft translations (each card is marked “draft translation”)"))

    def fill_choices(self, brand=None):
        """Themes, quotations, formats, layouts, palettes (the brand kit's too) and stored photos."""
        self.theme.choices = [("", _("— none —"))] + [(t.id, t.name) for t in quotes.themes()]
        self.quotes.choices = [(q.id, f"{q.speaker}: {q.text[:90]}{'…' if len(q.text) > 90 else ''}")
                               for q in db.session.scalars(db.select(Quote).where(quotes.PRINTABLE)
                                                          .order_by(Quote.position, Quote.id))]
        self.formats.choices = [(f.name, _("%(label)s (%(size)s, %(use)s; at most %(n)d characters)",
                                           label=_(f.label), size=f"{f.width}×{f.height}", use=_(f.use),
                                           n=f.max_chars))
                                for f in cards.FORMATS.values()]
        self.layout.choices = [(lay.name, _(lay.label)) for lay in cards.LAYOUTS.values()]
        self.palette.choices = [(name, _(palettes.resolve(name, brand).label)) for name in palettes.names(brand)]
        self.image.choices = [("", _("— none —"))] + [(str(i), label) for i, label in images.choices()]

    def validate_quotes(self, field):
        """A theme or at least one quotation, not both."""
        if not self.theme.data and not field.data:
            raise ValidationError(_("Choose a theme or at least one quotation."))
        if self.theme.data and field.data:
            raise ValidationError(_("Choose a theme or quotations, not both."))

    def validate_formats(self, field):
        """At least one format."""
        if not field.data:
            raise ValidationError(_("Choose at least one format."))

    def validate_image(self, field):
        """The photo layout needs a photo."""
        if self.layout.data == "photo" and not field.data:
            raise ValidationError(_("The photo layout needs a photo: choose one."))

    def validate_highlight(self, field):
        """A range ``start-end``, for one quotation only."""
        if not (field.data or self.highlight_phrase.data):
            return
        if len(self.quotes.data or []) != 1 or self.theme.data:
            raise ValidationError(_("A highlighted phrase belongs to one quotation: choose exactly one."))
        if field.data:
            try:
                highlight.parse(field.data)
            except highlight.HighlightError:
                raise ValidationError(_("Give the phrase as two character positions, start-end "
                                        "(for example 12-40), or type the phrase.")) from None

    def validate_highlight_phrase(self, field):
        """A typed phrase, too, belongs to one quotation."""
        if field.data and (len(self.quotes.data or []) != 1 or self.theme.data):
            raise ValidationError(_("A highlighted phrase belongs to one quotation: choose exactly one."))

    def spec_options(self) -> dict:
        """The card options the form chose, as ``cards.validate`` takes them."""
        return {"layout": self.layout.data or cards.DEFAULT_LAYOUT, "palette": self.palette.data,
                "image": self.image.data if self.layout.data == "photo" else None,
                "highlight": self.highlight.data or "",
                "highlight_phrase": "" if self.highlight.data else (self.highlight_phrase.data or "")}

    def selected(self) -> list[Quote]:
        """The chosen quotations, each re-verified against its source."""
        if self.theme.data:
            found = quotes.search(theme=self.theme.data)
            for q in found:
                quotes.verify(q)
            return found
        return quotes.get_many_verified(list(self.quotes.data))
