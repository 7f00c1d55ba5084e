"""Accounts: password policy and hashing, the create command, sessions, login throttling."""
from __future__ import annotations

import socket
import uuid

import pytest
from argon2 import extract_parameters

from campaign import accounts
from campaign.db import db

from groups_support import PASSWORD, add_organizer, gapp, gclient, gconfig, login  # noqa: F401


@pytest.mark.parametrize("password, reason", [
    ("short-pass", "at least 12 characters"),
    ("passwordpassword", "common passwords"),
    ("Password1234!", "common passwords"),
    ("qwertyuiop123", "common passwords"),
    ("iloveyou2026!!", "common passwords"),
    ("123456789012", "only digits"),
    ("aaaaaaaaaaaaaaa", "too few different characters"),
    ("abababababab", "too few different characters"),
    ("ana.lopez1999", "built from the email"),
])
def test_password_policy_refuses_weak_passwords(gapp, password, reason):
    with gapp.test_request_context():
        problems = accounts.password_problems(password, "ana.lopez@example.org")
    assert problems and any(reason in p for p in problems), problems


@pytest.mark.parametrize("password", [PASSWORD, "Mосква горит 2016!", "tea-kettle-orbit-9"])
def test_password_policy_accepts_long_uncommon_passwords(gapp, password):
    with gapp.test_request_context():
        assert accounts.password_problems(password, "ana@example.org") == []


def test_the_shipped_common_password_list_is_substantial():
    common = accounts.common_passwords()
    assert len(common) > 500 and "password" in common and "qwertyuiop" in common


def test_passwords_are_hashed_with_argon2id_above_the_minimum_cost(gapp):
    add_organizer(gapp)
    with gapp.app_context():
        stored = db.session.scalar(db.select(accounts.User.password_hash))
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2
    assert PASSWORD not in stored
    assert accounts.verify_password(stored, PASSWORD) and not accounts.verify_password(stored, PASSWORD + "x")


