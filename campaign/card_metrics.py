"""A quote card's first size guess: the words measured with the card's own fonts and wrapped like the layout.

Fitting a card lays it out (expensive); this module guesses the size that fills the frame before
that, by measuring each word with Pillow (the same Noto fonts, shaped by raqm like Pango shapes
them), wrapping the words greedily at a candidate size and adding the attribution's height. The
guess is slightly conservative (breaks only at spaces), so the first layout nearly always fits.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

from . import card_layouts as cl

FACES = {  # (face, bold, rtl) -> the font file print.css names first for it
    ("serif", False, False): "NotoSerif-Regular.ttf", ("serif", True, False): "NotoSerif-Bold.ttf",
    ("sans", False, False): "NotoSans-Regular.ttf", ("sans", True, False): "NotoSans-Bold.ttf",
    ("serif", False, True): "NotoNaskhArabic-Regular.ttf", ("serif", True, True): "NotoNaskhArabic-Bold.ttf",
    ("sans", False, True): "NotoNaskhArabic-Regular.ttf", ("sans", True, True): "NotoNaskhArabic-Bold.ttf",
}
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
UNIT = 200  # fonts are measured at this size and scaled
LETTER_SPACING = {"serif": -0.005, "sans": -0.01}  # em, as in card.css
WORD = re.compile(r"\S+")


@lru_cache(maxsize=16)
def _font(face: str, bold: bool, rtl: bool):
    """The Pillow font for a face (None when the font is missing: then a plainer guess is used)."""
    from PIL import ImageFont

    path = _font_files().get(FACES[(face, bold, rtl)])
    if path is None:
        return None
    try:
        return ImageFont.truetype(path, UNIT, layout_engine=ImageFont.Layout.RAQM)
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=1)
def _font_files() -> dict[str, str]:
    """The installed font files we measure with, by file name."""
    wanted, found = set(FACES.values()), {}
    for folder in FONT_DIRS:
        for path in Path(folder).rglob("Noto*.ttf") if Path(folder).is_dir() else ():
            if path.name in wanted:
                found.setdefault(path.name, str(path))
    return found


@lru_cache(maxsize=4096)
def width(text: str, face: str, bold: bool = False, rtl: bool = False) -> float:
    """Advance width of ``text`` at 1 px (em units)."""
    font = _font(face, bold, rtl)
    if font is None:
        return len(text) * (0.56 if bold else 0.5)
    spacing = LETTER_SPACING.get(face, 0) * len(text)
    try:
        return font.getlength(text, direction="rtl" if rtl else "ltr") / UNIT + spacing
    except (OSError, KeyError, ValueError):  # pragma: no cover - raqm missing at run time
        return font.getlength(text) / UNIT + spacing


def words(text: str, face: str, rtl: bool, bold_span: tuple[int, int] | None = None,
          all_bold: bool = False) -> list[float]:
    """Each word's width in em (words inside ``bold_span``, or all, measured in the bold face)."""
    out = []
    for match in WORD.finditer(text):
        bold = all_bold or (bool(bold_span) and match.start() < bold_span[1] and match.end() > bold_span[0])
        out.append(width(match.group(), face, bold, rtl))
    return out


def lines(widths: list[float], space: float, px: float, room: float) -> float:
    """How many lines words of these widths (em) take at ``px`` in ``room`` px (inf if a word is wider)."""
    count, line = 0, -1.0
    for w in widths:
        w *= px
        if w > room:
            return math.inf
        if line < 0:
            count, line = count + 1, w
        elif line + space * px + w <= room:
            line += space * px + w
        else:
            count, line = count + 1, w
    return max(count, 1)


def text_lines(text: str, face: str, rtl: bool, px: float, room: float, bold_span=None, all_bold=False) -> float:
    """Lines the text takes at ``px`` in ``room`` px."""
    return lines(words(text, face, rtl, bold_span, all_bold), width(" ", face, all_bold, rtl), px, room)


