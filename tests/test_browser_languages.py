"""In a real browser: the Arabic signup, quotation and builder pages run right to left, and the English
runs inside them (quotations, titles, design names left in English, user text) stay left to right."""
from __future__ import annotations

import pytest

from groups_support import add_group, add_organizer

pytestmark = pytest.mark.browser

ENGLISH_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def direction(page, selector: str) -> str:
    """The computed direction of the first element matching ``selector``."""
    return page.eval_on_selector(selector, "e => getComputedStyle(e).direction")


def ends(page, selector: str) -> tuple[float, float]:
    """Where the first and the last character of an element's text are drawn (their left edges)."""
    return tuple(page.evaluate("""(sel) => { const t = document.querySelector(sel).firstChild;
        const at = (i) => { const r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + 1);
                            return r.getBoundingClientRect().left; };
        return [at(0), at(t.length - 1)]; }""", selector))


def in_arabic(page, live_server) -> None:
    page.context.add_cookies([{"name": "lang", "value": "ar", "url": live_server}])


def test_arabic_signup_page(served_app, live_server, page, tmp_path):
    key = add_group(served_app, add_organizer(served_app, "org@example.org"),
                    title="Burning Country reading circle")
    in_arabic(page, live_server)
    page.goto(f"/groups/{key}")
    page.screenshot(path=str(tmp_path / "signup-ar.png"), full_page=True)
    assert page.get_attribute("html", "dir") == "rtl" and direction(page, "main") == "rtl"
    # the group's English title and description keep their own direction (their full stop at the end)
    assert direction(page, "h1") == "ltr" and direction(page, ".description p") == "ltr"
    times = page.locator(".schedule time").all_inner_texts()
    assert times and not any(day in t for t in times for day in ENGLISH_DAYS), times
    assert direction(page, ".schedule + .meta bdi") == "ltr"  # the time zone name


def test_arabic_quotation_page(served_app, live_server, page, tmp_path):
    in_arabic(page, live_server)
    page.goto("/quotes/open-air-prison")
    page.screenshot(path=str(tmp_path / "quote-ar.png"), full_page=True)
    assert page.get_attribute("html", "dir") == "rtl"
    assert direction(page, "figure.quote") == "ltr"
    first, last = ends(page, "figure.quote blockquote p")
    assert first < last, (first, last)  # read left to right inside the right-to-left page
    assert direction(page, "figure.quote cite") == "ltr"


def test_arabic_builder_page(staff_page, live_server, tmp_path):
    page = staff_page
    in_arabic(page, live_server)
    page.goto("/leaflets/new")
    page.screenshot(path=str(tmp_path / "builder-ar.png"), full_page=True)
    assert page.get_attribute("html", "dir") == "rtl"
    designs = page.locator(".designs .design-name").all_inner_texts()
    assert "ملصق باقتباس واحد" in designs, designs
    assert direction(page, ".pick-text") == "ltr"
    # “ opens the English quotation at its left and ” closes it at its right, inside the LTR run
    opening, closing = ends(page, ".pick-text")
    assert opening < closing, (opening, closing)
