"""Card formats and layouts: where text, colour fields and photos go on each platform's size.

Plain data and arithmetic only (no rendering): :mod:`campaign.cards` lays a card out from the
geometry computed here. Four layouts, each in every format:

- ``quote-mark``: a big opening quotation mark in the accent colour, a rule, then the attribution;
- ``split``: a colour field holding the speaker and source, the quotation on the rest of the card;
- ``photo``: the quotation on an uploaded photo, under a scrim dark (or light) enough for 4.5:1;
- ``minimal``: type only, big and bold, no ornament.

Right-to-left cards mirror every horizontal position here, so templates only ever see ``left``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from . import palettes


def N_(message: str) -> str:
    """Mark a label for translation; the web pages translate it when they show it."""
    return message


# -- formats ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Format:
    """A platform size in CSS pixels (= PNG pixels), its safe margins and its type limits."""

    name: str
    width: int
    height: int
    label: str
    use: str
    layout: str  # shape: "tall" (text stacked under the mark) or "wide" (mark hanging in the margin)
    # margins text keeps from the edges: (top, end, bottom, start) in px
    frame: tuple[int, int, int, int]
    min_px: int  # smallest quote size still legible when the card is shown as a thumbnail in a feed
    max_px: int  # the largest quote size (a very short quote still leaves a margin of air)
    max_chars: int  # longest quotation the format takes (fits every layout at ``min_px``)
    speaker_px: int
    source_px: int
    mark_px: int

    @property
    def shape(self) -> str:
        return self.layout


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("square", 1080, 1080, N_("Square"), N_("Instagram, Mastodon, Telegram"), "tall",
           (96, 100, 96, 100), 38, 150, 420, 40, 30, 26),
    Format("portrait", 1080, 1350, N_("Portrait"), N_("Instagram and Facebook feeds"), "tall",
           (120, 100, 120, 100), 38, 156, 520, 42, 31, 27),
    # Stories put the account name at the top and the reply bar at the bottom: 250 px each stay clear.
    Format("story", 1080, 1920, N_("Story"), N_("Instagram, Facebook and WhatsApp stories"), "tall",
           (250 + 60, 100, 250 + 60, 100), 40, 160, 560, 44, 32, 28),
    Format("landscape", 1200, 675, N_("Landscape"), N_("X, Facebook and Mastodon posts"), "wide",
           (72, 96, 72, 164), 28, 112, 400, 32, 25, 22),
    Format("og", 1200, 630, N_("Link preview"), N_("Open Graph and Twitter link previews"), "wide",
           (64, 96, 64, 164), 28, 104, 380, 31, 24, 21),
)}
DEFAULT_FORMAT = "square"


# -- layouts ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """A card design: its name (in URLs), label and one line saying what it looks like."""

    name: str
    label: str
    description: str
    face: str  # the quotation's type: "serif" or "sans" (bold)
    needs_image: bool = False


LAYOUTS: dict[str, Layout] = {lay.name: lay for lay in (
    Layout("quote-mark", N_("Quotation mark"), N_("A big quotation mark in the accent colour above the words"),
           "serif"),
    Layout("split", N_("Split colour"), N_("A colour field with the speaker; the words on the rest of the card"),
           "serif"),
    Layout("photo", N_("Photo"), N_("The words on one of your photos, darkened or lightened so they read"),
           "sans", needs_image=True),
    Layout("minimal", N_("Minimal"), N_("Big type and nothing else"), "sans"),
)}
DEFAULT_LAYOUT = "quote-mark"

# Vertical rhythm of the attribution, in px, shared by the template (as CSS) and the size estimate.
RULE = {"tall": (44, 7, 26), "wide": (30, 6, 18)}  # margin above, thickness, margin below
SPEAKER_GAP = {"tall": 40, "wide": 26}  # layouts without a rule: space between quotation and speaker
SOURCE_GAP = 6
PHOTO_CREDIT_GAP = 12
CREDIT_GAP = 4
SPEAKER_LH, SOURCE_LH = 1.2, 1.3
# Split cards: the colour field's size (tall: height at the bottom; wide: width at the start).
FIELD = {"square": 300, "portrait": 360, "story": 560, "landscape": 400, "og": 390}
FIELD_GAP = 64  # between the field and the quotation
FIELD_PAD = 56


def line_height(fmt: Format, px: float) -> float:
    """Big type sets tighter: 1.34 at the legible minimum, down to 1.1 from about twice that size."""
    span = max(fmt.min_px * 1.2, 1)
    return round(1.34 - 0.24 * min(max((px - fmt.min_px) / span, 0), 1), 3)


def glyph_px(layout: str, fmt: Format, px: float) -> int:
    """The opening quotation mark's size: three times the text, within what the margin holds."""
    if layout != "quote-mark":
        return 0
    return round(min(px * 3, 260 if fmt.layout == "tall" else 200))


def glyph_height(layout: str, fmt: Format, px: float) -> float:
    """Height the mark takes above the text (tall formats; wide ones hang it in the margin)."""
    return glyph_px(layout, fmt, px) * 0.5 if layout == "quote-mark" and fmt.layout == "tall" else 0


def _rect(x: float, y: float, w: float, h: float, fmt: Format, rtl: bool) -> dict:
    """A rectangle as the template places it (mirrored for right-to-left cards)."""
    if rtl:
        x = fmt.width - x - w
    return {"left": round(x), "top": round(y), "width": round(w), "height": round(h)}


