"""Quote cards: exact sizes, fitted text that is never cut, contrast, metadata, caching, previews, batches."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from PIL import Image
from pypdf import PdfReader

from campaign import cards, quotes
from campaign.db import db
from campaign.models import Quote
from conftest import staff_client

# Recorded for Open Left on 29 November; first published by LeftEast on 16 December (the source's editions).
CREDIT = "Interview for Open Left, 29 November 2016; LeftEast, 16 December 2016"
SIZES = {"square": (1080, 1080), "portrait": (1080, 1350), "story": (1080, 1920),
         "landscape": (1200, 675), "og": (1200, 630)}


def squash(text: str) -> str:
    return " ".join(text.split())


def png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture
def longest(app):
    """The longest quotation in the library that every format takes."""
    limit = min(f.max_chars for f in cards.FORMATS.values())
    with app.app_context():
        quote = max((q for q in db.session.scalars(db.select(Quote)) if len(q.text) <= limit), key=lambda q: len(q.text))
        return quote.id, quote.text, quote.speaker


@pytest.fixture
def longest_allowed(app):
    """Per format, the longest library quotation it takes (its worst case)."""
    with app.app_context():
        every = list(db.session.scalars(db.select(Quote)))
        return {name: max((q for q in every if len(q.text) <= f.max_chars), key=lambda q: len(q.text)).id
                for name, f in cards.FORMATS.items()}


# -- colours ----------------------------------------------------------------------------------

def wcag_luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))

    def lin(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def wcag_contrast(a: str, b: str) -> float:
    hi, lo = sorted((wcag_luminance(a), wcag_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_palettes_meet_wcag_aa():
    assert len(cards.PALETTES) >= 4
    for palette in cards.PALETTES.values():
        # every text colour, including the small source line and mark: AA for normal text
        for role, colour in palette.text_roles().items():
            ratio = wcag_contrast(colour, palette.background)
            assert ratio >= 4.5, f"{palette.name}.{role} is {ratio:.2f}:1 on its background"
        # the accent draws only graphics (quotation mark, rule, band): 3:1
        assert wcag_contrast(palette.accent, palette.background) >= 3.0, palette.name
        assert abs(cards.contrast(palette.text, palette.background)
                   - wcag_contrast(palette.text, palette.background)) < 0.01


# -- one card -------------------------------------------------------------------------------

def test_every_format_has_its_exact_pixel_size_and_metadata(client, longest):
    quote_id, text, speaker = longest
    for fmt, size in SIZES.items():
        response = client.get(f"/quotes/{quote_id}/card.png?format={fmt}")
        assert response.status_code == 200, (fmt, response.status_code)
        assert response.mimetype == "image/png"
        image = png(response.data)
        assert image.size == size, fmt
        assert squash(image.text["Description"]).startswith(squash(text))
        assert image.text["Alt"] == image.text["Description"]
        assert image.text["Description"].endswith(f"— {speaker}, {CREDIT}")
        assert image.text["Author"] == speaker
        assert image.text["Source"] == f"http://handbill.test/quotes/{quote_id}"
        assert quote_id in image.text["Title"]
        assert response.headers["Content-Disposition"] == f'inline; filename="{quote_id}-{fmt}.png"'


def test_longest_allowed_quote_is_whole_in_the_pdf_at_every_format_and_layout(app, longest_allowed):
    for fmt, quote_id in longest_allowed.items():
        with app.app_context():
            quote = quotes.get_verified(quote_id)
            data = cards.card_quote(quote)
        for layout in ("quote-mark", "split", "minimal"):
            pdf = cards.card_pdf(data, fmt, layout=layout)
            reader = PdfReader(io.BytesIO(pdf))
            assert len(reader.pages) == 1, fmt
            box = reader.pages[0].mediabox
            # CSS px are 0.75 pt: the page is exactly the card's pixel size at 96 dpi
            assert (round(float(box.width) / 0.75), round(float(box.height) / 0.75)) == SIZES[fmt]
            # a line may end after a hyphen: compare the characters, not where the lines broke
            extracted = "".join(reader.pages[0].extract_text().split())
            # printed with typographic apostrophes (doesn’t), which the verbatim guard treats as the same
            assert "’" not in quote.text and "'" not in extracted
            assert "".join(quote.text.split()).replace("'", "’") in extracted, (fmt, layout)
            assert "".join((quote.speaker + CREDIT).split()) in extracted, (fmt, layout)


def test_type_is_fitted_to_the_text_and_stays_legible(app, longest):
    quote_id = longest[0]
    with app.app_context():
        long_data = cards.card_quote(quotes.get_verified(quote_id))
        short_data = cards.card_quote(quotes.get_verified("open-air-prison"))
    for name, fmt in cards.FORMATS.items():
        long_card = cards.render_card(long_data, name)
        short_card = cards.render_card(short_data, name)
        assert fmt.min_px <= long_card.size_px < short_card.size_px <= fmt.max_px, name
        # a short quotation grows well past the old one-size-fits-all cap
        assert short_card.size_px >= 2 * fmt.min_px, name


def test_story_keeps_text_clear_of_the_top_and_bottom_250px(app, longest_allowed):
    with app.app_context():
        data = cards.card_quote(quotes.get_verified(longest_allowed["story"]))
    card = cards.render_card(data, "story", "night", mark="@syria.solidarity")
    image = png(card.png).convert("RGB")
    background = tuple(int(cards.PALETTES["night"].background[i:i + 2], 16) for i in (1, 3, 5))
    width, height = image.size
    band = 16  # the accent band along the top edge is decoration, not text
    for top, bottom in ((band + 2, 250), (height - 250, height)):
        colours = image.crop((0, top, width, bottom)).getcolors(maxcolors=1 << 16)
        assert colours == [(width * (bottom - top), background)], (top, bottom)
    # ... while the middle does carry the text
    assert len(image.crop((0, 250, width, height - 250)).getcolors(maxcolors=1 << 16)) > 10


def test_right_to_left_card_renders(app):
    data = cards.CardQuote(id="rtl-check", text="فهم إذن فعلياً في سجن في الهواء الطلق.", speaker="ليلى الشامي",
                           source_line="Open Left, 2016", lang="ar", dir="rtl")
    html = cards.card_html(data, "square", px=60)
    assert '<html lang="ar" dir="rtl">' in html
    assert png(cards.render_card(data, "square").png).size == (1080, 1080)


def test_bad_parameters_get_400_with_the_valid_choices(client):
    response = client.get("/quotes/open-air-prison/card.png?format=banner")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "format" in body and all(name in body for name in SIZES)
    response = client.get("/quotes/open-air-prison/card.png?palette=neon")
    assert response.status_code == 400
    assert all(name in response.get_data(as_text=True) for name in cards.PALETTES)
    response = client.get("/quotes/open-air-prison/card.png?mark=" + "x" * (cards.MARK_MAX + 1))
    assert response.status_code == 400 and "mark" in response.get_data(as_text=True)
    assert client.get("/quotes/no-such-quote/card.png").status_code == 404


def test_etag_long_cache_and_304(client, app):
    url = "/quotes/open-air-prison/card.png?format=og&palette=red"
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{64}"', etag)
    assert "max-age=86400" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    # the versioned URL the pages use is pinned to the content: cached for a year
    versioned = client.get(url + "&v=" + etag.strip('"')[:16])
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert versioned.data == first.data
    # another palette is another card
    assert client.get(url.replace("red", "olive")).headers["ETag"] != etag
    # the rendered bytes are kept in the cache folder
    assert list((app.config and __import__("pathlib").Path(app.config["CACHE_DIR"]) / "cards").rglob("*.png"))
    download = client.get(url + "&download=1")
    assert download.headers["Content-Disposition"] == 'attachment; filename="open-air-prison-og.png"'


@pytest.mark.db
def test_a_quote_too_long_for_a_format_gets_422_with_advice(app, client):
    with app.app_context():
        source = quotes.parsed(db.session.get(Quote, "open-air-prison").source)
        paragraph = source.paragraph("p35")
        quotes.save(quotes.QuoteInput(id="whole-p35", source="al-shami-2016", speaker=paragraph.speaker,
                                      text=paragraph.text, themes=["revolution"]))
        db.session.commit()
        shorter = [q.id for q in db.session.scalars(db.select(Quote).where(Quote.anchor == "p35"))
                   if q.id != "whole-p35" and len(q.text) <= cards.FORMATS["og"].max_chars]
    assert len(paragraph.text) > cards.FORMATS["story"].max_chars
    response = client.get("/quotes/whole-p35/card.png?format=og")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "quote" in body and "shorter excerpt" in body and "[…]" in body
    assert str(cards.FORMATS["og"].max_chars) in body
    if shorter:  # the library's own excerpt of that paragraph is named
        assert any(f"“{i}”" in body for i in shorter)
    with app.app_context(), pytest.raises(cards.CardTooLong) as caught:
        cards.gather(cards.validate({"quote": "whole-p35", "format": "square"}))
    assert caught.value.field == "quote"


@pytest.mark.db
def test_a_quote_that_no_longer_matches_its_source_is_not_rendered(app, client):
    with app.app_context():
        db.session.execute(db.text("UPDATE quotes SET text = :t WHERE id = 'open-air-prison'"),
                           {"t": "So they are effectively in a holiday camp."})
        db.session.commit()
    response = client.get("/quotes/open-air-prison/card.png")
    assert response.status_code == 409
    assert response.mimetype != "image/png"


# -- the quote page ---------------------------------------------------------------------------

class MetaParser(HTMLParser):
    """Collects <meta property|name content> and a few elements of the card section."""

    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.images: list[dict] = []
        self.scripts: list[dict] = []
        self.buttons: list[dict] = []
        self.textareas: list[str] = []
        self._in_textarea = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.meta[a.get("property") or a.get("name")] = a.get("content", "")
        elif tag == "img":
            self.images.append(a)
        elif tag == "script":
            self.scripts.append(a)
        elif tag == "button":
            self.buttons.append(a)
        elif tag == "textarea":
            self._in_textarea = True
            self.textareas.append("")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._in_textarea = False

    def handle_data(self, data):
        if self._in_textarea:
            self.textareas[-1] += data


def test_quote_page_has_link_preview_meta_and_the_og_card(client, longest):
    quote_id, text, speaker = longest  # the longest quotation every format takes
    response = client.get(f"/quotes/{quote_id}")
    assert response.status_code == 200
    parser = MetaParser()
    parser.feed(response.get_data(as_text=True))
    meta = parser.meta
    alt = f"{text} — {speaker}, {CREDIT}"
    assert meta["og:type"] == "article"
    assert meta["og:url"] == f"http://handbill.test/quotes/{quote_id}"
    assert speaker in meta["og:title"] and meta["og:title"].startswith("“")
    assert meta["og:description"] and squash(meta["og:description"].rstrip("…"))[:200] in squash(alt)
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:image:alt"] == alt
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:image"] == meta["og:image"]
    image_url = urlsplit(meta["og:image"])
    assert (image_url.scheme, image_url.netloc) == ("http", "handbill.test")  # from BASE_URL
    card = client.get(image_url.path + "?" + image_url.query)
    assert card.status_code == 200
    assert png(card.data).size == (1200, 630)


def test_quote_page_shows_the_card_with_alt_text_and_a_copy_button(client):
    response = client.get("/quotes/open-air-prison?palette=olive")
    parser = MetaParser()
    parser.feed(response.get_data(as_text=True))
    alt = f"So they are effectively in an open-air prison. — Leila al-Shami, {CREDIT}"
    previews = [i for i in parser.images if "/card.png" in i.get("src", "")]
    assert previews and previews[0]["alt"] == alt and "palette=olive" in previews[0]["src"]
    assert alt in parser.textareas
    assert any(b.get("data-copy") == "alt-open-air-prison" for b in parser.buttons)
    assert all(s.get("src") for s in parser.scripts)  # no inline script (the CSP forbids it)
    assert any(s["src"].endswith("/static/js/cards.js") for s in parser.scripts)
    assert client.get(previews[0]["src"]).status_code == 200
    # an unknown palette on the page falls back to the default rather than failing
    assert client.get("/quotes/open-air-prison?palette=neon").status_code == 200


# -- batches ----------------------------------------------------------------------------------

def test_batch_page_previews_a_theme(staff, app):
    response = staff.get("/cards")
    assert response.status_code == 200
    response = staff.get("/cards?theme=aleppo-siege&formats=square&formats=og&palette=night")
    assert response.status_code == 200
    parser = MetaParser()
    parser.feed(response.get_data(as_text=True))
    with app.app_context():
        found = quotes.search(theme="aleppo-siege")
        expected = {q.id for q in found}
        fitting = sum(len(q.text) <= cards.FORMATS[f].max_chars for q in found for f in ("square", "og"))
    thumbs = [i for i in parser.images if "/card.png" in i.get("src", "")]
    assert len(thumbs) == fitting
    assert {urlsplit(i["src"]).path.split("/")[2] for i in thumbs} <= expected
    if fitting < 2 * len(expected):  # a card a quotation is too long for is named, with the advice
        assert "[…]" in response.get_data(as_text=True)
    assert all(i["alt"] and "palette=night" in i["src"] for i in thumbs)


def test_batch_page_names_what_is_missing(staff):
    response = staff.get("/cards?formats=square")
    assert response.status_code == 422
    assert "Choose a theme or at least one quotation" in response.get_data(as_text=True)
    response = staff.get("/cards?quotes=open-air-prison")
    assert response.status_code == 422 and "Choose at least one format" in response.get_data(as_text=True)
    response = staff.get("/cards/cards.zip?quotes=open-air-prison&quotes=nope&formats=og")
    assert response.status_code == 400 and "nope" in response.get_data(as_text=True)


def test_zip_holds_the_pngs_and_their_alt_text(staff, app):
    ids = ["open-air-prison", "aleppo-absolutely-critical"]
    response = staff.get("/cards/cards.zip?" + "&".join(f"quotes={i}" for i in ids)
                          + "&formats=square&formats=og&palette=sand&mark=%40handbill")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert names == {f"{i}-{f}.png" for i in ids for f in ("square", "og")} | {"alt-text.csv", "alt-text.txt"}
    for name in names - {"alt-text.csv", "alt-text.txt"}:
        fmt = name.rsplit("-", 1)[1][:-4]
        image = png(archive.read(name))
        assert image.size == SIZES[fmt]
    rows = list(csv.DictReader(io.StringIO(archive.read("alt-text.csv").decode("utf-8"))))
    assert {r["file"] for r in rows} == names - {"alt-text.csv", "alt-text.txt"}
    with app.app_context():
        for row in rows:
            quote = db.session.get(Quote, row["quote_id"])
            assert row["alt_text"] == f"{quote.text} — {quote.speaker}, {CREDIT}"
            assert png(archive.read(row["file"])).text["Description"] == row["alt_text"]
    text = archive.read("alt-text.txt").decode("utf-8")
    assert "open-air-prison-og.png\nSo they are effectively in an open-air prison. — Leila al-Shami" in text


def test_cli_builds_a_theme_in_parallel(runner, app, tmp_path):
    out = tmp_path / "cards"
    result = runner.invoke(args=["cards", "build", "--out", str(out), "--theme", "aleppo-siege",
                                 "--format", "og", "--format", "square", "--palette", "olive", "--jobs", "2"])
    with app.app_context():
        found = quotes.search(theme="aleppo-siege")
    made = sorted(f"{q.id}-{f}.png" for q in found for f in ("og", "square") if len(q.text) <= cards.FORMATS[f].max_chars)
    too_long = [f"{q.id}-{f}.png" for q in found for f in ("og", "square") if len(q.text) > cards.FORMATS[f].max_chars]
    files = sorted(p.name for p in out.glob("*.png"))
    assert files == made
    assert png((out / [f for f in made if f.endswith("-og.png")][0]).read_bytes()).size == (1200, 630)
    rows = list(csv.DictReader((out / "alt-text.csv").open(encoding="utf-8")))
    assert len(rows) == len(made) + len(too_long)
    assert f"{len(files)} card(s) written" in result.output
    # the cards a quotation is too long for are listed with the advice, and the command fails
    assert (result.exit_code != 0) == bool(too_long), result.output
    for name in too_long:
        assert f"not made: {name}" in result.output
    assert not too_long or "[…]" in result.output


def test_cli_rejects_unknown_choices(runner, tmp_path):
    result = runner.invoke(args=["cards", "build", "--out", str(tmp_path), "--format", "banner"])
    assert result.exit_code != 0 and "square" in result.output
    result = runner.invoke(args=["cards", "build", "--out", str(tmp_path), "--theme", "no-such-theme"])
    assert result.exit_code != 0 and "no-such-theme" in result.output
    assert not list(tmp_path.glob("*.png"))


# -- in a browser -----------------------------------------------------------------------------

@pytest.mark.browser
def test_copy_button_copies_the_alt_text(page, live_server):
    from conftest import assert_same_origin

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto("/quotes/open-air-prison")
    page.get_by_role("button", name="Copy alt text").click()
    page.get_by_text("Copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"So they are effectively in an open-air prison. — Leila al-Shami, {CREDIT}"
    page.locator(".card-preview img").scroll_into_view_if_needed()
    page.wait_for_function("() => { const i = document.querySelector('.card-preview img');"
                           " return i.complete && i.naturalWidth > 0; }", timeout=20000)
    assert page.evaluate("document.querySelector('.card-preview img').naturalWidth") == 1080
    assert_same_origin(page, live_server)


def test_configured_campaign_mark_goes_on_cards_and_previews(make_app):
    app = make_app(CARD_MARK="@syria.solidarity")
    staff = staff_client(app)
    parser = MetaParser()
    parser.feed(staff.get("/quotes/open-air-prison").get_data(as_text=True))
    assert "mark=@syria.solidarity" in parser.meta["og:image"]
    plain = staff.get("/quotes/open-air-prison/card.png?format=og&mark=")
    marked = staff.get("/quotes/open-air-prison/card.png?format=og")
    assert plain.headers["ETag"] != marked.headers["ETag"]
    with app.app_context():
        data = cards.card_quote(quotes.get_verified("open-air-prison"))
    assert "@syria.solidarity" in squash(PdfReader(io.BytesIO(cards.card_pdf(data, "og", mark="@syria.solidarity")))
                                         .pages[0].extract_text())


def test_a_quotation_too_long_for_every_card_still_has_its_page(client, app):
    with app.app_context():
        quote = max(db.session.scalars(db.select(Quote)), key=lambda q: len(q.text))
    assert len(quote.text) > max(f.max_chars for f in cards.FORMATS.values())
    response = client.get(f"/quotes/{quote.id}")
    assert response.status_code == 200
    parser = MetaParser()
    parser.feed(response.get_data(as_text=True))
    assert "og:image" not in parser.meta and parser.meta["twitter:card"] == "summary"
    assert not [i for i in parser.images if "/card.png" in i.get("src", "")]
    assert "[…]" in response.get_data(as_text=True)
