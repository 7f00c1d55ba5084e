"""In a browser: an organizer makes the campaign kit from a quotation's page and downloads it."""
from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from campaign import cards
from conftest import assert_same_origin

pytestmark = pytest.mark.browser
QUOTE = "open-air-prison"


def test_make_a_kit_from_a_quotation_page_and_download_it(staff_page, live_server):
    page = staff_page
    page.goto(f"/quotes/{QUOTE}")
    page.get_by_role("button", name="Make the campaign kit").click()
    page.wait_for_url("**/builds/*")
    assert page.get_by_role("status").inner_text().startswith("Ready.")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download kit-{QUOTE}-en.zip").click()
    assert download.value.suggested_filename == f"kit-{QUOTE}-en.zip"
    archive = zipfile.ZipFile(Path(download.value.path()))
    names = set(archive.namelist())
    pngs = {cards.filename(QUOTE, f) for f in cards.FORMATS}
    assert pngs <= names and {"alt-text.txt", "post.txt", "README.txt"} <= names
    for name in pngs:
        f = cards.FORMATS[name[len(QUOTE) + 1:-4]]
        assert Image.open(BytesIO(archive.read(name))).size == (f.width, f.height)
    for name in (f"{QUOTE}-poster-A3.pdf", f"{QUOTE}-flyer-A5.pdf"):
        assert PdfReader(BytesIO(archive.read(name))).pages
    assert_same_origin(page, live_server)


def test_a_running_build_page_updates_itself(staff_page, served_app):
    """The progress page of a queued build: the script polls the status and the page shows the progress."""
    page = staff_page
    from campaign import builds, jobs

    with served_app.app_context():
        huey = jobs.jobs().huey
        status = builds.Status("b" * 24, "kit", "0" * 64, "kit-test.zip", ".zip", builds.RUNNING, 3, 12)
        builds.record(huey, status)
    page.goto(f"/builds/{status.id}")
    assert "3 of 12 files" in page.inner_text("#build")
    with served_app.app_context():
        status.done = 7
        builds.record(huey, status)
    page.wait_for_function("() => document.querySelector('.build-progress').textContent.includes('7 of 12')",
                           timeout=10000)
    assert page.evaluate("document.querySelector('progress').value") == 7
