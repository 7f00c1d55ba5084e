"""Reading pack covers and sheets: the coloured cover with the campaign, title, themes and photo credit,
the back cover's QR code, credits inside, spare pages filled, and the cached pack served without reading
the library."""
from __future__ import annotations

import io
import subprocess
from io import BytesIO

import pypdfium2
import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader

from campaign import brand, create_app, images, impose, pack_covers, packs, palettes
from campaign.db import db
from campaign.pamphlets import PamphletError

MM = 72 / 25.4
REAL = {"brand": brand.current, "images": images.load}  # before the module's app stands them in
URL = "https://syria-solidarity.example.org/join?ref=pack"
THREE = {"title": "Aleppo, Russia’s war and the left", "subtitle": "Three meetings",
         "sections": [{"theme": "russias-war"}, {"theme": "aleppo-siege"}, {"theme": "kurds-rojava"}]}
THEME_NAMES = ("Russia’s war", "Aleppo under siege", "Kurds and Rojava")


def _png(mode: str, size: tuple[int, int], colour, fmt: str) -> bytes:
    image = Image.new(mode, size, colour)
    ImageDraw.Draw(image).rectangle([size[0] // 3, size[1] // 3, size[0] // 2, size[1] - 1], fill="#222222")
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


KIT = brand.Brand(name="Leeds Syria Solidarity", primary="#7a1f3d", secondary="#f4c95d", palette="red",
                  contact="leeds-syria@example.org", url=URL,
                  logo=_png("RGBA", (120, 120), (242, 182, 60, 255), "PNG"), logo_width=120, logo_height=120)
PHOTO = images.StoredImage(id=7, data=_png("RGB", (600, 400), "#6b8fb3", "JPEG"), mime="image/jpeg",
                           width=600, height=400, credit="Amal Hussein", licence="CC BY 4.0",
                           alt="Rooftops of a city at dusk")


def _load(image_id: int) -> images.StoredImage:
    if image_id != PHOTO.id:
        raise LookupError(image_id)
    return PHOTO


@pytest.fixture(scope="module")
def cover_app(backend, tmp_path_factory):
    """An app on a private copy of the loaded library for this module, the brand kit and photo library patched."""
    from tests.conftest import BASE_CONFIG, library_database

    folder = tmp_path_factory.mktemp("covers")
    with library_database(backend, folder, "c") as uri:
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "CACHE_DIR": str(folder / "cache")})
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(brand, "current", lambda: KIT)
            patch.setattr(images, "load", _load)
            yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def build(app, data: dict, imposition: str | None = None) -> bytes:
    with app.app_context():
        return packs.build(packs.validate(data), imposition=imposition)


@pytest.fixture(scope="module")
def branded(cover_app) -> bytes:
    return build(cover_app, {**THREE, "image": PHOTO.id})


def texts(pdf: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return out.decode("utf-8").split("\f")[: len(PdfReader(BytesIO(pdf)).pages)]


def flat(text: str) -> str:
    return " ".join(text.split())


def page_image(pdf: bytes, index: int, px_per_mm: float = 4) -> tuple[Image.Image, float]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[index].render(scale=px_per_mm / MM).to_pil().convert("RGB")
    finally:
        document.close()
    return image, px_per_mm


def near(pixel, colour: str, tolerance: int = 6) -> bool:
    target = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, target))


# -- the cover ------------------------------------------------------------------------------------

@pytest.mark.parametrize("palette", ["red", "night", "olive"])
def test_cover_and_back_cover_are_coloured_to_the_page_edge(cover_app, palette):
    """Packs have no bleed: the palette's colour reaches every edge of the cover and the back cover."""
    pdf = build(cover_app, {**THREE, "palette": palette})
    background = palettes.PALETTES[palette].background
    for index in (0, len(PdfReader(BytesIO(pdf)).pages) - 1):
        image, _ = page_image(pdf, index, px_per_mm=2)
        w, h = image.size
        for x, y in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w // 2, 0), (w // 2, h - 1), (0, h // 2)):
            assert near(image.getpixel((x, y)), background), (index, x, y, image.getpixel((x, y)))
    inside, _ = page_image(pdf, 1, px_per_mm=2)
    assert near(inside.getpixel((0, 0)), "#ffffff")  # the pages inside stay white


