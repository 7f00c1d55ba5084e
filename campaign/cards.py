"""Social quote cards: one verbatim quotation as a PNG of a platform's exact size.

Cards go through the same pipeline as every print output (autoescaped template →
WeasyPrint → PDF → pdfium → PNG), so fonts and right-to-left text behave alike. The
quote's type size is found by laying the card out: candidate sizes are laid out together
as pages of one document, the largest whose text block fits its frame is kept, and that
very page is written — so fitting costs little more than one plain render. Rendering is
pure: plain data in (:class:`CardQuote`), bytes out.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from io import BytesIO
from pathlib import Path

from . import credits, languages, palettes, render as renderer

TEMPLATE = "print/card.html"
# Bump when the fitting or rasterising code changes what a card looks like (templates and
# print assets are already part of the cache key).
VERSION = 4


class CardError(renderer.RenderError):
    """A card cannot be made as asked; ``field`` names the offending parameter."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        ValueError.__init__(self, f"{field}: {message}")

    def __reduce__(self):
        # travels back from the bounded render's child process by pickle
        return type(self), (self.field, self.message)


class CardTooLong(CardError):
    """The quotation does not fit the format at the smallest legible type size."""


def N_(message: str) -> str:
    """Mark a label for translation; the web pages translate it when they show it."""
    return message


# -- formats ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Format:
    """A platform size in CSS pixels (= PNG pixels) and where text may go on it."""

    name: str
    width: int
    height: int
    label: str
    use: str
    layout: str  # "tall": mark above the text; "wide": mark hanging in the start margin
    # the frame text is kept inside: (top, end, bottom, start) insets in px
    frame: tuple[int, int, int, int]
    min_px: int  # smallest quote size still legible when the card is shown as a thumbnail
    max_px: int  # short quotes stop growing here
    speaker_px: int
    source_px: int
    mark_px: int


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("square", 1080, 1080, N_("Square"), N_("Instagram, Mastodon, Telegram"), "tall",
           (96, 100, 96, 100), 32, 92, 40, 30, 26),
    Format("portrait", 1080, 1350, N_("Portrait"), N_("Instagram and Facebook feeds"), "tall",
           (120, 100, 120, 100), 32, 96, 42, 31, 27),
    # Stories put the account name at the top and the reply bar at the bottom: 250 px each stay clear.
    Format("story", 1080, 1920, N_("Story"), N_("Instagram, Facebook and WhatsApp stories"), "tall",
           (250 + 60, 100, 250 + 60, 100), 34, 100, 44, 32, 28),
    Format("landscape", 1200, 675, N_("Landscape"), N_("X, Facebook and Mastodon posts"), "wide",
           (72, 96, 72, 164), 26, 72, 32, 25, 22),
    Format("og", 1200, 630, N_("Link preview"), N_("Open Graph and Twitter link previews"), "wide",
           (64, 96, 64, 164), 26, 64, 31, 24, 21),
)}
DEFAULT_FORMAT = "square"


# -- palettes (shared with print designs: campaign/palettes.py) ----------------------------

Palette, PALETTES, DEFAULT_PALETTE = palettes.Palette, palettes.PALETTES, palettes.DEFAULT_PALETTE
relative_luminance, contrast = palettes.relative_luminance, palettes.contrast


# -- the quotation as plain data -------------------------------------------------------------

MARK_MAX = 60
RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@dataclass(frozen=True)
class CardQuote:
    """Everything a card shows, as plain data (picklable for worker processes)."""

    id: str
    text: str
    speaker: str
    source_line: str
    lang: str = "en"
    dir: str = "ltr"
    # A translated card: who translated it, the draft mark (an unreviewed draft the organizer
    # allowed), the speaker's name as the source spells it, and the original when stacked below.
    credit: str = ""
    draft_mark: str = ""
    original_speaker: str = ""
    original: str = ""
    original_lang: str = ""
    original_dir: str = ""

    @property
    def alt(self) -> str:
        """Alt text: the quotation, then "— speaker, source" (and, translated, the credit and original)."""
        plain = re.sub(r"\*([^*\n]+)\*", r"\1", self.text)
        alt = f"{plain} — {languages.join([self.speaker, self.source_line], self.lang)}"
        if self.credit:
            alt += f" ({self.draft_mark + '; ' if self.draft_mark else ''}{self.credit})"
        if self.original:
            alt += " — " + re.sub(r"\*([^*\n]+)\*", r"\1", self.original)
        return alt


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


