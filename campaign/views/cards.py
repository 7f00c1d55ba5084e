"""Quote cards: one card as PNG, the batch page with previews, ZIP downloads."""
from __future__ import annotations

import os
from urllib.parse import urljoin

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError
from wtforms.fields.choices import SelectChoice

from .. import authz, build_kinds, cards, languages, quotes, render, translations
from ..build_plan import Plan
from ..forms import Form, MultiCheckboxField
from ..db import db
from ..models import Quote
from .builds import page_or_file, start

bp = Blueprint("cards", __name__)

# A card is a pure function of its URL's parameters and the data under its ETag; a URL that carries
# the card's version (``v``) can never change, so browsers and proxies may keep it for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=86400"
MAX_BATCH = 120


def _cache_dir() -> str | None:
    """Where rendered cards are kept (``CACHE_DIR/cards``), or None to render every time."""
    base = current_app.config.get("CACHE_DIR")
    return os.path.join(base, "cards") if base else None


def absolute(path: str) -> str:
    """An absolute URL on the configured public address (``BASE_URL``), for link previews and metadata."""
    return urljoin(current_app.config["BASE_URL"].rstrip("/") + "/", path.lstrip("/"))


def default_mark() -> str:
    """The campaign's own mark or handle for cards that ask for none (``CARD_MARK``, empty by default)."""
    return str(current_app.config.get("CARD_MARK") or "")


def card_url(quote_id: str, key: str, fmt: str, palette: str, mark: str = "", **extra) -> str:
    """The versioned URL of one card (``v`` pins the content, so it is cached for good)."""
    params = {"format": fmt, "palette": palette, "v": key[:16], **extra}
    if mark:
        params["mark"] = mark
    return url_for("cards.card_png", quote_id=quote_id, **params)


@bp.app_template_global("quote_cards")
def quote_cards(quote, palette: str | None = None, mark: str | None = None) -> dict:
    """What a quote page shows and announces about the quote's cards (URLs, alt text, sizes)."""
    if palette not in cards.PALETTES:
        palette = cards.DEFAULT_PALETTE
    if mark is None:
        mark = " ".join(default_mark().split())[:cards.MARK_MAX]
    data = cards.card_quote(quote)
    source_url = absolute(url_for("quotes.detail", quote_id=quote.id))
    items = []
    for fmt in cards.FORMATS.values():
        key = cards.cache_key(data, fmt.name, palette, mark, source_url)
        items.append({"format": fmt, "key": key, "url": card_url(quote.id, key, fmt.name, palette, mark),
                      "download": card_url(quote.id, key, fmt.name, palette, mark, download=1),
                      "filename": cards.filename(quote.id, fmt.name)})
    by_name = {i["format"].name: i for i in items}
    return {"alt": data.alt, "palette": palette, "palettes": list(cards.PALETTES.values()), "items": items,
            "preview": by_name[cards.DEFAULT_FORMAT], "og": by_name["og"],
            "og_image": absolute(by_name["og"]["url"]), "page_url": source_url, "format_names": list(cards.FORMATS)}


