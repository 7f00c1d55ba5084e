"""The reading pack builder in a real browser: reorder themes, preview without reloading, download a booklet."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import assert_same_origin

pytestmark = pytest.mark.browser


def _watch_console(page) -> list[str]:
    problems: list[str] = []
    # HTTP statuses (the favicon's 404, an expected 422) are not script problems
    page.on("console", lambda message: problems.append(message.text) if message.type == "error"
            and not message.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_reorder_preview_and_download_a_booklet(staff_page, live_server):
    page = staff_page
    problems = _watch_console(page)
    page.goto("/packs/new")
    page.evaluate("window.sameDocument = true")  # survives only if the page never reloads
    # keep two themes: Aleppo under siege and Russia's war
    for box in page.query_selector_all("input[name$='-include']"):
        if box.get_attribute("name") not in ("sections-0-include", "sections-1-include"):
            box.uncheck()
    page.click("#theme-russias-war button.up")  # Russia's war first
    assert page.input_value("#theme-russias-war .order-input") == "1"
    assert page.input_value("#theme-aleppo-siege .order-input") == "2"

    page.click("button[name='action'][value='preview']")
    page.wait_for_function("() => document.querySelectorAll('#previews img').length === 4"
                           " && [...document.querySelectorAll('#previews img')].every(i => i.complete && i.naturalWidth > 0)",
                           timeout=60000)
    assert page.evaluate("window.sameDocument") is True
    pages = int(page.inner_text("#previews p.hint").split()[0])

    page.select_option("#imposition", "booklet")
    with page.expect_download() as download:
        page.click("button[name='action'][value='download']")
    booklet = PdfReader(Path(download.value.path()))
    assert download.value.suggested_filename.endswith("-booklet.pdf")
    assert len(booklet.pages) == math.ceil(pages / 4) * 2
    text = " ".join(" ".join(p.extract_text().split()) for p in booklet.pages)
    toc = text[text.index("Contents"):]  # the cover lists the themes too
    assert toc.index("1 Russia's war") < toc.index("2 Aleppo under siege")  # the contents follow the new order

    assert_same_origin(page, live_server)
    assert not problems, problems


def test_preview_problem_is_shown_without_reloading(staff_page, live_server):
    page = staff_page
    problems = _watch_console(page)
    page.goto("/packs/new")
    page.evaluate("window.sameDocument = true")
    page.click("#theme-aleppo-siege summary")
    for box in page.query_selector_all("#theme-aleppo-siege input[name='sections-0-quotes']"):
        box.uncheck()
    page.click("button[name='action'][value='preview']")
    page.wait_for_selector("#previews .error-message", timeout=30000)
    assert "Aleppo under siege: Choose at least one excerpt for this theme." in page.inner_text("#previews")
    assert page.evaluate("window.sameDocument") is True
    assert not problems, problems
