"""Quote card layouts: every layout × format, frames filled, photos with a scrim, highlighted phrases, the
API and CLI options, translated and right-to-left cards in each layout."""
from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from PIL import Image
from pypdf import PdfReader

from campaign import cards, quotes
from campaign.db import db
from campaign.models import Quote
from test_cards import CREDIT, SIZES, png, squash, wcag_contrast


# -- layouts ---------------------------------------------------------------------------------------

def photo(size=(1600, 1000), id=41, credit="Rami Photographer", halves=False):
    """A stored photo made with Pillow: white (the worst case under light text), or white above black."""
    from PIL import ImageDraw

    from campaign import images

    image = Image.new("RGB", size, (255, 255, 255))
    if halves:
        ImageDraw.Draw(image).rectangle((0, size[1] // 2, size[0], size[1]), fill=(0, 0, 0))
    else:  # some texture, and pure white somewhere under the text
        draw = ImageDraw.Draw(image)
        for x in range(0, size[0], 60):
            draw.rectangle((x, 0, x + 30, size[1]), fill=(120, 140, 90))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return images.StoredImage(id=id, data=out.getvalue(), mime="image/png", width=size[0], height=size[1],
                              credit=credit, licence="CC BY 4.0", alt="A test pattern")


def _source(app):
    with app.app_context():
        return db.session.get(Quote, "open-air-prison").source


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def near(pixel, colour, tolerance=28) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def tallest_empty_band(image: Image.Image, background, box=None, ink=None) -> float:
    """Share of the height (of ``box``) taken by the tallest run of rows with nothing on them.

    Without ``ink``, a row is empty when every pixel is (near) the background colour; with ``ink``
    (photo cards, whose background is the photo), when no pixel is near the text colour.
    """
    image = image.convert("RGB")
    if box:
        image = image.crop(box)
    small = image.resize((image.width // 4, image.height))  # columns averaged: thin strokes still show
    width, height = small.size
    data = small.load()
    run = best = 0
    for y in range(height):
        row = [data[x, y] for x in range(width)]
        empty = (not any(near(p, ink, 60) for p in row)) if ink else all(near(p, background) for p in row)
        run = run + 1 if empty else 0
        best = max(best, run)
    return best / height


def test_every_format_has_a_maximum_length_that_fits_every_layout_at_the_legible_minimum(app):
    """An excerpt of exactly the maximum length (real words of the interview) fits every layout."""
    text = " ".join(quotes.parsed(_source(app)).paragraph("p35").text.split())
    for name, fmt in cards.FORMATS.items():
        cut = text[:fmt.max_chars]
        data = cards.CardQuote(id="max", text=cut[:cut.rfind(" ")], speaker="Leila al-Shami", source_line=CREDIT)
        for layout in cards.LAYOUTS:
            card = cards.render_card(data, name, layout=layout, image=photo() if layout == "photo" else None)
            assert fmt.min_px <= card.size_px, (name, layout)
        longer = cards.CardQuote(id="max", text=text[:fmt.max_chars + 1], speaker="x", source_line="y")
        with pytest.raises(cards.CardTooLong) as caught:
            cards.render_card(longer, name)
        assert caught.value.field == "quote" and "[…]" in caught.value.message


@pytest.fixture
def short_and_median(app):
    with app.app_context():
        every = sorted(db.session.scalars(db.select(Quote)), key=lambda q: len(q.text))
        picked = [every[0], every[len(every) // 2]]
        return [cards.card_quote(quotes.get_verified(q.id)) for q in picked]


@pytest.mark.parametrize("layout", list(cards.LAYOUTS))
def test_every_layout_and_format_has_its_size_and_no_empty_band_over_a_third(short_and_median, layout):
    """Short quotations grow: no card leaves more than 35 % of its height (its text panel) as one empty band."""
    from campaign import card_layouts

    palette = cards.PALETTES["night" if layout == "photo" else "paper"]
    for data in short_and_median:
        for name, fmt in cards.FORMATS.items():
            image = photo() if layout == "photo" else None
            card = cards.render_card(data, name, palette.name, layout=layout, image=image)
            assert card.png[12:16] == b"IHDR"
            width, height = int.from_bytes(card.png[16:20], "big"), int.from_bytes(card.png[20:24], "big")
            assert (width, height) == SIZES[name], (layout, name)
            picture = png(card.png)
            if layout == "photo":
                frame = card_layouts.geometry("photo", fmt)["frame"]
                box = (frame["left"], frame["top"], frame["left"] + frame["width"], frame["top"] + frame["height"])
                band = tallest_empty_band(picture, None, box, ink=hex_rgb(palette.text))
            else:
                band = tallest_empty_band(picture, hex_rgb(palette.background))
            assert band <= 0.35, (layout, name, data.id, round(band, 3))


def test_unknown_layout_and_photo_without_image_are_refused_naming_the_field(client, staff):
    response = client.get("/quotes/open-air-prison/card.png?layout=collage")
    assert response.status_code == 400 and "layout" in response.get_data(as_text=True)
    assert all(name in response.get_data(as_text=True) for name in cards.LAYOUTS)
    response = staff.get("/quotes/open-air-prison/card.png?layout=photo")
    assert response.status_code == 400 and "image" in response.get_data(as_text=True)
    with pytest.raises(cards.CardError) as caught:
        cards.validate({"quote": "open-air-prison", "layout": "photo"})
    assert caught.value.field == "image"


def test_photo_card_prints_the_credit_and_keeps_text_contrast(staff, monkeypatch):
    from campaign import images

    stored = {41: photo(), 42: photo(id=42, halves=True)}
    monkeypatch.setattr(images, "load", lambda image_id: stored[int(image_id)])
    assert staff.get("/quotes/open-air-prison/card.png?layout=photo&image=99").status_code == 404
    for palette in ("night", "paper", "red"):
        response = staff.get(f"/quotes/open-air-prison/card.png?layout=photo&image=42&palette={palette}&format=story")
        assert response.status_code == 200, response.get_data(as_text=True)
        picture = png(response.data)
        assert "Rami Photographer" in picture.text["Credit"] and "Rami Photographer" in picture.text["Alt"]
        colours = cards.PALETTES[palette]
        # white above, black below: the scrim over each, away from any letter, reads 4.5:1 against the text
        for y in (8, picture.height - 8):
            pixel = "#%02x%02x%02x" % picture.convert("RGB").getpixel((8, y))
            assert wcag_contrast(colours.text, pixel) >= 4.5, (palette, y, pixel)
            assert wcag_contrast(colours.muted, pixel) >= 4.5, (palette, y, pixel)
    # the credit's words are on the card itself
    with staff.application.app_context():
        data = cards.card_quote(quotes.get_verified("open-air-prison"))
    pdf = cards.card_pdf(data, "square", "night", layout="photo", image=stored[41])
    assert "Rami Photographer" in squash(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())


# -- highlight ---------------------------------------------------------------------------------------

def accent_pixels(data: bytes, accent: str) -> int:
    colour = hex_rgb(accent)
    raw = png(data).convert("RGB").resize((270, 270)).tobytes()
    return sum(1 for i in range(0, len(raw), 3) if near(raw[i:i + 3], colour, 40))


def test_highlight_sets_the_phrase_in_the_accent_colour(client, app):
    text = "So they are effectively in an open-air prison."
    start = text.index("open-air prison")
    plain = client.get("/quotes/open-air-prison/card.png?layout=minimal")
    marked = client.get(f"/quotes/open-air-prison/card.png?layout=minimal&highlight={start}-{start + 15}")
    typed = client.get("/quotes/open-air-prison/card.png?layout=minimal&phrase=open-air+prison")
    assert plain.status_code == marked.status_code == typed.status_code == 200
    accent = cards.PALETTES["paper"].accent
    # the minimal layout has no ornament: the accent colour appears only when a phrase is highlighted
    assert accent_pixels(plain.data, accent) == 0
    assert accent_pixels(marked.data, accent) > 100
    assert typed.headers["ETag"] == marked.headers["ETag"] != plain.headers["ETag"]
    with app.app_context():
        data = cards.card_quote(quotes.get_verified("open-air-prison"))
    html = cards.card_html(data, "square", layout="minimal", highlight=f"{start}-{start + 15}", px=80)
    assert '<span class="hl">open-air prison</span>' in html


def test_highlight_is_escaped_and_reverified_and_a_bad_range_is_refused(client, app, runner):
    for bad in ("40-90", "3-10", "0-46", "x"):
        response = client.get(f"/quotes/open-air-prison/card.png?highlight={bad}")
        assert response.status_code == 400, bad
        assert "highlight" in response.get_data(as_text=True)
    response = client.get("/quotes/open-air-prison/card.png?phrase=closed+prison")
    assert response.status_code == 400 and "highlight" in response.get_data(as_text=True)
    api = client.get("/api/quotes/open-air-prison/card?highlight=40-90")
    assert api.status_code == 400 and "highlight" in api.get_json()["error"]
    result = runner.invoke(args=["cards", "build", "--quote", "open-air-prison", "--highlight", "40-90"])
    assert result.exit_code != 0 and "highlight" in result.output
    with app.app_context(), pytest.raises(cards.CardError) as caught:
        cards.gather(cards.validate({"quote": "open-air-prison", "highlight": "40-90"}))
    assert caught.value.field == "highlight"
    data = cards.CardQuote(id="x", text="Words <b>bold</b> & more words here.", speaker="S", source_line="L")
    html = cards.card_html(data, "square", highlight="6-17", px=60)
    assert '<span class="hl">&lt;b&gt;bold&lt;/b&gt;</span>' in html


def test_highlight_of_a_translated_card_is_a_range_of_the_translation(app, client):
    from test_outputs_i18n import review

    translated = review(app, "open-air-prison", "ru")
    word = max(translated.split(), key=len).strip(".,«»")
    start = translated.index(word)
    response = client.get(f"/quotes/open-air-prison/card.png?lang=ru&highlight={start}-{start + len(word)}")
    assert response.status_code == 200
    assert client.get(f"/quotes/open-air-prison/card.png?lang=ru&phrase={word}").status_code == 200
    # the English words are not on the Russian card
    assert client.get("/quotes/open-air-prison/card.png?lang=ru&phrase=open-air").status_code == 400
    api = client.get(f"/api/quotes/open-air-prison/card?lang=ru&phrase={word}&layout=split")
    assert api.status_code == 200 and api.get_json()["phrase"] == word
    assert api.get_json()["highlight"] == f"{start}-{start + len(word)}"


@pytest.mark.parametrize("lang", ["ru", "ar"])
def test_translated_cards_in_every_layout(app, lang):
    from test_outputs_i18n import has, pdf_text

    with app.app_context():
        data = cards.card_quote(quotes.get_verified("open-air-prison"), lang=lang, drafts=True)
    for layout in cards.LAYOUTS:
        image = photo() if layout == "photo" else None
        html = cards.card_html(data, "square", layout=layout, image=image, px=60)
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
        for fmt in ("square", "og"):
            card = cards.render_card(data, fmt, layout=layout, image=image)
            assert png(card.png).size == SIZES[fmt]
        assert has(pdf_text(cards.card_pdf(data, "square", layout=layout, image=image)), data.text), layout


def test_api_describes_a_card_with_layout_and_highlight(client):
    response = client.get("/api/quotes/open-air-prison/card?format=og&layout=split&phrase=open-air+prison")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["width"], body["height"], body["layout"]) == (1200, 630, "split")
    assert body["phrase"] == "open-air prison" and "layout=split" in body["url"]
    card = client.get(urlsplit(body["url"]).path + "?" + urlsplit(body["url"]).query)
    assert card.status_code == 200 and png(card.data).size == (1200, 630)
    assert client.get("/api/quotes/open-air-prison/card?layout=nope").status_code == 400


def test_cli_takes_a_layout_and_a_highlight(runner, tmp_path):
    result = runner.invoke(args=["cards", "build", "--out", str(tmp_path), "--quote", "open-air-prison",
                                 "--format", "square", "--layout", "minimal", "--phrase", "open-air prison"])
    assert result.exit_code == 0, result.output
    assert png((tmp_path / "open-air-prison-minimal-square.png").read_bytes()).size == (1080, 1080)
    result = runner.invoke(args=["cards", "build", "--out", str(tmp_path), "--quote", "open-air-prison",
                                 "--layout", "photo"])
    assert result.exit_code != 0 and "image" in result.output


def test_cards_page_offers_layout_thumbnails_and_the_highlight_picker(staff, monkeypatch):
    from campaign import images

    response = staff.get("/cards?quotes=open-air-prison&formats=square&layout=split")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in cards.LAYOUTS:  # no stored photo yet: the photo layout is offered without a picture
        assert (f"/cards/layouts/{name}.png" in page) == (name != "photo")
    assert staff.get("/cards/layouts/photo.png").status_code == 404
    monkeypatch.setattr(images, "choices", lambda: [(41, "Test pattern")])
    monkeypatch.setattr(images, "load", lambda image_id: photo())
    assert "/cards/layouts/photo.png" in staff.get("/cards").get_data(as_text=True)
    assert png(staff.get("/cards/layouts/photo.png").data).width == 240
    assert "data-highlight-text" in page and 'id="highlight"' in page
    thumb = staff.get("/cards/layouts/split.png")
    assert thumb.status_code == 200 and png(thumb.data).width == 240
    assert staff.get("/cards/layouts/nope.png").status_code == 404
    response = staff.get("/cards?quotes=open-air-prison&formats=square&highlight=40-90")
    assert response.status_code == 422 and "highlight" in response.get_data(as_text=True)
    response = staff.get("/cards?quotes=open-air-prison&formats=square&highlight_phrase=open-air+prison")
    assert response.status_code == 200 and "highlight=30-45" in response.get_data(as_text=True).replace("&amp;", "&")


@pytest.mark.browser
def test_selecting_words_fills_the_highlight_and_the_live_preview_follows(staff_page, live_server):
    from conftest import assert_same_origin

    page = staff_page
    page.goto("/cards?quotes=open-air-prison&formats=square")
    source = page.locator("[data-highlight-text]")
    source.wait_for()
    # select "open-air pri" (ending inside a word): the picker widens it to whole words
    page.evaluate("""() => {
        const node = document.querySelector('[data-highlight-text]').firstChild;
        const text = node.textContent, at = text.indexOf('open-air');
        const range = document.createRange();
        range.setStart(node, at); range.setEnd(node, at + 12);
        const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
        node.parentElement.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    }""")
    assert page.input_value("#highlight") == "30-45"
    page.wait_for_function("() => document.querySelector('img[data-live-preview]').src.includes('highlight=30-45')")
    page.get_by_label("Minimal").check()
    page.wait_for_function("() => document.querySelector('img[data-live-preview]').src.includes('layout=minimal')")
    page.wait_for_function("() => { const i = document.querySelector('img[data-live-preview]');"
                           " return i.complete && i.naturalWidth === 1080; }", timeout=20000)
    assert_same_origin(page, live_server)


def test_brand_palette_default_mark_and_logo(make_app, monkeypatch):
    from campaign import brand
    from conftest import staff_client

    logo = io.BytesIO()
    Image.new("RGB", (120, 60), (0, 160, 80)).save(logo, format="PNG")
    kit = brand.Brand(name="Syria Solidarity Leeds", primary="#0b3d2e", secondary="#f2c14e",
                      logo=logo.getvalue(), logo_width=120, logo_height=60)
    monkeypatch.setattr(brand, "current", lambda: kit)
    app = make_app()
    client = staff_client(app)
    response = client.get("/quotes/open-air-prison/card.png?palette=brand&layout=split&format=og")
    assert response.status_code == 200
    picture = png(response.data).convert("RGB")
    assert picture.getpixel((1100, 315)) == (0x0b, 0x3d, 0x2e)  # the brand's first colour as background
    with app.app_context():
        data = cards.card_quote(quotes.get_verified("open-air-prison"))
        spec = cards.validate({"quote": "open-air-prison"}, brand=kit)
    # the campaign name is the default mark, and the logo goes beside it
    page = client.get("/quotes/open-air-prison").get_data(as_text=True)
    assert "mark=Syria+Solidarity+Leeds" in page or "mark=Syria%20Solidarity%20Leeds" in page
    html = cards.card_html(data, "square", "brand", "Syria Solidarity Leeds", brand=kit, px=60)
    assert 'class="logo"' in html and "brand/logo.png" in html
    pdf = cards.card_pdf(data, "square", "brand", "Syria Solidarity Leeds", brand=kit)
    assert "Syria Solidarity Leeds" in squash(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert spec.palette == cards.DEFAULT_PALETTE
    assert client.get("/quotes/open-air-prison/card.png?palette=brand").status_code == 200
    monkeypatch.setattr(brand, "current", lambda: brand.DEFAULT)
    response = client.get("/quotes/open-air-prison/card.png?palette=brand")
    assert response.status_code == 400 and "brand" not in response.get_data(as_text=True).split("choose one of:")[1]


def test_a_phrase_for_several_quotations_is_refused_on_the_cards_page(staff):
    response = staff.get("/cards?quotes=open-air-prison&quotes=war-lords-and-war&formats=square&highlight_phrase=war")
    assert response.status_code == 422
    assert 'data-field="highlight_phrase"' in response.get_data(as_text=True)


def test_photo_card_from_an_uploaded_photo(app, staff):
    from campaign import images

    upload = io.BytesIO()
    Image.new("RGB", (1200, 800), (230, 220, 200)).save(upload, format="JPEG")
    with app.app_context():
        stored = images.accept(upload.getvalue(), credit="Upload Tester", licence="CC BY 4.0", alt="A pale wall")
        db.session.commit()
        image_id = stored.id
    response = staff.get(f"/quotes/open-air-prison/card.png?layout=photo&image={image_id}&palette=night&format=og")
    assert response.status_code == 200, response.get_data(as_text=True)
    picture = png(response.data)
    assert picture.size == (1200, 630) and "Upload Tester" in picture.text["Credit"]
    # a library card with a stored photo is a custom render: anonymous visitors may not ask for one
    refused = app.test_client().get(f"/quotes/open-air-prison/card.png?layout=photo&image={image_id}")
    assert refused.status_code in (302, 401, 403) and refused.mimetype != "image/png"  # to the sign-in page


@pytest.mark.parametrize("guess", ["too big", "too small"])
def test_a_first_guess_that_misses_is_corrected_from_the_measurement(short_and_median, monkeypatch, guess):
    """Laid out here (not in the render pool) so the guess can be replaced."""
    from campaign import card_layouts, card_metrics, card_render

    data = short_and_median[1]
    fmt = cards.FORMATS["square"]
    right = card_render.fitted_px(cards.design(data, "square"))
    wrong = fmt.max_px if guess == "too big" else fmt.min_px
    monkeypatch.setattr(card_metrics, "estimate", lambda *args, **kwargs: wrong)
    before = card_render.LAYOUTS
    document, px = card_render.draw(cards.design(data, "square"))
    # the guess, then two candidate sizes per further layout; a guess three times too big takes a few more
    assert card_render.LAYOUTS - before <= (4 if guess == "too big" else 3)
    assert len(document.pages) == 1
    frame = card_layouts.geometry("quote-mark", fmt)["frame"]
    body = next(card_render._boxes(render_page_box(document), "body"))
    assert body.margin_height() >= frame["height"] * card_render.GOOD_FILL or px >= right
    assert abs(px - right) <= right * 0.12


def render_page_box(document):
    from campaign import render

    return render.page_box(document.pages[0])
