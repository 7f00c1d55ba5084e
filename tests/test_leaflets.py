"""Leaflets: print geometry, text and attribution, fonts, metadata, tags, QR codes, overflow, hostile text, web builder."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import text as sql

from campaign import leaflets, quotes, render, verbatim
from campaign.db import db
from campaign.pamphlets import PamphletError

from groups_support import gapp, gclient, gstaff, gconfig  # noqa: F401 - study-group fixtures
from conftest import staff_client

MM = 72 / 25.4
SOURCE_URL = "http://www.criticatac.ro/lefteast/interview-with-leila-al-shami-for-open-left/"
CITE = "Interview for Open Left, 29 November 2016; LeftEast, 16 December 2016"
FLYER = {"design": "flyer", "size": "A5", "quotes": ["open-air-prison", "tyrants-mass-slaughter"],
         "headline": "Aleppo under siege", "call_to_action": "Join the reading group on Thursday.",
         "qr_url": "https://example.org/join?group=aleppo", "qr_label": "Sign up"}


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text in content order, as pdftotext -raw reads it (no de-hyphenation; pypdf if poppler is missing)."""
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
        return out.stdout.decode("utf-8")
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


def _squash(text: str) -> str:
    """Text with all whitespace removed (line breaks fall anywhere in a laid-out page) and apostrophes
    unified (print sets them curly, as the verbatim guard allows)."""
    return "".join(text.split()).replace("\u2019", "'").replace("\u2018", "'")


def _build(app, **data):
    with app.app_context():
        spec = leaflets.validate({**FLYER, **data})
        return spec, leaflets.build(spec)


def _qr_texts(pdf: bytes) -> list[str]:
    image = Image.open(io.BytesIO(render.pdf_to_png(pdf, 0, width=1800)))
    # QR codes only: a leaflet prints no linear barcode, and the reader can take a line of bold
    # type for an EAN-13 code
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


# -- geometry ----------------------------------------------------------------------------------

SIZES_MM = {"A3": (297, 420), "A4": (210, 297), "A5": (148, 210), "Letter": (215.9, 279.4)}


@pytest.mark.parametrize("design,size,orientation", [
    ("poster", "A3", "portrait"), ("poster", "A4", "landscape"), ("poster", "Letter", "portrait"),
    ("flyer", "A5", "portrait"), ("flyer", "Letter", "portrait"), ("handout", "A4", "portrait"),
    ("two-up", "A4", "portrait"), ("two-up", "Letter", "portrait"),
])
def test_page_size_includes_bleed_and_trim_box_is_the_paper(app, design, size, orientation):
    count = leaflets.DESIGNS[design].max_quotes
    ids = ["open-air-prison", "tyrants-mass-slaughter", "morally-obscene", "talking-to-syrians"][:count]
    _spec, rendered = _build(app, design=design, size=size, orientation=orientation, quotes=ids)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert len(reader.pages) == 1
    width, height = SIZES_MM[size]
    if orientation == "landscape" or design == "two-up":
        width, height = height, width
    page = reader.pages[0]
    # the sheet: trim + 3 mm bleed + a 7 mm slug for the crop marks on every side
    assert float(page.mediabox.width) == pytest.approx((width + 20) * MM, abs=0.1)
    assert float(page.mediabox.height) == pytest.approx((height + 20) * MM, abs=0.1)
    assert float(page.bleedbox.width) == pytest.approx((width + 6) * MM, abs=0.1)
    assert float(page.bleedbox.height) == pytest.approx((height + 6) * MM, abs=0.1)
    assert float(page.trimbox.width) == pytest.approx(width * MM, abs=0.1)
    assert float(page.trimbox.height) == pytest.approx(height * MM, abs=0.1)


