"""A leaflet on paper: page geometry, QR codes, PDF metadata and the template context at one type scale.

Pure helpers for :mod:`campaign.leaflets` (they run in the render workers): plain data in, plain data
or HTML out. The fitter (:func:`campaign.render.fit_pdf`) calls :class:`Html` once per type scale it
tries; :class:`Describe` words an overflow for the organizer.
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import segno
from markupsafe import Markup, escape

from . import highlight, languages, palettes, render as renderer
from .designs import DESIGNS, SIZES, Design, colours

QR_BORDER = 4  # modules of quiet zone around the symbol, the standard's minimum
BLEED = 3.0    # mm of colour past the trim on every side, for a copy shop's guillotine
FRAME = 6.0    # mm of bare paper round an office print: office printers do not print to the edge
LANGUAGES = {code: lang.dir for code, lang in languages.LANGUAGES.items()}
DEFAULT_AUTHOR = "Handbill"  # a leaflet without a contact line is signed by the toolkit, as packs are
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def qr_svg(url: str) -> bytes:
    """A vector QR code for ``url`` (error correction M, the standard quiet zone of 4 modules)."""
    buf = io.BytesIO()
    segno.make(url, error="m", micro=False, boost_error=False).save(
        buf, kind="svg", xmldecl=False, border=QR_BORDER, dark="#000", light="#fff", omitsize=False,
        title=None, desc=None)
    return buf.getvalue()


def qr_symbol_mm(design: Design, width: float, height: float) -> float:
    """The printed size of the QR symbol (without its quiet zone) for a piece of ``width`` × ``height`` mm:
    a fifth of the short side on a poster, to scan from across a corridor; at hand's reach at least
    25 mm (15 % of the short side on larger paper). One millimetre more than the minimum, so that the
    printed symbol meets it whatever the rounding of the printer and the scanner."""
    short = min(width, height)
    return float(math.ceil(0.2 * short if design.big_qr else max(25.0, 0.15 * short)) + 1)


def qr_caption(url: str) -> str:
    """The address as a reader would type it: no scheme, no query or fragment, no trailing slash
    (``https://handbill.example.org/g/abc?ref=x`` → ``handbill.example.org/g/abc``)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return (host + parts.path).rstrip("/") or host


def geometry(spec) -> dict:
    """Page size, bleed and the fixed areas (mm) the design's text must fit into.

    With a bleed the design's colour runs to the trim and 3 mm past it; an office print keeps a
    6 mm frame of bare paper round the design instead (the printer cannot print to the edge).
    """
    design, size = DESIGNS[spec.design], SIZES[spec.size]
    width, height = size.width, size.height
    landscape = spec.orientation == "landscape" or design.two_up
    if landscape:
        width, height = height, width
    flyer_width = width / 2 if design.two_up else width
    symbol = qr_symbol_mm(design, flyer_width, height)
    modules = segno.make(spec.qr_url, error="m", micro=False, boost_error=False).symbol_size(border=0)[0] \
        if spec.qr_url else 21
    frame = 0.0 if spec.bleed or design.two_up else FRAME
    # the two-up halves keep a strip of background round each flyer, so the cut never meets a band
    half_frame = (4.0 if spec.bleed else FRAME) if design.two_up else 0.0
    area_width = flyer_width - 2 * (frame + half_frame)
    area_height = height - 2 * (frame + half_frame)
    pad = design.margin if spec.bleed and not design.two_up else max(5.0, design.margin - FRAME)
    return {
        "page_size": f"{size.css} {'landscape' if landscape else 'portrait'}",
        "page_bleed": f"{BLEED:g}mm" if spec.bleed else "0",
        # Crop marks are drawn outside the bleed after writing (renderer.PdfOptions.crop_marks), not by WeasyPrint.
        "page_marks": "none",
        "page_margin": f"{frame:g}mm",
        "width_mm": width, "height_mm": height, "margin_mm": design.margin, "pad_mm": pad,
        "frame_mm": frame, "half_frame_mm": half_frame, "bleed_mm": BLEED if spec.bleed else 0.0,
        "area_width_mm": round(area_width, 2), "area_height_mm": round(area_height, 2),
        "base_pt": design.base_pt * min(flyer_width, height) / design.reference_width,
        "qr_symbol_mm": symbol,
        "qr_mm": round(symbol * (modules + 2 * QR_BORDER) / modules, 1),  # the image, quiet zone included
        "landscape": spec.orientation == "landscape",
    }


def _safe_colours(palette: dict) -> dict:
    """Palette colours as they reach CSS: ``#rrggbb`` only (a brand colour is typed by an admin)."""
    return {k: (v if isinstance(v, str) and _HEX.match(v) else "#111111") for k, v in palette.items()}


def page_background(spec, geo: dict, ink: dict) -> str:
    """The ``@page`` background: the palette's background colour where the bleed shows it, else none."""
    return ink["background"] if spec.bleed else "none"


def bleed_strips(spec, geo: dict, ink: dict) -> list[dict]:
    """Colour that must reach past the bottom trim, where no content may go (mm from the trim's top left).

    Bands reach the side and top bleed themselves; what stands past the page's bottom edge is not
    drawn, so the strip of bleed under the foot band (and a landscape poster's whole side panel) is
    drawn as a fixed element behind the page, in the colour of what stands there.
    """
    design = DESIGNS[spec.design]
    if not spec.bleed or design.two_up or design.tiles:
        return []
    w, h, b = geo["width_mm"], geo["height_mm"], BLEED
    if geo["landscape"] and design.id == "poster":
        panel = side_panel_mm(geo)
        x = w - panel if LANGUAGES[spec.lang] == "rtl" else -b  # the panel stands on the right in Arabic
        return [{"x": round(x, 2), "y": -b, "w": round(panel + b, 2), "h": round(h + 2 * b, 2), "colour": ink["accent"]}]
    return [{"x": -b, "y": round(h - 0.5, 2), "w": round(w + 2 * b, 2), "h": b + 0.5, "colour": ink["band"]}]


def side_panel_mm(geo: dict) -> float:
    """Width of a landscape poster's coloured side panel (headline, call to action and QR code)."""
    return round(geo["width_mm"] * 0.36, 2)


def _subject(source: dict) -> str:
    """A source's full credit for the PDF's subject; where the leaflet's language writes the speaker's name
    otherwise ("Лейла аш-Шами"), the name as the source spells it follows in brackets, so it can be found."""
    full, named, spelled = source["full"], source["interviewee"], source.get("speaker") or ""
    if spelled and spelled not in full and named in full:
        return full.replace(named, f"{named} ({spelled})", 1)
    return full


def _first_words(text: str, n: int = 8) -> str:
    words = text.split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def pdf_options(spec, data: dict) -> renderer.PdfOptions:
    """Title, author, subject, language and keywords of the PDF."""
    speakers = sorted({q["speaker"] for q in data["quotes"]})
    first = data["quotes"][0] if data["quotes"] else None
    group_title = (data.get("group_info") or {}).get("title", "")
    title = spec.title or spec.headline or group_title or (_first_words((first.get("tr") or first)["text"])
                                                           if first else DESIGNS[spec.design].label)
    subject = "; ".join(_subject(s) for s in data["sources"])
    keywords = ["leaflet", spec.design] + speakers
    if data.get("draft_mark"):
        # Whoever opens the file learns it holds unreviewed translations, even without printing it.
        subject = f"{data['draft_mark']} ({spec.lang}) — {subject}"
        keywords.append(data["draft_mark"])
    # The author is whoever made the leaflet: the organizer's contact line, else the campaign —
    # never a speaker, who did not write it (and least of all an interviewer).
    author = spec.contact or (data.get("brand") or {}).get("name") or DEFAULT_AUTHOR
    return renderer.PdfOptions(title=title, author=author, subject=subject,
                               lang=spec.lang, keywords=tuple(keywords), tagged=True,
                               crop_marks=spec.bleed, cuts=(0.5,) if DESIGNS[spec.design].two_up else (),
                               variant="pdf/x-4" if spec.pdf_x else "")


@dataclass(frozen=True)
class Describe:
    """Words an overflow as an organizer would want to read it: which block, and what to do.

    A plain class rather than a closure so a render job can be sent to a warm render worker.
    """

    spec: object
    data: dict

    def __call__(self, overflow: renderer.Overflow, scale: float) -> str:
        design, block = DESIGNS[self.spec.design], overflow.block
        if block.startswith("quote-"):
            n = int(block.split("-", 1)[1])
            items = self.data["quotes"]
            what = f"quotation {n} ({items[n - 1]['id']})" if 0 < n <= len(items) else "a quotation"
            advice = ("choose a shorter excerpt of it (a shorter quotation), fewer quotations or a larger size"
                      if len(items) > 1 else "choose a shorter excerpt (a shorter quotation) or a larger size")
        else:
            what = {"headline": "the headline", "intro": "the introduction", "call_to_action": "the call to action",
                    "qr": "the QR caption", "contact": "the contact line", "credits": "the source credits",
                    "group": "the study group's dates and place"}.get(block, f"the {block}")
            advice = "shorten it, choose fewer quotations or a larger size"
        return (f"{what[0].upper() + what[1:]} does not fit the {design.noun} on {self.spec.size} even with "
                f"the type reduced to {scale:.0%}: {advice}.")


@dataclass(frozen=True)
class Html:
    """The leaflet's HTML at a given type scale (a class, not a closure, for the same reason)."""

    spec: object
    data: dict

    def __call__(self, scale: float) -> str:
        return renderer.render_html(DESIGNS[self.spec.design].template, template_context(self.spec, self.data, scale),
                                    translations=renderer.catalog(self.spec.lang))


def columns(items: list[dict], bilingual: bool = False) -> list[list[int]]:
    """Split quotations (1-based numbers, in order) into two columns of about equal length.

    Bilingual quotations already stand in two columns (original and translation): one column of them.
    """
    if bilingual:
        return [list(range(1, len(items) + 1))]
    sizes = [len(q["text"]) + len(q.get("context", "")) // 2 + 80 for q in items]
    total, running, cut = sum(sizes), 0, len(items)
    for i, size in enumerate(sizes):
        if running + size / 2 > total / 2:
            cut = max(i, 1)
            break
        running += size
    numbers = list(range(1, len(items) + 1))
    return [numbers[:cut], numbers[cut:]]


def marked(text: str, span) -> Markup | None:
    """The quotation as printed with its highlighted phrase in a ``<mark>`` (each part escaped); None without one."""
    if not span:
        return None
    before, phrase, after = highlight.split(text, tuple(span))
    return Markup('{}<mark>{}</mark>{}').format(escape(before), escape(phrase), escape(after))


def sticker_marks(geo: dict, rows: int, cols: int, gutter: float) -> list[dict]:
    """Cut marks of a sticker sheet (mm from the sheet's top left): short lines in line with each tile's
    edges, standing only in the margin round the tiles and in the gutters between them."""
    w, h, pad = geo["area_width_mm"], geo["area_height_mm"], geo["pad_mm"]
    tile_w = (w - 2 * pad - (cols - 1) * gutter) / cols
    tile_h = (h - 2 * pad - (rows - 1) * gutter) / rows
    xs = sorted({pad + c * (tile_w + gutter) + e for c in range(cols) for e in (0, tile_w)})
    ys = sorted({pad + r * (tile_h + gutter) + e for r in range(rows) for e in (0, tile_h)})
    gap = 1.0  # mm between a mark and the tile it points at
    marks = []
    # vertical marks: in the top and bottom margins, and across each gutter between rows
    spans_v = [(pad - 4.5, pad - gap), (h - pad + gap, h - pad + 4.5)] + [
        (pad + (r + 1) * tile_h + r * gutter + gap, pad + (r + 1) * (tile_h + gutter) - gap) for r in range(rows - 1)]
    spans_h = [(pad - 4.5, pad - gap), (w - pad + gap, w - pad + 4.5)] + [
        (pad + (c + 1) * tile_w + c * gutter + gap, pad + (c + 1) * (tile_w + gutter) - gap) for c in range(cols - 1)]
    for x in xs:
        marks += [{"x": round(x, 2), "y": round(a, 2), "w": 0, "h": round(b - a, 2)} for a, b in spans_v if b > a]
    for y in ys:
        marks += [{"x": round(a, 2), "y": round(y, 2), "w": round(b - a, 2), "h": 0} for a, b in spans_h if b > a]
    return marks


def template_context(spec, data: dict, scale: float) -> dict:
    """Everything the print template sees for one attempt at a given type scale."""
    design = DESIGNS[spec.design]
    geo = geometry(spec)
    ink = _safe_colours(data.get("colours") or colours(palettes.PALETTES[palettes.DEFAULT_PALETTE]))
    quotes = data["quotes"]
    if design.single_quote and quotes and spec.highlight:
        first = quotes[0]
        printed = (first.get("tr") or first)["text"]
        quotes = [{**first, "marked": marked(printed, highlight.check(printed, highlight.parse(spec.highlight)))}]
    context = {**data, **geo, "quotes": quotes, "columns": columns(quotes, data.get("bilingual", False)),
               "scale": scale, "root_pt": round(geo["base_pt"] * scale, 3),
               **design.type_scale.sizes(geo["base_pt"], scale),
               "dir": LANGUAGES[spec.lang], "lang": spec.lang, "design": design, "ink": ink,
               "page_background": page_background(spec, geo, ink), "bleed_strips": bleed_strips(spec, geo, ink),
               "title": pdf_options(spec, data).title, "has_qr": bool(spec.qr_url),
               "qr_caption": qr_caption(spec.qr_url) if spec.qr_url else ""}
    if geo["landscape"]:
        context["panel_mm"] = side_panel_mm(geo)
    if design.tiles:
        rows, cols, gutter = design.tiles // 2, 2, 8.0
        tile_h = (geo["area_height_mm"] - 2 * geo["pad_mm"] - (rows - 1) * gutter) / rows
        context.update(tile_rows=rows, tile_cols=cols, gutter_mm=gutter, tile_h_mm=round(tile_h, 2),
                       tiles=[(i % max(1, len(quotes))) + 1 for i in range(design.tiles)],
                       cut_marks=sticker_marks(geo, rows, cols, gutter))
    return context
