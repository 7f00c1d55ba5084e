"""The campaign kit, carousels and batch builds as background jobs (progress, errors, reuse, authorization)."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from io import BytesIO

import pytest
from PIL import Image
from pypdf import PdfReader

from campaign import builds, cards, jobs, translations
from campaign.db import db
from conftest import staff_client

MM = 72 / 25.4
SIZES = {name: (f.width, f.height) for name, f in cards.FORMATS.items()}
QUOTE = "open-air-prison"


def _compile_catalogs() -> None:
    """The .mo files (not kept in git) that print outputs read their own words from."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "campaign" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as f:
                catalog = read_po(f)
            with mo.open("wb") as f:
                write_mo(f, catalog, use_fuzzy=False)


_compile_catalogs()


def build_id(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    match = re.fullmatch(r"/builds/([A-Za-z0-9_-]{20,})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def make_kit(client, quote=QUOTE, lang=None):
    if lang:
        client.set_cookie("lang", lang)
    return client.post(f"/quotes/{quote}/kit")


def download(client, ident: str) -> zipfile.ZipFile:
    page = client.get(f"/builds/{ident}")
    assert page.status_code == 200
    assert f"/builds/{ident}/download" in page.get_data(as_text=True)
    response = client.get(f"/builds/{ident}/download")
    assert response.status_code == 200 and response.mimetype == "application/zip", response.get_data(as_text=True)[:500]
    return zipfile.ZipFile(io.BytesIO(response.data))


def page_size_mm(pdf: bytes) -> tuple[float, float]:
    page = PdfReader(BytesIO(pdf)).pages[0]
    box = page.trimbox
    return round(float(box.width) / MM), round(float(box.height) / MM)


def test_kit_holds_every_file(staff, app):
    ident = build_id(make_kit(staff))
    archive = download(staff, ident)
    names = set(archive.namelist())
    pngs = {cards.filename(QUOTE, f) for f in cards.FORMATS}
    assert names == pngs | {f"{QUOTE}-poster-A3.pdf", f"{QUOTE}-flyer-A5.pdf", f"{QUOTE}-poster-preview.png",
                            "alt-text.txt", "post.txt", "README.txt"}
    assert Image.open(BytesIO(archive.read(f"{QUOTE}-poster-preview.png"))).size == (1080, 1527)
    pngs.add(f"{QUOTE}-poster-preview.png")
    assert page_size_mm(archive.read(f"{QUOTE}-poster-A3.pdf")) == (297, 420)
    assert page_size_mm(archive.read(f"{QUOTE}-flyer-A5.pdf")) == (148, 210)
    for name in pngs - {f"{QUOTE}-poster-preview.png"}:
        image = Image.open(BytesIO(archive.read(name)))
        assert image.size == SIZES[name[len(QUOTE) + 1:-4]]
    alt = archive.read("alt-text.txt").decode("utf-8")
    for name in pngs:
        after = alt.split(name + "\n", 1)[1].split("\n", 1)[0]
        assert after.startswith("So they are effectively in an open-air prison.") and "Leila al-Shami" in after
    post = archive.read("post.txt").decode("utf-8")
    assert len(post.rstrip("\n")) <= 500
    assert "“So they are effectively in an open-air prison.”" in post and "Leila al-Shami" in post and "http" in post
    readme = archive.read("README.txt").decode("utf-8")
    assert all(name in readme for name in names - {"README.txt"})


def test_kit_in_russian_prints_the_reviewed_translation(staff, app):
    with app.app_context():
        russian = translations.review(translations.get(QUOTE, "ru"), "Test Reviewer").text
        db.session.commit()
    archive = download(staff, build_id(make_kit(staff, lang="ru")))
    post = archive.read("post.txt").decode("utf-8")
    assert russian in post and "Лейла аш-Шами" in post and len(post.rstrip("\n")) <= 500
    assert russian in archive.read("alt-text.txt").decode("utf-8")
    readme = archive.read("README.txt").decode("utf-8")
    assert "Файлы" in readme and "Test Reviewer" in readme
    poster = " ".join(PdfReader(BytesIO(archive.read(f"{QUOTE}-poster-A3.pdf"))).pages[0].extract_text().split())
    assert "открытым небом" in poster


def test_kit_without_a_reviewed_translation_keeps_the_original_and_says_so(staff):
    archive = download(staff, build_id(make_kit(staff, lang="ru")))  # the shipped Russian is a draft
    assert "open-air prison" in archive.read("post.txt").decode("utf-8")
    assert "нет проверенного перевода" in archive.read("README.txt").decode("utf-8")


def test_a_long_quotation_is_posted_as_an_excerpt_cut_at_its_elision(staff):
    archive = download(staff, build_id(make_kit(staff, quote="a-third-option")))
    post = archive.read("post.txt").decode("utf-8").rstrip("\n")
    assert len(post) <= 500
    first = post.split("\n")[0]
    assert first.endswith("[…]”") and first.startswith("“Until earlier this year")


def test_repeat_request_reuses_the_finished_kit(staff, app):
    first = build_id(make_kit(staff))
    with app.app_context():
        status = builds.get(jobs.jobs().huey, first)
        path = builds.result_path(status.key, status.suffix)
        made = path.stat().st_ino  # a rewrite would replace the file (a new inode)
    second = build_id(make_kit(staff))
    assert second != first  # a fresh unguessable address, the same file
    with app.app_context():
        again = builds.get(jobs.jobs().huey, second)
    assert again.key == status.key and again.state == "done" and path.stat().st_ino == made


def test_anonymous_and_other_roles_cannot_start_builds(client, signed_in):
    assert client.post(f"/quotes/{QUOTE}/kit").status_code in (302, 401)
    assert client.post("/carousel", data={"theme": "aleppo-siege"}).status_code in (302, 401)
    assert client.get("/thread?theme=aleppo-siege").status_code in (302, 401)
    editor = signed_in("editor")
    assert editor.post(f"/quotes/{QUOTE}/kit").status_code == 403
    admin = signed_in("admin")
    assert admin.post(f"/quotes/{QUOTE}/kit").status_code == 303


def test_an_unknown_build_is_a_404(client):
    assert client.get("/builds/" + "x" * 24).status_code == 404
    assert client.get("/builds/" + "x" * 24 + "/status.json").status_code == 404


def _add_long_quotation(app) -> str:
    """A reviewed quotation of a whole long paragraph (1,564 characters): too long for a legible link preview."""
    from pathlib import Path

    from campaign import quotes

    text = next(p for p in (Path(app.config["LIBRARY_DIR"]) / "sources" / "al-shami-2016.txt").read_text(
        encoding="utf-8").split("\n\n") if p.startswith("Another issue is that the large parts"))
    with app.app_context():
        quotes.save(quotes.QuoteInput(id="whole-paragraph", source="al-shami-2016", speaker="Leila al-Shami",
                                      text=text.strip(), themes=["left-anti-imperialism"], context=""), curated=True)
        db.session.commit()
    return "whole-paragraph"


def test_card_sizes_too_small_for_the_quotation_are_left_out_and_the_readme_says_why(staff, app):
    archive = download(staff, build_id(make_kit(staff, quote=_add_long_quotation(app))))
    names = set(archive.namelist())
    assert {"whole-paragraph-poster-A3.pdf", "whole-paragraph-flyer-A5.pdf", "README.txt"} <= names
    assert not any(re.fullmatch(r"whole-paragraph-(square|portrait|story|landscape|og)\.png", n) for n in names)
    readme = archive.read("README.txt").decode("utf-8")
    assert re.search(r"No card for Square, Portrait, Story, Landscape, Link preview: the quotation \(1\d{3} "
                     r"characters\) is too long", readme), readme
    alt = archive.read("alt-text.txt").decode("utf-8")
    assert "whole-paragraph-square.png" not in alt


def test_a_quotation_that_fits_only_the_story_gets_only_the_story_card(staff):
    archive = download(staff, build_id(make_kit(staff, quote="a-third-option")))
    cards_made = sorted(n for n in archive.namelist() if re.fullmatch(r"a-third-option-[a-z]+\.png", n))
    assert cards_made == ["a-third-option-story.png"]
    assert "No card for Square, Portrait, Landscape, Link preview" in archive.read("README.txt").decode("utf-8")


@pytest.fixture
def unwritable(tmp_path):
    """A builds folder nothing can write to, even root: read-only (chmod 0555) and immutable."""
    folder = tmp_path / "builds"
    folder.mkdir()
    folder.chmod(0o555)
    chattr = shutil.which("chattr")
    immutable = bool(chattr) and subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode == 0
    if not immutable:
        (tmp_path / "file").write_bytes(b"")
        folder = tmp_path / "file" / "builds"  # a path under a file: no one can create it
    try:
        yield folder
    finally:
        if immutable:
            subprocess.run([chattr, "-i", str(tmp_path / "builds")], check=True)
        (tmp_path / "builds").chmod(0o755)


def test_a_builds_folder_that_cannot_be_written_is_a_clear_error(make_app, unwritable):
    app = make_app(BUILDS_DIR=str(unwritable))
    staff = staff_client(app)
    ident = build_id(make_kit(staff))
    page = staff.get(f"/builds/{ident}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "builds folder cannot be written" in html and "/download" not in html
    assert staff.get(f"/builds/{ident}/status.json").json["state"] == "failed"


def test_progress_is_reported_while_a_queued_build_waits_and_runs(make_app, tmp_path):
    app = make_app(JOBS_IMMEDIATE=False, JOBS_DB=str(tmp_path / "queue.sqlite3"))
    staff = staff_client(app)
    ident = build_id(staff.get("/cards/cards.zip?quotes=open-air-prison&quotes=war-lords-and-war"
                               "&formats=square&formats=og&palette=paper"))
    page = staff.get(f"/builds/{ident}").get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in page and "0 of 4 files" in page and "js/builds.js" in page
    assert staff.get(f"/builds/{ident}/download").status_code == 303  # not ready: back to the page
    seen = []
    with app.app_context():
        huey = jobs.jobs().huey
        original = huey.put

        def watch(key, value):
            if key.endswith(ident):
                seen.append((value["state"], value["done"], value["total"]))
            return original(key, value)

        huey.put = watch
        task = huey.dequeue()
        huey.execute(task)  # what the consumer does
    assert ("running", 2, 4) in seen and seen[-1] == ("done", 4, 4)
    status = staff.get(f"/builds/{ident}/status.json").json
    assert status["state"] == "done" and status["progress"] == "4 of 4 files" and status["download"]
    page = staff.get(f"/builds/{ident}").get_data(as_text=True)
    assert "refresh" not in page and "Download cards-selection-paper.zip" in page
    archive = download(staff, ident)
    assert len([n for n in archive.namelist() if n.endswith(".png")]) == 4
    # the same request again: the ZIP is sent at once
    again = staff.get("/cards/cards.zip?quotes=open-air-prison&quotes=war-lords-and-war"
                      "&formats=square&formats=og&palette=paper")
    assert again.status_code == 200 and again.mimetype == "application/zip" and again.data == archive.fp.getvalue()


def test_a_pack_download_not_yet_cached_is_a_build(make_app, tmp_path):
    from werkzeug.datastructures import MultiDict

    from test_packs import builder_form, only_theme

    app = make_app(JOBS_IMMEDIATE=False, JOBS_DB=str(tmp_path / "queue.sqlite3"))
    staff = staff_client(app)
    fields = only_theme(builder_form(staff), 0) + [("action", "download")]
    ident = build_id(staff.post("/packs/new", data=MultiDict(fields)))
    with app.app_context():
        huey = jobs.jobs().huey
        huey.execute(huey.dequeue())
    pdf = staff.get(f"/builds/{ident}/download")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and PdfReader(BytesIO(pdf.data)).pages
    cached = staff.post("/packs/new", data=MultiDict(fields))  # now in the render cache: straight away
    assert cached.status_code == 200 and cached.mimetype == "application/pdf"


# -- carousel ----------------------------------------------------------------------------------

def test_carousel_of_a_theme_is_numbered_slides_with_alt_text(staff):
    ident = build_id(staff.post("/carousel", data={"theme": "aleppo-siege", "palette": "night"}))
    archive = download(staff, ident)
    names = sorted(archive.namelist())
    slides = [n for n in names if n.endswith(".png")]
    assert slides[0] == "01-cover.png" and slides[-1].endswith("-credits.png")
    assert [int(n[:2]) for n in slides] == list(range(1, len(slides) + 1))
    for name in slides:
        assert Image.open(BytesIO(archive.read(name))).size == (1080, 1350)
    alt = archive.read("alt-text.txt").decode("utf-8")
    quotes = len(slides) - 2
    for n, name in enumerate(slides):
        text = alt.split(name + "\n", 1)[1].split("\n", 1)[0]
        assert text
        if 0 < n <= quotes:
            assert text.startswith(f"{n}/{quotes}. ")
    assert "Aleppo under siege" in alt.split("\n")[1]


def test_carousel_needs_a_theme_or_quotations(staff):
    response = staff.post("/carousel", data={"palette": "paper"})
    assert response.status_code == 422 and "Choose a theme or at least one quotation." in response.get_data(as_text=True)


def test_a_build_waiting_long_for_the_consumer_says_so(app, client):
    import time

    with app.app_context():
        status = builds.Status("w" * 24, "kit", "1" * 64, "kit.zip", ".zip", builds.QUEUED, 0, 11,
                               started=time.time() - 120)
        builds.record(jobs.jobs().huey, status)
    page = client.get(f"/builds/{status.id}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "still waiting for the job consumer" in html and '<meta http-equiv="refresh" content="3">' in html
    assert "0 of 11 files" in html


def test_a_theme_with_more_quotations_than_a_carousel_holds_is_refused_naming_the_count(staff):
    response = staff.post("/carousel", data={"theme": "left-anti-imperialism", "palette": "paper"})
    assert response.status_code == 422
    assert "has 21 quotations and a carousel holds at most 18" in response.get_data(as_text=True)


def test_the_daily_purge_deletes_builds_nobody_downloaded(staff, app):
    import os
    import time

    ident = build_id(make_kit(staff))
    with app.app_context():
        status = builds.get(jobs.jobs().huey, ident)
        path = builds.result_path(status.key, status.suffix)
        fresh = path.with_name("fresh.zip")
        fresh.write_bytes(b"PK")
        old = time.time() - 8 * 86400
        os.utime(path, (old, old))
        jobs.jobs().builds_purge.call_local()
    assert not path.exists() and fresh.exists()
    gone = staff.get(f"/builds/{ident}/download")
    assert gone.status_code == 410 and "start the build again" in gone.get_data(as_text=True)
