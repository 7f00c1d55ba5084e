"""Laying out, fitting and rasterising one quote card (runs in a render process; pure: data in, bytes out).

A card is an autoescaped template (``print/card.html``) → WeasyPrint → PDF → pdfium → PNG. The
quotation's size is chosen so the text block fills its frame: :mod:`campaign.card_metrics` guesses it
from the words measured with the card's fonts, one layout checks the guess, and the page laid out is
the page written — a card usually costs one layout. When the guess misses, the next size comes from
what the layout measured, laid out with a safer candidate as two pages of one document (``sizes`` in
the template), and the best page is kept.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from io import BytesIO

from . import card_layouts as cl, card_metrics as metrics, credits, languages, palettes, render as renderer
from .highlight import split as split_highlight

TEMPLATE = "print/card.html"
RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


class CardError(renderer.RenderError):
    """A card cannot be made as asked; ``field`` names the offending parameter."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        ValueError.__init__(self, f"{field}: {message}")

    def __reduce__(self):
        # travels back from the bounded render's child process by pickle
        return type(self), (self.field, self.message)


class CardTooLong(CardError):
    """The quotation is longer than the format takes (or does not fit it at the legible minimum)."""


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

    @property
    def length(self) -> int:
        """The length the format limits count: the text, and a stacked original at its smaller size."""
        return len(self.text) + round(0.4 * len(self.original))


@dataclass(frozen=True)
class Design:
    """One card to draw, resolved to plain data: quotation, format, layout, colours, mark, photo, phrase."""

    quote: CardQuote
    format: str
    layout: str = cl.DEFAULT_LAYOUT
    palette: palettes.Palette = palettes.PALETTES[palettes.DEFAULT_PALETTE]
    mark: str = ""
    highlight: tuple[int, int] | None = None
    image: object = None  # images.StoredImage for the photo layout
    logo: bytes | None = None  # the brand kit's logo (PNG), printed with the mark
    logo_ratio: float = 0.0
    source_url: str = ""

    @property
    def fmt(self) -> cl.Format:
        return cl.FORMATS[self.format]

    @property
    def rtl(self) -> bool:
        return self.quote.dir == "rtl"

    def assets(self) -> dict[str, tuple[bytes, str]]:
        """The generated assets the template refers to (photo, logo)."""
        out = {}
        if self.image is not None:
            from . import images

            out.update(images.print_asset(self.image))
        if self.logo:
            from . import brand

            out.update(brand.print_assets(brand.Brand(logo=self.logo)))
        return out


def photo_credit(design: Design) -> str:
    """The photo's credit line, in the card's language ("" without a photo)."""
    image = design.image
    if image is None:
        return ""
    gettext = credits.catalog_gettext(renderer.catalog(design.quote.lang))
    who = ", ".join(x for x in (image.credit, image.licence) if x)
    return gettext("Photo: %(credit)s", credit=who) if who else ""


def _context(design: Design, sizes: list[int], geo: dict | None = None, scrim: dict | None = None) -> dict:
    """The template's data: the quote, geometry, colours and one page per candidate size."""
    fmt, data, palette = design.fmt, design.quote, design.palette
    geo = geo or cl.geometry(design.layout, fmt, design.rtl, bool(design.mark or design.logo))
    field_bg, field_ink = cl.split_colours(palette)
    before, phrase, after = split_highlight(data.text, design.highlight)
    logo = None
    if design.logo:
        from . import brand

        height = round(fmt.mark_px * 1.5)
        logo = {"src": brand.LOGO_ASSET, "height": height, "width": round(height * (design.logo_ratio or 1))}
    return {
        "lang": data.lang, "dir": data.dir, "quote": asdict(data), "mark": design.mark,
        # a handle like "@group" keeps its own direction inside a right-to-left card
        "mark_dir": "rtl" if RTL_CHARS.search(design.mark) else "ltr",
        "layout": design.layout, "shape": fmt.layout, "geo": geo, "logo": logo,
        "fmt": {**asdict(fmt), "top": fmt.frame[0], "end": fmt.frame[1], "bottom": fmt.frame[2],
                "start": fmt.frame[3], "frame_height": geo["frame"]["height"]},
        "palette": {**palette.as_data(), "field": field_bg, "field_ink": field_ink},
        "parts": {"before": before, "phrase": phrase, "after": after},
        "image": design.image.as_data() if design.image is not None else None,
        "scrim": scrim, "photo_credit": photo_credit(design),
        "rhythm": {"rule": cl.RULE[fmt.layout], "speaker_gap": cl.SPEAKER_GAP[fmt.layout],
                   "source_gap": cl.SOURCE_GAP, "credit_gap": cl.CREDIT_GAP},
        "sizes": [{"px": px, "line_height": cl.line_height(fmt, px), "glyph_px": cl.glyph_px(design.layout, fmt, px)}
                  for px in sizes],
    }


