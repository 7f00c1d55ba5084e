"""The outside of a reading pack and the pages that fill its last sheet.

- the cover: full-bleed colour from a palette (:mod:`campaign.palettes`), the campaign's name and
  logo (:mod:`campaign.brand`), the title set large, the themes, and an optional photo
  (:mod:`campaign.images`) printed with its credit and licence;
- the back cover: the campaign, a contact line and a QR code to its web address (the QR helpers
  of :mod:`campaign.leaflets`); with neither, the interview's own call to action, word for word;
- spare pages: a folded booklet is made of whole sheets. Instead of blank pages, the last
  sheet's spare pages become a "your questions" page and ruled notes pages, placed before the
  back cover (:func:`write_filled` lays the pack out, counts its pages and, when the sheets have
  room to spare, lays out just that many pages more and puts them in).

Like the rest of a pack: :func:`cover_fields` checks the spec's fields, :func:`check` looks them
up, :func:`gather_cover` turns them into plain data (the logo and photo bytes as generated
assets), :func:`key_data` is what the cache key needs of them.
"""
from __future__ import annotations

import math
import re

import segno

from . import brand as brand_kit, images, palettes, quotes, render as renderer, verbatim
from .leaflets import QR_BORDER, qr_caption, qr_svg, url_problem
from .pamphlets import PamphletError

QR_ASSET = "pack/qr.svg"
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# The source's own call to action, printed on a back cover that has no address to give, only when
# the verbatim guard finds it in a source of the pack, said by that source's interviewee.
CALL_TO_ACTION = "We need to be getting the voices of these groups out there"
# Sheets of a folded pack: a booklet's sheet carries 4 pages; a zine's A4 sheet, cut and folded, 8.
SIGNATURES = {"booklet": 4, "zine": 8}
MIN_QR_SYMBOL_MM = 28  # at least 25 mm as printed, with room for the printer's rounding


# -- the spec's fields ------------------------------------------------------------------------

def cover_fields(data: dict) -> dict:
    """``palette``, ``image`` and ``url`` of a pack description, checked in form (not looked up)."""
    palette = data.get("palette") or ""
    if not isinstance(palette, str) or (palette and palette not in palettes.PALETTES and palette != palettes.BRAND):
        raise PamphletError("palette", f"{palette!r} is not one of {', '.join(palettes.names() + [palettes.BRAND])}")
    image = data.get("image")
    if image in ("", None):
        image = None
    elif isinstance(image, str) and image.isdigit():
        image = int(image)
    if image is not None and (not isinstance(image, int) or isinstance(image, bool) or image < 1):
        raise PamphletError("image", "must be the number of a stored image")
    url = data.get("url") or ""
    if not isinstance(url, str):
        raise PamphletError("url", "must be a web address")
    url = url.strip()
    if problem := url_problem(url):
        raise PamphletError("url", problem)
    return {"palette": palette, "image": image, "url": url}


def load_image(image_id: int | None) -> images.StoredImage | None:
    """The stored photo of a pack, or None; an unknown id is an error naming ``image``."""
    if image_id is None:
        return None
    try:
        return images.load(image_id)
    except LookupError:
        raise PamphletError("image", f"there is no stored image {image_id}") from None


def palette_of(spec, kit: brand_kit.Brand) -> palettes.Palette:
    """The pack's palette: as the spec names it, else the brand kit's; colours checked for CSS."""
    name = spec.palette or kit.palette or palettes.DEFAULT_PALETTE
    try:
        palette = palettes.resolve(name, kit)
    except KeyError:
        if spec.palette:
            raise PamphletError("palette", "the campaign colours are not set in the brand kit: choose another "
                                           "palette or set them") from None
        palette = palettes.PALETTES[palettes.DEFAULT_PALETTE]
    if not all(COLOUR.fullmatch(c) for c in (palette.background, palette.text, palette.muted, palette.accent)):
        raise PamphletError("palette", "the brand kit's colours must be written #rrggbb")
    return palette


def check(spec) -> None:
    """The palette and the photo a spec names exist (needs an app context)."""
    palette_of(spec, brand_kit.current())
    load_image(spec.image)


def key_data(spec) -> dict:
    """What the cache key needs besides the spec: the brand kit and the photo (bytes by digest)."""
    image = load_image(spec.image)
    return {"brand": brand_kit.current().as_data(), "image": image.as_data() if image else None}


# -- gathering ----------------------------------------------------------------------------------

