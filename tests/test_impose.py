"""Imposition: which original page lands on which half of which sheet side, checked on the printed PDF."""
from __future__ import annotations

import math
import subprocess
from io import BytesIO

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from campaign import impose

MM = 72 / 25.4


def numbered_pdf(count: int, size: str = "A5") -> bytes:
    """A PDF whose every page shows only its own number, large (e.g. ``P07``)."""
    pages = "".join(f'<div class="p">P{n:02d}</div>' for n in range(1, count + 1))
    html = (f"<style>@page {{ size: {size}; margin: 0 }} .p {{ break-after: page; font: 28pt sans-serif; "
            f"text-align: center; padding-top: 20mm }}</style>{pages}")
    return HTML(string=html).write_pdf()


def region_text(pdf_path, page: int, x: float, y: float, w: float, h: float) -> str | None:
    """The number printed in one region of one page (top-left origin, points), or None if it is blank."""
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-x", str(int(x)), "-y", str(int(y)),
                          "-W", str(int(w)), "-H", str(int(h)), str(pdf_path), "-"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert len(out) <= 1, out
    return int(out[0][1:]) if out else None


def halves(pdf: bytes, tmp_path) -> list[tuple[int | None, int | None]]:
    """For every sheet side: the page number printed on its left half and on its right half."""
    path = tmp_path / "imposed.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(BytesIO(pdf))
    sides = []
    for i, page in enumerate(reader.pages, start=1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        sides.append((region_text(path, i, 0, 0, w / 2, h), region_text(path, i, w / 2, 0, w / 2, h)))
    return sides


@pytest.mark.parametrize("count", [1, 3, 4, 5, 8, 10, 13, 16])
def test_booklet_sheet_sides_and_order(count, tmp_path):
    imposed = impose.booklet(numbered_pdf(count))
    reader = PdfReader(BytesIO(imposed))
    total = math.ceil(count / 4) * 4
    assert len(reader.pages) == math.ceil(count / 4) * 2
    assert len(reader.pages) % 2 == 0
    for page in reader.pages:  # A4 landscape
        assert float(page.mediabox.width) == pytest.approx(297 * MM, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(210 * MM, abs=0.5)
    sides = halves(imposed, tmp_path)

    def shown(n):  # pages past the original count are blanks
        return n if n <= count else None

    # Sheet i: front = (last - 2i, 2i + 1), back = (2i + 2, last - 2i - 1), 1-based.
    expected = []
    for i in range(total // 4):
        expected.append((shown(total - 2 * i), shown(2 * i + 1)))
        expected.append((shown(2 * i + 2), shown(total - 2 * i - 1)))
    assert sides == expected


@pytest.mark.parametrize("count", [4, 8, 12, 20])
def test_folded_booklet_reads_in_order(count, tmp_path):
    """Nest the printed sheets (first outside), fold, and turn the pages: 1, 2, 3, … in order."""
    sides = halves(impose.booklet(numbered_pdf(count)), tmp_path)
    sheets = [(sides[k], sides[k + 1]) for k in range(0, len(sides), 2)]
    reading = []
    for front, back in sheets:  # first half: right of each front, then left of its back
        reading += [front[1], back[0]]
    for front, back in reversed(sheets):  # second half, from the innermost sheet out
        reading += [back[1], front[0]]
    assert reading == list(range(1, count + 1))


def test_eight_pages_exactly(tmp_path):
    sides = halves(impose.booklet(numbered_pdf(8)), tmp_path)
    assert sides == [(8, 1), (2, 7), (6, 3), (4, 5)]


def test_pages_sit_on_either_side_of_the_fold(tmp_path):
    """A5 pages are centred on the A4 sheet: the fold is the sheet's centre line."""
    imposed = impose.booklet(numbered_pdf(4))
    path = tmp_path / "b.pdf"
    path.write_bytes(imposed)
    box = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    # P04 is centred in the left half, P01 in the right half.
    import re
    words = {m.group(5): (float(m.group(1)) + float(m.group(3))) / 2
             for m in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(P\d\d)<', box)}
    centre = 297 * MM / 2
    assert words["P04"] == pytest.approx(centre - 74 * MM, abs=8)
    assert words["P01"] == pytest.approx(centre + 74 * MM, abs=8)


def test_zine_quarters(tmp_path):
    """A6 pages four to an A4 side: top half = one A5 sheet, bottom half = the sheet after the cut."""
    count = 11
    imposed = impose.zine(numbered_pdf(count, "A6"))
    path = tmp_path / "zine.pdf"
    path.write_bytes(imposed)
    reader = PdfReader(BytesIO(imposed))
    assert len(reader.pages) == 4  # 16 page slots: two A4 sheets, both sides
    w, h = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (w, h) == (pytest.approx(210 * MM, abs=0.5), pytest.approx(297 * MM, abs=0.5))
    quads = []
    for i in range(1, 5):
        quads.append(tuple(region_text(path, i, x, y, w / 2, h / 2) for y in (0, h / 2) for x in (0, w / 2)))
    # (top-left, top-right, bottom-left, bottom-right) for each side, blanks past page 11
    assert quads == [(None, 1, None, 5), (2, None, 6, 11), (None, 3, 10, 7), (4, None, 8, 9)]


def test_zine_stack_reads_in_order(tmp_path):
    """Cut across, top pile on the bottom pile, fold: the pages read 1 … 16."""
    imposed = impose.zine(numbered_pdf(16, "A6"))
    path = tmp_path / "zine.pdf"
    path.write_bytes(imposed)
    reader = PdfReader(BytesIO(imposed))
    w, h = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    tops, bottoms = [], []
    for i in range(1, len(reader.pages) + 1):
        row = [region_text(path, i, x, y, w / 2, h / 2) for y in (0, h / 2) for x in (0, w / 2)]
        tops.append((row[0], row[1]))
        bottoms.append((row[2], row[3]))
    a5_sides = tops + bottoms  # A4 sheets in order; after the cut the top pile goes first
    sheets = [(a5_sides[k], a5_sides[k + 1]) for k in range(0, len(a5_sides), 2)]
    reading = []
    for front, back in sheets:
        reading += [front[1], back[0]]
    for front, back in reversed(sheets):
        reading += [back[1], front[0]]
    assert reading == list(range(1, 17))


def test_mixed_page_sizes_are_refused():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(400, 600)
    writer.add_blank_page(600, 400)
    out = BytesIO()
    writer.write(out)
    with pytest.raises(impose.ImpositionError, match="different sizes"):
        impose.booklet(out.getvalue())


def test_links_do_not_survive_imposition():
    html = '<style>@page{size:A5}</style><p><a href="#x">to x</a></p><p id="x" style="break-before:page">x</p>'
    imposed = impose.booklet(HTML(string=html).write_pdf())
    assert all("/Annots" not in page for page in PdfReader(BytesIO(imposed)).pages)