# The PDF is only an intermediate for the PNG: no tags needed (and the layout is cheaper without).
PDF_OPTIONS = renderer.PdfOptions(tagged=False)
LAYOUTS = 0  # layouts done by this process: the benchmark reports layouts per card


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
    field: object = None  # the split layout's field content
    wide: float = 0.0  # widest line over the frame's width (above 1: a word does not fit the line)


def _measure(document, page: int, px: int, design: Design, geo: dict) -> _Probe:
    """Measure one page of a laid-out card against its frame.

    A block taller than the frame, or one whose last line is past the frame's bottom, does not fit;
    nor does a word wider than the frame (its line box is wider than the block).
    """
    root = renderer.page_box(document.pages[page])
    frame = geo["frame"]
    bottom = frame["top"] + frame["height"]
    bodies, texts = list(_boxes(root, "body")), list(_boxes(root, "text"))
    if not (len(bodies) == len(texts) == 1):
        return _Probe(px, False, math.inf, math.inf, 0, document, None)
    body, text = bodies[0], texts[0]
    glyphs = list(_boxes(root, "glyph"))
    glyph = glyphs[0].margin_height() if glyphs and design.fmt.layout == "tall" else 0
    height = body.margin_height()
    widest = max((line.width for line in _lines(text)), default=0)
    fits = (frame["top"] - 0.5 <= body.position_y and body.position_y + height <= bottom + 0.5
            and widest <= frame["width"] + 0.5)
    fields = list(_boxes(root, "field-body"))
    return _Probe(px, fits, height, text.margin_height(), glyph, document, body, fields[0] if fields else None,
                  widest / max(frame["width"], 1))


def _lines(box):
    """The line boxes under a box."""
    stack = [box]
    while stack:
        b = stack.pop()
        if type(b).__name__ == "LineBox":
            yield b
            continue
        stack.extend(getattr(b, "children", ()) or ())


def _layout(html: str, assets: dict):
    """Lay out a card with the project's renderer (asset-only fetcher, generated photo and logo)."""
    global LAYOUTS
    LAYOUTS += 1
    return renderer.layout(html, generated=assets, options=PDF_OPTIONS)


def _probe(design: Design, px: int, geo: dict | None = None, scrim: dict | None = None) -> _Probe:
    """Lay the card out at one quote size and measure it against its frame."""
    context = _context(design, [px], geo, scrim)
    document = _layout(renderer.render_html(TEMPLATE, context), design.assets())
    return _measure(document, 0, px, design, context["geo"])


def _probe_many(design: Design, sizes: list[int], geo: dict, scrim: dict | None) -> list[_Probe]:
    """Lay out several candidate sizes as pages of one document (cheaper than a layout each)."""
    context = _context(design, sizes, geo, scrim)
    document = _layout(renderer.render_html(TEMPLATE, context), design.assets())
    if len(document.pages) != len(sizes):
        return [_Probe(px, False, math.inf, math.inf, 0, document, None) for px in sizes]
    probes = []
    for index, px in enumerate(sizes):
        probe = _measure(document, index, px, design, geo)
        probe.document = document.copy([document.pages[index]])
        probes.append(probe)
    return probes


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


# A fitted block filling at least this share of its frame's height is kept without trying a size up:
# every try costs a full layout, and the card's empty bands stay well under a third of its height.
GOOD_FILL = 0.8
AIM = 0.95  # the estimate aims at this share of the frame (lines come in whole numbers)