def qr_geometry(url: str, page_mm: tuple[float, float]) -> dict:
    """Printed size of the back cover's QR code: the symbol at least 28 mm (15 % of the page's short
    side on larger paper), the image a little larger for its quiet zone."""
    symbol = float(max(MIN_QR_SYMBOL_MM, math.ceil(0.15 * min(page_mm)) + 1))
    modules = segno.make(url, error="m", micro=False, boost_error=False).symbol_size(border=0)[0]
    return {"symbol_mm": symbol, "image_mm": round(symbol * (modules + 2 * QR_BORDER) / modules, 1)}


def call_to_action(sources: list[tuple]) -> dict | None:
    """The interview's call to action with its attribution, when the verbatim guard finds it in a
    source of the pack (``(source, credit)`` pairs) said by its interviewee; None otherwise."""
    for source, credit in sources:
        parsed = quotes.parsed(source)
        try:
            match = verbatim.verify(CALL_TO_ACTION, source.interviewee, parsed)
        except verbatim.NotVerbatim:
            continue
        return {"text": CALL_TO_ACTION, "speaker": match.speaker, "anchor": f"¶{match.anchor[1:]}",
                "source": source.slug, "brief": credit["brief"]}
    return None


def title_scale(title: str) -> str:
    """How large the cover sets the title: the shorter, the larger."""
    length = len(title)
    return "xl" if length <= 24 else "l" if length <= 48 else "m" if length <= 80 else "s"


def gather_cover(spec, sources: list[tuple], page_mm: tuple[float, float]) -> dict:
    """The cover's and back cover's plain data, and the generated assets (logo, photo) they print;
    ``sources`` are the pack's sources with their credits, as ``(source, credit)`` pairs."""
    kit = brand_kit.current()
    palette = palette_of(spec, kit)
    image = load_image(spec.image)
    url = spec.url or kit.url
    width, height = page_mm
    many = len(spec.sections) > 6
    back = {"url": url, "contact": kit.contact, "call": None,
            "qr_caption": qr_caption(url) if url else "", **(qr_geometry(url, page_mm) if url else {})}
    if not url and not kit.contact:
        back["call"] = call_to_action(sources)
    assets = {**brand_kit.print_assets(kit), **(images.print_asset(image) if image else {})}
    return {
        "campaign": kit.as_data(), "palette": palette.as_data(), "photo": image.as_data() if image else None,
        "back_cover": back, "title_scale": title_scale(spec.title), "many_themes": many,
        "page_mm": {"width": width, "height": height,
                    "photo": round(height * ((0.16 if many else 0.28) if height > 160 else (0.15 if many else 0.21))),
                    "ruled": round(height - 33 - (38 if height < 160 else 44))},
        "assets": assets, "fill": [],
    }


# -- rendering -----------------------------------------------------------------------------------

def fill_pages(spare: int) -> list[str]:
    """What the spare pages of the last sheet carry: a page for the group's questions, then notes."""
    return ["questions"] + ["notes"] * (spare - 1) if spare > 0 else []


def generated(context: dict) -> dict[str, tuple[bytes, str]]:
    """The render's generated assets: the logo and photo gathered, and the back cover's QR code."""
    assets = dict(context.get("assets") or {})
    url = (context.get("back_cover") or {}).get("url")
    if url:
        assets[QR_ASSET] = (qr_svg(url), "image/svg+xml")
    return assets


def _spare(count: int, signature: int) -> int:
    return -(-count // signature) * signature - count


def write_filled(template: str, context: dict, options: renderer.PdfOptions, signature: int | None) -> bytes:
    """Lay the pack out; when it is folded from sheets of ``signature`` pages, lay out the spare pages on
    their own (numbered on from the credits) and put them before the back cover (runs in a render
    process: call it through :func:`write`)."""
    assets = generated(context)
    translations = renderer.catalog(context["lang"])
    document = renderer.layout(renderer.render_html(template, context, translations=translations),
                               generated=assets, options=options)
    count = len(document.pages)
    spare = _spare(count, signature) if signature else 0
    if spare:
        fill = {**context, "part": "fill", "fill": fill_pages(spare), "first_page": count}
        extra = renderer.layout(renderer.render_html(template, fill, translations=translations),
                                generated=assets, options=options)
        if len(extra.pages) == spare:  # else the blanks the imposition adds will do
            document = document.copy(document.pages[:-1] + extra.pages + document.pages[-1:])
    return renderer.document_pdf(document, options)


def write(template: str, context: dict, options: renderer.PdfOptions) -> bytes:
    """The pack's pages as PDF, in a render process, filled to whole sheets for its imposition."""
    return renderer.bounded(write_filled, template, context, options, SIGNATURES.get(context.get("imposition")))
