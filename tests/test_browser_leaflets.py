"""The leaflet builder in a real browser: live preview without reloading, field errors, PDF download."""
from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import assert_same_origin

pytestmark = pytest.mark.browser


def _watch_console(page) -> list[str]:
    """Script errors and policy violations (a 422 the page expects is not a problem)."""
    problems: list[str] = []

    def console(message):
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_build_a_leaflet_with_live_preview_and_download_the_pdf(staff_page, live_server):
    page = staff_page
    problems = _watch_console(page)
    page.goto("/leaflets/new")
    page.evaluate("window.sameDocument = true")  # survives only if the page never reloads

    page.check("#design-flyer")
    page.select_option("#size", "A5")
    page.fill("#q", "open-air prison")
    assert page.is_hidden("label[for='pick-tyrants-mass-slaughter']")
    page.check("#pick-open-air-prison")
    page.fill("#q", "")
    page.check("#pick-tyrants-mass-slaughter")
    page.fill("#headline", "Aleppo under siege")
    page.fill("#call_to_action", "Join the reading group on Thursday.")
    page.fill("#qr_url", "https://example.org/join")

    page.wait_for_function("() => { const img = document.querySelector('#preview-pages img');"
                           " return img && img.complete && img.naturalWidth > 0; }", timeout=30000)
    assert page.evaluate("window.sameDocument") is True
    assert "Preview up to date" in page.inner_text("#preview-status")
    assert page.get_attribute("#preview-pdf", "hidden") is None

    with page.expect_download() as download:
        page.click("button[name='action'][value='download']")
    pdf = PdfReader(Path(download.value.path()))
    text = "".join(pdf.pages[0].extract_text().split())
    assert "Aleppoundersiege" in text
    assert "Sotheyareeffectivelyinanopen-airprison." in text and "Leilaal-Shami" in text
    assert download.value.suggested_filename == "leaflet-flyer-a5.pdf"

    assert_same_origin(page, live_server)
    assert not problems, problems


def test_a_field_problem_shows_beside_the_field_without_reloading(staff_page, live_server):
    page = staff_page
    problems = _watch_console(page)
    page.goto("/leaflets/new")
    page.evaluate("window.sameDocument = true")
    page.check("#pick-open-air-prison")
    page.check("#design-flyer")
    page.select_option("#size", "A3")
    page.wait_for_selector("p.error.live[data-field='size']", timeout=30000)
    assert "A5, A4, Letter" in page.inner_text("p.error.live[data-field='size']")
    assert page.evaluate("window.sameDocument") is True
    page.select_option("#size", "A4")
    page.wait_for_function("() => !document.querySelector('p.error.live')", timeout=30000)
    assert_same_origin(page, live_server)
    assert not problems, problems


def test_the_form_works_without_javascript(browser, live_server, served_app):
    from conftest import EVERY_ROLE, add_user, browser_login

    context = browser.new_context(base_url=live_server, java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    try:
        add_user(served_app, "staff@example.org", *EVERY_ROLE)
        browser_login(page, "staff@example.org")
        page.goto("/leaflets/new")
        page.check("#pick-open-air-prison")
        page.check("#design-poster")
        page.select_option("#size", "A4")
        page.click("button.secondary[name='action'][value='preview']")
        page.wait_for_selector("#preview-pages img")
        with page.expect_download() as download:
            page.click("button[name='action'][value='download']")
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    finally:
        context.close()