def fit(design: Design, geo: dict | None = None, scrim: dict | None = None):
    """Find a quote size that fits and fills the frame; return ``(document, px)``, the block centred.

    The first guess comes from measuring the words (:mod:`campaign.card_metrics`); a guess that fits
    and fills ``GOOD_FILL`` of the frame is kept, so most cards take one layout. When it misses, the
    next size is worked out from what the layout measured, and it is laid out together with a safer
    size 6 % smaller, as two pages of one document: the larger that fits is kept, usually on that
    second layout. Nothing fits at the format's minimum: :class:`CardTooLong` naming ``quote``.
    """
    fmt = design.fmt
    geo = geo or cl.geometry(design.layout, fmt, design.rtl, bool(design.mark or design.logo))
    frame = geo["frame"]
    room = frame["height"]
    low, high = fmt.min_px, fmt.max_px
    best: _Probe | None = None
    too_big = high + 1  # smallest size known not to fit
    candidates = [min(max(metrics.estimate(design.layout, fmt, design.quote, frame, AIM, design.highlight,
                                           photo_credit(design)), low), high)]
    for _try in range(6):
        probes = ([_probe(design, candidates[0], geo, scrim)] if len(candidates) == 1
                  else _probe_many(design, candidates, geo, scrim))
        for probe in probes:
            if probe.fits and (best is None or probe.px > best.px):
                best = probe
            elif not probe.fits:
                too_big = min(too_big, probe.px)
        if best is not None and (best.px >= high or best.px + 1 >= too_big or best.body >= room * GOOD_FILL):
            break
        floor, ceiling = (best.px + 1 if best else low), min(too_big - 1, high)
        if floor > ceiling:
            break
        measured = max((p for p in probes if p.box is not None), key=lambda p: p.px, default=None)
        target = math.floor(_next_size(measured, room * AIM)) if measured else round(candidates[-1] * 0.85)
        if measured and measured.wide > 1:  # a word wider than the line: its height says nothing yet
            target = min(target, math.floor(measured.px / measured.wide * 0.98))
        if measured and measured.box.position_y + measured.body >= fmt.height - 1:
            target = min(target, round(measured.px * 0.7))  # cut off at the page's foot: far too big
        target = min(max(target, floor), ceiling)
        candidates = sorted({target, max(floor, min(ceiling, round(target * 0.94)))}, reverse=True)
    if best is None:
        raise CardTooLong("quote", too_long_message(fmt, design.quote.length))
    best.box.translate(0, max((room - best.body) / 2, 0))  # centre the block in its frame
    if best.field is not None and geo["inner"]:
        spare = geo["inner"]["height"] - best.field.margin_height()
        best.field.translate(0, max(spare / 2, 0))
    return best.document, best.px


def too_long_message(fmt: cl.Format, length: int, alternatives: str = "") -> str:
    """What to do about a quotation longer than a format takes: an excerpt, another format, another quotation."""
    roomier = [f.name for f in cl.FORMATS.values() if f.max_chars >= length and f.name != fmt.name]
    other = f" — or choose the {' / '.join(roomier)} format" if roomier else ""
    return (f"this quotation is too long for a legible {fmt.name} card: it has {length} characters, and the "
            f"{fmt.name} format ({fmt.width}×{fmt.height} px, type no smaller than {fmt.min_px} px) takes at most "
            f"{fmt.max_chars}. Make a shorter excerpt, marking each cut with […]{other}{alternatives}")


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
    image.save(out, format="PNG", pnginfo=info, compress_level=1)
    return out.getvalue()


def alt_text(design: Design) -> str:
    """The card's alt text: the quotation's, and for a photo card what the photo shows and its credit."""
    alt = design.quote.alt
    if design.image is not None:
        seen = "; ".join(x for x in (design.image.alt, photo_credit(design)) if x)
        alt += f" [{seen}]" if seen else ""
    return alt


def png_text(data: CardQuote, author: str = "", source_url: str = "", design: Design | None = None) -> dict[str, str]:
    """The PNG's text chunks: Description/Alt (the alt text), Title, Author, Source (and the photo's Credit)."""
    alt = alt_text(design) if design is not None else data.alt
    text = {"Title": f"{data.speaker}: {data.id}", "Description": alt, "Alt": alt,
            "Author": author or data.speaker, "Source": source_url or data.source_line}
    if design is not None and design.image is not None:
        text["Credit"] = photo_credit(design)
    return text


def _scrim(design: Design, geo: dict) -> dict | None:
    """The photo layout's scrim, from the photo's pixels under the text frame."""
    if design.image is None or design.layout != "photo":
        return None
    return cl.photo_scrim(design.image.data, design.fmt, geo["frame"], design.palette)


def draw(design: Design):
    """Fit the card and return ``(document, px)`` (in this process)."""
    if design.layout == "photo" and design.image is None:
        raise CardError("image", "the photo layout needs a photo: choose one of the stored images")
    geo = cl.geometry(design.layout, design.fmt, design.rtl, bool(design.mark or design.logo))
    return fit(design, geo, _scrim(design, geo))


def render_png(design: Design) -> tuple[bytes, int]:
    """Fit, write the PDF and rasterise: ``(png, quote size in px)``; runs in a render process."""
    document, px = draw(design)
    pdf = renderer.document_pdf(document, PDF_OPTIONS)
    fmt = design.fmt
    return rasterise(pdf, fmt.width, fmt.height, png_text(design.quote, source_url=design.source_url,
                                                          design=design)), px


def card_pdf_here(design: Design) -> bytes:
    """The fitted card as a one-page PDF (in this process)."""
    return renderer.document_pdf(draw(design)[0], PDF_OPTIONS)


def fitted_px(design: Design) -> int:
    return draw(design)[1]


def html_at(design: Design, px: int) -> str:
    """The card's HTML at one quote size."""
    geo = cl.geometry(design.layout, design.fmt, design.rtl, bool(design.mark or design.logo))
    return renderer.render_html(TEMPLATE, _context(design, [px], geo, _scrim(design, geo)))
