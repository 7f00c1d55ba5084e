"""Colour palettes shared by every output (print designs, cards, packs), checked against WCAG.

A palette is a background and the colours set on it. Print designs and cards take their colours
from here, so one campaign looks like one campaign. ``brand`` is the palette made from the brand
kit's two colours (see :mod:`campaign.brand`).
"""
from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark a label for translation; the web pages translate it when they show it."""
    return message


@dataclass(frozen=True)
class Palette:
    """Background and text colours; every text colour meets WCAG AA against the background."""

    name: str
    label: str
    background: str
    text: str  # the quotation and the speaker
    muted: str  # source line and campaign mark (small text: needs 4.5:1 too)
    accent: str  # quotation mark, rule and band: graphics, 3:1 is enough

    def text_roles(self) -> dict[str, str]:
        """The colours used for text, which must each reach 4.5:1 against the background."""
        return {"text": self.text, "muted": self.muted}

    def as_data(self) -> dict:
        """Plain data for templates and cache keys."""
        return {"name": self.name, "background": self.background, "text": self.text, "muted": self.muted,
                "accent": self.accent}


PALETTES: dict[str, Palette] = {p.name: p for p in (
    Palette("paper", N_("Paper"), "#fbf6ec", "#1c1b19", "#4d4a44", "#b3261e"),
    Palette("night", N_("Night"), "#14192b", "#f6f3ea", "#c9cede", "#f2b63c"),
    Palette("red", N_("Red"), "#9e1b1b", "#ffffff", "#fbe3dc", "#ffc9b9"),
    Palette("olive", N_("Olive"), "#1f3a2c", "#f4f1e6", "#cfdccf", "#e8c35a"),
    Palette("sand", N_("Sand"), "#efe0c2", "#261c12", "#54402a", "#8a3412"),
)}
DEFAULT_PALETTE = "paper"
BRAND = "brand"  # the palette made from the brand kit's colours


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def from_brand(brand) -> Palette:
    """The palette made from a brand kit: its first colour as background, text chosen for contrast."""
    background = brand.primary
    dark, light = "#1c1b19", "#ffffff"
    text = light if contrast(light, background) >= contrast(dark, background) else dark
    accent = brand.secondary if contrast(brand.secondary, background) >= 3 else text
    return Palette(BRAND, N_("Campaign colours"), background, text, text, accent)


def names(brand=None) -> list[str]:
    """Every palette name on offer: the fixed ones, then the brand kit's when it has colours."""
    return list(PALETTES) + ([BRAND] if brand is not None and brand.has_colours else [])


def resolve(name: str, brand=None) -> Palette:
    """The palette called ``name``; ``brand`` needs the brand kit. KeyError for an unknown name."""
    if name == BRAND:
        if brand is None or not brand.has_colours:
            raise KeyError(name)
        return from_brand(brand)
    return PALETTES[name]
