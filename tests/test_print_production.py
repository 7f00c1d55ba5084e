"""Print production measured on the PDFs: page boxes, crop and cut marks, QR size and caption, display typography."""
from __future__ import annotations

import io
import re
import subprocess

import pytest
import zxingcpp
from pypdf import PdfReader

from campaign import leaflets, packs, render

MM = 72 / 25.4
PAPER = {"A3": (297, 420), "A4": (210, 297), "A5": (148, 210), "Letter": (215.9, 279.4)}
BASE = {"design": "flyer", "size": "A5", "quotes": ["open-air-prison", "tyrants-mass-slaughter"],
        "headline": "Aleppo under siege", "call_to_action": "Join the reading group on Thursday."}
QUOTES = {"poster": ["open-air-prison"], "flyer": ["open-air-prison", "tyrants-mass-slaughter"],
          "handout": ["open-air-prison", "tyrants-mass-slaughter"], "two-up": ["open-air-prison"]}


def _leaflet(app, **data) -> bytes:
    design = data.get("design", "flyer")
    with app.app_context():
        return leaflets.build(leaflets.validate({**BASE, "quotes": QUOTES[design], **data})).pdf


def _box(page, name: str) -> list[float]:
    """A page box in millimetres, relative to the trim box's lower left corner."""
    trim = page.trimbox
    box = getattr(page, name)
    return [round((float(v) - float(o)) / MM, 1)
            for v, o in zip(box, (trim.left, trim.bottom, trim.left, trim.bottom))]


def _text(pdf: bytes, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")


def _gray(pdf: bytes, px_per_mm: float = 8):
    """The first page as a grayscale image, and its scale in pixels per millimetre of the MediaBox."""
    width_mm = float(PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width) / MM
    image = render.page_image(pdf, 0, width=round(width_mm * px_per_mm)).convert("L")
    return image, image.width / width_mm


def _plain(image, scale: float, x0: float, y0: float, x1: float, y1: float) -> bool:
    """A rectangle (mm from the top left of the MediaBox) holds one flat colour: no mark crosses it."""
    region = image.crop((round(x0 * scale), round(y0 * scale), round(x1 * scale), round(y1 * scale)))
    low, high = region.getextrema()
    return high - low <= 12


def _dark(image, scale: float, x0: float, y0: float, x1: float, y1: float) -> int:
    """Dark pixels in a rectangle given in millimetres from the top left of the MediaBox."""
    region = image.crop((round(x0 * scale), round(y0 * scale), round(x1 * scale), round(y1 * scale)))
    return sum(region.histogram()[:160])


# -- page boxes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("design,size,orientation", [
    ("flyer", "A5", "portrait"), ("handout", "A4", "portrait"), ("poster", "A3", "portrait"),
    ("poster", "A4", "landscape"),
])
@pytest.mark.parametrize("bleed", [True, False])
def test_boxes_are_trim_bleed_and_slug(app, design, size, orientation, bleed):
    pdf = _leaflet(app, design=design, size=size, orientation=orientation, bleed=bleed)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    w, h = PAPER[size] if orientation == "portrait" else PAPER[size][::-1]
    assert _box(page, "trimbox") == [0, 0, round(w, 1), round(h, 1)]
    if bleed:
        assert _box(page, "bleedbox") == [-3, -3, round(w + 3, 1), round(h + 3, 1)]
        assert _box(page, "mediabox") == [-10, -10, round(w + 10, 1), round(h + 10, 1)]
    else:  # an office printer gets the paper and nothing else
        assert _box(page, "bleedbox") == _box(page, "mediabox") == [0, 0, round(w, 1), round(h, 1)]


# -- crop and cut marks ------------------------------------------------------------------------------

def test_crop_marks_are_5mm_long_3mm_from_the_trim_outside_the_bleed(app):
    pdf = _leaflet(app, size="A5")
    image, scale = _gray(pdf)
    w, h = 148 + 20, 210 + 20  # the sheet; the trim runs from 10 mm to w - 10 (h - 10)
    for x in (10, w - 10):  # vertical marks in line with the left and right trim edges, above and below
        for y0, y1 in ((2.3, 6.7), (h - 6.7, h - 2.3)):
            assert _dark(image, scale, x - 0.3, y0, x + 0.3, y1) > 0.8 * (y1 - y0) * scale
        # the bleed beside them holds only the design's colour (no mark reaches into it); nothing further than 8 mm out
        assert _plain(image, scale, x - 1, 7.3, x + 1, 9.7)
        assert _plain(image, scale, x - 1, h - 9.7, x + 1, h - 7.3)
        assert _dark(image, scale, x - 1, 0, x + 1, 1.7) == 0
    for y in (10, h - 10):  # horizontal marks in line with the top and bottom trim edges
        for x0, x1 in ((2.3, 6.7), (w - 6.7, w - 2.3)):
            assert _dark(image, scale, x0, y - 0.3, x1, y + 0.3) > 0.8 * (x1 - x0) * scale
        assert _plain(image, scale, 7.3, y - 1, 9.7, y + 1)
        assert _plain(image, scale, w - 9.7, y - 1, w - 7.3, y + 1)
    # the corner of the bleed itself is plain colour (WeasyPrint's own marks would stand there)
    assert _plain(image, scale, 7.3, 7.3, 9.7, 9.7)


