"""In a real browser: an organizer opens a group, a participant signs up and gets the manage link."""
from __future__ import annotations

import re
import threading

import pytest

from conftest import _free_port, assert_same_origin
from groups_support import PAMPHLET, PASSWORD, add_organizer, outbox

pytestmark = pytest.mark.browser


@pytest.fixture
def live_app(make_app, gconfig):
    port = _free_port()
    app = make_app(**gconfig, BASE_URL=f"http://127.0.0.1:{port}", WTF_CSRF_ENABLED=True)
    app.config["LIVE_PORT"] = port
    return app


@pytest.fixture
def live_server(live_app):
    """This module's app (own key, outbox and pamphlets, CSRF on) on a loopback port."""
    from werkzeug.serving import make_server

    port = live_app.config["LIVE_PORT"]
    server = make_server("127.0.0.1", port, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


def test_organizer_opens_a_group_and_a_participant_signs_up(live_app, live_server, page, browser, tmp_path):
    add_organizer(live_app, "ana@example.org")

    page.goto("/groups/")
    page.get_by_role("main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("ana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/groups/mine$"))
    page.get_by_role("link", name="Open a new group").first.click()
    page.get_by_label("Title").fill("Burning Country reading circle")
    page.get_by_label("Description").fill("Four evenings with the al-Shami interview.")
    page.get_by_label("City (or leave empty for an online group)").fill("Leipzig")
    page.get_by_label("Time zone of the meeting times").select_option("Europe/Berlin")
    page.get_by_label("Meetings, one per line: YYYY-MM-DD HH:MM-HH:MM").fill(
        "2030-04-02 18:30-20:30\n2030-04-09 18:30-20:30")
    page.get_by_label("Seats").fill("6")
    page.get_by_role("button", name="Open the group").click()
    page.wait_for_url(re.compile(r"/groups/[A-Za-z0-9_-]+/roster$"))
    share = page.locator("code.share").inner_text()
    assert share.startswith(live_server + "/groups/")

    participant = browser.new_context(base_url=live_server)
    visitor = participant.new_page()
    seen = []
    visitor.on("request", lambda request: seen.append(request.url))
    visitor.goto(share + f"?src={PAMPHLET}")
    assert "2030-04-02, 18:30" in visitor.content()
    visitor.get_by_label("Name or pseudonym").fill("Rosa")
    visitor.get_by_label("Email").fill("rosa@example.net")
    visitor.get_by_label("Note to the organizers (optional)").fill("First time in a reading group.")
    visitor.get_by_role("button", name="Sign up").click()
    assert "Please tick the box" in visitor.content()  # no consent yet: refused, data kept
    assert visitor.get_by_label("Name or pseudonym").input_value() == "Rosa"
    visitor.get_by_label("Remind me the day before each meeting").check()
    visitor.get_by_label("I agree that this information is stored as described above.").check()
    visitor.get_by_role("button", name="Sign up").click()
    visitor.wait_for_url(re.compile(r"/groups/[A-Za-z0-9_-]+/signed-up(#join)?$"))
    assert visitor.get_by_role("heading", name="Thank you").is_visible()
    assert "/groups/manage/" not in visitor.content()  # the link goes by message, to the address given
    [mail] = outbox(live_app)
    token = re.search(r"/groups/manage/([A-Za-z0-9_-]{43})", mail.get_content()).group(1)
    visitor.goto(f"/groups/manage/{token}")
    link = visitor.locator("#manage-link")
    assert re.fullmatch(re.escape(live_server) + r"/groups/manage/[A-Za-z0-9_-]{43}", link.inner_text())
    visitor.screenshot(path=str(tmp_path / "manage.png"), full_page=True)
    visitor.goto(share)
    visitor.screenshot(path=str(tmp_path / "group.png"), full_page=True)

    page.reload()
    roster = page.content()
    assert "rosa@example.net" in roster and "First time in a reading group." in roster
    assert f"{PAMPHLET}: 1" in roster

    assert_same_origin(page, live_server)
    foreign = [u for u in seen if not u.startswith(live_server + "/")]
    assert not foreign, foreign
    participant.close()
