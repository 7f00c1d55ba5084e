"""Social quote cards: one verbatim quotation as a PNG of a platform's exact size, in one of four layouts.

Cards go through the same pipeline as every print output (autoescaped template → WeasyPrint → PDF →
pdfium → PNG), so fonts and right-to-left text behave alike. Formats and layouts are in
:mod:`campaign.card_layouts`, the fitting and rasterising in :mod:`campaign.card_render` (run in a
render process), the first size guess in :mod:`campaign.card_metrics`. This module is the print-output
contract (``validate → gather → render``, ``key``) and :func:`render_card` for callers with plain data.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from . import card_layouts, card_render, credits, highlight as highlights, languages, palettes, render as renderer
from .card_layouts import (DEFAULT_FORMAT, DEFAULT_LAYOUT, FORMATS, LAYOUTS, Format, Layout,  # noqa: F401
                           line_height)
from .card_render import (TEMPLATE, CardError, CardQuote, CardTooLong, Design, png_text,  # noqa: F401
                          rasterise, too_long_message)

# Bump when the fitting or rasterising code changes what a card looks like (templates and
# print assets are already part of the cache key).
VERSION = 5

N_ = card_layouts.N_

# -- palettes (shared with print designs: campaign/palettes.py) ----------------------------

Palette, PALETTES, DEFAULT_PALETTE = palettes.Palette, palettes.PALETTES, palettes.DEFAULT_PALETTE
relative_luminance, contrast = palettes.relative_luminance, palettes.contrast

MARK_MAX = 60


def source_line(source, gettext=None, lang: str = "en") -> str:
    """A short attribution for a card: the citation of ``credits.credit`` in the card's language
    (its words from that language's catalogue unless ``gettext`` is given), publishers' names isolated."""
    if gettext is None:
        gettext = credits.catalog_gettext(renderer.catalog(lang))
    return credits.credit(source, lang, gettext, isolate=True).cite


def card_quote(quote, gettext=None, *, lang: str | None = None, drafts: bool = False,
               bilingual: bool = False) -> CardQuote:
    """Plain card data from a quotation already fetched through ``quotes.get_verified``.

    With ``lang`` (needs an app context) the card shows the quotation's translation into it, which
    must be reviewed unless ``drafts`` (then marked); ``bilingual`` stacks the original below it.
    Raises ``translations.MissingTranslation`` when there is no translation the card may show.
    """
    own = (quote.source.meta or {}).get("language") or "en"
    direction = languages.direction(own)
    plain = CardQuote(id=quote.id, text=quote.text, speaker=quote.speaker,
                      source_line=source_line(quote.source, gettext, lang or own), lang=own, dir=direction)
    if not lang or lang == own:
        return plain
    from . import translations

    tr = translations.output_quote(quote, lang, allow_drafts=drafts)
    return CardQuote(id=quote.id, text=tr["text"], speaker=tr["speaker"],
                     source_line=source_line(quote.source, gettext, lang),
                     lang=lang, dir=tr["dir"], credit=tr["credit"], draft_mark=tr["draft_mark"],
                     original_speaker=quote.speaker if tr["speaker"] != quote.speaker else "",
                     original=quote.text if bilingual else "", original_lang=own if bilingual else "",
                     original_dir=direction if bilingual else "")


def check_choice(fmt: str, palette: str, mark: str = "", brand=None) -> tuple[Format, Palette, str]:
    """Validate the parameters; ``CardError`` names the field and lists the valid choices."""
    if fmt not in FORMATS:
        raise CardError("format", f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    try:
        resolved = palettes.resolve(palette, brand)
    except KeyError:
        raise CardError("palette", f"unknown palette {palette!r}; choose one of: "
                                   f"{', '.join(palettes.names(brand))}") from None
    mark = " ".join((mark or "").split())
    if len(mark) > MARK_MAX:
        raise CardError("mark", f"the campaign mark is at most {MARK_MAX} characters")
    return FORMATS[fmt], resolved, mark


def check_layout(layout: str, image=None) -> Layout:
    """The layout called ``layout``; the photo layout needs ``image`` (``CardError`` names the field)."""
    if layout not in LAYOUTS:
        raise CardError("layout", f"unknown layout {layout!r}; choose one of: {', '.join(LAYOUTS)}")
    if LAYOUTS[layout].needs_image and image is None:
        raise CardError("image", "the photo layout needs a photo: give the id of a stored image")
    return LAYOUTS[layout]


def check_length(data: CardQuote, fmt: Format, alternatives: str = "") -> None:
    """Refuse a quotation longer than the format takes (``CardTooLong`` naming ``quote``)."""
    if data.length > fmt.max_chars:
        raise CardTooLong("quote", too_long_message(fmt, data.length, alternatives))


def filename(quote_id: str, fmt: str, layout: str = DEFAULT_LAYOUT) -> str:
    """``<quote-id>-<format>.png`` (``<quote-id>-<layout>-<format>.png`` for layouts other than the default)."""
    return f"{quote_id}-{fmt}.png" if layout == DEFAULT_LAYOUT else f"{quote_id}-{layout}-{fmt}.png"


# -- rendering -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    """A rendered card and what travels with it."""

    png: bytes
    quote_id: str
    format: str
    palette: str
    size_px: int  # the quotation's type size chosen by fitting
    alt: str
    key: str
    layout: str = DEFAULT_LAYOUT

    @property
    def filename(self) -> str:
        return filename(self.quote_id, self.format, self.layout)


def design(data: CardQuote, fmt: str = DEFAULT_FORMAT, palette: str = DEFAULT_PALETTE, mark: str = "", *,
           layout: str = DEFAULT_LAYOUT, highlight=None, image=None, brand=None, source_url: str = "") -> Design:
    """Check every parameter and resolve it to the plain data a render takes (``CardError`` names the field).

    ``highlight`` is a ``"start-end"`` range (or pair) of the text the card prints, re-verified here;
    ``image`` a ``images.StoredImage`` (photo layout); ``brand`` the brand kit (``brand.current()``).
    """
    format_, palette_, mark = check_choice(fmt, palette, mark, brand)
    check_layout(layout, image)
    try:
        span = highlights.check(data.text, highlights.parse(highlight))
    except highlights.HighlightError as exc:
        raise CardError("highlight", exc.message) from None
    check_length(data, format_)
    logo = brand.logo if brand is not None and brand.has_logo else None
    ratio = (brand.logo_width / brand.logo_height) if logo and brand.logo_height else 0.0
    return Design(data, fmt, layout, palette_, mark, span, image if layout == "photo" else None, logo, ratio,
                  source_url)


def _render_png(job: Design) -> tuple[bytes, int]:
    """Fit, write the PDF and rasterise: ``(png, quote size in px)``; runs in a render process."""
    return card_render.render_png(job)


def render_design(job: Design) -> bytes:
    """The card's PNG alone (for batches through the render pool)."""
    return card_render.render_png(job)[0]


def design_key(job: Design) -> str:
    """What determines a card's bytes (design, data, options): the cache file's name and the ETag."""
    options = {"kind": "card", "version": VERSION, "format": job.format, "palette": job.palette.as_data(),
               "mark": job.mark, "layout": job.layout, "highlight": highlights.as_value(job.highlight),
               "image": job.image.as_data() if job.image is not None else None,
               "logo": __import__("hashlib").sha256(job.logo).hexdigest()[:16] if job.logo else ""}
    return renderer.cache_key(TEMPLATE, {"quote": asdict(job.quote), "source_url": job.source_url}, options)


def cache_key(data: CardQuote, fmt: str, palette: str, mark: str = "", source_url: str = "", **options) -> str:
    """The cache key of :func:`render_card` with the same arguments (``layout``, ``highlight``, ``image``, ``brand``)."""
    return design_key(design(data, fmt, palette, mark, source_url=source_url, **options))


def render_card(data: CardQuote, fmt: str = DEFAULT_FORMAT, palette: str = DEFAULT_PALETTE, mark: str = "", *,
                layout: str = DEFAULT_LAYOUT, highlight=None, image=None, brand=None,
                cache_dir: str | Path | None = None, source_url: str = "", key: str | None = None,
                limits: renderer.Limits | None = None) -> Card:
    """Render one card (or take it from the cache); raises ``CardError`` (``CardTooLong``) naming the field.

    The render runs in a render process under the renderer's time and memory limits. ``key`` is
    :func:`cache_key` of the same arguments when the caller has it already.
    """
    job = design(data, fmt, palette, mark, layout=layout, highlight=highlight, image=image, brand=brand,
                 source_url=source_url)
    key = key or design_key(job)
    chosen = {}

    def produce() -> bytes:
        png, chosen["px"] = renderer.bounded(_render_png, job, limits=limits)
        return png

    png, _hit = renderer.cached_bytes(cache_dir, key, produce, ".png")
    return Card(png=png, quote_id=data.id, format=fmt, palette=palette, size_px=chosen.get("px", 0),
                alt=card_render.alt_text(job), key=key, layout=layout)


def card_pdf(data: CardQuote, fmt: str = DEFAULT_FORMAT, palette: str = DEFAULT_PALETTE, mark: str = "",
             **options) -> bytes:
    """The intermediate one-page PDF of a card (what the PNG is rasterised from)."""
    return renderer.bounded(card_render.card_pdf_here, design(data, fmt, palette, mark, **options))


def card_html(data: CardQuote, fmt: str = DEFAULT_FORMAT, palette: str = DEFAULT_PALETTE, mark: str = "",
              px: int | None = None, **options) -> str:
    """The HTML of a card at one quote size (the fitted size unless given): for comparisons and debugging."""
    job = design(data, fmt, palette, mark, **options)
    if px is None:
        px = renderer.bounded(card_render.fitted_px, job)
    return card_render.html_at(job, px)


# -- the print-output contract: validate → gather → render, and one cache key ------------------

@dataclass(frozen=True)
class CardSpec:
    """Everything that decides a card, validated: quotation, format, layout, palette, mark, language,
    highlighted phrase (a range, or the phrase itself to find) and photo."""

    quote: str
    format: str = DEFAULT_FORMAT
    palette: str = DEFAULT_PALETTE
    mark: str = ""
    lang: str = ""
    drafts: bool = False
    bilingual: bool = False
    source_url: str = ""
    layout: str = DEFAULT_LAYOUT
    highlight: str = ""
    highlight_phrase: str = ""
    image: int | None = None


@dataclass(frozen=True)
class CardContext:
    """A card's spec resolved: the quotation as plain data (re-verified, translated if asked) and its design."""

    spec: CardSpec
    quote: CardQuote
    design: Design | None = None


def _flag(data: dict, name: str) -> bool:
    value = data.get(name, False)
    if value in (True, False, "1", "0", 1, 0):
        return value in (True, "1", 1)
    raise CardError(name, "use 1 (yes) or 0 (no)")


def validate(data: dict, brand=None) -> CardSpec:
    """Check a card's plain data; :class:`CardError` names the first bad field.

    ``brand`` (the brand kit) makes the ``brand`` palette available.
    """
    if not isinstance(data, dict):
        raise CardError("card", "expected a mapping of field: value")
    quote = data.get("quote")
    if not isinstance(quote, str) or not quote:
        raise CardError("quote", "give the id of a quotation")
    fmt, palette = data.get("format") or DEFAULT_FORMAT, data.get("palette") or DEFAULT_PALETTE
    if palette == palettes.BRAND and brand is None:
        from . import brand as brands

        brand = brands.current()
    _f, _p, mark = check_choice(fmt, palette, data.get("mark") or "", brand)
    layout = data.get("layout") or DEFAULT_LAYOUT
    image = data.get("image")
    if image in (None, ""):
        image = None
    else:
        try:
            image = int(image)
        except (TypeError, ValueError):
            raise CardError("image", "give the number of a stored image") from None
    check_layout(layout, image)
    try:
        span = highlights.parse(data.get("highlight") or None)
    except highlights.HighlightError as exc:
        raise CardError("highlight", exc.message) from None
    phrase = " ".join(str(data.get("highlight_phrase") or "").split())
    lang = data.get("lang") or ""
    from .translations import LANGS

    if lang and lang != "en" and lang not in LANGS:
        raise CardError("lang", f"unknown language {lang!r}; choose one of: en, {', '.join(LANGS)}")
    bilingual = _flag(data, "bilingual")
    if bilingual and lang in ("", "en"):
        raise CardError("bilingual", "a bilingual card stacks the original and its translation; "
                                     "choose lang=ru or lang=ar")
    return CardSpec(quote=quote, format=fmt, palette=palette, mark=mark, lang=lang, drafts=_flag(data, "drafts"),
                    bilingual=bilingual, source_url=str(data.get("source_url") or ""), layout=layout,
                    highlight=highlights.as_value(span), highlight_phrase=phrase if not span else "",
                    image=image if layout == "photo" else None)


def shorter_alternatives(quote, limit: int) -> str:
    """A sentence naming a shorter library quotation from the same paragraph (else the same speaker), or ""."""
    from . import quotes
    from .db import db
    from .models import Quote

    found = list(db.session.scalars(db.select(Quote).where(quotes.PRINTABLE, Quote.id != quote.id,
                                                           Quote.speaker == quote.speaker)))
    fitting = [q for q in found if len(q.text) <= limit]
    same = sorted((q for q in fitting if q.anchor == quote.anchor), key=lambda q: -len(q.text))
    if same:
        return f". The library has a shorter quotation from the same paragraph: “{same[0].id}” ({len(same[0].text)} characters)"
    themes = set(quote.theme_ids)
    near = sorted(fitting, key=lambda q: (not (set(q.theme_ids) & themes), -len(q.text)))
    if near:
        return f". The library has a shorter quotation by {quote.speaker}: “{near[0].id}” ({len(near[0].text)} characters)"
    return ""


def gather(spec: CardSpec, gettext=None, brand=None) -> CardContext:
    """Read the quotation (re-verified), its translation, the photo and the brand kit; check length and phrase.

    ``brand`` defaults to the brand kit in force (``brand.current()``).
    """
    from . import brand as brands, images, quotes, translations

    quote = quotes.get_verified(spec.quote)
    if quote is None:
        raise CardError("quote", f"no quotation {spec.quote!r}")
    try:
        data = card_quote(quote, gettext, lang=spec.lang or None, drafts=spec.drafts, bilingual=spec.bilingual)
    except translations.MissingTranslation as exc:
        raise CardError("lang", exc.message) from None
    kit = brand if brand is not None else brands.current()
    image = None
    if spec.image is not None:
        try:
            image = images.load(spec.image)
        except LookupError:
            raise CardError("image", f"no stored image {spec.image}") from None
    fmt = FORMATS[spec.format]
    if data.length > fmt.max_chars:
        check_length(data, fmt, shorter_alternatives(quote, fmt.max_chars) if not spec.lang else "")
    try:
        span = highlights.find(data.text, spec.highlight_phrase) if spec.highlight_phrase else spec.highlight
    except highlights.HighlightError as exc:
        raise CardError("highlight", exc.message) from None
    job = design(data, spec.format, spec.palette, spec.mark, layout=spec.layout, highlight=span,
                 image=image, brand=kit, source_url=spec.source_url)
    return CardContext(spec, data, job)


def render(context: CardContext) -> bytes:
    """Pure: the card's data in, its PNG out (laid out, fitted and rasterised in a render process)."""
    png, _px = renderer.bounded(_render_png, context.design)
    return png


def key(spec: CardSpec, context: CardContext | None = None) -> str:
    """The card's cache key and ETag (:func:`campaign.render.cache_key`; ``context`` saves reading it again)."""
    context = context or gather(spec)
    return design_key(context.design)
