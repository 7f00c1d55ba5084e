"""In a real browser: the first run (setup link, admin, invitation, editor) and two-factor enrolment and sign-in."""
from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
import zxingcpp
from PIL import Image

from campaign import twofactor
from conftest import PASSWORD, add_user, assert_same_origin, browser_login
from groups_support import KEY

pytestmark = pytest.mark.browser

EDITOR_PASSWORD = "quiet-meadow-copper-17"
T0 = 1_800_000_000.0


def _fill_new_password(page, password):
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password)


def test_first_run_setup_link_admin_invites_an_editor(served_app, live_server, page, browser):
    result = served_app.test_cli_runner().invoke(args=["users", "setup-link"])
    setup_url = re.search(r"http://127\.0\.0\.1:\d+/setup/[A-Za-z0-9_-]{43}", result.output).group(0)
    assert setup_url.startswith(live_server)

    page.goto(setup_url)
    assert "an admin" in page.locator("main").inner_text()
    page.get_by_label("Email").fill("root@example.org")
    _fill_new_password(page, PASSWORD)
    page.get_by_role("button", name="Create the admin account").click()
    page.wait_for_url(re.compile(r"/users/$"))
    header = page.locator("header.site")
    assert "root@example.org" in header.inner_text()
    assert header.get_by_role("link", name="Users").is_visible()
    assert header.get_by_role("button", name="Log out").is_visible()

    page.get_by_label("Email").fill("eddie@example.org")
    page.get_by_label("Editor: sources, quotations, themes, questions, glossary").check()
    page.get_by_role("button", name="Make the invitation link").click()
    invite_url = page.get_by_label("Invitation link").input_value()
    assert re.fullmatch(re.escape(live_server) + r"/invite/[A-Za-z0-9_-]{43}", invite_url)
    assert "eddie@example.org" in page.locator("table.invites").inner_text()

    other = browser.new_context(base_url=live_server)  # the invitee's own browser
    try:
        editor = other.new_page()
        editor.goto(invite_url)
        assert "eddie@example.org" in editor.locator("main").inner_text()
        _fill_new_password(editor, EDITOR_PASSWORD)
        editor.get_by_role("button", name="Open my account").click()
        editor.wait_for_url(re.compile(r"/account/$"))
        header = editor.locator("header.site")
        assert "eddie@example.org" in header.inner_text()
        assert header.get_by_role("link", name="Users").count() == 0
        assert "editor" in editor.locator("dl.details").inner_text()
        assert "this browser" in editor.locator("table.sessions").inner_text()
        response = editor.goto("/quotes/new")
        assert response.status == 200 and "/login" not in editor.url
        again = editor.goto(invite_url)
        assert again.status == 410 and "already used" in editor.locator("main").inner_text()
    finally:
        other.close()
    page.reload()
    assert "eddie@example.org" not in page.locator("main").inner_text().split("Invite someone")[1]  # accepted
    assert_same_origin(page, live_server)


def test_admin_enrols_two_factor_from_the_qr_code_and_signs_in_with_a_code(served_app, page, monkeypatch):
    served_app.config.update(ENCRYPTION_KEY=KEY, REQUIRE_TWO_FACTOR=["admin"])
    monkeypatch.setattr(twofactor, "clock", lambda: T0)
    add_user(served_app, "root@example.org", "admin")
    browser_login(page, "root@example.org")
    page.wait_for_url(re.compile(r"/account/two-factor$"))  # required for admins: nothing else opens
    assert "requires two-factor" in page.locator("main").inner_text()
    page.goto("/users/")
    assert page.url.endswith("/account/two-factor")

    page.get_by_role("button", name="Set up two-factor sign-in").click()
    qr = page.get_by_role("img", name="QR code of the two-factor secret")
    image = Image.open(io.BytesIO(qr.screenshot())).convert("L")
    decoded = [r.text for r in zxingcpp.read_barcodes(image)]
    assert len(decoded) == 1 and decoded[0].startswith("otpauth://totp/")
    uri = urlparse(decoded[0])
    secret = parse_qs(uri.query)["secret"][0]
    assert unquote(uri.path) == "/Handbill:root@example.org" and parse_qs(uri.query)["issuer"] == ["Handbill"]
    assert page.locator("code.secret").inner_text() == secret

    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).at(T0))
    page.get_by_role("button", name="Turn two-factor sign-in on").click()
    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept them").click()
    assert page.url.endswith("/account/")
    assert page.goto("/users/").status == 200

    page.locator("header.site").get_by_role("button", name="Log out").click()
    browser_login_to_second_step(page)
    monkeypatch.setattr(twofactor, "clock", lambda: T0 + 30)
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(T0 + 30))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "/login" not in page.url and page.goto("/users/").status == 200

    page.locator("header.site").get_by_role("button", name="Log out").click()
    browser_login_to_second_step(page)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.goto("/account/").status == 200 and "9 recovery codes left" in page.locator("main").inner_text()


def browser_login_to_second_step(page):
    """The password step of a login with two-factor sign-in on."""
    page.goto("/login")
    page.get_by_label("Email").fill("root@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/login/code$"))
