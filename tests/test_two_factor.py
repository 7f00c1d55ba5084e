"""Two-factor sign-in: enrolment, the second login step, recovery codes, throttling, REQUIRE_TWO_FACTOR."""
from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select

from campaign import config, twofactor
from campaign.db import db
from campaign.models import AccountToken, RecoveryCode, TwoFactor
from campaign.views import auth as auth_views
from conftest import add_user, login
from groups_support import KEY

T0 = 1_800_000_000.0  # a fixed moment: the codes below are computed for it, not for the wall clock


@pytest.fixture
def tapp(make_app, monkeypatch, tmp_path):
    monkeypatch.setattr(twofactor, "clock", lambda: T0)
    return make_app(ENCRYPTION_KEY=KEY, RATELIMIT_KEY_PREFIX=f"t{id(tmp_path)}")


def _at(seconds: float):
    """Move the two-factor clock."""
    return lambda: T0 + seconds


def _enrol(client) -> tuple[str, list[str]]:
    """Set up two-factor sign-in through the pages; returns the secret and the recovery codes."""
    assert client.post("/account/two-factor/start").status_code == 302
    page = client.get("/account/two-factor")
    secret = re.search(r'<code class="secret" id="secret">([A-Z2-7]+)</code>', page.text).group(1)
    assert 'src="data:image/svg+xml' in page.text
    done = client.post("/account/two-factor/confirm", data={"code": pyotp.TOTP(secret).at(T0)})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def _password_step(app, email="ana@example.org"):
    client = app.test_client()
    response = login(client, email)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code", response.headers
    return client


