"""Printed outputs under faults: a cache that cannot be written, render processes killed idle or mid-render."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from campaign import cards, render
from conftest import staff_client
from test_leaflets import FLYER, _form
from test_packs import builder_form, only_theme

CARD = "/quotes/open-air-prison/card.png"
# Known to the test and to the render process that imports this module; unique to this checkout.
MARKER = Path(tempfile.gettempdir()) / f"handbill-fault-{hashlib.sha1(__file__.encode()).hexdigest()[:12]}"
_real_render_png = cards._render_png


def _die_then_render(*args):
    """Stands in for the card renderer: the first call (marker empty) announces its pid and waits to be killed."""
    if MARKER.exists() and not MARKER.read_text():
        MARKER.write_text(str(os.getpid()))
        time.sleep(60)
    return _real_render_png(*args)


def _always_die(*args):
    """Stands in for the card renderer: the render process dies every time (as on a crash)."""
    os._exit(3)


@pytest.fixture
def marker():
    MARKER.write_text("")
    yield MARKER
    MARKER.unlink(missing_ok=True)


# -- a cache that cannot be written --------------------------------------------------------------

@pytest.fixture(params=["read-only folder", "not a folder"])
def unwritable_cache(request, tmp_path):
    """A CACHE_DIR nothing can be written to, even by root: an immutable folder, or a path under a file."""
    if request.param == "not a folder":
        (tmp_path / "file").write_bytes(b"")
        yield tmp_path / "file" / "cache"
        return
    folder = tmp_path / "cache"
    (folder / "cards").mkdir(parents=True)
    chattr = shutil.which("chattr")
    if not chattr or subprocess.run([chattr, "+i", str(folder), str(folder / "cards")],
                                    capture_output=True).returncode:
        pytest.skip("chattr +i is not available on this file system")
    try:
        yield folder
    finally:
        subprocess.run([chattr, "-i", str(folder), str(folder / "cards")], check=True)


def test_card_leaflet_and_pack_are_served_when_the_cache_cannot_be_written(make_app, unwritable_cache, caplog):
    app = make_app(CACHE_DIR=str(unwritable_cache))
    client = staff_client(app)
    with caplog.at_level("WARNING", logger="campaign.render.cache"):
        card = client.get(CARD, query_string={"format": "og"})
        leaflet = client.get("/leaflets/leaflet.pdf", query_string=_form(FLYER))
        preview = client.get("/leaflets/preview-0.png", query_string=_form(FLYER))
        pack = client.post("/packs/new", data=MultiDict(only_theme(builder_form(client), 0) +
                                                        [("action", "download")]))
        thumbnails = client.post("/packs/preview", data=MultiDict(only_theme(builder_form(client), 0)))
    assert card.status_code == 200 and card.data.startswith(b"\x89PNG")
    assert leaflet.status_code == 200 and leaflet.data.startswith(b"%PDF")
    assert preview.status_code == 200 and preview.data.startswith(b"\x89PNG")
    assert pack.status_code == 200 and pack.data.startswith(b"%PDF")
    assert thumbnails.status_code == 200 and thumbnails.json["pages"]
    warnings = [r.getMessage() for r in caplog.records if "render cache" in r.getMessage()]
    assert warnings and all("serving uncached" in w for w in warnings)
    assert not [p for p in Path(unwritable_cache).rglob("*") if p.is_file()]


# -- render processes that die -------------------------------------------------------------------

@pytest.fixture
def one_slot(make_app):
    """An app with a single render process, so the process a test kills is the one that renders."""
    return make_app(RENDER_SLOTS=1)


def test_a_render_process_killed_while_idle_does_not_fail_the_next_request(one_slot):
    client = staff_client(one_slot)
    assert client.get(CARD, query_string={"format": "og"}).status_code == 200
    pid = render.bounded(os.getpid, limits=render.limits_for(one_slot))
    os.kill(pid, signal.SIGKILL)
    card = client.get(CARD, query_string={"format": "square"})
    assert card.status_code == 200 and card.data.startswith(b"\x89PNG")
    assert client.get("/leaflets/leaflet.pdf", query_string=_form(FLYER)).status_code == 200


def test_a_render_process_killed_mid_render_is_replaced_and_the_card_still_made(one_slot, marker, monkeypatch):
    monkeypatch.setattr(cards, "_render_png", _die_then_render)
    answer = {}
    request = threading.Thread(target=lambda: answer.update(
        response=one_slot.test_client().get(CARD, query_string={"format": "story"})))
    request.start()
    deadline = time.monotonic() + 30
    while not marker.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(int(marker.read_text()), signal.SIGKILL)
    request.join(60)
    response = answer["response"]
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")


def test_a_render_that_dies_again_on_retry_answers_503_with_retry_after(one_slot, monkeypatch):
    monkeypatch.setattr(cards, "_render_png", _always_die)
    response = one_slot.test_client().get(CARD, query_string={"format": "landscape"})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert "try again" in page and "MB" not in page
    monkeypatch.undo()
    assert one_slot.test_client().get(CARD, query_string={"format": "landscape"}).status_code == 200