def attribution_height(layout: str, fmt: cl.Format, data, room: float, photo_credit: str = "") -> float:
    """Height of what follows the quotation in the text block (nothing in split cards: the field has it)."""
    if layout == "split":
        return 0.0
    shape = fmt.layout
    rtl = data.dir == "rtl"
    speaker = data.speaker + (f" ({data.original_speaker})" if data.original_speaker else "")
    height = sum(cl.RULE[shape]) if layout == "quote-mark" else cl.SPEAKER_GAP[shape]
    height += text_lines(speaker, "sans", rtl, fmt.speaker_px, room) * fmt.speaker_px * cl.SPEAKER_LH
    small = fmt.source_px * cl.SOURCE_LH
    if data.credit:
        height += cl.CREDIT_GAP + text_lines(data.credit, "sans", rtl, fmt.source_px, room) * small
    height += cl.SOURCE_GAP + text_lines(data.source_line, "sans", rtl, fmt.source_px, room) * small
    if photo_credit:
        height += cl.PHOTO_CREDIT_GAP + text_lines(photo_credit, "sans", rtl, fmt.source_px * 0.8, room) * small * 0.8
    return height


def field_height(fmt: cl.Format, data, photo_credit: str = "", mark: str = "") -> float:
    """Height of the split layout's field content (speaker, credit, source, mark)."""
    inner = cl.geometry("split", fmt)["inner"]
    rtl = data.dir == "rtl"
    room = inner["width"]
    speaker_px = round(fmt.speaker_px * 1.15)
    speaker = data.speaker + (f" ({data.original_speaker})" if data.original_speaker else "")
    height = text_lines(speaker, "sans", rtl, speaker_px, room) * speaker_px * cl.SPEAKER_LH
    small = fmt.source_px * cl.SOURCE_LH
    if data.credit:
        height += cl.CREDIT_GAP + text_lines(data.credit, "sans", rtl, fmt.source_px, room) * small
    height += cl.SOURCE_GAP + text_lines(data.source_line, "sans", rtl, fmt.source_px, room) * small
    if mark:
        height += 18 + fmt.mark_px * 1.2 * 1.5
    return height


def block_height(layout: str, fmt: cl.Format, data, px: float, room_width: float, attribution: float,
                 highlight=None) -> float:
    """The text block's height at ``px``: mark, quotation (and stacked original), attribution."""
    face = cl.LAYOUTS[layout].face
    rtl = data.dir == "rtl"
    lh = cl.line_height(fmt, px)
    bold_span = highlight if face == "serif" else None
    n = text_lines(data.text, face, rtl, px, room_width, bold_span, all_bold=face == "sans")
    height = cl.glyph_height(layout, fmt, px) + n * px * lh
    if data.original:
        small = px * 0.62
        orig_rtl = data.original_dir == "rtl"
        height += small * 0.9 + text_lines(data.original, face, orig_rtl, small, room_width) * small * lh
    if data.draft_mark:
        height += fmt.source_px * 1.3 + 4 + 6 + 18
    return height + attribution


def estimate(layout: str, fmt: cl.Format, data, frame: dict, aim: float = 0.96, highlight=None,
             photo_credit: str = "") -> int:
    """The largest whole px size whose estimated block fills at most ``aim`` of the frame (min_px at least)."""
    room_w, room_h = frame["width"], frame["height"] * aim
    attribution = attribution_height(layout, fmt, data, room_w, photo_credit)
    low, high = fmt.min_px, fmt.max_px
    if block_height(layout, fmt, data, low, room_w, attribution, highlight) > room_h:
        return low
    while low < high:  # the height grows with the size: bisect for the largest that fits
        mid = (low + high + 1) // 2
        if block_height(layout, fmt, data, mid, room_w, attribution, highlight) <= room_h:
            low = mid
        else:
            high = mid - 1
    return low


def capacity(layout: str, fmt: cl.Format, data, frame: dict) -> bool:
    """Whether the quotation is estimated to fit the frame at the format's legible minimum."""
    attribution = attribution_height(layout, fmt, data, frame["width"])
    return block_height(layout, fmt, data, fmt.min_px, frame["width"], attribution) <= frame["height"]
