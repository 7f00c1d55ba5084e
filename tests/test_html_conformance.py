"""Every page, public and logged-in, in English, Russian and Arabic, is valid HTML for the Nu HTML Checker."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT
from groups_support import gconfig  # noqa: F401 - study-group fixtures
from pages_support import duplicate_ids, save_pages

VNU = ROOT / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture
def app(make_app, gconfig):  # noqa: F811 - study groups on, CSRF checked as in production
    return make_app(**gconfig, WTF_CSRF_ENABLED=True)


def _no_page_repeats_an_id(saved_pages):
    repeated = {p.name: duplicate_ids(p.read_text(encoding="utf-8")) for p in saved_pages}
    assert not {name: ids for name, ids in repeated.items() if ids}
    # several forms on one page, each with its token: the roster and the manage page
    roster = next(p for p in saved_pages if p.name == "roster.en.html").read_text(encoding="utf-8")
    assert roster.count('name="csrf_token"') >= 3


def _checker() -> list[str]:
    """The command that runs the Nu HTML Checker, or a skip naming what is missing."""
    java = shutil.which("java")
    missing = ("Java is not installed" if not java else
               f"{VNU.relative_to(ROOT)} is missing (scripts/system-deps.sh test installs it)" if not VNU.exists()
               else None)
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"The Nu HTML Checker cannot run: {missing}")
        pytest.skip(f"Nu HTML Checker not run: {missing}")
    return [java, "-Xss4m", "-jar", str(VNU), "--format", "json", "--stdout"]


def test_every_page_is_valid_html(app, tmp_path):
    saved_pages = save_pages(app, tmp_path)
    _no_page_repeats_an_id(saved_pages)  # checked even where the Nu checker cannot run
    command = _checker()
    result = subprocess.run([*command, *map(str, saved_pages)], capture_output=True, text=True, timeout=240)
    messages = json.loads(result.stdout)["messages"]
    checked = {m["url"].rsplit("/", 1)[-1] for m in messages}
    errors = [f'{m["url"].rsplit("/", 1)[-1]}:{m.get("lastLine", "?")}: {m["message"]}  [{m.get("extract", "")}]'
              for m in messages if m["type"] in ("error", "non-document-error")]
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(errors[:40])
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(saved_pages) >= 3 * 45 and checked <= {p.name for p in saved_pages}
