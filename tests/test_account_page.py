"""The account page: changing the password, the list of sessions, logging out elsewhere."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from campaign.db import db
from campaign.models import UserSession
from conftest import PASSWORD, add_user, login
from groups_support import KEY

NEW_PASSWORD = "quiet-meadow-copper-17"


def _browsers(app, n=3, email="ana@example.org"):
    """``n`` logged-in clients of one account, each with its own browser name."""
    add_user(app, email, "editor")
    clients = []
    for i in range(n):
        client = app.test_client()
        assert login(client, email, headers={"User-Agent": f"Browser-{i}/1.0"}).status_code == 302
        clients.append(client)
    return clients


def _sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UserSession))


def test_the_account_page_lists_sessions_and_marks_this_browser(app):
    first, second, third = _browsers(app)
    page = second.get("/account/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    for name in ("Browser-0/1.0", "Browser-1/1.0", "Browser-2/1.0"):
        assert name in page.text
    current = re.search(r'<tr class="current">(.*?)</tr>', page.text, re.S).group(1)
    assert "Browser-1/1.0" in current and "this browser" in current
    assert page.text.count("this browser") == 1
    assert "ana@example.org" in page.text and "editor" in page.text


def test_logging_out_one_session_from_another(app):
    first, second, third = _browsers(app)
    page = first.get("/account/")
    row = re.search(r'Browser-2/1\.0.*?name="session" value="([0-9a-f]{16})"', page.text, re.S)
    assert first.post("/account/sessions/end", data={"session": row.group(1)}).status_code == 302
    assert third.get("/account/").status_code == 302  # logged out
    assert first.get("/account/").status_code == 200 and second.get("/account/").status_code == 200
    # Another account's session cannot be named from here.
    add_user(app, "bo@example.org", "editor")
    bo = app.test_client()
    login(bo, "bo@example.org")
    with app.app_context():
        theirs = db.session.scalars(select(UserSession.token_hash)).all()
    for token_hash in theirs:
        first.post("/account/sessions/end", data={"session": token_hash[:16]})
    assert bo.get("/account/").status_code == 200


def test_log_out_everywhere_else(app):
    first, second, third = _browsers(app)
    response = second.post("/account/sessions/end-others")
    assert response.status_code == 302
    assert "2 other session(s) logged out" in second.get("/account/").text
    assert first.get("/account/").status_code == 302 and third.get("/account/").status_code == 302
    assert second.get("/account/").status_code == 200 and _sessions(app) == 1


def test_changing_the_password_asks_the_current_one_and_ends_other_sessions(app):
    first, second = _browsers(app, 2)
    wrong = first.post("/account/password", data={"current": "not-my-password-x", "password": NEW_PASSWORD,
                                                  "repeat": NEW_PASSWORD})
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    weak = first.post("/account/password", data={"current": PASSWORD, "password": "password1234",
                                                 "repeat": "password1234"})
    assert weak.status_code == 422 and "common passwords" in weak.text
    assert second.get("/account/").status_code == 200  # nothing changed yet
    ok = first.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                               "repeat": NEW_PASSWORD})
    assert ok.status_code == 302
    assert first.get("/account/").status_code == 200  # this session stays
    assert second.get("/account/").status_code == 302  # the others end
    assert login(app.test_client(), "ana@example.org").status_code == 401
    assert login(app.test_client(), "ana@example.org", NEW_PASSWORD).status_code == 302


def test_guessing_the_current_password_is_throttled(app):
    (client,) = _browsers(app, 1)
    codes = [client.post("/account/password", data={"current": f"guess-{i}-password", "password": NEW_PASSWORD,
                                                    "repeat": NEW_PASSWORD}).status_code for i in range(6)]
    assert codes == [422] * 5 + [429]
    right = client.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                   "repeat": NEW_PASSWORD})
    assert right.status_code == 429  # even the right one, until the window passes


def test_the_header_shows_the_account(app, client, signed_in):
    anonymous = client.get("/quotes/").text
    assert 'href="/login"' in anonymous and "Log out" not in anonymous and 'href="/account/"' not in anonymous
    editor = signed_in("editor", email="eddie@example.org").get("/quotes/").text
    assert "eddie@example.org" in editor and 'href="/account/"' in editor and "Log out" in editor
    assert 'href="/users/"' not in editor and 'href="/login"' not in editor
    admin = signed_in("admin").get("/quotes/").text
    assert 'href="/users/"' in admin


@pytest.mark.parametrize("lang, direction, heading", [("ru", "ltr", "Учётная запись"), ("ar", "rtl", "الحساب")])
def test_the_account_pages_in_russian_and_arabic(make_app, lang, direction, heading):
    app = make_app(ENCRYPTION_KEY=KEY)
    add_user(app, "root@example.org", "admin")
    client = app.test_client()
    login(client, "root@example.org")
    client.post("/language", data={"lang": lang, "next": "/"})
    client.post("/users/invite", data={"email": "eddie@example.org", "roles": ["editor"]})
    client.post("/account/two-factor/start")
    for path in ("/account/", "/account/two-factor", "/users/", "/users/1"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert f'dir="{direction}"' in page.text and heading in page.text, path
    assert "Two-factor" not in client.get("/account/").text  # translated, not the English fallback