def test_the_brand_kits_palette_is_the_default(cover_app):
    pdf = build(cover_app, THREE)
    image, _ = page_image(pdf, 0, px_per_mm=2)
    assert near(image.getpixel((1, 1)), palettes.PALETTES[KIT.palette].background)


def test_cover_shows_campaign_title_themes_and_source(branded):
    cover = flat(texts(branded)[0])
    assert "Leeds Syria Solidarity" in cover
    assert "Aleppo, Russia’s war and the" in cover and "Three meetings" in cover
    positions = [cover.index(name) for name in THEME_NAMES]
    assert positions == sorted(positions)  # the themes in the pack's order
    assert "3 themes" in cover.lower()
    assert "29 November 2016" in cover  # the source, dated as people write dates


def test_the_title_never_ends_on_one_word(cover_app):
    pdf = build(cover_app, {**THREE, "title": "What the people of Aleppo asked the world to hear"})
    lines = [line.strip() for line in texts(pdf)[0].splitlines() if line.strip()]
    last = next(i for i, line in enumerate(lines) if "hear" in line)
    assert len(lines[last].split()) >= 2


def test_photo_prints_with_its_credit_and_licence(branded):
    pages = texts(branded)
    assert "Photo: Amal Hussein · CC BY 4.0" in flat(pages[0])
    credits_page = next(i for i, t in enumerate(pages) if "Sources, further reading and credits" in t
                        and "Further reading" in t)
    assert "Cover photo: Amal Hussein (CC BY 4.0)." in flat(pages[credits_page])
    document = pypdfium2.PdfDocument(branded)
    try:
        kinds = [obj.type for obj in document[0].get_objects()]
    finally:
        document.close()
    assert pypdfium2.raw.FPDF_PAGEOBJ_IMAGE in kinds


def test_unknown_image_is_an_error_naming_the_field(cover_app):
    with cover_app.app_context(), pytest.raises(PamphletError) as caught:
        packs.validate({**THREE, "image": 999})
    assert caught.value.field == "image"


@pytest.mark.parametrize("data,field", [({"palette": "neon"}, "palette"), ({"image": "seven"}, "image"),
                                        ({"url": "javascript:alert(1)"}, "url"), ({"url": "example.org"}, "url")])
def test_bad_cover_fields_name_the_field(cover_app, data, field):
    with cover_app.app_context(), pytest.raises(PamphletError) as caught:
        packs.validate({**THREE, **data})
    assert caught.value.field == field


def test_brand_palette_without_brand_colours_names_the_field(cover_app, monkeypatch):
    monkeypatch.setattr(brand, "current", lambda: brand.DEFAULT)
    with cover_app.app_context(), pytest.raises(PamphletError) as caught:
        packs.validate({**THREE, "palette": "brand"})
    assert caught.value.field == "palette"


# -- the back cover and the credits ------------------------------------------------------------------

def test_credits_are_inside_and_the_back_cover_carries_the_campaign(branded):
    pages = texts(branded)
    credits_page = next(i for i, t in enumerate(pages) if "Sources, further reading and credits" in t
                        and "Further reading" in t)
    assert 0 < credits_page < len(pages) - 1
    back = flat(pages[-1])
    assert "Leeds Syria Solidarity" in back and "leeds-syria@example.org" in back
    assert "Sources, further reading" not in back


def test_back_cover_qr_decodes_to_the_url_and_is_at_least_25_mm(branded):
    image, scale = page_image(branded, len(PdfReader(BytesIO(branded)).pages) - 1, px_per_mm=6)
    found = zxingcpp.read_barcodes(image.convert("L"))
    assert [code.text for code in found] == [URL]
    p = found[0].position
    side = ((p.top_right.x - p.top_left.x) ** 2 + (p.top_right.y - p.top_left.y) ** 2) ** 0.5 / scale
    assert side >= 25, f"{side:.1f} mm"
    back = flat(texts(branded)[-1])
    assert "syria-solidarity.example.org/join" in back.replace(" ", "")
    assert "https://" not in back and "ref=pack" not in back


