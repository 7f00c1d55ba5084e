"""The leaflet builder's form: design, paper, palette, quotations, the organizer's texts and print options."""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from .. import brand, images, languages, leaflets, palettes, quotes
from . import Form, MultiCheckboxField


# The designs' names and descriptions as the builder shows them, in the catalogs for translation
# (campaign.leaflets keeps the English ones: it also runs in render workers, without Babel).
DESIGN_TEXTS = {
    "poster": (_l("Single-quote poster"),
               _l("One quotation set large, with its speaker and source; for walls and noticeboards.")),
    "flyer": (_l("Flyer: headline, quotations, call to action"),
              _l("A headline, two or three quotations and what to do next; to hand out.")),
    "handout": (_l("Two-column handout with context"),
                _l("A headline, an introduction and up to four quotations with their context, in two columns.")),
    "two-up": (_l("Two A5 flyers on one sheet (cut in half)"),
               _l("The flyer printed twice on a landscape sheet, to cut in half: half the paper.")),
    "photo-poster": (_l("Photo poster"),
                     _l("A photograph across the top with one quotation below it, the photo credited.")),
    "stickers": (_l("Sticker sheet"),
                 _l("Eight stickers on one sheet, each a coloured tile with a quotation and its speaker.")),
    "event": (_l("Study group poster"),
              _l("A study group's title, meeting dates and place, with a QR code to its signup page.")),
}


