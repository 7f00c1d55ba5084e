"""Quote cards: one card as PNG, the batch page with previews, ZIP downloads."""
from __future__ import annotations

import os
from urllib.parse import urljoin

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from .. import (authz, brand as brands, build_kinds, cards, cards_batch, highlight, images, languages, palettes,
               quotes, render, thumbnails, translations)
from ..build_plan import Plan
from ..forms.cards import CardsForm
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


def default_mark(brand=None) -> str:
    """The campaign's mark for cards that ask for none: ``CARD_MARK``, else the brand kit's campaign name."""
    configured = str(current_app.config.get("CARD_MARK") or "")
    if configured:
        return configured
    kit = brand or brands.current()
    return kit.name if kit.name and kit.name != brands.DEFAULT_NAME else ""


def card_url(quote_id: str, key: str, fmt: str, palette: str, mark: str = "", **extra) -> str:
    """The versioned URL of one card (``v`` pins the content, so it is cached for good)."""
    params = {"format": fmt, "palette": palette, "v": key[:16],
              **{name: value for name, value in extra.items() if value not in (None, "")}}
    if params.get("layout") == cards.DEFAULT_LAYOUT:
        del params["layout"]
    if mark:
        params["mark"] = mark
    return url_for("cards.card_png", quote_id=quote_id, **params)


@bp.app_template_global("quote_cards")
def quote_cards(quote, palette: str | None = None, mark: str | None = None) -> dict:
    """What a quote page shows and announces about the quote's cards (URLs, alt text, sizes).

    Formats the quotation is too long for are left out (no card to show); ``og`` is None then.
    """
    kit = brands.current()
    if palette not in palettes.names(kit):
        palette = kit.palette if kit.palette in palettes.names(kit) else cards.DEFAULT_PALETTE
    if mark is None:
        mark = " ".join(default_mark(kit).split())[:cards.MARK_MAX]
    data = cards.card_quote(quote)
    source_url = absolute(url_for("quotes.detail", quote_id=quote.id))
    items = []
    for fmt in cards.FORMATS.values():
        if data.length > fmt.max_chars:
            continue
        key = cards.cache_key(data, fmt.name, palette, mark, source_url, brand=kit)
        items.append({"format": fmt, "key": key, "url": card_url(quote.id, key, fmt.name, palette, mark),
                      "download": card_url(quote.id, key, fmt.name, palette, mark, download=1),
                      "filename": cards.filename(quote.id, fmt.name)})
    by_name = {i["format"].name: i for i in items}
    og = by_name.get("og")
    return {"alt": data.alt, "palette": palette, "palettes": [palettes.resolve(n, kit) for n in palettes.names(kit)],
            "items": items, "preview": by_name.get(cards.DEFAULT_FORMAT) or (items[0] if items else None), "og": og,
            "og_image": absolute(og["url"]) if og else "", "page_url": source_url,
            "format_names": [i["format"].name for i in items]}


@bp.get("/cards/palettes.css")
@authz.public
def palettes_css():
    """Swatch colours for the palette pickers, from the same data the cards use (no inline styles: CSP)."""
    kit = brands.current()
    rules = [f".palette-{p.name} {{ background: {p.background}; color: {p.text}; "
             f"box-shadow: inset 0 -0.35em 0 {p.accent}; }}" for p in (palettes.resolve(n, kit) for n in palettes.names(kit))]
    return Response("\n".join(rules) + "\n", mimetype="text/css", headers={"Cache-Control": "public, max-age=86400"})


