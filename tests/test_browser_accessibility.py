"""In a real browser: axe-core finds no accessibility violation, of any impact, on any page in en, ru and ar."""
from __future__ import annotations

import os

import pytest

from conftest import ROOT, _free_port
from groups_support import gconfig  # noqa: F401 - study-group fixtures
from pages_support import browser_visits, prepare

pytestmark = pytest.mark.browser

AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def served_app(make_app, gconfig):  # noqa: F811 - the live server serves study groups too
    port = _free_port()
    app = make_app(**gconfig, BASE_URL=f"http://127.0.0.1:{port}", WTF_CSRF_ENABLED=True)
    app.config["LIVE_PORT"] = port
    return app


def _axe() -> str:
    if not AXE.exists():
        message = f"{AXE.relative_to(ROOT)} is missing (scripts/system-deps.sh test installs it with npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return str(AXE)


def _violations(page, path: str, script: str) -> list[str]:
    """What axe-core reports on the page at ``path``, one line per rule and element."""
    page.goto(path)
    page.add_script_tag(path=script)
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{path}: {v['id']} ({v['impact']}): {v['help']} at {node['target']}"
            for v in found for node in v["nodes"]]


def test_axe_finds_no_violation_on_any_page(browser, served_app, live_server):
    script = _axe()
    names = prepare(served_app)
    reported, visited = [], 0
    # The strict CSP would refuse the injected checker: these contexts alone let it in.
    for page, lang, name, path in browser_visits(browser, live_server, names, bypass_csp=True):
        reported += [f"[{lang}] {line}" for line in _violations(page, path, script)]
        visited += 1
        assert page.evaluate("document.documentElement.lang") == lang, (name, lang)
    assert not reported, f"{len(reported)} violations:\n" + "\n".join(reported[:60])
    assert visited >= 3 * 30, visited