def test_create_command_prompts_for_the_password_and_enforces_the_policy(gapp):
    runner = gapp.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "ana@example.org"], input="password1234\npassword1234\n")
    assert weak.exit_code == 1 and "common passwords" in weak.output
    ok = runner.invoke(args=["users", "create", "Ana@Example.org", "--role", "admin", "--role", "translator:ar"],
                       input=f"{PASSWORD}\n{PASSWORD}\n")
    assert ok.exit_code == 0, ok.output
    assert "Created ana@example.org (admin, translator:ar)" in ok.output and PASSWORD not in ok.output
    again = runner.invoke(args=["users", "create", "ana@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert again.exit_code == 1 and "already exists" in again.output
    bad = runner.invoke(args=["users", "create", "not-an-email"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert bad.exit_code == 1 and "email" in bad.output
    role = runner.invoke(args=["users", "create", "bo@example.org", "--role", "translator:xx"],
                         input=f"{PASSWORD}\n{PASSWORD}\n")
    assert role.exit_code == 1 and "role: Unknown role translator:xx" in role.output
    plain = runner.invoke(args=["users", "create", "cy@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert plain.exit_code == 0 and "Created cy@example.org (organizer)" in plain.output
    listed = runner.invoke(args=["users", "list"])
    assert "ana@example.org (admin, translator:ar)" in listed.output and "cy@example.org (organizer)" in listed.output


def test_login_renews_the_session_and_logout_ends_it_on_the_server(gapp):
    add_organizer(gapp)
    browser = gapp.test_client()
    browser.get("/login")
    with browser.session_transaction() as before:
        before["planted"] = "by an attacker"
    response = login(browser)
    assert response.status_code == 302 and response.headers["Location"] == "/groups/mine"
    with browser.session_transaction() as after:
        assert "planted" not in after  # the old session's contents do not survive login
        token = after["_user_id"]
    assert browser.get("/groups/mine").status_code == 200
    second = gapp.test_client()
    login(second)
    with second.session_transaction() as other:
        assert other["_user_id"] != token  # every login gets its own token
    with gapp.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(accounts.UserSession)) == 2
        stored = db.session.scalars(db.select(accounts.UserSession.token_hash)).all()
        assert token not in stored  # only hashes are stored
    # A copy of the cookie, taken before logout, is worthless afterwards.
    stolen = gapp.test_client()
    with stolen.session_transaction() as copy:
        copy["_user_id"], copy["_fresh"] = token, True
    assert stolen.get("/groups/mine").status_code == 200
    assert browser.post("/logout").status_code == 302
    assert browser.get("/groups/mine").status_code == 302
    assert stolen.get("/groups/mine").status_code == 302
    assert second.get("/groups/mine").status_code == 200  # other sessions stay


def test_wrong_password_and_unknown_account_get_the_same_answer(gapp):
    add_organizer(gapp)
    client = gapp.test_client()
    wrong = login(client, password="not-the-password-at-all")
    unknown = login(client, email="nobody@example.org")
    assert wrong.status_code == unknown.status_code == 401
    assert "The email or the password is not right." in wrong.text and "The email or the password is not right." in unknown.text


def test_login_redirects_only_to_this_site(gapp):
    add_organizer(gapp)
    client = gapp.test_client()
    response = client.post("/login?next=//evil.example/x", data={"email": "ana@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/groups/mine"
    client2 = gapp.test_client()
    response = client2.post("/login?next=/groups/new", data={"email": "ana@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/groups/new"


def _brute_force(app, attacker="203.0.113.5"):
    client = app.test_client()
    codes = []
    for i in range(7):
        response = login(client, password=f"guess-number-{i}-xx", environ_base={"REMOTE_ADDR": attacker})
        codes.append(response.status_code)
    return client, codes


def test_login_brute_force_is_throttled_without_locking_out_the_real_user(gapp):
    add_organizer(gapp)
    client, codes = _brute_force(gapp)
    assert codes == [401] * 5 + [429] * 2
    throttled = login(client, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert throttled.status_code == 429 and "Too many login attempts" in throttled.text  # even the right password
    real_user = gapp.test_client()
    assert login(real_user, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 302


def test_one_client_cannot_try_many_accounts(make_app, gconfig):
    app = make_app(**gconfig, LOGIN_ATTEMPTS_PER_CLIENT="10/15minutes")
    client = app.test_client()
    codes = [login(client, email=f"user{i}@example.org", password="whatever-guess-1").status_code for i in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]


def test_success_resets_the_failure_count(gapp):
    add_organizer(gapp)
    client = gapp.test_client()
    for i in range(4):
        assert login(client, password=f"typo-{i}-in-password").status_code == 401
    assert login(client).status_code == 302
    client.post("/logout")
    for i in range(4):
        assert login(client, password=f"typo-{i}-again-here").status_code == 401
    assert login(client).status_code == 302


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis server on 127.0.0.1:6379")
def test_login_limits_are_shared_through_redis_when_configured(make_app, gconfig):
    prefix = f"handbill-test-{uuid.uuid4().hex[:8]}"
    config = {**gconfig, "REDIS_URL": "redis://127.0.0.1:6379/0", "RATELIMIT_KEY_PREFIX": prefix}
    first = make_app(**config)
    assert first.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    add_organizer(first)
    _client, codes = _brute_force(first)
    assert codes[-1] == 429
    second = make_app(**config)  # another worker process sees the same counts
    assert login(second.test_client(), environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 429
    import redis

    r = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = r.keys(f"*{prefix}*")
    assert keys and not any(b"203.0.113.5" in k or b"ana@example.org" in k for k in keys)
    r.delete(*keys)


def test_disabled_account_cannot_log_in(gapp):
    add_organizer(gapp)
    runner = gapp.test_cli_runner()
    assert runner.invoke(args=["users", "disable", "ana@example.org"]).exit_code == 0
    assert login(gapp.test_client()).status_code == 401


def test_password_change_logs_out_every_session(gapp):
    add_organizer(gapp)
    client = gapp.test_client()
    login(client)
    new = "a-brand-new-passphrase-7"
    result = gapp.test_cli_runner().invoke(args=["users", "password", "ana@example.org"], input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    assert client.get("/groups/mine").status_code == 302
    assert login(client, password=new).status_code == 302
