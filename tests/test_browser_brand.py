"""The brand kit and a photo in a real browser: an admin sets name, colours and logo, then uploads a photo,
drawing a rectangle over a face on the preview; the pages show what was stored."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import pypdfium2 as pdfium
from PIL import Image, ImageStat
from pypdf import PdfReader

from campaign import brand, images
from campaign.db import db
from campaign.models import ImageRecord
from tests.conftest import assert_same_origin

pytestmark = pytest.mark.browser


def _watch_console(page) -> list[str]:
    """Script errors and policy violations (the 422 of a refused form is expected)."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _png(size, colour, mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


def _checkered_jpeg() -> bytes:
    """600 × 400 of 10-pixel black and white squares: blurring makes a region flat grey."""
    picture = Image.new("L", (600, 400), 255)
    for x in range(0, 600, 10):
        for y in range(0, 400, 10):
            if (x + y) // 10 % 2:
                picture.paste(0, (x, y, x + 10, y + 10))
    out = io.BytesIO()
    picture.convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def _loaded(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


def test_an_admin_sets_the_brand_and_uploads_a_photo(staff_page, live_server, served_app, tmp_path):
    page = staff_page
    problems = _watch_console(page)

    page.goto("/")
    page.get_by_role("link", name="Brand kit").click()
    page.get_by_label("Campaign name").fill("Aleppo Solidarity")
    page.get_by_label("First colour").fill("#777777")  # no text colour reaches 4.5:1 on it
    page.get_by_label("Second colour").fill("#000000")
    assert "will be refused" in page.inner_text("output.contrast")  # said while typing
    page.get_by_role("button", name="Save the brand kit").click()
    assert "4.5:1" in page.inner_text("[data-field='primary']")

    page.get_by_label("First colour").fill("#14192b")
    page.get_by_label("Second colour").fill("#f2b63c")
    said = page.inner_text("output.contrast")
    assert "17.45:1, enough" in said and "9.58:1" in said  # as palettes.contrast() computes them
    page.get_by_label("Default palette for new outputs").select_option("brand")
    page.get_by_label("Contact line").fill("Signal: aleppo.example")
    page.get_by_label("Web address").fill("https://aleppo.example.org/")
    page.get_by_label("Logo (PNG or JPEG)").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": _png((400, 100), (242, 182, 60, 255))})
    page.get_by_role("button", name="Save the brand kit").click()
    assert "The brand kit is saved." in page.inner_text("main")
    assert page.inner_text(".kit-name") == "Aleppo Solidarity"
    assert "Signal: aleppo.example" in page.inner_text(".kit-contact")
    assert "#14192b" in page.inner_text("main") and "Campaign colours" in page.inner_text("main")
    assert _loaded(page, "img.logo-preview")

    page.get_by_role("link", name="Photos").click()
    page.get_by_role("link", name="Upload a photo").click()
    assert page.is_hidden(".blur-tool")
    page.get_by_label("Photo (PNG or JPEG)").set_input_files(
        {"name": "street.jpg", "mimeType": "image/jpeg", "buffer": _checkered_jpeg()})
    page.wait_for_selector(".blur-stage img")
    page.wait_for_function("() => { const i = document.querySelector('.blur-stage img');"
                           " return i.complete && i.naturalWidth > 0 && !document.querySelector('.blur-tool').hidden; }")
    box = page.locator(".blur-stage img").bounding_box()
    # A face in the middle: from 25 % / 25 % to 75 % / 75 % of the preview.
    page.mouse.move(box["x"] + box["width"] * .25, box["y"] + box["height"] * .25)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * .5, box["y"] + box["height"] * .5, steps=4)
    page.mouse.move(box["x"] + box["width"] * .75, box["y"] + box["height"] * .75, steps=4)
    page.mouse.up()
    assert page.locator(".blur-rect").count() == 1
    # A second, mistaken rectangle is removed by tapping it.
    page.mouse.move(box["x"] + box["width"] * .02, box["y"] + box["height"] * .02)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * .1, box["y"] + box["height"] * .1, steps=3)
    page.mouse.up()
    assert page.locator(".blur-rect").count() == 2 and len(page.input_value("#blur").splitlines()) == 2
    page.mouse.click(box["x"] + box["width"] * .05, box["y"] + box["height"] * .05)
    assert page.locator(".blur-rect").count() == 1
    x, y, w, h = (float(v) for v in page.input_value("#blur").split(","))
    assert abs(x - 25) < 2 and abs(y - 25) < 2 and abs(w - 50) < 2 and abs(h - 50) < 2
    page.get_by_label("Credit (who took it)").fill("Ana K.")
    page.get_by_label("Licence or permission").fill("CC BY-SA 4.0")
    page.get_by_label("Description (alt text)").fill("A street corner in Aleppo")
    page.get_by_role("button", name="Upload", exact=True).click()

    assert "The photo is stored" in page.inner_text("main")
    assert "Photo: Ana K." in page.inner_text(".photo-list") and "CC BY-SA 4.0" in page.inner_text(".photo-list")
    assert _loaded(page, ".photo-list img")
    assert page.get_attribute(".photo-list img", "alt") == "A street corner in Aleppo"

    with served_app.app_context():
        kit = brand.current()
        assert (kit.name, kit.primary, kit.secondary, kit.palette) == ("Aleppo Solidarity", "#14192b", "#f2b63c",
                                                                     "brand")
        assert (kit.logo_width, kit.logo_height) == (400, 100)
        (record_id,) = db.session.scalars(db.select(ImageRecord.id)).all()
        photo = images.load(record_id)
    assert photo.credit == "Ana K." and photo.licence == "CC BY-SA 4.0"
    stored = Image.open(io.BytesIO(photo.data)).convert("L")
    face, edge = stored.crop((170, 120, 430, 280)), stored.crop((0, 0, 120, 80))
    assert ImageStat.Stat(face).stddev[0] < 25 < ImageStat.Stat(edge).stddev[0]

    page.screenshot(path=str(tmp_path / "photos.png"), full_page=True)
    page.goto("/brand")
    page.screenshot(path=str(tmp_path / "brand.png"), full_page=True)

    # A photo poster in the campaign's colours, with the logo, the campaign's name and the photo's credit.
    page.goto("/leaflets/new")
    page.check("#design-photo-poster")
    page.select_option("#size", "A4")
    page.select_option("#image", str(record_id))
    page.select_option("#palette", "brand")  # the brand kit's colours are on offer
    page.fill("#q", "open-air prison")
    page.check("#pick-open-air-prison")
    page.wait_for_function("() => { const img = document.querySelector('#preview-pages img');"
                           " return img && img.complete && img.naturalWidth > 0; }", timeout=60000)
    with page.expect_download() as download:
        page.click("button[name='action'][value='download']")
    pdf = Path(download.value.path()).read_bytes()
    poster = PdfReader(io.BytesIO(pdf)).pages[0]
    text = " ".join(poster.extract_text().split())
    assert "ALEPPO SOLIDARITY" in text.upper() and "Ana K." in text and "CC BY-SA 4.0" in text, text
    assert len(poster.images) >= 2  # the photo and the logo
    picture = pdfium.PdfDocument(pdf)[0].render(scale=30 / 72).to_pil().convert("RGB")
    colours = {colour for _count, colour in picture.getcolors(picture.width * picture.height)}
    assert (0x14, 0x19, 0x2b) in colours  # the brand's first colour is the poster's ground
    assert (242, 182, 60) in colours or (0xf2, 0xb6, 0x3c) in colours  # the logo / the brand's second colour
    assert_same_origin(page, live_server)
    assert not problems, problems


def test_rectangles_typed_without_the_script_are_applied(browser, live_server, served_app):
    from tests.conftest import EVERY_ROLE, add_user, browser_login

    add_user(served_app, "staff@example.org", *EVERY_ROLE)
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    browser_login(page, "staff@example.org")
    page.goto("/images/new")
    page.set_input_files("#file", {"name": "s.jpg", "mimeType": "image/jpeg", "buffer": _checkered_jpeg()})
    page.fill("#blur", "0,0,50,100")
    page.fill("#credit", "Basel")
    page.fill("#licence", "used with permission")
    page.click("button[type=submit]:has-text('Upload')")
    assert "The photo is stored" in page.inner_text("main")
    context.close()
    with served_app.app_context():
        (record_id,) = db.session.scalars(db.select(ImageRecord.id)).all()
        stored = Image.open(io.BytesIO(images.load(record_id).data)).convert("L")
    left, right = stored.crop((20, 20, 280, 380)), stored.crop((320, 20, 580, 380))
    assert ImageStat.Stat(left).stddev[0] < 25 < ImageStat.Stat(right).stddev[0]