def test_the_spec_url_wins_over_the_brand_kits(cover_app):
    pdf = build(cover_app, {**THREE, "url": "https://other.example.net/reading"})
    image, _ = page_image(pdf, len(PdfReader(BytesIO(pdf)).pages) - 1, px_per_mm=6)
    assert [code.text for code in zxingcpp.read_barcodes(image.convert("L"))] == ["https://other.example.net/reading"]


def test_without_an_address_the_back_cover_quotes_the_call_to_action(cover_app, monkeypatch):
    monkeypatch.setattr(brand, "current", lambda: brand.DEFAULT)
    pdf = build(cover_app, THREE)
    back = flat(texts(pdf)[-1])
    assert f"“{pack_covers.CALL_TO_ACTION}”" in back
    assert "Leila al-Shami" in back and "¶" in back and "Handbill" in back
    image, _ = page_image(pdf, len(PdfReader(BytesIO(pdf)).pages) - 1, px_per_mm=2)
    assert not zxingcpp.read_barcodes(image.convert("L"))


def test_a_call_to_action_the_guard_refuses_is_not_printed(cover_app, monkeypatch):
    monkeypatch.setattr(brand, "current", lambda: brand.DEFAULT)
    monkeypatch.setattr(pack_covers, "CALL_TO_ACTION", "We need to be getting the voices of the regime out there")
    pdf = build(cover_app, {**THREE, "title": "Voices from Aleppo"})
    back = flat(texts(pdf)[-1])
    assert "regime out there" not in back and "“" not in back
    assert "Voices from Aleppo" in back


@pytest.mark.parametrize("lang,kicker", [("ru", "ПОДБОРКА ДЛЯ ЧТЕНИЯ"), ("ar", "حزمة القراءة")])
def test_russian_and_arabic_covers(cover_app, lang, kicker):
    pdf = build(cover_app, {**THREE, "lang": lang, "image": PHOTO.id})
    pages = texts(pdf)
    assert kicker in pages[0] and "Leeds Syria Solidarity" in pages[0]
    image, scale = page_image(pdf, len(pages) - 1, px_per_mm=6)
    assert [code.text for code in zxingcpp.read_barcodes(image.convert("L"))] == [URL]


# -- sheets: spare pages filled, blanks only before the back cover ------------------------------------

