"""The reading-pack builder's forms: the pack (texts, format, cover, print options) and one section per theme."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import (BooleanField, FieldList, Form as SubForm, FormField, HiddenField, IntegerField, SelectField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from .. import brand, images, languages, packs, palettes
from ..db import db
from ..models import Theme
from . import Form, MultiCheckboxField


def options(pairs) -> list[SelectChoice]:
    """Select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]



class SectionForm(SubForm):
    """One theme of the pack: whether it is in, where, which excerpts and which questions."""

    include = BooleanField(_l("Include"))
    theme = HiddenField()
    order = IntegerField(_l("Order"), validators=[Optional(), NumberRange(min=1, max=99)])
    # The library check (packs.validate) names unknown ids and numbers more clearly than WTForms would.
    quotes = MultiCheckboxField(_l("Excerpts"), validate_choice=False)
    questions = MultiCheckboxField(_l("Questions"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("Introduction (ours; empty: the theme's description)"), validators=[Length(max=600)])


class PackForm(Form):
    """The whole pack: texts, language, format, print options and its sections."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    subtitle = StringField(_l("Subtitle"), validators=[Length(max=200)])
    editor = StringField(_l("Edited by (optional)"), validators=[Length(max=120)])
    lang = SelectField(_l("Language of the pack"), choices=options(languages.choices()),
                       default="en")
    size = SelectField(_l("Page size"), choices=options([("A5", _l("A5 (booklet from A4 sheets)")), ("A4", "A4"),
                                                  ("Letter", "US Letter"), ("A6", _l("A6 (pocket zine)"))]),
                       default="A5")
    imposition = SelectField(_l("Print as"), choices=options([
        ("none", _l("Pages in reading order")),
        ("booklet", _l("Booklet: two pages per sheet side, fold and staple")),
        ("zine", _l("Pocket zine: four A6 pages per A4 side, cut, fold and staple"))]), default="none")
    session_minutes = IntegerField(_l("Meeting length (minutes)"), default=90,
                                   validators=[DataRequired(), NumberRange(min=30, max=240)])
    glossary = SelectField(_l("Glossary"), choices=options([("used", _l("Terms used in the pack")),
                                                    ("all", _l("Every term")), ("none", _l("No glossary"))]),
                           default="used")
    prompts = BooleanField(_l("Show the interviewer's question before each answer"), default=True)
    draft_questions = BooleanField(_l("Allow questions not yet reviewed (marked as drafts)"))
    drafts = BooleanField(_l("Russian or Arabic pack: allow draft translations (printed with the mark “draft translation”)"))
    palette = SelectField(_l("Cover colours"), default="")
    image = SelectField(_l("Cover photo"), default="", validate_choice=False)  # packs.validate names a missing one
    url = StringField(_l("Web address for the QR code on the back cover"), validators=[Length(max=400)])
    sections = FieldList(FormField(SectionForm))
    name = StringField(_l("Save as pamphlet named"), validators=[
        Optional(), Length(max=80), Regexp(packs.SLUG.pattern + "$", message=_l("Use lower-case letters, digits and hyphens."))])
    replace = BooleanField(_l("Replace a pamphlet of that name"))

    def set_cover_choices(self) -> None:
        """The palettes on offer (empty: the brand kit's) and the stored photos."""
        kit = brand.current()
        names = palettes.names(kit)
        default = kit.palette if kit.palette in names else palettes.DEFAULT_PALETTE
        label = {name: _(palettes.resolve(name, kit).label) for name in names}
        self.palette.choices = options([("", _("Campaign default: %(palette)s", palette=label[default]))]
                                       + list(label.items()))
        self.image.choices = options([("", _("No photo"))] + [(str(i), text) for i, text in images.choices()])

    def included(self) -> list:
        """The chosen sections, in the chosen order (ties keep the page's order)."""
        chosen = [entry for entry in self.sections if entry.form.include.data]
        return sorted(chosen, key=lambda e: (e.form.order.data or 99, self.sections.entries.index(e)))

    def validate_sections(self, field):
        """At least one theme; every chosen theme with an excerpt and three to six questions."""
        chosen = self.included()
        if not chosen:
            raise ValidationError(_("Choose at least one theme."))
        for entry in chosen:
            if not entry.form.quotes.data:
                entry.form.quotes.errors = list(entry.form.quotes.errors) + [
                    _("Choose at least one excerpt for this theme.")]
            count = len(entry.form.questions.data or [])
            if not packs.MIN_QUESTIONS <= count <= packs.MAX_QUESTIONS:
                entry.form.questions.errors = list(entry.form.questions.errors) + [
                    _("Choose %(low)d to %(high)d questions.", low=packs.MIN_QUESTIONS, high=packs.MAX_QUESTIONS)]
        if any(e.form.quotes.errors or e.form.questions.errors for e in chosen):
            raise ValidationError(_("Some themes need attention (see below)."))

    def validate_imposition(self, field):
        """A pocket zine is made of A6 pages; a booklet of anything larger."""
        if field.data == "zine" and self.size.data != "A6":
            raise ValidationError(_("A pocket zine needs A6 pages: choose page size A6."))
        if field.data == "booklet" and self.size.data == "A6":
            raise ValidationError(_("A6 pages print as a pocket zine, not a booklet."))

    def to_data(self) -> dict:
        """The pamphlet data this form describes (validated again by ``packs.validate``)."""
        data = {"kind": "reading-pack", "title": self.title.data or "", "subtitle": self.subtitle.data or "",
                "editor": self.editor.data or "", "lang": self.lang.data, "size": self.size.data,
                "imposition": self.imposition.data, "session_minutes": self.session_minutes.data,
                "glossary": self.glossary.data, "prompts": bool(self.prompts.data),
                "draft_questions": bool(self.draft_questions.data), "drafts": bool(self.drafts.data),
                "palette": self.palette.data or "", "image": self.image.data or None, "url": self.url.data or "",
                "sections": []}
        for entry in self.included():
            section = {"theme": entry.form.theme.data, "quotes": list(entry.form.quotes.data or []),
                       "questions": sorted(entry.form.questions.data or [])}
            if (entry.form.note.data or "").strip():
                section["note"] = entry.form.note.data
            data["sections"].append(section)
        return data


class QuestionForm(Form):
    """A discussion question we write for one theme."""

    theme = SelectField(_l("Theme"), validators=[DataRequired()])
    text = TextAreaField(_l("Question"), validators=[DataRequired(), Length(min=10, max=400)])

    def validate_theme(self, field):
        """The theme must exist."""
        if db.session.get(Theme, field.data) is None:
            raise ValidationError(_("Unknown theme."))
