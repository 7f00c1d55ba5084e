"""Imposition: lay out a PDF's pages on printer sheets so that, printed duplex and folded, they read in order.

- :func:`booklet`: saddle stitch. Two pages side by side on each sheet side (A5 pages on
  A4 landscape), padded with blank pages to a multiple of 4. Print double-sided with
  *flip on short edge*, fold the stack in half, staple on the fold.
- :func:`zine`: a pocket booklet of A6 pages, four to an A4 side. Print double-sided with
  *flip on long edge*, cut the whole stack across the middle, put the top pile on the
  bottom pile, fold and staple.

Every output page is upright; the duplex setting above makes the backs line up.

The imposed file keeps what makes the original accessible and findable: its language, document
information and XMP metadata, its bookmarks (pointing at the sheet and spot where each page now
lies) and its tag structure, whose marked content now lives in the pages' Form XObjects.
"""
from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, BooleanObject, DecodedStreamObject, DictionaryObject, Fit, FloatObject,
                           NameObject, NumberObject, TextStringObject)
from pypdf.xmp import XmpInformation

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


BINDINGS = ("left", "right")


def mirrored(pair: tuple, binding: str) -> tuple:
    """A (left, right) pair as placed for the binding: swapped for a booklet bound on the right
    (a right-to-left edition opens from what a left-bound booklet calls its back)."""
    if binding not in BINDINGS:
        raise ImpositionError(f"binding must be one of {', '.join(BINDINGS)}, not {binding!r}")
    return pair[::-1] if binding == "right" else pair


def reading_slots(count: int, multiple: int, back_cover: bool = False) -> list[Slot]:
    """The pages of the folded booklet in reading order, padded with blanks to whole sheets: at the end,
    or with ``back_cover`` just before the last page, so the back cover stays on the outside."""
    total = padded(count, multiple)
    blanks: list[Slot] = [None] * (total - count)
    pages: list[Slot] = list(range(count))
    if back_cover and count > 1:
        return pages[:-1] + blanks + pages[-1:]
    return pages + blanks


def saddle_order(count: int, back_cover: bool = False, multiple: int = 4) -> list[tuple[Slot, Slot]]:
    """For each sheet side in printing order (front, back, front, …): the (left, right) pages.

    Sheet ``i`` of a booklet of ``n`` pages (padded to a multiple of 4) carries on its front
    the last-but-``2i`` page on the left and page ``2i+1`` on the right, and on its back page
    ``2i+2`` on the left and the last-but-``2i+1`` on the right (1-based); the padding is blank
    (see :func:`reading_slots` for where it goes).
    """
    slots = reading_slots(count, multiple, back_cover)
    total = len(slots)
    sides = []
    for i in range(total // 4):
        sides.append((slots[total - 1 - 2 * i], slots[2 * i]))
        sides.append((slots[2 * i + 1], slots[total - 2 - 2 * i]))
    return sides


def zine_order(count: int, back_cover: bool = False) -> list[tuple[tuple[Slot, Slot], tuple[Slot, Slot]]]:
    """For each A4 side in printing order: the (top, bottom) halves, each a (left, right) pair.

    The A6 pages are imposed as a saddle-stitched A5 booklet (padded to a multiple of 8 so the
    A5 sheets pair up: 8 pages on one A4 sheet, 16 on two, …); A5 sheet ``k`` goes on the top half
    of A4 sheet ``k`` and sheet ``k + m/2`` on its bottom half, so one cut across the stack gives two
    piles that stack in order.
    """
    sides = saddle_order(count, back_cover, multiple=8)
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


class _Sheets:
    """Builds sheet sides that draw original pages as Form XObjects.

    Each original page becomes one XObject (its content stream copied as is, its resources
    cloned once), and a sheet side is a few ``cm … Do`` operators. This never parses the
    pages' content, so imposing a long booklet takes milliseconds per page, not seconds.
    """

    def __init__(self, reader: PdfReader):
        self.reader = reader
        self.writer = PdfWriter()
        self.forms: dict[int, object] = {}
        self.placed: dict[int, tuple[object, float, float]] = {}  # page index → (sheet side, x shift, y shift)

    def _form(self, index: int):
        """The Form XObject drawing page ``index`` (None for a page with nothing on it): a copy of the
        page's content stream in the writer, made a form with the page's box and resources."""
        if index not in self.forms:
            page = self.reader.pages[index]
            contents = page.get("/Contents")
            if contents is None:
                return None
            parts = contents.get_object()
            parts = list(parts) if isinstance(parts, ArrayObject) else [contents]
            form = parts[0].get_object().clone(self.writer, force_duplicate=True)
            if len(parts) > 1:
                form.set_data(b"\n".join(part.get_object().get_data() for part in parts))
            box = page.mediabox
            form.update({
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject([FloatObject(float(v)) for v in (box.left, box.bottom, box.right, box.top)]),
                NameObject("/Resources"): (page["/Resources"].get_object().clone(self.writer)
                                           if "/Resources" in page else DictionaryObject()),
            })
            self.forms[index] = form.indirect_reference
        return self.forms[index]

    def side(self, width: float, height: float, placements: list[tuple[Slot, float, float]]) -> None:
        """Add one sheet side; ``placements`` are (page index or None, x, y) of each page's lower-left corner."""
        sheet = self.writer.add_blank_page(width, height)
        names = DictionaryObject()
        ops = []
        for slot, x, y in placements:
            if slot is None:
                continue
            box = self.reader.pages[slot].mediabox
            dx, dy = x - float(box.left), y - float(box.bottom)
            self.placed[slot] = (sheet, dx, dy)
            form = self._form(slot)
            if form is None:
                continue
            name = f"/P{slot}"
            names[NameObject(name)] = form
            ops.append(f"q 1 0 0 1 {dx:.3f} {dy:.3f} cm {name} Do Q")
        sheet[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): names})
        content = DecodedStreamObject()
        content.set_data("\n".join(ops).encode("ascii"))
        sheet.replace_contents(ArrayObject([content]))

    def pdf(self, what: str) -> bytes:
        """The imposed file, with the original's language, metadata, bookmarks and tags (links are dropped)."""
        _carry_over(self, _title(self.reader, what))
        out = BytesIO()
        self.writer.write(out)
        return out.getvalue()