def card_params(args, quote_id: str, brand) -> dict:
    """A card's parameters from a query string (the card URL, the API), defaults filled in."""
    return {"quote": quote_id, "format": args.get("format", cards.DEFAULT_FORMAT),
            "palette": args.get("palette", cards.DEFAULT_PALETTE), "layout": args.get("layout", cards.DEFAULT_LAYOUT),
            "highlight": args.get("highlight", ""), "highlight_phrase": args.get("phrase", ""),
            "image": args.get("image") or None,
            "mark": args.get("mark", default_mark(brand)), "lang": args.get("lang", ""),
            "drafts": args.get("drafts", "0"), "bilingual": args.get("bilingual", "0"),
            "source_url": absolute(url_for("quotes.detail", quote_id=quote_id))}


def card_context(args, quote_id: str):
    """Validate and gather a card from a query string: ``(spec, context)``; aborts 400/403/404/422 naming the field."""
    kit = brands.current()
    try:
        spec = cards.validate(card_params(args, quote_id, kit), brand=kit)
    except cards.CardError as exc:
        abort(400, str(exc))
    if spec.drafts or spec.image is not None or spec.mark != " ".join(default_mark(kit).split())[:cards.MARK_MAX]:
        # Anyone's own words, an unreviewed translation or a stored photo make a custom render, not the library's.
        authz.require("organizer", "editor", "translator")
    try:
        context = cards.gather(spec, _card_gettext(spec.lang or None), brand=kit)
    except cards.CardTooLong as exc:
        abort(422, str(exc))
    except cards.CardError as exc:
        abort({"quote": 404, "highlight": 400, "image": 404}.get(exc.field, 422), str(exc) if exc.field != "quote" else exc.message)
    return spec, context


@bp.get("/quotes/<quote_id>/card.png")
@authz.public(note="library cards; a custom mark, a stored photo or draft translations need a role")
def card_png(quote_id):
    """One quote card as PNG: re-verified quote, cached bytes, ETag and long Cache-Control.

    ``layout`` (quote-mark, split, photo with ``image=<id>``, minimal); ``highlight=start-end`` (or
    ``phrase=…``) sets a phrase of the printed text in the accent colour (a range outside it: 400);
    ``lang=ru|ar`` prints the quotation's reviewed translation (``drafts=1`` allows a draft, marked as
    such; ``bilingual=1`` stacks the original under it); without a usable translation: 422 naming it.
    A quotation longer than the format takes: 422 suggesting an excerpt. The card goes through the
    print-output contract: validate → gather → key → render.
    """
    args = request.args
    spec, context = card_context(args, quote_id)
    key = cards.key(spec, context)
    headers = {"ETag": f'"{key}"',
               "Cache-Control": IMMUTABLE if args.get("v") == key[:16] else REVALIDATE}
    if request.if_none_match.contains(key):
        return Response(status=304, headers=headers)
    try:
        png, _hit = render.cached_bytes(_cache_dir(), key, lambda: cards.render(context), ".png")
    except cards.CardTooLong as exc:
        abort(422, str(exc))
    disposition = "attachment" if args.get("download") else "inline"
    headers["Content-Disposition"] = f'{disposition}; filename="{cards.filename(spec.quote, spec.format, spec.layout)}"'
    return Response(png, mimetype="image/png", headers=headers)


THUMB_WIDTH = 240


@bp.get("/cards/layouts/<name>.png")
@authz.requires("organizer")
def layout_thumbnail(name):
    """A small square preview of a layout with the library's shortest quotation (rendered once, cached)."""
    layout = name
    if layout not in cards.LAYOUTS:
        abort(404)
    kit = brands.current()
    stored = images.choices() if layout == "photo" else []
    photo = stored[0][0] if stored else None
    if layout == "photo" and photo is None:
        abort(404)
    shortest = min(quotes.search(), key=lambda q: len(q.text), default=None)
    if shortest is None:
        abort(404)
    spec, context = card_context({"layout": layout, "image": photo, "mark": default_mark(kit),
                                  "palette": request.args.get("palette", cards.DEFAULT_PALETTE)}, shortest.id)
    key = cards.key(spec, context)
    response = current_app.response_class(mimetype="image/png")
    response.set_etag(key)
    response.headers["Cache-Control"] = "private, max-age=3600"
    if request.if_none_match.contains(key):
        response.status_code = 304
        return response

    def produce() -> bytes:
        png, _hit = render.cached_bytes(_cache_dir(), key, lambda: cards.render(context), ".png")
        return render.bounded(thumbnails.shrink, png, THUMB_WIDTH)

    thumb, _hit = render.cached_bytes(_cache_dir(), f"{key}-thumb{THUMB_WIDTH}", produce, ".png")
    response.set_data(thumb)
    return response