@bp.get("/cards/palettes.css")
@authz.public
def palettes_css():
    """Swatch colours for the palette pickers, from the same data the cards use (no inline styles: CSP)."""
    rules = [f".palette-{p.name} {{ background: {p.background}; color: {p.text}; "
             f"box-shadow: inset 0 -0.35em 0 {p.accent}; }}" for p in cards.PALETTES.values()]
    return Response("\n".join(rules) + "\n", mimetype="text/css", headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/quotes/<quote_id>/card.png")
@authz.public(note="library cards; a custom mark or draft translations need a role")
def card_png(quote_id):
    """One quote card as PNG: re-verified quote, cached bytes, ETag and long Cache-Control.

    ``lang=ru|ar`` prints the quotation's reviewed translation (``drafts=1`` allows a draft, marked as
    such; ``bilingual=1`` stacks the original under it); without a usable translation: 422 naming it.
    The card goes through the print-output contract: validate → gather → key → render.
    """
    args = request.args
    try:
        spec = cards.validate({"quote": quote_id, "format": args.get("format", cards.DEFAULT_FORMAT),
                               "palette": args.get("palette", cards.DEFAULT_PALETTE),
                               "mark": args.get("mark", default_mark()), "lang": args.get("lang", ""),
                               "drafts": args.get("drafts", "0"), "bilingual": args.get("bilingual", "0"),
                               "source_url": absolute(url_for("quotes.detail", quote_id=quote_id))})
    except cards.CardError as exc:
        abort(400, str(exc))
    if spec.drafts or spec.mark != " ".join(default_mark().split())[:cards.MARK_MAX]:
        # A card of anyone's own words or of an unreviewed translation is a custom render, not the library's.
        authz.require("organizer", "editor", "translator")
    try:
        context = cards.gather(spec, _card_gettext(spec.lang or None))
    except cards.CardError as exc:
        abort(404 if exc.field == "quote" else 422, exc.message)
    key = cards.key(spec, context)
    headers = {"ETag": f'"{key}"',
               "Cache-Control": IMMUTABLE if args.get("v") == key[:16] else REVALIDATE}
    if request.if_none_match.contains(key):
        return Response(status=304, headers=headers)
    try:
        png, _hit = render.cached_bytes(_cache_dir(), key, lambda: cards.render(context), ".png")
    except cards.CardTooLong as exc:
        abort(422, exc.message)
    disposition = "attachment" if args.get("download") else "inline"
    headers["Content-Disposition"] = f'{disposition}; filename="{cards.filename(spec.quote, spec.format)}"'
    return Response(png, mimetype="image/png", headers=headers)


def _card_gettext(lang: str | None):
    """The card's own words (the source line) in the card's language."""
    if not lang:
        return lambda s, **kw: s % kw

    def translate(message, **kw):
        from flask_babel import force_locale

        with force_locale(lang):
            return _(message, **kw)
    return translate



class CardsForm(Form):
    """A batch of cards: a theme or chosen quotations, the formats, one palette, an optional mark."""

    class Meta:
        csrf = False  # a GET form that only reads: previews and downloads change nothing

    theme = SelectField(_l("Theme"), validators=[Optional()])
    quotes = MultiCheckboxField(_l("Or choose quotations"))
    formats = MultiCheckboxField(_l("Formats"))
    palette = RadioField(_l("Palette"), default=cards.DEFAULT_PALETTE)
    mark = StringField(_l("Campaign mark or handle (optional, small line at the bottom)"),
                       validators=[Optional(), Length(max=cards.MARK_MAX)])
    lang = SelectField(_l("Language of the cards"), choices=[SelectChoice(c, n) for c, n in languages.choices()],
                       default="en")
    drafts = BooleanField(_l("Allow draft translations (each card is marked “draft translation”)"))

    def fill_choices(self):
        """Themes, quotations, formats and palettes from the library and the card module."""
        self.theme.choices = [("", _("— none —"))] + [(t.id, t.name) for t in quotes.themes()]
        self.quotes.choices = [(q.id, f"{q.speaker}: {q.text[:90]}{'…' if len(q.text) > 90 else ''}")
                               for q in db.session.scalars(db.select(Quote).where(quotes.PRINTABLE)
                                                          .order_by(Quote.position, Quote.id))]
        self.formats.choices = [(f.name, f"{_(f.label)} ({f.width}×{f.height}, {_(f.use)})")
                                for f in cards.FORMATS.values()]
        self.palette.choices = [(p.name, _(p.label)) for p in cards.PALETTES.values()]

    def validate_quotes(self, field):
        """A theme or at least one quotation, not both."""
        if not self.theme.data and not field.data:
            raise ValidationError(_("Choose a theme or at least one quotation."))
        if self.theme.data and field.data:
            raise ValidationError(_("Choose a theme or quotations, not both."))

    def validate_formats(self, field):
        """At least one format, and not more cards than one download should hold."""
        if not field.data:
            raise ValidationError(_("Choose at least one format."))

    def selected(self) -> list[Quote]:
        """The chosen quotations, each re-verified against its source."""
        if self.theme.data:
            found = quotes.search(theme=self.theme.data)
            for q in found:
                quotes.verify(q)
            return found
        return quotes.get_many_verified(list(self.quotes.data))


def _batch_form():
    """The batch form filled from the query string, validated (or None when nothing was asked yet)."""
    form = CardsForm(request.args)
    form.fill_choices()
    if not request.args:
        form.formats.data = [cards.DEFAULT_FORMAT]
        form.palette.data = cards.DEFAULT_PALETTE
        form.mark.data = default_mark()
        return form, None
    if not form.validate():
        return form, None
    try:
        chosen = form.selected()
    except quotes.QuoteError as exc:
        form.quotes.errors = list(form.quotes.errors) + [exc.message]
        return form, None
    try:  # every chosen quotation must have a translation the cards may print
        for quote in chosen:
            _card_data(form, quote)
    except translations.MissingTranslation as exc:
        form.lang.errors = list(form.lang.errors) + [exc.message]
        return form, None
    total = len(chosen) * len(form.formats.data)
    if total > MAX_BATCH:
        form.formats.errors = list(form.formats.errors) + [
            _("That is %(n)d cards; one download holds at most %(max)d. Choose fewer quotations or formats, "
              "or build them all with `flask --app app cards build`.", n=total, max=MAX_BATCH)]
        return form, None
    return form, chosen


def _card_data(form, quote) -> cards.CardQuote:
    """A card's data in the batch's language (``MissingTranslation`` when it has none to print)."""
    lang = form.lang.data if form.lang.data in languages.CODES else "en"
    if lang == "en":
        return cards.card_quote(quote)
    return cards.card_quote(quote, _card_gettext(lang), lang=lang, drafts=bool(form.drafts.data))


def _language_params(form) -> dict:
    """The card URL parameters for the batch's language."""
    if form.lang.data in (None, "", "en"):
        return {}
    return {"lang": form.lang.data, **({"drafts": 1} if form.drafts.data else {})}


def _batch(form, chosen) -> list[dict]:
    """The cards of a batch, in quotation then format order, with their URLs and alt text."""
    mark = " ".join((form.mark.data or "").split())
    out = []
    for quote in chosen:
        data = _card_data(form, quote)
        extra = _language_params(form)
        source_url = absolute(url_for("quotes.detail", quote_id=quote.id))
        for name in [f for f in cards.FORMATS if f in form.formats.data]:
            key = cards.cache_key(data, name, form.palette.data, mark, source_url)
            out.append({"quote": quote, "data": data, "format": cards.FORMATS[name], "mark": mark,
                        "source_url": source_url, "filename": cards.filename(quote.id, name),
                        "url": card_url(quote.id, key, name, form.palette.data, mark, **extra),
                        "download": card_url(quote.id, key, name, form.palette.data, mark, download=1, **extra)})
    return out


@bp.get("/cards")
@authz.requires("organizer")
def index():
    """Pick a theme or quotations, formats and a palette; preview the cards as thumbnails."""
    form, chosen = _batch_form()
    status = 422 if request.args and chosen is None else 200
    batch = _batch(form, chosen) if chosen is not None else []
    download = url_for("cards.download", **request.args) if chosen else None
    return render_template("cards/index.html", form=form, batch=batch, download=download), status


@bp.get("/cards/cards.zip")
@authz.requires("organizer")
def download():
    """A ZIP of the batch's PNGs plus ``alt-text.csv`` and ``alt-text.txt``, made by a build job.

    A ZIP made before is sent at once; otherwise the build's page shows its progress (or, when the
    job ran at once, the ZIP is sent)."""
    form, chosen = _batch_form()
    if chosen is None:
        problems = [f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()]
        abort(400, "; ".join(problems) or _("Choose a theme or quotations and at least one format."))
    lang = form.lang.data if form.lang.data in languages.CODES else "en"
    items, keys = [], []
    for item in _batch(form, chosen):
        items.append(build_kinds.card_item(item["quote"].id, item["format"].name, form.palette.data, item["mark"],
                                           lang, bool(form.drafts.data), item["source_url"]))
        keys.append(cards.cache_key(item["data"], item["format"].name, form.palette.data, item["mark"],
                                    item["source_url"]))
    name = f"cards-{form.theme.data or 'selection'}-{form.palette.data}.zip"
    plan = Plan(build_kinds.cards_key(keys, [i["quote"] + "-" + i["format"] for i in items]), name, len(items))
    return page_or_file(start("cards", {"items": items}, plan))
