"""Print designs: colour to the edge and into the bleed, free space spread (never one empty band), type scale,
the photo poster's credit, the study group poster's QR code, sticker cut marks, highlights, ru/ar."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from campaign import design_samples, images, leaflets, render
from campaign.pamphlets import PamphletError

from groups_support import gapp, gconfig  # noqa: F401 - study-group fixtures

MM = 72 / 25.4
ROOT = Path(__file__).resolve().parent.parent
EMPTY_BAND_LIMIT = 0.12


def _page(pdf: bytes, dpi: float = 40):
    """The first page as RGB, with the trim and bleed boxes in pixels from the top left of the MediaBox."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    media = page.mediabox
    scale = dpi / 72
    image = render.page_image(pdf, 0, width=round(float(media.width) * scale)).convert("RGB")
    scale = image.width / float(media.width)

    def box(b):
        return (round((float(b.left) - float(media.left)) * scale), round((float(media.top) - float(b.top)) * scale),
                round((float(b.right) - float(media.left)) * scale), round((float(media.top) - float(b.bottom)) * scale))
    return image, box(page.trimbox), box(page.bleedbox), scale


def tallest_empty_band(pdf: bytes, dpi: float = 40) -> float:
    """The tallest run of uniform rows (every pixel of the row one colour) inside the trim, as a share of
    the trim's height: the largest stretch of paper where nothing is printed but a plain colour."""
    image, (left, top, right, bottom), _bleed, _scale = _page(pdf, dpi)
    trim = image.crop((left + 1, top, right - 1, bottom))
    pixels = trim.load()
    longest = run = 0
    for y in range(trim.height):
        first = pixels[0, y]
        uniform = all(max(abs(a - b) for a, b in zip(pixels[x, y], first)) <= 10 for x in range(0, trim.width))
        run = run + 1 if uniform else 0
        longest = max(longest, run)
    return longest / trim.height