def test_office_print_has_no_marks(app):
    pdf = _leaflet(app, size="A5", bleed=False)
    image, scale = _gray(pdf)
    assert _dark(image, scale, 0, 0, 148, 5) == 0  # the top margin is empty


@pytest.mark.parametrize("bleed", [True, False])
def test_two_up_cut_marks_stand_in_the_margin_not_through_the_artwork(app, bleed):
    pdf = _leaflet(app, design="two-up", size="A4", bleed=bleed)
    image, scale = _gray(pdf)
    slug = 10 if bleed else 0
    middle, top, bottom = slug + 297 / 2, slug, slug + 210
    if bleed:  # marks above and below the cut, in the slug
        assert _dark(image, scale, middle - 0.3, 2.3, middle + 0.3, 6.7) > 3.5 * scale
        assert _dark(image, scale, middle - 0.3, bottom + 3.3, middle + 0.3, bottom + 7.7) > 3.5 * scale
        assert _dark(image, scale, middle - 2, top, middle + 2, bottom) == 0
    else:  # ticks in the top and bottom margins only
        assert _dark(image, scale, middle - 0.5, 0.3, middle + 0.5, 4.5) > 3.5 * scale
        assert _dark(image, scale, middle - 0.5, bottom - 4.5, middle + 0.5, bottom - 0.3) > 3.5 * scale
        assert _dark(image, scale, middle - 2, 6, middle + 2, bottom - 6) == 0


# -- QR codes -------------------------------------------------------------------------------------------

URL = "https://handbill.example.org/g/abc?ref=leaflet"


@pytest.mark.parametrize("design,size,orientation,minimum", [
    ("poster", "A3", "portrait", 0.2 * 297), ("poster", "A4", "portrait", 0.2 * 210),
    ("poster", "A4", "landscape", 0.2 * 210), ("poster", "Letter", "portrait", 0.2 * 215.9),
    ("flyer", "A5", "portrait", 25), ("two-up", "A4", "portrait", 25), ("handout", "A4", "portrait", 25),
])
def test_qr_code_decodes_and_is_sized_to_the_paper(app, design, size, orientation, minimum):
    pdf = _leaflet(app, design=design, size=size, orientation=orientation, qr_url=URL, qr_label="Sign up")
    image, scale = _gray(pdf, px_per_mm=6)
    found = zxingcpp.read_barcodes(image)
    assert found and {r.text for r in found} == {URL}
    for code in found:
        p = code.position
        side = ((p.top_right.x - p.top_left.x) ** 2 + (p.top_right.y - p.top_left.y) ** 2) ** 0.5 / scale
        assert side >= minimum, f"{side:.1f} mm is smaller than {minimum:.1f} mm"


def test_qr_caption_is_the_readable_address(app):
    pdf = _leaflet(app, qr_url=URL, qr_label="Sign up")
    text = _text(pdf, "-layout")
    assert "handbill.example.org/g/abc" in "".join(text.split())
    assert "https://handbill" not in text and "ref=leaflet" not in text
    assert not any(line.strip() in ("http://", "https://", "http:", "https:") for line in text.splitlines())


# -- display typography -----------------------------------------------------------------------------

def _headline_lines(pdf: bytes) -> list[str]:
    """The headline's lines: what stands above the first quotation (which opens with “)."""
    lines = []
    for line in _text(pdf, "-raw").splitlines():
        if line.startswith("\u201c"):
            break
        if line.strip():
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("design,size,headline", [
    ("flyer", "A5", "Everyone talks about Syria. Who talks to Syrians?"),
    ("flyer", "A5", "Why did so many on the left stand by?"),
    ("poster", "A4", "Aleppo, 2016: why did so many stand by?"),
    ("handout", "A4", "The left and Syria: what went wrong, and what we can still do about it"),
])
def test_headline_never_ends_on_one_word(app, design, size, headline):
    lines = _headline_lines(_leaflet(app, design=design, size=size, headline=headline))
    assert " ".join(" ".join(lines).split()) == headline
    assert len(lines[-1].split()) >= 2, lines


