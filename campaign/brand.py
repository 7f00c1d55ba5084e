"""The brand kit: the campaign's name, logo, two colours and default palette, used by every output.

An admin sets it on the brand page. Renders receive it as plain data (:meth:`Brand.as_data`) and the
logo as a generated asset (:func:`print_assets`), so it crosses into the render worker like any other
argument and is part of every cache key.

The kit is one database row, read once per request (:func:`current`); outside an app context, or
before an admin has saved one, the default kit is in force. :func:`save` checks every field (the
colours against WCAG AA) and re-encodes the logo, so what is stored is always printable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from . import palettes

DEFAULT_NAME = "Handbill"
LOGO_ASSET = "brand/logo.png"  # generated asset path the print templates refer to
MAX_NAME = 60
MAX_CONTACT = 200
MAX_URL = 500
MAX_LOGO_BYTES = 4 * 1024 * 1024
AA_TEXT = 4.5  # WCAG AA: normal-size text against its background
AA_GRAPHICS = 3.0  # WCAG AA: rules, bands and large marks
COLOUR = re.compile(r"^#[0-9a-f]{6}$")


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


class BrandError(ValueError):
    """A brand kit that cannot be saved; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


def current() -> Brand:
    """The brand kit in force (the admin's setting), or the default kit when none is set.

    Read once per app context (each request has its own), so a page and the renders it starts agree.
    """
    from flask import g, has_app_context

    if not has_app_context():
        return DEFAULT
    found = g.get("handbill_brand")
    if found is None:
        found = g.handbill_brand = _read()
    return found


def _read() -> Brand:
    from .db import db
    from .models import BrandSetting
    from .models.media import BRAND_ROW

    row = db.session.get(BrandSetting, BRAND_ROW)
    return DEFAULT if row is None else _from_row(row)


def _from_row(row) -> Brand:
    return Brand(name=row.name, primary=row.primary_colour, secondary=row.secondary_colour, palette=row.palette,
                 contact=row.contact, url=row.url, logo=row.logo or None,
                 logo_width=row.logo_width if row.logo else 0, logo_height=row.logo_height if row.logo else 0)


def print_assets(brand: Brand) -> dict[str, tuple[bytes, str]]:
    """Generated assets a render needs for this brand: ``{path: (bytes, mime type)}``."""
    return {LOGO_ASSET: (brand.logo, "image/png")} if brand.logo else {}


# -- checks ------------------------------------------------------------------------------------

def _(message: str, **values) -> str:
    """Translated in a request; plain English elsewhere (the command line, the render worker)."""
    from flask_babel import gettext

    return gettext(message, **values)


def colour(value: str | None, field: str) -> str:
    """``#rrggbb`` in lower case ("" when empty); BrandError naming ``field`` for anything else."""
    text = (value or "").strip().lower()
    if not text:
        return ""
    if not text.startswith("#"):
        text = "#" + text
    if not COLOUR.match(text):
        raise BrandError(field, _("Write the colour as # and six hexadecimal digits, e.g. #9e1b1b."))
    return text


def contrasts(primary: str, secondary: str) -> dict:
    """What the brand palette made from two colours gets: its text colour and each colour's contrast ratio.

    ``primary`` is the ratio of the palette's text against the first colour (text needs 4.5:1);
    ``secondary`` the ratio of the second colour against the first (rules and bands need 3:1, else the
    palette draws them in the text colour).
    """
    palette = palettes.from_brand(Brand(primary=primary, secondary=secondary))
    return {"text": palette.text, "primary": palettes.contrast(palette.text, primary),
            "secondary": palettes.contrast(secondary, primary), "accent": palette.accent,
            "primary_ok": palettes.contrast(palette.text, primary) >= AA_TEXT,
            "secondary_ok": palettes.contrast(secondary, primary) >= AA_GRAPHICS}


def check_colours(primary: str | None, secondary: str | None) -> tuple[str, str]:
    """Both colours normalised, or neither; BrandError naming the field when the pair cannot carry text."""
    primary, secondary = colour(primary, "primary"), colour(secondary, "secondary")
    if bool(primary) != bool(secondary):
        missing = "secondary" if primary else "primary"
        raise BrandError(missing, _("Give both colours, or leave both empty."))
    if primary:
        ratios = contrasts(primary, secondary)
        if not ratios["primary_ok"]:
            raise BrandError("primary", _(
                "Text on %(colour)s reaches only %(ratio)s:1, and WCAG AA needs 4.5:1: choose a darker or a lighter "
                "first colour.", colour=primary, ratio=f"{ratios['primary']:.2f}"))
    return primary, secondary