def check_choice(fmt: str, palette: str, mark: str = "") -> tuple[Format, Palette, str]:
    """Validate the parameters; ``CardError`` names the field and lists the valid choices."""
    if fmt not in FORMATS:
        raise CardError("format", f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if palette not in PALETTES:
        raise CardError("palette", f"unknown palette {palette!r}; choose one of: {', '.join(PALETTES)}")
    mark = " ".join((mark or "").split())
    if len(mark) > MARK_MAX:
        raise CardError("mark", f"the campaign mark is at most {MARK_MAX} characters")
    return FORMATS[fmt], PALETTES[palette], mark


def filename(quote_id: str, fmt: str) -> str:
    """``<quote-id>-<format>.png``."""
    return f"{quote_id}-{fmt}.png"


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

    @property
    def filename(self) -> str:
        return filename(self.quote_id, self.format)


def line_height(fmt: Format, px: float) -> float:
    """Big type sets tighter: 1.34 at the legible minimum down to 1.16 at the largest size."""
    span = max(fmt.max_px - fmt.min_px, 1)
    return round(1.34 - 0.18 * min(max((px - fmt.min_px) / span, 0), 1), 3)


def _context(data: CardQuote, fmt: Format, palette: Palette, mark: str, sizes: list[int]) -> dict:
    """The template's data: the quote, the geometry and one page per candidate size."""
    top, end, bottom, start = fmt.frame
    if mark:
        bottom += round(fmt.mark_px * 2.2)  # room for the mark line under the text
    return {
        "lang": data.lang, "dir": data.dir, "quote": asdict(data), "mark": mark,
        # a handle like "@group" keeps its own direction inside a right-to-left card
        "mark_dir": "rtl" if RTL_CHARS.search(mark) else "ltr",
        "fmt": {**asdict(fmt), "top": top, "end": end, "bottom": bottom, "start": start,
                "frame_height": fmt.height - top - bottom},
        "palette": asdict(palette),
        "sizes": [{"px": px, "line_height": line_height(fmt, px), "glyph_px": round(px * 3)} for px in sizes],
    }


def cache_key(data: CardQuote, fmt: str, palette: str, mark: str = "", source_url: str = "") -> str:
    """What determines a card's bytes (design, data, options): the cache file's name and the ETag."""
    return renderer.cache_key(TEMPLATE, {"quote": asdict(data), "source_url": source_url},
                            {"kind": "card", "version": VERSION, "format": fmt, "palette": palette, "mark": mark})


# Measured over the curated library, the size that fills a frame is within ±5 % of the plain
# estimate below; starting this much lower means nine first guesses in ten already fit.
ESTIMATE_BIAS = {"tall": 1.01, "wide": 0.955}


def estimate(data: CardQuote, fmt: Format, mark: str = "") -> float:
    """A first guess at the quote size that fits the frame, from the text's length and the frame's area."""
    top, end, bottom, start = fmt.frame
    width = fmt.width - start - end
    height = fmt.height - top - bottom - (fmt.mark_px * 2.2 if mark else 0)
    # the rule, speaker and source line take about this much height
    height -= fmt.speaker_px * 1.3 + fmt.source_px * 1.35 + 60
    # a stacked original is set smaller (0.62 em): it takes about 0.4 of the room per character
    chars = max(len(data.text) + 0.4 * len(data.original) + (40 if data.credit else 0), 1)
    # Noto Serif averages ~0.5 em per character; lines are ~1.25 em; ragged lines waste ~8%
    per_char = 0.5 * 1.25 * 1.08
    px = math.sqrt(width * height / (chars * per_char))
    if fmt.layout == "tall":
        # the opening mark above the text takes 1.5 em: one more round with that height set aside
        px = math.sqrt(width * height / (chars * per_char + width * 1.6 * 2.4 / px))
    return px * ESTIMATE_BIAS[fmt.layout]


# The PDF is only an intermediate for the PNG: no tags needed (and the layout is cheaper without).
PDF_OPTIONS = renderer.PdfOptions(tagged=False)


def _layout(html: str):
    """Lay out a card with the project's renderer (asset-only fetcher, no attachments)."""
    return renderer.layout(html, options=PDF_OPTIONS)


def _boxes(box, cls: str):
    """Every box in a layout tree whose element has the class ``cls``."""
    stack = [box]
    while stack:
        b = stack.pop()
        element = getattr(b, "element", None)
        if element is not None and getattr(b, "element_tag", None) and cls in (element.get("class") or "").split():
            yield b
            continue  # its line and text boxes carry the same element: the outer box is the one
        stack.extend(getattr(b, "children", ()) or ())


LAYOUTS = 0  # layouts done by this process: the benchmark reports layouts per card


@dataclass
class _Probe:
    """One laid-out size: does it fit, and the heights the next guess is worked out from."""

    px: int
    fits: bool
    body: float  # height of the whole text block
    text: float  # height of the quotation alone
    glyph: float  # height of the opening mark (grows with the type in tall layouts)
    document: object
    box: object


def _probe(data: CardQuote, fmt: Format, palette: Palette, mark: str, px: int) -> _Probe:
    """Lay the card out at one quote size and measure it against its frame.

    A block taller than the page is fragmented by the layout engine (its tail moved to another
    page), so besides the block's height the source line — its last element — must be on the
    first page, inside the frame: never cut, never overflowing.
    """
    context = _context(data, fmt, palette, mark, [px])
    document = _layout(renderer.render_html(TEMPLATE, context))
    global LAYOUTS
    LAYOUTS += 1
    root = document.pages[0]._page_box
    frame_top = fmt.frame[0]
    frame_bottom = frame_top + context["fmt"]["frame_height"]
    frames = list(_boxes(root, "frame"))
    bodies, texts = list(_boxes(root, "body")), list(_boxes(root, "text"))
    glyphs, sources = list(_boxes(root, "glyph")), list(_boxes(root, "source"))
    if not (len(frames) == len(bodies) == len(texts) == len(sources) == 1):
        return _Probe(px, False, math.inf, math.inf, 0, document, None)
    frame, body, text, last = frames[0], bodies[0], texts[0], sources[0]
    glyph = glyphs[0].margin_height() if glyphs and fmt.layout == "tall" else 0
    height = body.margin_height()
    # Half a pixel of slack for rounding in the layout engine.
    fits = (len(document.pages) == 1 and frame_top - 0.5 <= body.position_y
            and body.position_y + height <= frame_bottom + 0.5
            and last.position_y + last.margin_height() <= frame_bottom + 0.5
            and body.margin_width() <= frame.width + 0.5)
    return _Probe(px, fits, height, text.margin_height(), glyph, document, body)


def _next_size(probe: _Probe, room: float) -> float:
    """The size at which the block would just fill ``room``, from one measurement.

    The quotation's height grows with the square of the type size (more lines, each taller), the
    opening mark linearly, the attribution not at all: solve a·s² + b·s + c = room.
    """
    s = probe.px
    a, b = probe.text / s / s, probe.glyph / s
    c = probe.body - probe.text - probe.glyph
    if a <= 0:
        return s * 1.2
    return (-b + math.sqrt(max(b * b - 4 * a * (c - room), 0))) / (2 * a)


# A fitted block filling at least this share of its frame's height is taken without trying a
# size up: at most ~5 % more type size could be had, and every try costs a full layout.
GOOD_FILL = 0.9
# The next try aims between that and a full frame: lines come in whole numbers, so aiming at a
# full frame overshoots about as often as not, and an overshoot costs another layout.
AIM = 0.95


def fit(data: CardQuote, fmt: Format, palette: Palette, mark: str = ""):
    """Find a quote size that fits and (nearly) fills the frame; return ``(document, px)``, block centred.

    Each try is one layout; the first guess comes from the text's length, the next ones from what
    the layout measured. A size that fits and fills ``GOOD_FILL`` of the frame is kept; otherwise
    the search goes on between the largest size that fitted and the smallest that did not. Most
    cards take one layout. Nothing fits at the format's minimum: :class:`CardTooLong`.
    """
    low, high = fmt.min_px, fmt.max_px
    room = fmt.height - fmt.frame[0] - fmt.frame[2] - (round(fmt.mark_px * 2.2) if mark else 0)
    best: _Probe | None = None
    too_big = high + 1  # smallest size known not to fit
    px = min(max(round(estimate(data, fmt, mark)), low), high)
    for _try in range(8):
        probe = _probe(data, fmt, palette, mark, px)
        if probe.fits:
            best = probe
            if px >= high or px + 1 >= too_big or probe.body >= room * GOOD_FILL:
                break
            target = math.floor(_next_size(probe, room * AIM))
            px = min(max(target, px + 1), too_big - 1, high)
        else:
            too_big = px
            if px <= low:
                break
            if best is not None and best.px + 1 >= px:
                break
            target = math.floor(_next_size(probe, room * AIM)) if probe.box is not None else px * 0.85
            floor = best.px + 1 if best else low
            px = max(min(target, px - 1), floor)
    if best is None:
        raise CardTooLong("format", too_long_message(fmt))
    # Centre the block in its frame (layout put it at the top).
    best.box.translate(0, max((room - best.body) / 2, 0))
    return best.document, best.px


def too_long_message(fmt: Format) -> str:
    """What to do about a quotation that will not fit a format legibly."""
    taller = [f.name for f in FORMATS.values() if f.height * (f.width - sum(f.frame[1::2])) >
              fmt.height * (fmt.width - sum(fmt.frame[1::2])) and f.name != fmt.name]
    other = (" or the " + " / ".join(taller) + " format") if taller else ""
    return (f"this quotation is too long for a legible {fmt.name} card ({fmt.width}×{fmt.height} px, "
            f"type no smaller than {fmt.min_px} px): choose a shorter excerpt (mark cuts with […]){other}")


def rasterise(pdf: bytes, width: int, height: int, text: dict[str, str]) -> bytes:
    """First PDF page → PNG of exactly ``width``×``height`` px with text metadata (one encode)."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    image = renderer.page_image(pdf, 0, width=width)
    if image.size != (width, height):
        # pdfium rounds the bitmap up: trim the sub-pixel sliver (or pad, never stretch type)
        canvas = Image.new(image.mode, (width, height), image.getpixel((0, 0)))
        canvas.paste(image.crop((0, 0, min(width, image.width), min(height, image.height))))
        image = canvas
    info = PngInfo()
    for keyword, value in text.items():
        info.add_itxt(keyword, value)  # iTXt: UTF-8, so names and quotes in any script survive
    out = BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def png_text(data: CardQuote, author: str = "", source_url: str = "") -> dict[str, str]:
    """The PNG's text chunks: Description/Alt (the alt text), Title, Author, Source."""
    text = {"Title": f"{data.speaker}: {data.id}", "Description": data.alt, "Alt": data.alt,
            "Author": author or data.speaker, "Source": source_url or data.source_line}
    return text


def _render_png(data: CardQuote, fmt: str, palette: str, mark: str, source_url: str) -> tuple[bytes, int]:
    """Fit, write the PDF and rasterise: ``(png, quote size in px)``; runs in a render process."""
    format_, palette_, mark = check_choice(fmt, palette, mark)
    document, px = fit(data, format_, palette_, mark)
    pdf = renderer.document_pdf(document, PDF_OPTIONS)
    return rasterise(pdf, format_.width, format_.height, png_text(data, source_url=source_url)), px


def render_card(data: CardQuote, fmt: str = DEFAULT_FORMAT, palette: str = DEFAULT_PALETTE, mark: str = "", *,
                cache_dir: str | Path | None = None, source_url: str = "", key: str | None = None,
                limits: renderer.Limits | None = None) -> Card:
    """Render one card (or take it from the cache); raises ``CardError`` / ``CardTooLong``.

    The render runs in a render process under the renderer's time and memory limits. ``key`` is
    :func:`cache_key` of the same arguments when the caller has it already.
    """
    _f, _p, mark = check_choice(fmt, palette, mark)
    key = key or cache_key(data, fmt, palette, mark, source_url)
    chosen = {}

    def produce() -> bytes:
        png, chosen["px"] = renderer.bounded(_render_png, data, fmt, palette, mark, source_url, limits=limits)
        return png

    png, _hit = renderer.cached_bytes(cache_dir, key, produce, ".png")
    return Card(png=png, quote_id=data.id, format=fmt, palette=palette, size_px=chosen.get("px", 0),
                alt=data.alt, key=key)


def _card_pdf_here(data: CardQuote, fmt: str, palette: str, mark: str) -> bytes:
    format_, palette_, mark_ = check_choice(fmt, palette, mark)
    document, _px = fit(data, format_, palette_, mark_)
    return renderer.document_pdf(document, PDF_OPTIONS)


def card_pdf(data: CardQuote, fmt: str = DEFAULT_FORMAT, palette: str = DEFAULT_PALETTE, mark: str = "") -> bytes:
    """The intermediate one-page PDF of a card (what the PNG is rasterised from)."""
    return renderer.bounded(_card_pdf_here, data, fmt, palette, mark)


def _fitted_px(data: CardQuote, fmt: str, palette: str, mark: str) -> int:
    format_, palette_, mark_ = check_choice(fmt, palette, mark)
    return fit(data, format_, palette_, mark_)[1]


def card_html(data: CardQuote, fmt: str = DEFAULT_FORMAT, palette: str = DEFAULT_PALETTE, mark: str = "",
              px: int | None = None) -> str:
    """The HTML of a card at one quote size (the fitted size unless given): for comparisons and debugging."""
    format_, palette_, mark = check_choice(fmt, palette, mark)
    if px is None:
        px = renderer.bounded(_fitted_px, data, fmt, palette, mark)
    return renderer.render_html(TEMPLATE, _context(data, format_, palette_, mark, [px]))


# -- the print-output contract: validate → gather → render, and one cache key ------------------

@dataclass(frozen=True)
class CardSpec:
    """Everything that decides a card, validated: the quotation, format, palette, mark and language."""

    quote: str
    format: str = DEFAULT_FORMAT
    palette: str = DEFAULT_PALETTE
    mark: str = ""
    lang: str = ""
    drafts: bool = False
    bilingual: bool = False
    source_url: str = ""


@dataclass(frozen=True)
class CardContext:
    """A card's spec with the quotation as plain data (re-verified, translated if asked)."""

    spec: CardSpec
    quote: CardQuote


def _flag(data: dict, name: str) -> bool:
    value = data.get(name, False)
    if value in (True, False, "1", "0", 1, 0):
        return value in (True, "1", 1)
    raise CardError(name, "use 1 (yes) or 0 (no)")


def validate(data: dict) -> CardSpec:
    """Check a card's plain data; :class:`CardError` names the first bad field."""
    if not isinstance(data, dict):
        raise CardError("card", "expected a mapping of field: value")
    quote = data.get("quote")
    if not isinstance(quote, str) or not quote:
        raise CardError("quote", "give the id of a quotation")
    fmt, palette = data.get("format", DEFAULT_FORMAT), data.get("palette", DEFAULT_PALETTE)
    _f, _p, mark = check_choice(fmt, palette, data.get("mark") or "")
    lang = data.get("lang") or ""
    from .translations import LANGS

    if lang and lang != "en" and lang not in LANGS:
        raise CardError("lang", f"unknown language {lang!r}; choose one of: en, {', '.join(LANGS)}")
    bilingual = _flag(data, "bilingual")
    if bilingual and lang in ("", "en"):
        raise CardError("bilingual", "a bilingual card stacks the original and its translation; "
                                     "choose lang=ru or lang=ar")
    return CardSpec(quote=quote, format=fmt, palette=palette, mark=mark, lang=lang, drafts=_flag(data, "drafts"),
                    bilingual=bilingual, source_url=str(data.get("source_url") or ""))


def gather(spec: CardSpec, gettext=None) -> CardContext:
    """Read the quotation (re-verified) and its translation when the card asks for one."""
    from . import quotes, translations

    quote = quotes.get_verified(spec.quote)
    if quote is None:
        raise CardError("quote", f"no quotation {spec.quote!r}")
    try:
        data = card_quote(quote, gettext, lang=spec.lang or None, drafts=spec.drafts, bilingual=spec.bilingual)
    except translations.MissingTranslation as exc:
        raise CardError("lang", exc.message) from None
    return CardContext(spec, data)


def render(context: CardContext) -> bytes:
    """Pure: the card's data in, its PNG out (laid out, fitted and rasterised in a render process)."""
    spec = context.spec
    png, _px = renderer.bounded(_render_png, context.quote, spec.format, spec.palette, spec.mark, spec.source_url)
    return png


def key(spec: CardSpec, context: CardContext | None = None) -> str:
    """The card's cache key and ETag (:func:`campaign.render.cache_key`; ``context`` saves reading it again)."""
    context = context or gather(spec)
    return cache_key(context.quote, spec.format, spec.palette, spec.mark, spec.source_url)