def _inner(x: float, y: float, w: float, h: float, field_width: float, rtl: bool) -> dict:
    """The split field's padded content box, relative to the field (mirrored for right-to-left cards)."""
    if rtl:
        x = field_width - x - w
    return {"left": round(x), "top": round(y), "width": round(w), "height": round(h)}


def mark_room(fmt: Format, mark: bool) -> int:
    """Height kept under the text for the campaign mark line."""
    return round(fmt.mark_px * 2.2) if mark else 0


def geometry(layout: str, fmt: Format, rtl: bool = False, mark: bool = False) -> dict:
    """Where things go: the text ``frame``, the split layout's ``field`` and its padded ``inner`` box."""
    top, end, bottom, start = fmt.frame
    width, height = fmt.width, fmt.height
    geo: dict = {"field": None, "inner": None}
    if layout == "split":
        size = FIELD[fmt.name]
        if fmt.layout == "tall":
            geo["field"] = _rect(0, height - size, width, size, fmt, rtl)
            # the story's field keeps its text above the reply bar
            low = max(FIELD_PAD, bottom - 20) if fmt.name == "story" else FIELD_PAD
            geo["inner"] = _inner(start, FIELD_PAD, width - start - end, size - FIELD_PAD - low, width, rtl)
            geo["frame"] = _rect(start, top, width - start - end, height - size - FIELD_GAP - top, fmt, rtl)
        else:
            geo["field"] = _rect(0, 0, size, height, fmt, rtl)
            geo["inner"] = _inner(FIELD_PAD, FIELD_PAD, size - FIELD_PAD - 44, height - 2 * FIELD_PAD, size, rtl)
            left = size + FIELD_GAP
            geo["frame"] = _rect(left, top, width - left - end, height - top - bottom, fmt, rtl)
    else:
        room = mark_room(fmt, mark)
        geo["frame"] = _rect(start, top, width - start - end, height - top - bottom - room, fmt, rtl)
    geo["mark"] = {"bottom": bottom, "left": start if not rtl else end, "right": end if not rtl else start}
    return geo


def split_colours(palette: palettes.Palette) -> tuple[str, str]:
    """The split layout's field colour and the colour of the text on it (4.5:1 or better).

    The accent makes the field when text reaches 4.5:1 on it; otherwise the palette's text colour
    does, with the background colour as its text (the palette guarantees that pair).
    """
    for ink in (palette.background, palette.text):
        if palettes.contrast(ink, palette.accent) >= 4.5:
            return palette.accent, ink
    return palette.text, palette.background


# -- photo scrim -----------------------------------------------------------------------------

SCRIM_MIN = 0.45  # never so thin that the card reads as a plain photo with words on it
TEXT_RATIO, GRAPHIC_RATIO = 4.6, 3.1  # WCAG 4.5:1 and 3:1, with a little room for 8-bit rounding


def _channels(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _hex(rgb) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def cover_box(image_size: tuple[int, int], fmt: Format, rect: dict) -> tuple[int, int, int, int]:
    """The part of an image (its pixels) that a card ``rect`` shows when the image covers the card."""
    w, h = image_size
    scale = max(fmt.width / w, fmt.height / h)
    off_x, off_y = (fmt.width - w * scale) / 2, (fmt.height - h * scale) / 2
    x0 = max(int((rect["left"] - off_x) / scale) - 1, 0)
    y0 = max(int((rect["top"] - off_y) / scale) - 1, 0)
    x1 = min(int((rect["left"] + rect["width"] - off_x) / scale) + 2, w)
    y1 = min(int((rect["top"] + rect["height"] - off_y) / scale) + 2, h)
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def scrim_alpha(extremes: tuple[tuple[int, int, int], tuple[int, int, int]], palette: palettes.Palette) -> float:
    """The scrim's opacity so that text reaches 4.5:1 (highlight 3:1) over every pixel under it.

    ``extremes`` are the per-channel minimum and maximum of the photo where text goes. Compositing is
    per channel (``a·scrim + (1-a)·pixel``) and luminance grows with each channel, so the composite
    of every pixel lies between the composites of those two corner colours: checking both is a
    guarantee, not a sample.
    """
    scrim = _channels(palette.background)
    needs = [(palette.text, TEXT_RATIO), (palette.muted, TEXT_RATIO), (palette.accent, GRAPHIC_RATIO)]
    for step in range(round(SCRIM_MIN * 100), 101):
        alpha = step / 100
        corners = [_hex(alpha * s + (1 - alpha) * p for s, p in zip(scrim, corner)) for corner in extremes]
        if all(palettes.contrast(ink, c) >= ratio for ink, ratio in needs for c in corners):
            return alpha
    return 1.0


@lru_cache(maxsize=4)
def _decoded(image_bytes: bytes):
    """A stored photo decoded to RGB (kept for the next card of the same photo: one photo, many cards)."""
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(image_bytes)) as image:
        return image.convert("RGB")


def photo_scrim(image_bytes: bytes, fmt: Format, frame: dict, palette: palettes.Palette) -> dict:
    """The scrim for a photo card: opacity computed from the photo's pixels under the text frame."""
    image = _decoded(image_bytes)
    region = image.crop(cover_box(image.size, fmt, frame))
    low, high = zip(*region.getextrema())
    alpha = scrim_alpha((tuple(low), tuple(high)), palette)
    r, g, b = _channels(palette.background)
    return {"alpha": alpha, "css": f"rgba({r}, {g}, {b}, {alpha:.2f})", "low": list(low), "high": list(high)}
