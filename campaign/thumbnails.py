"""Thumbnails of real outputs (each leaflet design, a quote card, a reading pack's cover) for the start page
and the leaflet builder.

A thumbnail is one of a fixed set of names, each made from the library: the shortest verified quotations
laid out in a design, the first library quotation as a square card, the first theme as a one-section pack.
Its key is the output's own cache key (:func:`campaign.render.cache_key`, through each kind's ``key``) plus
the thumbnail's width, so it changes when the quotations, templates or print assets change. The PNG is
rendered once, through the render pool, into ``CACHE_DIR``; later visits read the file.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO
from typing import Callable

from sqlalchemy import select

from . import cards, leaflets, packs, quotes, render as renderer
from .db import db
from .models import Quote, Theme

WIDTH = 360  # pixels: shown at about 180 px, sharp on screens of double density
VERSION = "2"
# The organizer's words on the sample leaflets (English, as the library's quotations are).
HEADLINE = "Who talks to Syrians?"
CALL_TO_ACTION = "Read the interview with us: an open reading group."
PACK_TITLE = "Aleppo, Russia's war and the left"
SAMPLE_QUOTES = {"poster": 1, "flyer": 2, "handout": 3, "two-up": 1}


class NoThumbnail(LookupError):
    """There is no thumbnail of that name (or the library holds nothing to make it from)."""


@dataclass(frozen=True)
class Thumbnail:
    """One thumbnail: its name, its content key (the ETag) and how to make its PNG."""

    name: str
    key: str
    produce: Callable[[], bytes]


def names() -> tuple[str, ...]:
    """Every thumbnail there is."""
    return tuple(f"leaflet-{d}" for d in leaflets.DESIGNS) + ("card", "pack")


def dimensions(name: str) -> tuple[int, int]:
    """Width and height in pixels of a thumbnail (for the page's ``width``/``height``: no jump while it loads)."""
    if name == "card":
        return WIDTH, WIDTH
    if name == "pack":
        width, height = packs.SIZES["A5"]
    else:
        design = leaflets.DESIGNS[name.removeprefix("leaflet-")]
        size = leaflets.SIZES[design.sizes[0]]
        width, height = (size.height, size.width) if design.two_up else (size.width, size.height)
    return WIDTH, round(WIDTH * height / width)


def _thumb_key(kind_key: str) -> str:
    return hashlib.sha256(f"{kind_key}:{WIDTH}:{VERSION}".encode()).hexdigest()


def sample_quotes(count: int) -> list[str]:
    """The ``count`` shortest printable quotations (ids, in library order): they fit every design."""
    found = quotes.search("")
    short = sorted(found, key=lambda q: (len(q.text), q.position))[:count]
    return [q.id for q in found if q in short]


def card_quote_id() -> str | None:
    """The quotation the start page offers as a card: the library's first."""
    return db.session.scalar(select(Quote.id).where(quotes.PRINTABLE).order_by(Quote.position).limit(1))


def _leaflet(design: str, cache_dir) -> Thumbnail:
    d = leaflets.DESIGNS[design]
    if d.photo or d.group or d.tiles:  # a made-up photo or study group where the site may have none
        from . import design_samples

        data = design_samples.context(design, d.sizes[0], bleed=False)
        spec = leaflets.spec_of(data)
    else:
        spec = leaflets.validate({"kind": "leaflet", "design": design, "size": d.sizes[0],
                                  "quotes": sample_quotes(SAMPLE_QUOTES.get(design, 1)), "headline": HEADLINE,
                                  "call_to_action": CALL_TO_ACTION, "bleed": False})
        data = leaflets.gather(spec)
    key = leaflets.key(spec, data)

    def produce() -> bytes:
        pdf, _hit = renderer.cached_bytes(cache_dir, key, lambda: leaflets.render(data), ".pdf")
        return renderer.pdf_to_png(pdf, 0, width=WIDTH)

    return Thumbnail(f"leaflet-{design}", _thumb_key(key), produce)


def _card(cache_dir) -> Thumbnail:
    quote_id = card_quote_id()
    if quote_id is None:
        raise NoThumbnail("card")
    context = cards.gather(cards.validate({"quote": quote_id, "format": "square"}))
    key = cards.key(context.spec, context)

    def produce() -> bytes:
        png, _hit = renderer.cached_bytes(cache_dir, key, lambda: cards.render(context), ".png")
        return renderer.bounded(shrink, png, WIDTH)

    return Thumbnail("card", _thumb_key(key), produce)


def _pack(cache_dir) -> Thumbnail:
    theme = db.session.scalar(select(Theme.id).order_by(Theme.position).limit(1))
    if theme is None:
        raise NoThumbnail("pack")
    spec = packs.validate({"kind": "reading-pack", "title": PACK_TITLE, "sections": [{"theme": theme}]})
    context = {**packs.gather(spec), "imposition": "none"}
    key = packs.key(spec, context)

    def produce() -> bytes:
        pdf, _hit = renderer.cached_bytes(cache_dir, key, lambda: packs.render(context), ".pdf")
        return renderer.pdf_to_png(pdf, 0, width=WIDTH)

    return Thumbnail("pack", _thumb_key(key), produce)


def get(name: str, cache_dir=None) -> Thumbnail:
    """The thumbnail of that name, keyed by what it shows now; :class:`NoThumbnail` for any other name."""
    if name.startswith("leaflet-") and name.removeprefix("leaflet-") in leaflets.DESIGNS:
        return _leaflet(name.removeprefix("leaflet-"), cache_dir)
    if name == "card":
        return _card(cache_dir)
    if name == "pack":
        return _pack(cache_dir)
    raise NoThumbnail(name)


def png(thumbnail: Thumbnail, cache_dir) -> bytes:
    """The thumbnail's PNG: the file in ``cache_dir``, or rendered (in the render pool) and stored there once."""
    data, _hit = renderer.cached_bytes(cache_dir, thumbnail.key, thumbnail.produce, ".png")
    return data


def shrink(png_bytes: bytes, width: int) -> bytes:
    """A PNG scaled down to ``width`` pixels (runs in a render process, as every rasterisation does)."""
    from PIL import Image

    with Image.open(BytesIO(png_bytes)) as image:
        height = round(image.height * width / image.width)
        out = BytesIO()
        image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS).save(out, format="PNG")
    return out.getvalue()