def booklet(pdf: bytes, binding: str = "left", back_cover: bool = False) -> bytes:
    """Saddle-stitch imposition: two pages per sheet side, sheet twice the page's width.

    ``binding="right"`` mirrors every sheet side for right-to-left editions (Arabic): page 1 then
    sits left of the fold on the first sheet's outer side, and the pages run leftwards. With
    ``back_cover`` the last page is the back cover: blank pages the sheets need go before it."""
    reader, width, height = _pages(pdf)
    sheet_w, sheet_h = _sheet(width, height, 2, 1, BOOKLET_SHEETS)
    x0, y0 = sheet_w / 2 - width, (sheet_h - height) / 2  # the fold is the sheet's centre line
    sheets = _Sheets(reader)
    for left, right in (mirrored(p, binding) for p in saddle_order(len(reader.pages), back_cover)):
        sheets.side(sheet_w, sheet_h, [(left, x0, y0), (right, x0 + width, y0)])
    return sheets.pdf("booklet")


def zine(pdf: bytes, binding: str = "left", back_cover: bool = False) -> bytes:
    """Pocket zine: four pages per sheet side (A6 on A4 portrait), cut across and stacked
    (``binding="right"`` mirrors each half for right-to-left editions; ``back_cover`` as for
    :func:`booklet`). Eight pages take one A4 sheet, sixteen two."""
    reader, width, height = _pages(pdf)
    sheet_w, sheet_h = _sheet(width, height, 2, 2, ZINE_SHEETS)
    x0, y0 = sheet_w / 2 - width, sheet_h / 2 - height  # fold and cut on the centre lines
    sheets = _Sheets(reader)
    for top, bottom in zine_order(len(reader.pages), back_cover):
        (top_left, top_right), (bottom_left, bottom_right) = mirrored(top, binding), mirrored(bottom, binding)
        sheets.side(sheet_w, sheet_h, [(top_left, x0, y0 + height), (top_right, x0 + width, y0 + height),
                                       (bottom_left, x0, y0), (bottom_right, x0 + width, y0)])
    return sheets.pdf("pocket zine")


# -- what the imposed file keeps of the original --------------------------------------------------

INFO_KEYS = ("/Author", "/Subject", "/Keywords", "/Creator", "/Producer", "/CreationDate")


def _carry_over(sheets: _Sheets, title: str) -> None:
    """Post-process the imposed writer: language, document information, XMP, bookmarks and structure."""
    reader, writer = sheets.reader, sheets.writer
    source_root = reader.trailer["/Root"]
    info = {key: str(value) for key, value in (reader.metadata or {}).items() if key in INFO_KEYS}
    writer.add_metadata({**info, "/Title": title})
    root = writer.root_object
    lang = str(source_root.get("/Lang") or "")
    if lang:
        root[NameObject("/Lang")] = TextStringObject(lang)
    root[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)})
    writer.xmp_metadata = _xmp(reader, title, lang)
    _bookmarks(sheets, reader.outline, None)
    if "/StructTreeRoot" in source_root:
        _structure(sheets, source_root["/StructTreeRoot"])
        root[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})