@pytest.mark.db
def test_enrolment_stores_the_secret_encrypted_and_codes_hashed(tapp):
    add_user(tapp, "ana@example.org", "editor")
    client = tapp.test_client()
    login(client)
    assert "off" in client.get("/account/").text
    assert client.post("/account/two-factor/start").status_code == 302
    page = client.get("/account/two-factor")
    secret = re.search(r'id="secret">([A-Z2-7]+)<', page.text).group(1)
    wrong = client.post("/account/two-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 422 and "not right" in wrong.text
    with tapp.app_context():
        assert db.session.scalar(select(TwoFactor)).confirmed_at is None  # not on until a code was right
    assert login(tapp.test_client()).headers["Location"] == "/quotes/"
    done = client.post("/account/two-factor/confirm", data={"code": pyotp.TOTP(secret).at(T0)})
    codes = re.findall(r"<code>([a-z2-9-]{19})</code>", done.text)
    assert done.headers["Cache-Control"] == "no-store" and len(codes) == 10
    with tapp.app_context():
        row = db.session.scalar(select(TwoFactor))
        assert row.confirmed_at is not None
        assert secret.encode() not in bytes(row.secret)
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not set(codes) & set(stored)
        assert not any(c.replace("-", "") in h for c in codes for h in stored)
    database = Path(tapp.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    if database.exists():
        raw = database.read_bytes()
        assert secret.encode() not in raw and codes[0].encode() not in raw
    assert "10 recovery codes left" in client.get("/account/").text
    # The codes are shown once: the pages afterwards never repeat them.
    assert codes[0] not in client.get("/account/two-factor").text


@pytest.mark.db
def test_login_asks_for_the_code_after_the_password(tapp, monkeypatch):
    add_user(tapp, "ana@example.org", "editor")
    client = tapp.test_client()
    login(client)
    secret, _codes = _enrol(client)
    half = _password_step(tapp)
    assert half.get("/account/").status_code == 302  # the password alone grants nothing
    assert half.get("/quotes/new").status_code == 302
    assert half.get("/login/code").status_code == 200
    wrong = half.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 401 and "not right" in wrong.text
    monkeypatch.setattr(twofactor, "clock", _at(30))
    response = half.post("/login/code", data={"code": pyotp.TOTP(secret).at(T0 + 30)})
    assert response.status_code == 302 and response.headers["Location"] == "/quotes/"
    assert half.get("/quotes/new").status_code == 200
    # The same code cannot be used again, not even by another browser within its window.
    again = _password_step(tapp)
    assert again.post("/login/code", data={"code": pyotp.TOTP(secret).at(T0 + 30)}).status_code == 401
    monkeypatch.setattr(twofactor, "clock", _at(60))
    assert again.post("/login/code", data={"code": pyotp.TOTP(secret).at(T0 + 60)}).status_code == 302


def test_the_login_next_page_survives_the_second_step(tapp, monkeypatch):
    add_user(tapp, "ana@example.org", "editor")
    client = tapp.test_client()
    login(client)
    secret, _codes = _enrol(client)
    half = tapp.test_client()
    response = half.post("/login?next=/quotes/new", data={"email": "ana@example.org",
                                                            "password": "violet-harbour-lantern-42"})
    assert response.headers["Location"] == "/login/code"
    monkeypatch.setattr(twofactor, "clock", _at(30))
    done = half.post("/login/code", data={"code": pyotp.TOTP(secret).at(T0 + 30)})
    assert done.headers["Location"] == "/quotes/new"


@pytest.mark.db
def test_a_recovery_code_works_once(tapp):
    add_user(tapp, "ana@example.org", "editor")
    client = tapp.test_client()
    login(client)
    _secret, codes = _enrol(client)
    half = _password_step(tapp)
    assert half.post("/login/code", data={"code": codes[3].upper().replace("-", " ")}).status_code == 302
    assert half.get("/account/").status_code == 200
    assert "9 recovery codes left" in half.get("/account/").text
    other = _password_step(tapp)
    assert other.post("/login/code", data={"code": codes[3]}).status_code == 401
    assert other.post("/login/code", data={"code": codes[4]}).status_code == 302


def test_code_attempts_are_throttled_per_account(tapp):
    add_user(tapp, "ana@example.org", "editor")
    client = tapp.test_client()
    login(client)
    secret, _codes = _enrol(client)
    codes = []
    for i in range(6):
        half = _password_step(tapp)  # a new browser each time: the count is per account
        codes.append(half.post("/login/code", data={"code": f"{i:06d}"}).status_code)
    assert codes == [401] * 5 + [429]
    half = _password_step(tapp)
    throttled = half.post("/login/code", data={"code": pyotp.TOTP(secret).at(T0)})
    assert throttled.status_code == 429 and "wait 15 minutes" in throttled.text


def test_the_second_step_needs_a_fresh_password_step(tapp, monkeypatch):
    add_user(tapp, "ana@example.org", "editor")
    client = tapp.test_client()
    login(client)
    secret, _codes = _enrol(client)
    nobody = tapp.test_client()
    assert nobody.get("/login/code").headers["Location"] == "/login"
    assert nobody.post("/login/code", data={"code": pyotp.TOTP(secret).at(T0)}).headers["Location"] == "/login"
    half = _password_step(tapp)
    monkeypatch.setattr(auth_views, "PENDING_SECONDS", -1)  # the password step is now too old
    assert half.post("/login/code", data={"code": pyotp.TOTP(secret).at(T0)}).headers["Location"] == "/login"


def test_turning_two_factor_off_needs_the_password(tapp):
    add_user(tapp, "ana@example.org", "editor")
    client = tapp.test_client()
    login(client)
    _enrol(client)
    assert client.post("/account/two-factor/off", data={"current": "wrong-password-here"}).status_code == 422
    assert client.post("/account/two-factor/off", data={"current": "violet-harbour-lantern-42"}).status_code == 302
    assert login(tapp.test_client()).headers["Location"] == "/quotes/"  # one step again


def test_new_recovery_codes_replace_the_old(tapp):
    add_user(tapp, "ana@example.org", "editor")
    client = tapp.test_client()
    login(client)
    _secret, old = _enrol(client)
    page = client.post("/account/two-factor/recovery-codes", data={"current": "violet-harbour-lantern-42"})
    new = re.findall(r"<code>([a-z2-9-]{19})</code>", page.text)
    assert len(new) == 10 and not set(new) & set(old)
    half = _password_step(tapp)
    assert half.post("/login/code", data={"code": old[0]}).status_code == 401
    assert half.post("/login/code", data={"code": new[0]}).status_code == 302


# -- REQUIRE_TWO_FACTOR ------------------------------------------------------------------------------

def test_admins_must_enrol_before_anything_else_by_default(make_app, monkeypatch):
    monkeypatch.setattr(twofactor, "clock", lambda: T0)
    shipped = config.defaults("instance")["REQUIRE_TWO_FACTOR"]
    assert shipped == ["admin"]
    app = make_app(ENCRYPTION_KEY=KEY, REQUIRE_TWO_FACTOR=shipped)
    add_user(app, "root@example.org", "admin", "editor")
    add_user(app, "eddie@example.org", "editor")
    root = app.test_client()
    assert login(root, "root@example.org").headers["Location"] == "/account/two-factor"
    for path in ("/users/", "/quotes/new", "/account/", "/quotes/"):
        response = root.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor", path
    page = root.get("/account/two-factor")
    assert page.status_code == 200 and "requires two-factor" in page.text
    assert root.post("/users/invite", data={"email": "x@example.org", "roles": ["editor"]}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0
    eddie = app.test_client()
    login(eddie, "eddie@example.org")
    assert eddie.get("/quotes/new").status_code == 200  # editors are not required to
    _enrol(root)
    assert root.get("/users/").status_code == 200
    refused = root.post("/account/two-factor/off", data={"current": "violet-harbour-lantern-42"})
    assert refused.status_code == 302
    assert "requires two-factor" in root.get("/account/two-factor").text and root.get("/users/").status_code == 200


@pytest.mark.parametrize("setting, required", [
    (["organizer"], {"ana@example.org"}),
    ("editor, organizer", {"ana@example.org", "eddie@example.org"}),
    ([], set()),
])
def test_require_two_factor_names_roles(make_app, setting, required):
    app = make_app(ENCRYPTION_KEY=KEY, REQUIRE_TWO_FACTOR=setting)
    add_user(app, "ana@example.org", "organizer")
    add_user(app, "eddie@example.org", "editor")
    sent = set()
    for email in ("ana@example.org", "eddie@example.org"):
        client = app.test_client()
        login(client, email)
        if client.get("/quotes/").status_code == 302:
            sent.add(email)
    assert sent == required


def test_an_admin_turns_off_a_lost_second_factor(tapp, signed_in):
    add_user(tapp, "ana@example.org", "editor")
    client = tapp.test_client()
    login(client)
    _enrol(client)
    admin = signed_in("admin")
    with tapp.app_context():
        from campaign import accounts

        user_id = accounts.find("ana@example.org").id
    assert "on" in admin.get(f"/users/{user_id}").text
    assert admin.post(f"/users/{user_id}/two-factor/off").status_code == 302
    assert client.get("/account/").status_code == 302  # logged out
    assert login(tapp.test_client()).headers["Location"] == "/quotes/"
