"""The leaflet designs: paper sizes, each design's layout rules and type scale, and its colours.

A design declares its type scale as ratios to the quotation (headline : quotation : call to action)
and keeps them while the text is fitted: the fitter moves the quotation's size, the headline follows
it (never outgrowing the quotation where the design says so), and the call to action follows it down
only to a floor, so a long quotation never shrinks the call to action to caption size. Colours come
from a :class:`campaign.palettes.Palette`; :func:`colours` adds the colours set on its bands.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import palettes


@dataclass(frozen=True)
class Size:
    """A paper size (portrait width × height in millimetres) and its CSS name."""

    label: str
    css: str
    width: float
    height: float


SIZES = {
    "A2": Size("A2 (420 × 594 mm)", "A2", 420, 594),
    "A3": Size("A3 (297 × 420 mm)", "A3", 297, 420),
    "A4": Size("A4 (210 × 297 mm)", "A4", 210, 297),
    "A5": Size("A5 (148 × 210 mm)", "A5", 148, 210),
    "Letter": Size("US Letter (8.5 × 11 in)", "letter", 215.9, 279.4),
    "Tabloid": Size("Tabloid (11 × 17 in)", "ledger", 279.4, 431.8),
}
ORIENTATIONS = ("portrait", "landscape")


@dataclass(frozen=True)
class TypeScale:
    """Sizes of the design's roles in root units (rem) at type scale 1, and how they follow the quotation.

    ``headline`` and ``cta`` are ratios to the quotation's size; ``cta_floor`` (rem at scale 1) is the
    smallest the call to action may become when a long quotation is set small.
    """

    quote: float
    headline: float
    cta: float
    cta_floor: float

    def sizes(self, root_pt: float, scale: float) -> dict[str, float]:
        """Point sizes of quotation, headline and call to action at ``scale`` (root_pt is the size at scale 1)."""
        quote = root_pt * scale * self.quote
        cta = max(quote * self.cta, root_pt * self.cta_floor)
        return {"quote_pt": round(quote, 2), "headline_pt": round(quote * self.headline, 2),
                "cta_pt": round(cta, 2)}


@dataclass(frozen=True)
class Design:
    """One leaflet layout: which sizes and orientations it allows, how many quotations, type limits."""

    id: str
    label: str
    description: str
    template: str
    sizes: tuple[str, ...]
    orientations: tuple[str, ...]
    min_quotes: int
    max_quotes: int
    base_pt: float            # root type size at scale 1 on the reference width below
    reference_width: float    # mm; larger paper scales type up proportionally
    scales: tuple[float, ...]  # type scales allowed, largest first: below 1 to fit long text, above to fill
    type_scale: TypeScale
    margin: float = 12.0      # mm, the safe area inside the trim
    two_up: bool = False      # two copies side by side on a landscape sheet, cut in half
    noun: str = "leaflet"     # what organizers call it, for messages ("the flyer comes in …")
    single_quote: bool = False  # one quotation set large: a phrase of it may be highlighted
    photo: bool = False       # sets an uploaded photo (the ``image`` field)
    group: bool = False       # announces a study group (the ``group`` field)
    tiles: int = 0            # a sheet of this many stickers
    big_qr: bool = False      # a QR code to scan from across a corridor (a fifth of the short side)


def _steps(low: float, high: float) -> tuple[float, ...]:
    """Type scales from ``high`` down to ``low`` in 5 % steps (1 is the design's own size)."""
    count = round((high - low) / 0.05)
    return tuple(round(high - i * 0.05, 2) for i in range(count + 1))


POSTER_SIZES = ("A3", "A4", "A2", "Letter", "Tabloid")
DESIGNS = {
    "poster": Design("poster", "Single-quote poster",
                     "One quotation set large, with its speaker and source; for walls and noticeboards.",
                     "print/leaflet_poster.html", POSTER_SIZES, ORIENTATIONS, 1, 1,
                     base_pt=13, reference_width=210, scales=_steps(0.5, 2.5),
                     type_scale=TypeScale(quote=2.5, headline=0.72, cta=0.5, cta_floor=1.05),
                     margin=15, noun="poster", single_quote=True, big_qr=True),
    "photo-poster": Design("photo-poster", "Photo poster",
                           "A photograph across the top with one quotation below it, the photo credited.",
                           "print/leaflet_photo.html", POSTER_SIZES, ("portrait",), 1, 1,
                           base_pt=13, reference_width=210, scales=_steps(0.5, 2.2),
                           type_scale=TypeScale(quote=2.1, headline=0.75, cta=0.55, cta_floor=1.0),
                           margin=14, noun="photo poster", single_quote=True, photo=True),
    "flyer": Design("flyer", "Flyer: headline, quotations, call to action",
                    "A headline, two or three quotations and what to do next; to hand out.",
                    "print/leaflet_flyer.html", ("A5", "A4", "Letter"), ("portrait",), 1, 3,
                    base_pt=9.5, reference_width=148, scales=_steps(0.85, 2.2),
                    type_scale=TypeScale(quote=1.12, headline=1.6, cta=0.95, cta_floor=1.0),
                    margin=10, noun="flyer"),
    "handout": Design("handout", "Two-column handout with context",
                      "A headline, an introduction and up to four quotations with their context, in two columns.",
                      "print/leaflet_handout.html", ("A4", "Letter"), ("portrait",), 1, 4,
                      base_pt=10, reference_width=210, scales=_steps(0.85, 2.0),
                      type_scale=TypeScale(quote=1.05, headline=1.9, cta=1.0, cta_floor=1.05),
                      margin=14, noun="handout"),
    "two-up": Design("two-up", "Two A5 flyers on one sheet (cut in half)",
                     "The flyer printed twice on a landscape sheet, to cut in half: half the paper.",
                     "print/leaflet_twoup.html", ("A4", "Letter"), ("portrait",), 1, 2,
                     base_pt=9, reference_width=148, scales=_steps(0.85, 2.2),
                     type_scale=TypeScale(quote=1.12, headline=1.6, cta=0.95, cta_floor=1.0),
                     margin=8, two_up=True, noun="two-up sheet"),
    "stickers": Design("stickers", "Sticker sheet",
                       "Eight stickers on one sheet, each a coloured tile with a quotation and its speaker.",
                       "print/leaflet_stickers.html", ("A4", "Letter"), ("portrait",), 1, 8,
                       base_pt=9, reference_width=210, scales=_steps(0.9, 1.8),
                       type_scale=TypeScale(quote=1.2, headline=1.0, cta=0.7, cta_floor=0.7),
                       margin=10, noun="sticker sheet", tiles=8),
    "event": Design("event", "Study group poster",
                    "A study group's title, meeting dates and place, with a QR code to its signup page.",
                    "print/leaflet_event.html", ("A4", "A3", "A5", "Letter", "Tabloid"), ("portrait",), 0, 1,
                    base_pt=12, reference_width=210, scales=_steps(0.6, 2.0),
                    type_scale=TypeScale(quote=1.3, headline=2.2, cta=0.95, cta_floor=1.0),
                    margin=14, noun="study group poster", group=True, big_qr=True),
}


def _best(background: str, *candidates: str) -> str:
    """The candidate colour that stands out most against ``background``."""
    return max(candidates, key=lambda c: palettes.contrast(c, background))


def colours(palette: palettes.Palette) -> dict[str, str]:
    """Every colour a design uses: the palette's, and the colours set on its two bands.

    The head band is the accent; the foot band is the palette's text colour with the background's
    colour on it (a dark band on a light palette, a light one on a dark palette).
    """
    data = palette.as_data()
    on_accent = _best(palette.accent, palette.text, palette.background, "#ffffff", "#111111")
    band, on_band = palette.text, palette.background
    # The highlight: the accent where it stands out on the background, else the band colour.
    mark = palette.accent if palettes.contrast(palette.accent, palette.background) >= 3 else on_accent
    return {**data, "on_accent": on_accent, "band": band, "on_band": on_band, "mark": mark,
            # muted text on the foot band (credits): the band's own text colour, contrast is kept
            "band_muted": on_band}