def _quarters_blank(pdf: bytes) -> list[tuple[int, int]]:
    """(sheet side, quarter) of every A6 cell of a zine that is (almost) one colour."""
    blank = []
    for side in range(len(PdfReader(BytesIO(pdf)).pages)):
        image, _ = page_image(pdf, side, px_per_mm=1.5)
        w, h = image.size
        for q, (x, y) in enumerate(((0, 0), (w // 2, 0), (0, h // 2), (w // 2, h // 2))):
            cell = image.crop((x + 3, y + 3, x + w // 2 - 3, y + h // 2 - 3)).convert("L")
            low, high = cell.getextrema()
            if high - low < 30:
                blank.append((side, q))
    return blank


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a6_zine_has_no_blank_pages(cover_app, lang):
    data = {**THREE, "size": "A6", "sections": [{"theme": "aleppo-siege"}], "lang": lang}
    pages = build(cover_app, data, imposition="none")
    zine = build(cover_app, data, imposition="zine")
    count = len(PdfReader(BytesIO(pages)).pages)
    sides = len(PdfReader(BytesIO(zine)).pages)
    assert sides * 4 == -(-count // 8) * 8  # the smallest number of A4 sheets that holds the pages
    assert _quarters_blank(zine) == []
    assert "Your questions" in flat(" ".join(texts(zine))) or lang == "ar"


def test_booklet_fills_its_last_sheet_before_the_back_cover(cover_app):
    pages = build(cover_app, THREE, imposition="none")
    booklet = build(cover_app, THREE, imposition="booklet")
    count = len(PdfReader(BytesIO(pages)).pages)
    assert len(PdfReader(BytesIO(booklet)).pages) * 2 == -(-count // 4) * 4
    side, _ = page_image(booklet, 0, px_per_mm=1.5)
    w, h = side.size
    # the first sheet's outside: the back cover left of the fold, the cover right of it, both coloured
    assert near(side.getpixel((3, 3)), palettes.PALETTES["red"].background)
    assert near(side.getpixel((w - 3, 3)), palettes.PALETTES["red"].background)


def test_blanks_go_before_the_back_cover():
    assert impose.reading_slots(6, 4) == [0, 1, 2, 3, 4, 5, None, None]
    assert impose.reading_slots(6, 4, back_cover=True) == [0, 1, 2, 3, 4, None, None, 5]
    assert impose.reading_slots(8, 8, back_cover=True) == list(range(8))
    sides = impose.saddle_order(6, back_cover=True)
    assert sides[0] == (5, 0)  # the back cover on the outside of the first sheet
    assert {slot for pair in sides for slot in pair} == {0, 1, 2, 3, 4, 5, None}


# -- the cache: a cached pack is one key and one file --------------------------------------------------

def test_a_cached_pack_is_served_without_gathering(cover_app, tmp_path, monkeypatch):
    with cover_app.app_context():
        spec = packs.validate(THREE)
        first = packs.build(spec, cache_dir=tmp_path)
        monkeypatch.setattr(packs, "gather", lambda *a, **k: pytest.fail("a cache hit must not gather"))
        assert packs.build(spec, cache_dir=tmp_path) == first


def test_any_library_change_changes_the_key(cover_app):
    from campaign.models import Question, Quote, Theme

    with cover_app.app_context():
        spec = packs.validate(THREE)
        keys = [packs.key(spec)]
        assert packs.key(spec) == keys[0]
        quote = db.session.scalars(db.select(Quote).order_by(Quote.id)).first()
        question = db.session.scalars(db.select(Question).order_by(Question.id)).first()
        edits = [
            lambda: setattr(db.session.get(Theme, "aleppo-siege"), "description", "A changed introduction."),
            lambda: setattr(quote, "context", "A changed note."),
            lambda: setattr(question, "text", "A changed question?"),
            lambda: quote.themes.pop(),
            # by hand in the database, without the application's timestamps
            lambda: db.session.execute(db.text("UPDATE quotes SET text = text || ' ' WHERE id = :id"), {"id": quote.id}),
        ]
        try:
            for edit in edits:
                edit()
                db.session.commit()
                keys.append(packs.key(spec))
        finally:
            db.session.rollback()
        assert len(set(keys)) == len(keys)
        assert packs.key(spec, imposition="booklet") != packs.key(spec)
        assert packs.key(packs.validate({**THREE, "palette": "night"})) != packs.key(spec)


# -- with the stored brand kit and image library ---------------------------------------------------------

def test_the_stored_brand_kit_and_photo_reach_the_covers(app, monkeypatch):
    """End to end: the kit an admin saves and a photo from the library, no stand-ins."""
    monkeypatch.setattr(brand, "current", REAL["brand"])
    monkeypatch.setattr(images, "load", REAL["images"])
    with app.app_context():
        brand.save(name="Glasgow Syria Solidarity", primary="#1f3a2c", secondary="#e8c35a", palette="brand",
                   contact="Signal: +44 7700 900456", url="https://glasgow.example.org/read",
                   logo=_png("RGBA", (200, 100), (232, 195, 90, 255), "PNG"))
        photo = images.accept(_png("RGB", (800, 500), "#6b8fb3", "JPEG"), credit="Rania K.", licence="CC BY-SA 4.0",
                              alt="A street in Aleppo")
        db.session.commit()
        spec = packs.validate({**THREE, "image": photo.id})
        key = packs.key(spec)
        pdf = packs.build(spec, cache_dir=None)
        brand.save(name="Glasgow Syria Solidarity", primary="#1f3a2c", secondary="#e8c35a", palette="brand",
                   contact="Signal: +44 7700 900789", url="https://glasgow.example.org/read")
        assert packs.key(packs.validate({**THREE, "image": photo.id})) != key  # a new kit, a new pack
    pages = texts(pdf)
    assert "Glasgow Syria Solidarity" in pages[0] and "Photo: Rania K. · CC BY-SA 4.0" in flat(pages[0])
    assert "Signal: +44 7700 900456" in pages[-1]
    cover, _ = page_image(pdf, 0, px_per_mm=2)
    assert near(cover.getpixel((1, 1)), "#1f3a2c")  # the campaign colours, to the edge
    back, _ = page_image(pdf, len(pages) - 1, px_per_mm=6)
    assert [code.text for code in zxingcpp.read_barcodes(back.convert("L"))] == ["https://glasgow.example.org/read"]