def test_office_print_has_no_bleed(app):
    _spec, rendered = _build(app, size="A4", bleed=False)
    box = PdfReader(io.BytesIO(rendered.pdf)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((210 * MM, 297 * MM), abs=0.1)


# -- content ------------------------------------------------------------------------------------

def test_every_quotation_with_speaker_and_source_credit(app):
    ids = ["open-air-prison", "left-should-lead-anti-war-movement", "talking-to-syrians"]
    _spec, rendered = _build(app, quotes=ids)
    text = _pdf_text(rendered.pdf)
    squashed = _squash(text)
    with app.app_context():
        chosen = quotes.get_many_verified(ids)
        source = chosen[0].source
    for quote in chosen:
        assert _squash(quote.text) in squashed
        assert _squash(f"— {quote.speaker}, {CITE}") in squashed
    assert "Ilya Matveev" in text, "a quotation by an interviewer is attributed to him, not to the interviewee"
    # the footer credits the source's editions truthfully: recorded for Open Left (which had only
    # announced a Russian edition), published by LeftEast at its own address, and the edition we quote
    assert _squash(source.title) in squashed
    assert _squash("Recorded on 29 November 2016 for Open Left (announced there in Russian).") in squashed
    assert _squash(f"Published by LeftEast, 16 December 2016: {SOURCE_URL}") in squashed
    assert _squash("Quoted from the edition of 18 December 2016, which reprints LeftEast") in squashed
    assert _squash(f"Open Left, 29 November 2016: {SOURCE_URL}") not in squashed
    assert "published it in Russian" not in text


def test_fonts_are_embedded_and_subset(app):
    _spec, rendered = _build(app, lang="ar", quotations="original", headline="التضامن مع السوريين")
    reader = PdfReader(io.BytesIO(rendered.pdf))
    fonts = {}
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
        keys = set().union(*(set(d["/FontDescriptor"].get_object().keys()) for d in descendants))
        fonts[str(font["/BaseFont"])] = keys
    assert fonts
    for name, keys in fonts.items():
        assert re.fullmatch(r"/[A-Z]{6}\+.+", name), f"{name} is not a subset"
        assert keys & {"/FontFile2", "/FontFile3"}, f"{name} is not embedded"
    assert any("Naskh" in name for name in fonts)
    assert "التضامن" in _pdf_text(rendered.pdf)


def test_metadata_and_tags(app):
    _spec, rendered = _build(app, contact="Anti-War Reading Group")
    reader = PdfReader(io.BytesIO(rendered.pdf))
    meta = reader.metadata
    assert meta.title == "Aleppo under siege"
    assert meta.author == "Anti-War Reading Group"
    assert "Leila al-Shami" in meta.subject and "Recorded on 29 November 2016 for Open Left" in meta.subject
    assert f"Published by LeftEast, 16 December 2016: {SOURCE_URL}" in meta.subject
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "pdfuaid" in xmp and "Aleppo under siege" in xmp


@pytest.mark.parametrize("design,size", [("flyer", "A5"), ("two-up", "A4")])
def test_author_is_the_contact_or_the_campaign_never_a_speaker(app, design, size):
    # quotations by an interviewer only: he did not write the leaflet, so he is not its author
    ids = ["left-should-lead-anti-war-movement", "no-moral-outrage-in-russia"]
    _spec, rendered = _build(app, design=design, size=size, quotes=ids)
    assert PdfReader(io.BytesIO(rendered.pdf)).metadata.author == "Handbill"
    _spec, rendered = _build(app, design=design, size=size, quotes=ids, contact="Anti-War Reading Group")
    assert PdfReader(io.BytesIO(rendered.pdf)).metadata.author == "Anti-War Reading Group"


@pytest.mark.parametrize("design,size", [("flyer", "A5"), ("poster", "A4"), ("two-up", "A4"), ("handout", "A4")])
def test_qr_code_decodes_to_the_exact_url_and_prints_the_readable_address(app, design, size):
    url = "https://example.org/groups/aleppo-reading/join?ref=leaflet"
    ids = ["open-air-prison"] if design == "poster" else ["open-air-prison", "tyrants-mass-slaughter"]
    _spec, rendered = _build(app, design=design, size=size, quotes=ids, qr_url=url)
    decoded = _qr_texts(rendered.pdf)
    assert decoded and set(decoded) == {url}
    text = _squash(_pdf_text(rendered.pdf))
    assert "example.org/groups/aleppo-reading/join" in text
    assert "https://example.org" not in text and "ref=leaflet" not in text


def test_no_qr_code_without_a_url(app):
    _spec, rendered = _build(app, qr_url="", qr_label="")
    assert _qr_texts(rendered.pdf) == []


# -- fitting and overflow --------------------------------------------------------------------------

LONGEST = ["critical-solidarity-with-rojava", "civil-opposition", "illusionary-pure-revolution"]


def test_long_text_is_shrunk_to_fit_not_cut(app):
    with app.app_context():
        spec = leaflets.validate({**FLYER, "quotes": LONGEST[:2], "intro": "Context for the reader. " * 30})
        data = leaflets.gather(spec)
        fitted = leaflets.render_pdf(spec, data)
    assert fitted.scale < 1.0
    squashed = _squash(_pdf_text(fitted.pdf))
    for quote in data["quotes"]:
        assert _squash(quote["text"]) in squashed
    assert len(PdfReader(io.BytesIO(fitted.pdf)).pages) == 1


def test_short_text_is_set_larger_to_fill_the_page(app):
    with app.app_context():
        spec = leaflets.validate({**FLYER, "design": "poster", "size": "A4", "quotes": ["open-air-prison"]})
        assert leaflets.render_pdf(spec, leaflets.gather(spec)).scale > 1.0


def test_text_that_cannot_fit_names_the_block(app):
    with app.app_context():
        spec = leaflets.validate({**FLYER, "quotes": LONGEST, "headline": "Aleppo " * 20,
                                  "intro": "The siege of Aleppo, and what it means. " * 22,
                                  "call_to_action": "Come to the meeting. " * 19})
        with pytest.raises(leaflets.LeafletOverflow) as caught:
            leaflets.build(spec)
    exc = caught.value
    assert leaflets.field_for_block(exc.block) in {"headline", "intro", "quotes", "call_to_action"}
    assert "does not fit the flyer on A5" in exc.message and "85%" in exc.message


# -- validation -------------------------------------------------------------------------------------

@pytest.mark.parametrize("data,field,words", [
    ({"design": "banner"}, "design", "unknown design"),
    ({"size": "B5"}, "size", "unknown size"),
    ({"size": "A3"}, "size", "A5, A4, Letter"),
    ({"orientation": "landscape"}, "orientation", "portrait only"),
    ({"orientation": "sideways"}, "orientation", "unknown orientation"),
    ({"quotes": []}, "quotes", "at least one"),
    ({"quotes": ["no-such-quote"]}, "quotes", "no-such-quote"),
    ({"quotes": ["open-air-prison", "open-air-prison"]}, "quotes", "twice"),
    ({"quotes": ["open-air-prison", "tyrants-mass-slaughter", "morally-obscene", "talking-to-syrians"]},
     "quotes", "1 to 3"),
    ({"qr_url": "javascript:alert(1)"}, "qr_url", "https://"),
    ({"qr_url": "file:///etc/passwd"}, "qr_url", "https://"),
    ({"qr_url": "https://exa mple.org"}, "qr_url", "without spaces"),
    ({"qr_url": "", "qr_label": "Sign up"}, "qr_label", "web address"),
    ({"headline": "x" * 141}, "headline", "longer than 140"),
    ({"bleed": "yes"}, "bleed", "true or false"),
    ({"lang": "de"}, "lang", "unknown language"),
    ({"colour": "red"}, "colour", "unknown field"),
])
def test_validation_names_the_field(app, data, field, words):
    with app.app_context(), pytest.raises(PamphletError) as caught:
        leaflets.validate({**FLYER, **data})
    assert caught.value.field == field
    assert words in caught.value.message


@pytest.mark.db
def test_a_quotation_that_no_longer_matches_its_source_is_never_rendered(app, staff):
    with app.app_context():
        db.session.execute(sql("UPDATE quotes SET text = :t WHERE id = 'open-air-prison'"),
                           {"t": "So they are effectively in a holiday camp."})
        db.session.commit()
        with pytest.raises(verbatim.NotVerbatim):
            leaflets.build(leaflets.LeafletSpec(design="flyer", size="A5", orientation="portrait",
                                                quotes=("open-air-prison",)))
    response = staff.post("/leaflets/new", data={**_form(FLYER), "action": "download"})
    assert response.status_code == 422
    assert b"no longer matches its source" in response.data


# -- hostile text in every field -----------------------------------------------------------------

class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the stdlib's name
        type(self).hits.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { background: red }")

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    """A web server on 127.0.0.1 that records every request (there must be none)."""
    _Recorder.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()
    thread.join(timeout=5)


def _payloads(host: str) -> list[str]:
    return [
        "file:///etc/passwd",
        '<img src="file:///etc/passwd">',
        f'<img src="http://{host}/img.png">',
        f"https://{host}/x.png",
        f'<link rel="attachment" href="http://{host}/attach">',
        '<a rel="attachment" href="file:///etc/passwd">x</a>',
        f'<a rel=attachment href="http://{host}/redirect">r</a>',
        '<img src="../../../../etc/passwd">',
        '<img src="%2e%2e/%2e%2e/%2e%2e/etc/passwd">',
        "..%2f..%2f..%2fetc%2fpasswd",
        f'<style>@import url("http://{host}/i.css");</style>',
        f'<div style="background:url(http://{host}/bg.png)">',
        f'<object data="http://{host}/o.svg"></object>',
        '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
        "{{ 7*7 }} {% raw %}",
    ]


TEXT_FIELDS = ("headline", "intro", "call_to_action", "qr_label", "contact", "title")


def _assert_safe(pdf: bytes, expected: list[str], hits: list[str]):
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.attachments) == 0
    root = reader.trailer["/Root"]
    assert "/AF" not in root
    assert "/EmbeddedFiles" not in (root.get("/Names") or {})
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment"
    text = _squash(_pdf_text(pdf))
    for literal in expected:
        assert _squash(literal) in text, f"{literal!r} is not printed as text"
    assert hits == [], f"the renderer made requests: {hits}"


