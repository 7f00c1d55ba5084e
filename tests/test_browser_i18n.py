"""In a real browser: the public signup page of a study group, switched to Arabic, is laid out right to left."""
from __future__ import annotations

import pytest
from PIL import Image

from conftest import assert_same_origin
from groups_support import add_group, add_organizer, gconfig  # noqa: F401 - study-group fixtures

pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app, gconfig):  # noqa: F811 - the live server serves this app (study groups enabled)
    return make_app(**gconfig)


def test_arabic_signup_page_runs_right_to_left(app, live_server, page, tmp_path):
    key = add_group(app, add_organizer(app), title="Reading Burning Country")
    page.set_viewport_size({"width": 1000, "height": 900})
    page.goto(f"/groups/{key}")
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "ltr"

    # the language switcher in the header (a plain form: remembered in a preference cookie)
    page.select_option("#lang-select", "ar")
    page.locator("form.lang button").click()
    page.wait_for_load_state()
    if f"/groups/{key}" not in page.url:
        page.goto(f"/groups/{key}")
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"

    shot = tmp_path / "signup-ar.png"
    page.screenshot(path=str(shot), full_page=True)
    assert Image.open(shot).size[0] == 1000

    name = page.locator("input[name=name]")
    label = page.locator("label[for=name]")
    assert name.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert page.locator("textarea[name=note]").evaluate("el => getComputedStyle(el).direction") == "rtl"
    box = name.bounding_box()
    # the label's words, not its (full-width) block: where the text itself is set
    text = label.evaluate("""el => { const r = document.createRange(); r.selectNodeContents(el);
                                     const b = r.getBoundingClientRect(); return {x: b.x, width: b.width}; }""")
    # The label starts where the field starts, on the right, and runs leftwards.
    assert abs((text["x"] + text["width"]) - (box["x"] + box["width"])) <= 4
    assert text["x"] > box["x"]
    # The form sits on the right of the page's content area.
    assert box["x"] + box["width"] > 500
    assert_same_origin(page, live_server)