def _bleed_strips(pdf: bytes):
    """Pixels in the middle of the bleed on each side (between the trim and the bleed box's edge)."""
    image, (tl, tt, tr, tb), (bl, bt, br, bb), _scale = _page(pdf, 40)
    xs = range(tl + 4, tr - 4, 3)
    ys = range(tt + 4, tb - 4, 3)
    return {"top": [image.getpixel((x, (tt + bt) // 2)) for x in xs],
            "bottom": [image.getpixel((x, (tb + bb) // 2)) for x in xs],
            "left": [image.getpixel(((tl + bl) // 2, y)) for y in ys],
            "right": [image.getpixel(((tr + br) // 2, y)) for y in ys]}


def _render(app, design, size, lang="en", **options) -> bytes:
    with app.app_context():
        return leaflets.render(design_samples.context(design, size, lang, **options))


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")


FULL_BLEED = ["poster", "photo-poster", "flyer", "handout", "event", "stickers", "two-up"]


# -- colour reaches the edge -------------------------------------------------------------------------

@pytest.mark.parametrize("design", FULL_BLEED)
def test_colour_fills_the_bleed(app, design):
    size = leaflets.DESIGNS[design].sizes[0]
    pdf = _render(app, design, size, palette="night")
    for side, pixels in _bleed_strips(pdf).items():
        white = sum(1 for p in pixels if min(p) > 235)
        assert white == 0, f"{design}: {white} white pixels in the {side} bleed"


def test_landscape_poster_uses_the_whole_sheet(app):
    pdf = _render(app, "poster", "A3", orientation="landscape")
    image, (left, top, right, bottom), _b, _s = _page(pdf, 40)
    # the coloured panel stands on the left, the quotation on the right: ink in both halves
    middle = (left + right) // 2
    for x0, x1 in ((left, middle), (middle, right)):
        region = image.crop((x0, top, x1, bottom)).convert("L")
        assert sum(region.histogram()[:120]) > 0.01 * region.width * region.height
    assert tallest_empty_band(pdf) <= EMPTY_BAND_LIMIT


# -- free space is spread, not left as one empty band ------------------------------------------------

CASES = [(design, size, longest) for design, d in leaflets.DESIGNS.items() for size in d.sizes
         for longest in (False, True)]


@pytest.mark.parametrize("design,size,longest", CASES)
def test_no_empty_band_taller_than_twelve_percent(app, design, size, longest):
    pdf = _render(app, design, size, longest=longest)
    band = tallest_empty_band(pdf)
    assert band <= EMPTY_BAND_LIMIT, f"{design} {size}: an empty band of {band:.0%} of the height"


@pytest.mark.parametrize("path", sorted((ROOT / "pamphlets").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_leaflets_have_no_empty_band(app, path):
    import yaml

    data = yaml.safe_load(path.read_text())
    if data.get("kind") != "leaflet":
        pytest.skip("not a leaflet")
    with app.app_context():
        pdf = leaflets.build(leaflets.validate(data)).pdf
    assert tallest_empty_band(pdf) <= EMPTY_BAND_LIMIT


# -- type scale ----------------------------------------------------------------------------------------

def test_type_scale_keeps_the_call_to_action_readable_and_the_headline_below_the_quotation():
    poster = leaflets.DESIGNS["poster"].type_scale
    small, large = poster.sizes(18.4, 0.5), poster.sizes(18.4, 2.5)
    assert small["cta_pt"] >= 18.4 * poster.cta_floor  # a long quotation on A3 does not make it a caption
    for sizes in (small, large):
        assert sizes["headline_pt"] < sizes["quote_pt"]  # a short quotation never lets the headline outgrow it
        assert sizes["headline_pt"] / sizes["quote_pt"] == pytest.approx(poster.headline, abs=0.01)


def test_a_quotation_too_long_for_the_design_is_refused_naming_quotes_and_suggesting_an_excerpt(app):
    with app.app_context():
        from campaign import quotes

        longest = max(quotes.search(""), key=lambda q: len(q.text)).id
        spec = leaflets.validate({"design": "stickers", "size": "A4", "quotes": [longest], "bleed": False})
        with pytest.raises(leaflets.LeafletOverflow) as caught:
            leaflets.build(spec)
    assert leaflets.field_for_block(caught.value.block) == "quotes"
    assert "shorter excerpt" in caught.value.message


# -- photo poster ---------------------------------------------------------------------------------------

@pytest.fixture
def photo(monkeypatch):
    sample = design_samples.sample_photo()
    stored = images.StoredImage(id=7, data=sample.data, mime="image/jpeg", width=sample.width, height=sample.height,
                                credit="Amal Haddad", licence="CC BY 4.0", alt="A street in Aleppo")

    def load(image_id):
        if image_id != 7:
            raise LookupError(image_id)
        return stored
    monkeypatch.setattr(images, "load", load)
    return stored


def test_photo_poster_prints_the_photo_with_its_credit_and_licence(app, photo):
    with app.app_context():
        spec = leaflets.validate({"design": "photo-poster", "size": "A4", "quotes": ["open-air-prison"],
                                  "image": 7, "headline": "Aleppo, 2016"})
        pdf = leaflets.build(spec).pdf
    text = " ".join(_text(pdf).split())
    assert "Photo: Amal Haddad · CC BY 4.0" in text
    assert tallest_empty_band(pdf) <= EMPTY_BAND_LIMIT


def test_photo_poster_refuses_an_unknown_image_naming_the_field(app, photo):
    for value, words in ((8, "no stored image"), (None, "choose a photo"), ("x", "number")):
        with app.app_context(), pytest.raises(PamphletError) as caught:
            leaflets.validate({"design": "photo-poster", "size": "A4", "quotes": ["open-air-prison"], "image": value})
        assert caught.value.field == "image" and words in caught.value.message


# -- study group poster ---------------------------------------------------------------------------------

@pytest.mark.db
def test_event_poster_prints_the_group_and_a_qr_code_to_its_signup_page(gapp):
    from groups_support import add_group, add_organizer, sign_up

    key = add_group(gapp, add_organizer(gapp), title="Reading Burning Country", count=3)
    client = gapp.test_client()
    sign_up(client, key, 0, name="Mariam Secret", email="mariam@example.net")
    with gapp.app_context():
        spec = leaflets.validate({"design": "event", "size": "A4", "group": key})
        pdf = leaflets.build(spec).pdf
    text = " ".join(_text(pdf).split())
    assert "Reading Burning Country" in text and "Berlin" in text
    assert "Mariam" not in text and "mariam@" not in text  # nobody who signed up
    image = Image.open(io.BytesIO(render.pdf_to_png(pdf, 0, width=1600)))
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in found] == [f"http://handbill.test/g/{key}"]
    width_mm = float(PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width) / MM
    p = found[0].position
    side = (p.top_right.x - p.top_left.x) / (image.width / width_mm)
    assert side >= 0.2 * 210
    assert client.get(f"/g/{key}").headers["Location"].endswith(f"/groups/{key}")
    assert tallest_empty_band(pdf) <= EMPTY_BAND_LIMIT


def test_event_poster_refuses_an_unknown_group_naming_the_field(app):
    with app.app_context(), pytest.raises(PamphletError) as caught:
        leaflets.validate({"design": "event", "size": "A4", "group": "no-such-group"})
    assert caught.value.field == "group"


# -- sticker sheet -------------------------------------------------------------------------------------

def test_sticker_cut_marks_stand_outside_the_tiles(app):
    with app.app_context():
        context = design_samples.context("stickers", "A4", bleed=False)
        pdf = leaflets.render(context)
        spec = leaflets.spec_of(context)
    page = leaflets.template_context(spec, context, 1.0)
    geo, rows, cols, gutter = page, page["tile_rows"], page["tile_cols"], page["gutter_mm"]
    pad, tile_h = geo["pad_mm"], geo["tile_h_mm"]
    tile_w = (geo["area_width_mm"] - 2 * pad - (cols - 1) * gutter) / cols
    tiles = [(pad + c * (tile_w + gutter), pad + r * (tile_h + gutter)) for r in range(rows) for c in range(cols)]
    assert page["cut_marks"]
    for m in page["cut_marks"]:
        for x, y in tiles:  # no mark enters a tile (a mark along an edge stays in the gutter beyond it)
            inside_x = x < m["x"] + m["w"] and m["x"] < x + tile_w if m["w"] else x < m["x"] < x + tile_w
            inside_y = y < m["y"] + m["h"] and m["y"] < y + tile_h if m["h"] else y < m["y"] < y + tile_h
            assert not (inside_x and inside_y), m
    # and on paper: the gutters hold the marks' ink, each tile is one solid colour round its text
    image, (left, top, _r, _b), _bl, scale = _page(pdf, 72)
    scale *= MM  # pixels per millimetre
    frame = 6.0
    for x, y in tiles[:2]:
        corner = image.getpixel((left + round((frame + x + 1) * scale), top + round((frame + y + 1) * scale)))
        assert corner != image.getpixel((left + 2, top + 2))  # the tile is coloured, the margin is not


# -- highlight -------------------------------------------------------------------------------------------

def test_highlight_prints_the_phrase_marked_and_refuses_a_bad_range(app):
    text = "So they are effectively in an open-air prison."
    start = text.index("open-air prison")
    with app.app_context():
        spec = leaflets.validate({"design": "poster", "size": "A4", "quotes": ["open-air-prison"],
                                  "highlight": f"{start}-{start + len('open-air prison')}", "palette": "paper"})
        context = leaflets.gather(spec)
        html = leaflets.Html(spec, context)(1.0)
        assert "<mark>open-air prison</mark>" in html.replace('<span class="compound">open-air</span>', "open-air")
        pdf = leaflets.build(spec).pdf
        assert "open-air prison" in " ".join(_text(pdf).split())
        assert leaflets.validate({"design": "poster", "size": "A4", "quotes": ["open-air-prison"],
                                  "highlight": "open-air prison"}).highlight == spec.highlight  # the phrase itself
        for value, words in (("40-400", "past the end"), ("3-1", "before the end"), ("12-", "start-end"),
                             ("open-sky prison", "word for word")):
            with pytest.raises(PamphletError) as caught:
                leaflets.validate({"design": "poster", "size": "A4", "quotes": ["open-air-prison"], "highlight": value})
            assert caught.value.field == "highlight" and words in caught.value.message, caught.value.message
        with pytest.raises(PamphletError) as caught:
            leaflets.validate({"design": "flyer", "size": "A5", "quotes": ["open-air-prison"], "highlight": "0-2"})
        assert caught.value.field == "highlight"


def test_palette_is_validated_naming_the_field(app):
    with app.app_context(), pytest.raises(PamphletError) as caught:
        leaflets.validate({"design": "poster", "size": "A4", "quotes": ["open-air-prison"], "palette": "neon"})
    assert caught.value.field == "palette" and "paper" in caught.value.message


# -- Russian and Arabic --------------------------------------------------------------------------------

@pytest.mark.parametrize("design", ["poster", "flyer", "event", "stickers", "photo-poster"])
@pytest.mark.parametrize("lang", ["ru", "ar"])
def test_russian_and_arabic_designs_render(app, design, lang):
    size = leaflets.DESIGNS[design].sizes[0]
    with app.app_context():
        context = design_samples.context(design, size, lang)
        html = leaflets.Html(leaflets.spec_of(context), context)(1.0)
        pdf = leaflets.render(context)
    assert f'dir="{"rtl" if lang == "ar" else "ltr"}"' in html.split(">", 2)[1]
    text = _text(pdf)
    assert any("\u0600" <= c <= "\u06ff" for c in text) if lang == "ar" else any("а" <= c <= "я" for c in text)
    assert tallest_empty_band(pdf) <= EMPTY_BAND_LIMIT


@pytest.mark.parametrize("design", ["poster", "flyer", "handout", "event", "photo-poster"])
def test_the_bands_run_into_the_bleed_in_their_own_colours(app, design):
    from campaign import designs, palettes

    ink = designs.colours(palettes.PALETTES["paper"])
    strips = _bleed_strips(_render(app, design, leaflets.DESIGNS[design].sizes[0], palette="paper"))

    def near(pixel, colour):
        return max(abs(a - int(colour[i:i + 2], 16)) for a, i in zip(pixel, (1, 3, 5))) <= 12
    assert all(near(p, ink["band"]) for p in strips["bottom"])  # the foot band, past the bottom trim
    if design != "photo-poster":  # the head band, past the top trim (the photo poster has its photo there)
        assert all(near(p, ink["accent"]) for p in strips["top"])


# -- the builder -----------------------------------------------------------------------------------------

def test_builder_offers_the_designs_palettes_and_a_highlight(staff):
    html = staff.get("/leaflets/new").get_data(as_text=True)
    for design in ("photo-poster", "stickers", "event"):
        assert f'id="design-{design}" value="{design}"' in html and f"/thumbnails/leaflet-{design}.png" in html
    assert 'name="palette"' in html and 'value="night"' in html
    assert 'name="highlight"' in html and 'name="image"' in html and 'name="group"' in html
    form = {"design": "poster", "size": "A4", "orientation": "portrait", "quotes": "open-air-prison", "lang": "en",
            "palette": "night", "highlight": "open-air prison", "bleed": "y", "action": "download"}
    response = staff.post("/leaflets/new", data=form)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    bad = staff.post("/leaflets/new", data={**form, "highlight": "open-sky prison"})
    assert bad.status_code == 422 and 'data-field="highlight"' in bad.get_data(as_text=True)
    photo = staff.post("/leaflets/new", data={**form, "design": "photo-poster", "highlight": ""})
    assert photo.status_code == 422 and 'data-field="image"' in photo.get_data(as_text=True)