def _card_gettext(lang: str | None):
    """The card's own words (the source line) in the card's language."""
    if not lang:
        return lambda s, **kw: s % kw

    def translate(message, **kw):
        from flask_babel import force_locale

        with force_locale(lang):
            return _(message, **kw)
    return translate



def _batch_form():
    """The batch form filled from the query string, validated (or None when nothing was asked yet)."""
    kit = brands.current()
    form = CardsForm(request.args)
    form.fill_choices(kit)
    form.brand, form.photo, form.span = kit, None, None
    if not request.args:
        form.formats.data = [cards.DEFAULT_FORMAT]
        form.palette.data = kit.palette if kit.palette in palettes.names(kit) else cards.DEFAULT_PALETTE
        form.layout.data = cards.DEFAULT_LAYOUT
        form.mark.data = default_mark(kit)
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
    options = form.spec_options()
    if options["image"]:
        try:
            form.photo = images.load(int(options["image"]))
        except (LookupError, ValueError):
            form.image.errors = list(form.image.errors) + [_("There is no such photo.")]
            return form, None
    if options["highlight"] or options["highlight_phrase"]:
        text = _card_data(form, chosen[0]).text  # the text as printed: in the card's language
        try:
            form.span = (highlight.find(text, options["highlight_phrase"]) if options["highlight_phrase"]
                         else highlight.check(text, highlight.parse(options["highlight"])))
        except highlight.HighlightError as exc:
            form.highlight.errors = list(form.highlight.errors) + [exc.message]
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
    """The cards of a batch, in quotation then format order, with their URLs and alt text (or why not made)."""
    mark = " ".join((form.mark.data or "").split())
    layout = form.layout.data or cards.DEFAULT_LAYOUT
    out = []
    for quote in chosen:
        data = _card_data(form, quote)
        extra = {**_language_params(form), "layout": layout,
                 "image": form.photo.id if form.photo is not None else None,
                 "highlight": highlight.as_value(form.span)}
        source_url = absolute(url_for("quotes.detail", quote_id=quote.id))
        for name in [f for f in cards.FORMATS if f in form.formats.data]:
            job = cards_batch.Job(data, name, form.palette.data, mark, _cache_dir(), source_url, layout,
                                  form.span, form.photo, form.brand)
            item = {"quote": quote, "data": data, "format": cards.FORMATS[name], "mark": mark, "job": job,
                    "source_url": source_url, "filename": cards.filename(quote.id, name, layout), "error": ""}
            try:
                key = cards.design_key(job.design())
            except cards.CardError as exc:
                out.append({**item, "error": exc.message})
                continue
            out.append({**item, "url": card_url(quote.id, key, name, form.palette.data, mark, **extra),
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
        job = item["job"]
        items.append(build_kinds.card_item(item["quote"].id, item["format"].name, form.palette.data, item["mark"],
                                           lang, bool(form.drafts.data), item["source_url"], layout=job.layout,
                                           highlight=highlight.as_value(form.span),
                                           image=form.photo.id if form.photo is not None else None))
        keys.append(item["error"] or cards.design_key(job.design()))
    name = f"cards-{form.theme.data or 'selection'}-{form.palette.data}.zip"
    plan = Plan(build_kinds.cards_key(keys, [i["quote"] + "-" + i["format"] for i in items]), name, len(items))
    return page_or_file(start("cards", {"items": items}, plan))