class LeafletForm(Form):
    """A leaflet: design, paper, quotations, the organizer's texts and print options."""

    design = SelectField(_l("Design"), choices=[SelectChoice(d.id, DESIGN_TEXTS.get(d.id, (d.label,))[0])
                                                  for d in leaflets.DESIGNS.values()],
                         default="flyer")
    size = SelectField(_l("Paper size"), choices=[SelectChoice(k, s.label) for k, s in leaflets.SIZES.items()], default="A5")
    orientation = SelectField(_l("Orientation"), choices=[SelectChoice("portrait", _l("Portrait")),
                                       SelectChoice("landscape", _l("Landscape"))],
                              default="portrait")
    quotes = MultiCheckboxField(_l("Quotations"), choices=[])
    headline = StringField(_l("Headline"), validators=[Optional(), Length(max=leaflets.LIMITS["headline"])])
    intro = TextAreaField(_l("Introduction (handout and flyer)"),
                          validators=[Optional(), Length(max=leaflets.LIMITS["intro"])])
    call_to_action = TextAreaField(_l("Call to action"),
                                   validators=[Optional(), Length(max=leaflets.LIMITS["call_to_action"])])
    qr_url = StringField(_l("QR code web address (e.g. your study group's signup page)"),
                         validators=[Optional(), Length(max=leaflets.LIMITS["qr_url"])])
    qr_group = SelectField(_l("…or a study group's signup page"), choices=[], default="")
    qr_label = StringField(_l("Words beside the QR code"), validators=[Optional(), Length(max=leaflets.LIMITS["qr_label"])])
    contact = StringField(_l("Issued by / contact line"), validators=[Optional(), Length(max=leaflets.LIMITS["contact"])])
    bleed = BooleanField(_l("Copy-shop print: 3 mm bleed and crop marks"), default=True)
    pdf_x = BooleanField(_l("Print-shop file: PDF/X-4"), default=False)
    lang = SelectField(_l("Language of your texts"), choices=[SelectChoice(c, n) for c, n in languages.choices()],
                       default="en")
    quotations = SelectField(_l("Quotations in a Russian or Arabic leaflet"),
                             choices=[SelectChoice("translated", _l("Translated into the leaflet's language")),
                                      SelectChoice("bilingual", _l("Original and translation side by side")),
                                      SelectChoice("original", _l("In the original only"))],
                             default="translated")
    drafts = BooleanField(_l("Allow draft translations (printed with the mark “draft translation”)"))
    palette = SelectField(_l("Colours"), choices=[], default="")
    image = SelectField(_l("Photo (photo poster)"), choices=[], default="")
    group = SelectField(_l("Study group (study group poster)"), choices=[], default="")
    highlight = StringField(_l("Highlighted phrase (posters with one quotation)"),
                            validators=[Optional(), Length(max=200)])
    name = StringField(_l("Pamphlet name (to save it)"), validators=[Optional(), Length(max=80)])
    overwrite = BooleanField(_l("Replace a saved pamphlet with this name"))

    def fill_choices(self):
        """Every quotation in the library can be chosen (the page may show fewer, filtered); listed study groups."""
        self.quotes.choices = [SelectChoice(q.id, q.id) for q in quotes.search("")]
        groups_listed = study_groups()
        self.qr_group.choices = [SelectChoice("", _("— none —"))] + [
            SelectChoice(key, title) for key, title in groups_listed]
        self.group.choices = [SelectChoice("", _("— none —"))] + [SelectChoice(key, title) for key, title in groups_listed]
        kit = brand.current()
        self.palette.choices = [SelectChoice("", _("Campaign default"))] + [
            SelectChoice(name, _(palettes.resolve(name, kit).label)) for name in palettes.names(kit)]
        self.image.choices = [SelectChoice("", _("— none —"))] + [
            SelectChoice(str(image_id), label) for image_id, label in images.choices()]

    def validate_size(self, field):
        if problem := leaflets.size_problem(self.design.data, field.data):
            raise ValidationError(problem)

    def validate_orientation(self, field):
        if problem := leaflets.orientation_problem(self.design.data, field.data):
            raise ValidationError(problem)

    def validate_quotes(self, field):
        if problem := leaflets.quotes_problem(self.design.data, list(field.data or [])):
            raise ValidationError(problem)

    def validate_qr_url(self, field):
        if problem := leaflets.url_problem((field.data or "").strip()):
            raise ValidationError(problem)

    def validate_qr_group(self, field):
        if field.data and (self.qr_url.data or "").strip():
            raise ValidationError(_("Choose either a web address or a study group for the QR code, not both."))

    def validate_qr_label(self, field):
        if (field.data or "").strip() and not ((self.qr_url.data or "").strip() or self.qr_group.data):
            raise ValidationError(_("Give the web address the QR code should point to."))

    def target_url(self) -> str:
        """The QR code's address: the one typed, or the chosen study group's signup page on this site."""
        if self.qr_group.data:
            src = {"src": self.name.data.strip()} if (self.name.data or "").strip() else {}
            return current_app.config["BASE_URL"].rstrip("/") + url_for("groups.show", key=self.qr_group.data, **src)
        return (self.qr_url.data or "").strip()

    def to_data(self) -> dict:
        """The pamphlet-file form of what was entered."""
        return {"kind": "leaflet", "design": self.design.data, "size": self.size.data,
                "orientation": self.orientation.data, "quotes": list(self.quotes.data or []),
                "headline": self.headline.data or "", "intro": self.intro.data or "",
                "call_to_action": self.call_to_action.data or "", "qr_url": self.target_url(),
                "qr_label": self.qr_label.data or "", "contact": self.contact.data or "",
                "bleed": bool(self.bleed.data), "pdf_x": bool(self.pdf_x.data), "lang": self.lang.data,
                "quotations": self.quotations.data if self.lang.data != "en" else "translated",
                "drafts": bool(self.drafts.data), "palette": self.palette.data or "",
                "image": self.image.data or None, "group": self.group.data or "",
                "highlight": (self.highlight.data or "").strip()}


def study_groups() -> list[tuple[str, str]]:
    """Publicly listed study groups (key, title) a QR code can point to; none when groups are not installed."""
    if "groups.show" not in current_app.view_functions:
        return []
    from .. import groups

    return [(group.key, group.title) for group, _seats in groups.listed_groups()]
