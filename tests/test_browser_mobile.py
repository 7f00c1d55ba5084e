"""On a phone: every page fits 390 px wide without scrolling sideways, in English, Russian and Arabic."""
from __future__ import annotations

import pytest

from conftest import _free_port
from groups_support import gconfig  # noqa: F401 - study-group fixtures
from pages_support import browser_visits, prepare

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def served_app(make_app, gconfig):  # noqa: F811 - the live server serves study groups too
    port = _free_port()
    app = make_app(**gconfig, BASE_URL=f"http://127.0.0.1:{port}", WTF_CSRF_ENABLED=True)
    app.config["LIVE_PORT"] = port
    return app


def _too_wide(page) -> str:
    """The page's width and the first elements that stick out of the viewport (to say what to fix)."""
    return page.evaluate("""() => {
      const width = document.documentElement.scrollWidth;
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + 1 || r.left < -1)
          out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                   (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') +
                   ' ' + Math.round(r.left) + '..' + Math.round(r.right));
      }
      return width + 'px: ' + out.slice(0, 6).join(', ');
    }""")


def test_every_page_fits_a_phone_in_every_language(browser, served_app, live_server):
    names = prepare(served_app)
    wide, visited = [], 0
    for page, lang, name, path in browser_visits(browser, live_server, names, viewport=PHONE):
        page.goto(path)
        assert page.evaluate("document.documentElement.lang") == lang, (name, lang)
        visited += 1
        if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
            wide.append(f"[{lang}] {name} {path}: {_too_wide(page)}")
    assert not wide, "pages wider than 390 px:\n" + "\n".join(wide)
    assert visited >= 3 * 30, visited