def _xmp(reader: PdfReader, title: str, lang: str) -> XmpInformation:
    """XMP metadata saying what the document information says (title, authors, subject, language)."""
    meta = reader.metadata or {}
    xmp = XmpInformation.create()
    xmp.dc_title = {"x-default": title}
    xmp.dc_format = "application/pdf"
    if meta.get("/Author"):
        xmp.dc_creator = [str(meta["/Author"])]
    if meta.get("/Subject"):
        xmp.dc_description = {"x-default": str(meta["/Subject"])}
    if lang:
        xmp.dc_language = [lang]
    if meta.get("/Keywords"):
        xmp.pdf_keywords = str(meta["/Keywords"])
    if meta.get("/Producer"):
        xmp.pdf_producer = str(meta["/Producer"])
    return xmp


def _bookmarks(sheets: _Sheets, items: list, parent) -> None:
    """The original's outline, each entry pointing at the spot on the sheet where its page now lies."""
    previous = None
    for item in items:
        if isinstance(item, list):  # the children of the entry before
            if previous is not None:
                _bookmarks(sheets, item, previous)
            continue
        index = sheets.reader.get_destination_page_number(item)
        if index is None or index not in sheets.placed:
            continue
        sheet, dx, dy = sheets.placed[index]
        left = float(item.left) + dx if item.get("/Left") is not None else None
        top = float(item.top) + dy if item.get("/Top") is not None else None
        previous = sheets.writer.add_outline_item(
            title=str(item.title), page_number=sheet, parent=parent, fit=Fit.xyz(left, top))
    if items and parent is None:
        sheets.writer.page_mode = "/UseOutlines"


def _structure(sheets: _Sheets, source_tree) -> None:
    """Copy the tag structure: its marked content is now drawn by each page's Form XObject.

    Elements keep their roles, attributes and order; a reference to an original page becomes the
    sheet side it lies on plus the Form XObject holding its content (``/Stm``), and each Form
    XObject takes over its page's key in the parent tree. Link annotations are not imposed, so the
    elements that pointed at them keep only their text.
    """
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(sheets.reader.pages)}
    # /Pg and /Obj would drag the original pages and annotations along: they are set anew below
    tree = source_tree.get_object().clone(sheets.writer, ignore_fields=("/Pg", "/Obj", "/Stm"))
    sheets.writer.root_object[NameObject("/StructTreeRoot")] = tree.indirect_reference
    for index, page in enumerate(sheets.reader.pages):
        if "/StructParents" in page and sheets.forms.get(index) is not None:
            sheets.forms[index].get_object()[NameObject("/StructParents")] = NumberObject(page["/StructParents"])

    def page_of(element) -> int | None:
        ref = element.raw_get("/Pg") if "/Pg" in element else None
        return pages.get(ref.idnum) if ref is not None else None

    def content(kid, index: int | None):
        """A marked-content reference into the Form XObject of page ``index`` (None when it cannot be kept)."""
        mcid = kid if isinstance(kid, int) else kid.get("/MCID")
        if index is None or sheets.forms.get(index) is None or mcid is None:
            return None
        return DictionaryObject({NameObject("/Type"): NameObject("/MCR"), NameObject("/MCID"): NumberObject(mcid),
                                 NameObject("/Pg"): sheets.placed[index][0].indirect_reference,
                                 NameObject("/Stm"): sheets.forms[index]})

    def rebuild(old, new) -> None:
        index = page_of(old)
        if index is not None and index in sheets.placed:
            new[NameObject("/Pg")] = sheets.placed[index][0].indirect_reference
        if "/K" not in old:
            return
        old_kids, new_kids = old["/K"], new["/K"]
        if not isinstance(old_kids, list):
            old_kids, new_kids = [old_kids], [new_kids]
        kept = ArrayObject()
        for old_kid, new_kid in zip(old_kids, new_kids):
            kid = old_kid.get_object()
            if isinstance(kid, DictionaryObject) and kid.get("/Type") == "/OBJR":
                continue  # an annotation the imposed file does not have
            if isinstance(kid, DictionaryObject) and kid.get("/Type") != "/MCR":
                rebuild(kid, new_kid.get_object())
                kept.append(new_kid)
                continue
            own = page_of(kid) if isinstance(kid, DictionaryObject) and "/Pg" in kid else index
            reference = content(kid, own)
            if reference is not None:
                kept.append(reference)
        new[NameObject("/K")] = kept

    rebuild(source_tree.get_object(), tree)


def _title(reader: PdfReader, what: str) -> str:
    title = (reader.metadata or {}).get("/Title") or ""
    return f"{title} ({what})" if title else what


def page_count(pdf: bytes) -> int:
    """How many pages a PDF has."""
    return len(PdfReader(BytesIO(pdf)).pages)