def test_payloads_in_every_text_field_are_printed_as_text_and_fetch_nothing(app, recorder):
    host, hits = recorder
    for payload in _payloads(host):
        data = {name: f"{name}:{payload}" for name in TEXT_FIELDS}
        with app.app_context():
            spec = leaflets.validate({**FLYER, "quotes": ["open-air-prison"], "design": "flyer", "size": "A4",
                                      **data})
            pdf = leaflets.build(spec).pdf
        # the title goes into metadata, the rest onto the page
        shown = [data[name] for name in TEXT_FIELDS if name != "title"]
        _assert_safe(pdf, shown, hits)
        assert PdfReader(io.BytesIO(pdf)).metadata.title == data["title"]


def test_url_shaped_payloads_as_the_qr_target_are_encoded_not_fetched(app, recorder):
    host, hits = recorder
    for url in (f"http://{host}/redirect?to=file:///etc/passwd", f"https://{host}/../../etc/passwd",
                f"http://{host}/%2e%2e/%2e%2e/etc/passwd", f"http://{host}/x.css"):
        _spec, rendered = _build(app, qr_url=url)
        _assert_safe(rendered.pdf, [leaflets.qr_caption(url)], hits)
        assert _qr_texts(rendered.pdf) == [url]


def test_markup_payloads_as_the_qr_target_are_refused_by_field(app, recorder):
    host, _hits = recorder
    for payload in _payloads(host):
        if re.fullmatch(r"https?://\S+", payload):
            continue
        with app.app_context(), pytest.raises(PamphletError) as caught:
            leaflets.validate({**FLYER, "qr_url": payload})
        assert caught.value.field == "qr_url"