@pytest.mark.parametrize("design,size", [("flyer", "A5"), ("poster", "A4"), ("poster", "A3")])
def test_display_type_is_not_hyphenated(app, design, size):
    headline = "An open-air prison, a far-off war, long-running lies and well-meaning anti-war silence"
    pdf = _leaflet(app, design=design, size=size, headline=headline)
    lines = _headline_lines(pdf)
    assert " ".join(" ".join(lines).split()) == headline
    assert not any(line.endswith("-") for line in lines), lines
    if design == "poster":  # the poster's quotation is display type too
        quote = _text(pdf, "-raw").split("\u201c", 1)[1].split("\u201d", 1)[0]
        assert "open-air" in quote and "-\n" not in quote


def test_apostrophes_are_curly_except_in_addresses(app):
    pdf = _leaflet(app, design="poster", size="A4", quotes=["talking-to-syrians"],
                   headline="Russia's war: don't look away",
                   call_to_action="Read it at example.org/don't-stop and bring a friend's copy")
    text = _text(pdf, "-raw")
    flat = " ".join(text.split())
    assert "Russia\u2019s war: don\u2019t look away" in flat
    assert "friend\u2019s copy" in flat and "example.org/don't-stop" in flat
    assert "Russia's" not in flat and "friend's" not in flat


def test_quotations_print_curly_apostrophes(app):
    pdf = _leaflet(app, design="poster", size="A4", quotes=["talking-to-syrians"])
    with app.app_context():
        from campaign import quotes
        original = quotes.get_many_verified(["talking-to-syrians"])[0].text
    text = " ".join(_text(pdf, "-raw").split())
    assert "'" in original  # the stored quotation keeps its straight apostrophes
    quote = text.split("\u201c", 1)[1].split("\u201d", 1)[0]
    assert "'" not in quote and "\u2019" in quote
    assert quote.replace("\u2019", "'") == " ".join(original.split())


PACK = {"title": "Aleppo, Russia's war and the left", "subtitle": "A reading pack on the 2016 interview",
        "sections": [{"theme": "aleppo-siege"}]}


def test_pack_cover_has_human_dates_a_title_without_a_lone_last_word_and_curly_apostrophes(app):
    with app.app_context():
        pdf = packs.build(packs.validate(PACK))
    cover = _text(pdf, "-raw", "-l", "1")
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", cover), cover
    assert "29 November 2016" in cover
    title = cover.split("Aleppo, Russia", 1)[1].split("A reading pack", 1)[0].strip().splitlines()
    assert "\u2019s war" in title[0] and len(title[-1].split()) >= 2, title
    body = " ".join(_text(pdf, "-raw").split())
    assert "weren\u2019t outraged" in body and "weren't" not in body  # the passages too


def test_print_shop_pdf_x4_keeps_its_boxes_marks_and_output_intent(app):
    pdf = _leaflet(app, design="poster", size="A4", quotes=["open-air-prison"], pdf_x=True)
    reader = PdfReader(io.BytesIO(pdf))
    root, info = reader.trailer["/Root"], reader.trailer["/Info"]
    assert info["/Trapped"] == "/False"
    assert b"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in root["/Metadata"].get_object().get_data()
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFX", intent
    page = reader.pages[0]
    assert _box(page, "trimbox") == [0, 0, 210, 297] and _box(page, "bleedbox") == [-3, -3, 213, 300]
    assert "so they are effectively in an open-air prison" in _text(pdf).lower().replace("\n", " ")
    plain = _leaflet(app, design="poster", size="A4", quotes=["open-air-prison"])
    assert b"GTS_PDFX" not in plain


@pytest.mark.parametrize("data,message", [
    ({"pdf_x": "yes"}, "pdf_x: must be true or false"),
    ({"pdf_x": True, "bleed": False}, "pdf_x: a print-shop PDF/X has a bleed and crop marks"),
])
def test_print_shop_pdf_x_is_refused_naming_the_field(app, data, message):
    from campaign.pamphlets import PamphletError

    with app.app_context(), pytest.raises(PamphletError, match=re.escape(message)):
        leaflets.validate({"design": "poster", "size": "A4", "quotes": ["open-air-prison"], **data})