def check_url(value: str | None) -> str:
    """An http or https address with a host ("" when empty); BrandError naming ``url`` otherwise."""
    text = (value or "").strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if len(text) > MAX_URL or parts.scheme.lower() not in ("http", "https") or not parts.hostname \
            or any(c.isspace() for c in text):
        raise BrandError("url", _("Give a web address starting with https:// or http://."))
    return text


def _state(brand: Brand) -> dict:
    """What the history records of a kit (the logo by digest)."""
    data = brand.as_data()
    data.pop("logo_ratio")
    return data


KEEP = object()  # save(logo=KEEP): the stored logo stays


def save(*, name: str, primary: str = "", secondary: str = "", palette: str = palettes.DEFAULT_PALETTE,
         contact: str = "", url: str = "", logo=KEEP, user=None) -> Brand:
    """Check and store the brand kit (commits); BrandError naming the field when refused, nothing stored.

    ``logo`` is KEEP (leave the stored one), ``None`` (remove it) or the uploaded bytes (PNG or JPEG,
    re-encoded to PNG with transparency kept, metadata dropped, at most 2000 px on the long side).
    """
    from sqlalchemy.exc import IntegrityError

    from . import images
    from .db import db

    name = (name or "").strip()
    if not name:
        raise BrandError("name", _("Give the campaign a name."))
    if len(name) > MAX_NAME:
        raise BrandError("name", _("At most %(n)s characters.", n=MAX_NAME))
    primary, secondary = check_colours(primary, secondary)
    candidate = Brand(primary=primary, secondary=secondary)
    if palette not in palettes.names(candidate):
        raise BrandError("palette", _("The campaign colours palette needs both colours.")
                         if palette == palettes.BRAND else _("Choose one of the palettes offered."))
    contact = (contact or "").strip()
    if len(contact) > MAX_CONTACT:
        raise BrandError("contact", _("At most %(n)s characters.", n=MAX_CONTACT))
    url = check_url(url)
    if logo is not KEEP and logo is not None:
        try:
            logo = images.logo_png(logo, "logo", max_bytes=MAX_LOGO_BYTES)
        except images.ImageError as exc:
            raise BrandError(exc.field, exc.message) from None

    values = {"name": name, "primary_colour": primary, "secondary_colour": secondary, "palette": palette,
              "contact": contact, "url": url}
    try:
        return _store(values, logo, user)
    except IntegrityError:  # PostgreSQL: another admin's first save inserted the row meanwhile; it is locked now
        db.session.rollback()
        return _store(values, logo, user)


def _store(values: dict, logo, user) -> Brand:
    """Write the checked kit under the database's write lock and record the change; commits."""
    from sqlalchemy import select

    from . import audit
    from .db import begin_write, db
    from .models import BrandSetting
    from .models.media import BRAND_ROW, utcnow

    begin_write()  # SQLite: BEGIN IMMEDIATE, so two saves never interleave
    row = db.session.scalars(select(BrandSetting).where(BrandSetting.id == BRAND_ROW)
                             .with_for_update()).one_or_none()  # PostgreSQL: the row is locked
    before = _from_row(row) if row is not None else DEFAULT
    if row is None:
        row = BrandSetting(id=BRAND_ROW, logo=None, logo_width=0, logo_height=0)
        db.session.add(row)
    for column, value in values.items():
        setattr(row, column, value)
    if logo is None:
        row.logo, row.logo_width, row.logo_height = None, 0, 0
    elif logo is not KEEP:
        row.logo, row.logo_width, row.logo_height = logo
    row.updated_at, row.updated_by_id = utcnow(), getattr(user, "id", None)
    db.session.flush()
    after = _from_row(row)
    audit.record("brand", "update", _state(before), _state(after), user=user)
    db.session.commit()
    _forget()
    return after


def _forget() -> None:
    """Drop this context's copy of the kit, so the next :func:`current` reads the stored one."""
    from flask import g

    g.pop("handbill_brand", None)


def updated():
    """(when, by whom: user id) the kit was last saved, or None when it never was."""
    from .db import db
    from .models import BrandSetting
    from .models.media import BRAND_ROW

    row = db.session.get(BrandSetting, BRAND_ROW)
    return (row.updated_at, row.updated_by_id) if row is not None else None
