"""The brand kit: the campaign's name, logo, two colours and default palette, used by every output.

An admin sets it on the brand page. Renders receive it as plain data (:meth:`Brand.as_data`) and the
logo as a generated asset (:func:`print_assets`), so it crosses into the render worker like any other
argument and is part of every cache key.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import palettes

DEFAULT_NAME = "Handbill"
LOGO_ASSET = "brand/logo.png"  # generated asset path the print templates refer to


@dataclass(frozen=True)
class Brand:
    """The brand kit as plain data (picklable for the render worker)."""

    name: str = DEFAULT_NAME         # campaign name, printed on every piece
    primary: str = ""                # first brand colour, #rrggbb ("" = not set)
    secondary: str = ""              # second brand colour
    palette: str = palettes.DEFAULT_PALETTE  # default palette for new outputs
    contact: str = ""                # a contact line (e-mail, Signal, website) for back covers
    url: str = ""                    # the campaign's web address, for QR codes on back covers
    logo: bytes | None = None        # PNG bytes, re-encoded by Pillow on upload
    logo_width: int = 0
    logo_height: int = 0

    @property
    def has_colours(self) -> bool:
        return bool(self.primary and self.secondary)

    @property
    def has_logo(self) -> bool:
        return bool(self.logo)

    def as_data(self) -> dict:
        """What templates see (and what the cache key covers); the logo by a digest, not bytes."""
        import hashlib
        return {"name": self.name, "primary": self.primary, "secondary": self.secondary,
                "palette": self.palette, "contact": self.contact, "url": self.url,
                "logo": LOGO_ASSET if self.logo else "",
                "logo_digest": hashlib.sha256(self.logo).hexdigest()[:16] if self.logo else "",
                "logo_ratio": (self.logo_width / self.logo_height) if self.logo and self.logo_height else 0}


DEFAULT = Brand()


def current() -> Brand:
    """The brand kit in force (the admin's setting), or the default kit when none is set."""
    return DEFAULT


def print_assets(brand: Brand) -> dict[str, tuple[bytes, str]]:
    """Generated assets a render needs for this brand: ``{path: (bytes, mime type)}``."""
    return {LOGO_ASSET: (brand.logo, "image/png")} if brand.logo else {}