def test_oversized_text_is_refused_by_field_before_rendering(app):
    huge = "data:image/png;base64," + "A" * (render.MAX_DATA_URI + 1)
    for name in TEXT_FIELDS:
        with app.app_context(), pytest.raises(PamphletError) as caught:
            leaflets.validate({**FLYER, name: huge})
        assert caught.value.field == name and "longer than" in caught.value.message


def test_hostile_text_through_the_web_form(staff, recorder):
    host, hits = recorder
    payload = f'<link rel="attachment" href="http://{host}/a"><img src="file:///etc/passwd">'
    form = _form({**FLYER, "headline": payload, "call_to_action": payload, "qr_label": "x" + payload[:90]})
    response = staff.post("/leaflets/new", data={**form, "action": "download"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    _assert_safe(response.data, [payload], hits)


# -- cache ----------------------------------------------------------------------------------------

def test_identical_requests_return_cached_bytes(app):
    with app.app_context():
        spec = leaflets.validate(FLYER)
        first = leaflets.build(spec, app.config["CACHE_DIR"])
        second = leaflets.build(spec, app.config["CACHE_DIR"])
        other = leaflets.build(leaflets.validate({**FLYER, "headline": "Different"}), app.config["CACHE_DIR"])
    assert not first.cached and second.cached
    assert first.pdf == second.pdf and first.key == second.key
    assert other.key != first.key and not other.cached


# -- the web builder ------------------------------------------------------------------------------

def _form(data: dict) -> dict:
    """Leaflet data as the builder form posts it."""
    form = {k: v for k, v in data.items() if k not in ("bleed", "kind")}
    form.setdefault("orientation", "portrait")
    form.setdefault("lang", "en")
    if data.get("bleed", True):
        form["bleed"] = "y"
    return form


def test_builder_page_works_under_the_content_security_policy(staff):
    response = staff.get("/leaflets/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<style" not in html and " style=" not in html
    assert all('src="/static/' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert 'name="quotes" value="open-air-prison"' in html
    assert 'action="/leaflets/new"' in html


def test_builder_prefills_from_chosen_quotations(staff):
    html = staff.get("/leaflets/new?quote=open-air-prison&design=poster").get_data(as_text=True)
    assert re.search(r'value="open-air-prison"[^>]*checked', html)
    assert re.search(r'<input type="radio" name="design" id="design-poster" value="poster" checked', html)


def test_download_pdf_without_javascript(staff):
    response = staff.post("/leaflets/new", data={**_form(FLYER), "action": "download"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["ETag"] and "no-cache" in response.headers["Cache-Control"]
    assert "Aleppo under siege" in _pdf_text(response.data)


def test_preview_without_javascript_shows_page_images(staff):
    response = staff.post("/leaflets/new", data={**_form(FLYER), "action": "preview"})
    assert response.status_code == 200
    src = re.search(r'<img src="([^"]+preview-0\.png[^"]*)"', response.get_data(as_text=True)).group(1)
    image = staff.get(src.replace("&amp;", "&"))
    assert image.status_code == 200 and image.mimetype == "image/png"


def test_invalid_choices_answer_422_naming_the_field(staff):
    response = staff.post("/leaflets/new", data={**_form(FLYER), "size": "A3", "action": "download"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-field="size"' in html and "A5, A4, Letter" in html
    response = staff.post("/leaflets/new", data={**_form(FLYER), "qr_url": "ftp://x", "action": "download"})
    assert response.status_code == 422 and 'data-field="qr_url"' in response.get_data(as_text=True)


def test_overflow_answers_422_with_the_message(staff):
    data = {**FLYER, "quotes": LONGEST, "headline": "Aleppo " * 20,
            "intro": "The siege of Aleppo, and what it means. " * 22, "call_to_action": "Come to the meeting. " * 19}
    response = staff.post("/leaflets/new", data={**_form(data), "action": "download"})
    assert response.status_code == 422
    assert "does not fit the flyer on A5" in response.get_data(as_text=True)
    json = staff.get("/leaflets/preview.json", query_string=_form(data))
    assert json.status_code == 422 and "does not fit" in json.json["error"]


def test_preview_json_png_and_pdf_with_etags(staff):
    query = _form(FLYER)
    answer = staff.get("/leaflets/preview.json", query_string={**query, "w": 300})
    assert answer.status_code == 200
    pages = answer.json["pages"]
    assert len(pages) == 1
    png = staff.get(pages[0])
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert Image.open(io.BytesIO(png.data)).width == 300
    assert "no-cache" in png.headers["Cache-Control"]
    again = staff.get(pages[0], headers={"If-None-Match": png.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    pdf = staff.get(answer.json["pdf"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert staff.get(answer.json["pdf"], headers={"If-None-Match": pdf.headers["ETag"]}).status_code == 304
    errors = staff.get("/leaflets/preview.json", query_string={**query, "design": "banner"})
    assert errors.status_code == 422 and "design" in errors.json["errors"]


def test_save_as_pamphlet_then_reload_it(make_app, tmp_path):
    app = make_app(PAMPHLETS_DIR=str(tmp_path / "pamphlets"))
    staff = staff_client(app)
    response = staff.post("/leaflets/new", data={**_form(FLYER), "name": "aleppo-flyer", "action": "save"})
    assert response.status_code == 302
    # kept in the database, not in the code tree; `flask pamphlets export` writes it as a file
    assert not (tmp_path / "pamphlets" / "aleppo-flyer.yaml").exists()
    saved = app.test_cli_runner().invoke(args=["pamphlets", "export", "aleppo-flyer"]).output
    assert "design: flyer" in saved and "open-air-prison" in saved and "kind: leaflet" in saved
    again = staff.post("/leaflets/new", data={**_form(FLYER), "name": "aleppo-flyer", "action": "save"})
    assert again.status_code == 422 and 'data-field="name"' in again.get_data(as_text=True)
    bad = staff.post("/leaflets/new", data={**_form(FLYER), "name": "../evil", "action": "save"})
    assert bad.status_code == 422 and not (tmp_path / "evil.yaml").exists()
    page = staff.get("/leaflets/new?pamphlet=aleppo-flyer").get_data(as_text=True)
    assert 'value="Aleppo under siege"' in page


@pytest.mark.db
def test_qr_code_can_point_to_a_study_group_signup_page(gapp, gstaff):
    from groups_support import add_group, add_organizer

    key = add_group(gapp, add_organizer(gapp), title="Reading Burning Country")
    page = gstaff.get("/leaflets/new").get_data(as_text=True)
    assert f'value="{key}"' in page and "Reading Burning Country" in page
    form = {**_form(FLYER), "qr_url": "", "qr_group": key, "name": "aleppo-leaflet", "action": "download"}
    response = gstaff.post("/leaflets/new", data=form)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    url = f"http://handbill.test/groups/{key}?src=aleppo-leaflet"
    assert _qr_texts(response.data) == [url]
    both = gstaff.post("/leaflets/new", data={**form, "qr_url": "https://example.org/x"})
    assert both.status_code == 422 and 'data-field="qr_group"' in both.get_data(as_text=True)


def test_builder_chooses_designs_by_thumbnail(staff):
    html = staff.get("/leaflets/new").get_data(as_text=True)
    for design in leaflets.DESIGNS:
        assert f'<input type="radio" name="design" id="design-{design}" value="{design}"' in html
        assert f'<label for="design-{design}">' in html and f'src="/thumbnails/leaflet-{design}.png"' in html
    assert len(re.findall(r'name="design"[^>]*checked', html)) == 1  # the flyer, by default
    assert staff.get("/thumbnails/leaflet-poster.png").status_code == 200
