"""Imposition: lay out a PDF's pages on printer sheets so that, printed duplex and folded, they read in order.

- :func:`booklet`: saddle stitch. Two pages side by side on each sheet side (A5 pages on
  A4 landscape), padded with blank pages to a multiple of 4. Print double-sided with
  *flip on short edge*, fold the stack in half, staple on the fold.
- :func:`zine`: a pocket booklet of A6 pages, four to an A4 side. Print double-sided with
  *flip on long edge*, cut the whole stack across the middle, put the top pile on the
  bottom pile, fold and staple.

Every output page is upright; the duplex setting above makes the backs line up.
"""
from __future__ import annotations

from io import BytesIO

from pypdf import PageObject, PdfReader, PdfWriter, Transformation

Slot = int | None  # a 0-based page index of the original, or None for a blank


MM = 72 / 25.4
# Standard sheets for standard pages (points, as printed): the pages are centred on them so the
# fold or the cut falls exactly in the middle. Other page sizes get a sheet just big enough.
BOOKLET_SHEETS = {(148, 210): (297, 210), (210, 297): (420, 297), (215.9, 279.4): (431.8, 279.4)}
ZINE_SHEETS = {(105, 148): (210, 297)}


class ImpositionError(ValueError):
    """The PDF cannot be imposed (no pages, pages of different sizes)."""


def padded(count: int, multiple: int) -> int:
    """The page count rounded up to a whole number of sheets."""
    return max(multiple, -(-count // multiple) * multiple)


def saddle_order(count: int) -> list[tuple[Slot, Slot]]:
    """For each sheet side in printing order (front, back, front, …): the (left, right) pages.

    Sheet ``i`` of a booklet of ``n`` pages (padded to a multiple of 4) carries on its front
    the last-but-``2i`` page on the left and page ``2i+1`` on the right, and on its back page
    ``2i+2`` on the left and the last-but-``2i+1`` on the right (1-based); pages beyond the
    original count are blanks.
    """
    total = padded(count, 4)

    def slot(index: int) -> Slot:
        return index if index < count else None

    sides = []
    for i in range(total // 4):
        sides.append((slot(total - 1 - 2 * i), slot(2 * i)))
        sides.append((slot(2 * i + 1), slot(total - 2 - 2 * i)))
    return sides


def zine_order(count: int) -> list[tuple[tuple[Slot, Slot], tuple[Slot, Slot]]]:
    """For each A4 side in printing order: the (top, bottom) halves, each a (left, right) pair.

    The A6 pages are imposed as a saddle-stitched A5 booklet (padded to a multiple of 8 so the
    A5 sheets pair up); A5 sheet ``k`` goes on the top half of A4 sheet ``k`` and sheet
    ``k + m/2`` on its bottom half, so one cut across the stack gives two piles that stack in order.
    """
    sides = saddle_order(padded(count, 8))
    sides = [(l if l is not None and l < count else None, r if r is not None and r < count else None)
             for l, r in sides]
    sheets = len(sides) // 2  # A5 sheets
    half = sheets // 2
    out = []
    for k in range(half):
        top_front, top_back = sides[2 * k], sides[2 * k + 1]
        bottom_front, bottom_back = sides[2 * (k + half)], sides[2 * (k + half) + 1]
        out.append((top_front, bottom_front))
        out.append((top_back, bottom_back))
    return out


def _pages(pdf: bytes) -> tuple[PdfReader, float, float]:
    reader = PdfReader(BytesIO(pdf))
    if not reader.pages:
        raise ImpositionError("the PDF has no pages")
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    if len(sizes) > 1:
        raise ImpositionError(f"pages of different sizes cannot be imposed together: {sorted(sizes)}")
    first = reader.pages[0].mediabox
    return reader, float(first.width), float(first.height)


def _sheet(width: float, height: float, across: int, down: int, standard: dict) -> tuple[float, float]:
    """The sheet for ``across`` × ``down`` pages: a standard size when the pages are one, else exact."""
    for (w, h), (sw, sh) in standard.items():
        if abs(width - w * MM) < 2 and abs(height - h * MM) < 2:
            return sw * MM, sh * MM
    return width * across, height * down


def _place(sheet: PageObject, page: PageObject, x: float, y: float) -> None:
    """Draw ``page`` with its lower-left corner at (x, y) of the sheet."""
    box = page.mediabox
    sheet.merge_transformed_page(page, Transformation().translate(x - float(box.left), y - float(box.bottom)))


def _finish(writer: PdfWriter) -> bytes:
    # Links and bookmarks point at pages that no longer exist as such; a print file needs neither.
    for page in writer.pages:
        if "/Annots" in page:
            del page["/Annots"]
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def booklet(pdf: bytes) -> bytes:
    """Saddle-stitch imposition: two pages per sheet side, sheet twice the page's width."""
    reader, width, height = _pages(pdf)
    sheet_w, sheet_h = _sheet(width, height, 2, 1, BOOKLET_SHEETS)
    x0, y0 = sheet_w / 2 - width, (sheet_h - height) / 2  # the fold is the sheet's centre line
    writer = PdfWriter()
    for left, right in saddle_order(len(reader.pages)):
        sheet = writer.add_blank_page(sheet_w, sheet_h)
        for slot, x in ((left, x0), (right, x0 + width)):
            if slot is not None:
                _place(sheet, reader.pages[slot], x, y0)
    writer.add_metadata({"/Title": _title(reader, "booklet")})
    return _finish(writer)


def zine(pdf: bytes) -> bytes:
    """Pocket zine: four pages per sheet side (A6 on A4 portrait), cut across and stacked."""
    reader, width, height = _pages(pdf)
    sheet_w, sheet_h = _sheet(width, height, 2, 2, ZINE_SHEETS)
    x0, y0 = sheet_w / 2 - width, sheet_h / 2 - height  # fold and cut on the centre lines
    writer = PdfWriter()
    for top, bottom in zine_order(len(reader.pages)):
        sheet = writer.add_blank_page(sheet_w, sheet_h)
        for (left, right), y in ((top, y0 + height), (bottom, y0)):
            for slot, x in ((left, x0), (right, x0 + width)):
                if slot is not None:
                    _place(sheet, reader.pages[slot], x, y)
    writer.add_metadata({"/Title": _title(reader, "pocket zine")})
    return _finish(writer)


def _title(reader: PdfReader, what: str) -> str:
    title = (reader.metadata or {}).get("/Title") or ""
    return f"{title} ({what})" if title else what


def page_count(pdf: bytes) -> int:
    """How many pages a PDF has."""
    return len(PdfReader(BytesIO(pdf)).pages)
