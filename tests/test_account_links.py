"""Setup and invitation links, and what admins change: roles, disabled accounts, the last admin."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaign import accounts, invites
from campaign.db import db
from campaign.models import AccountToken, User, UserSession
from conftest import PASSWORD, add_user, login

pytestmark = pytest.mark.db  # single use rests on conditional updates: checked on PostgreSQL too

NEW_PASSWORD = "quiet-meadow-copper-17"


def _setup_url(app) -> str:
    result = app.test_cli_runner().invoke(args=["users", "setup-link"])
    assert result.exit_code == 0, result.output
    match = re.search(r"http://handbill\.test(/setup/[A-Za-z0-9_-]{43})\b", result.output)
    assert match, result.output
    return match.group(1)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def clock(monkeypatch):
    """Move the links' clock: ``clock(hours=2)`` is two hours from now."""
    start = invites.now()

    def move(**delta):
        monkeypatch.setattr(invites, "now", lambda: start + timedelta(**delta))

    return move


# -- the first run ------------------------------------------------------------------------------

def test_setup_link_creates_the_first_admin_once(app):
    path = _setup_url(app)
    with app.app_context():
        stored = db.session.scalars(select(AccountToken.token_hash)).all()
    assert path.rsplit("/", 1)[1] not in stored and len(stored) == 1  # only the hash is kept
    browser = app.test_client()
    page = browser.get(path)
    assert page.status_code == 200 and "an admin" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    response = browser.post(path, data={"email": "Root@Example.org", "password": PASSWORD, "repeat": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/users/"
    assert browser.get("/users/").status_code == 200  # logged in, as an admin
    with app.app_context():
        assert accounts.find("root@example.org").roles == {"admin"}
    again = app.test_client().get(path)
    assert again.status_code == 410 and "already used" in again.text
    second = app.test_client().post(path, data={"email": "evil@example.org", "password": PASSWORD,
                                                "repeat": PASSWORD})
    assert second.status_code == 410 and _count(app, User) == 1
    assert app.test_cli_runner().invoke(args=["users", "setup-link"]).output == ""  # accounts exist: silent


def test_setup_link_expires_after_an_hour(app, clock):
    path = _setup_url(app)
    clock(minutes=59)
    assert app.test_client().get(path).status_code == 200
    clock(minutes=61)
    late = app.test_client().post(path, data={"email": "root@example.org", "password": PASSWORD, "repeat": PASSWORD})
    assert late.status_code == 410 and "expired" in late.text and _count(app, User) == 0


def test_a_new_setup_link_replaces_the_old_one_and_an_unknown_one_is_404(app):
    first = _setup_url(app)
    second = _setup_url(app)
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    assert app.test_client().get("/setup/" + "y" * 43).status_code == 404
    assert app.test_client().get("/setup/" + "y" * 300).status_code == 404


def test_setup_link_stops_working_once_an_account_exists(app):
    path = _setup_url(app)
    add_user(app, "scripted@example.org", "admin")  # the scripted path: flask users create
    response = app.test_client().get(path)
    assert response.status_code == 410 and "already set up" in response.text


def test_setup_form_enforces_the_password_policy_and_keeps_the_link(app):
    path = _setup_url(app)
    browser = app.test_client()
    weak = browser.post(path, data={"email": "root@example.org", "password": "password1234", "repeat": "password1234"})
    assert weak.status_code == 422 and "common passwords" in weak.text
    mismatch = browser.post(path, data={"email": "root@example.org", "password": PASSWORD, "repeat": PASSWORD + "x"})
    assert mismatch.status_code == 422 and "not the same" in mismatch.text
    bad = browser.post(path, data={"email": "not-an-email", "password": PASSWORD, "repeat": PASSWORD})
    assert bad.status_code == 422
    assert _count(app, User) == 0
    assert browser.post(path, data={"email": "root@example.org", "password": PASSWORD,
                                    "repeat": PASSWORD}).status_code == 302


# -- invitations --------------------------------------------------------------------------------

def _invite(admin, email="eddie@example.org", roles=("editor",)):
    response = admin.post("/users/invite", data={"email": email, "roles": list(roles)})
    assert response.status_code == 200, response.text
    match = re.search(r'value="http://handbill\.test(/invite/[A-Za-z0-9_-]{43})"', response.text)
    assert match, response.text
    return match.group(1)


def test_an_admin_invites_an_editor_who_sets_a_password_once(app, signed_in):
    admin = signed_in("admin")
    path = _invite(admin, roles=("editor", "translator:ar"))
    listed = admin.get("/users/")
    assert "eddie@example.org" in listed.text and path not in listed.text  # shown once only
    invitee = app.test_client()
    page = invitee.get(path)
    assert page.status_code == 200 and "eddie@example.org" in page.text and "editor" in page.text
    response = invitee.post(path, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert invitee.get("/quotes/new").status_code == 200
    assert invitee.get("/users/").status_code == 403
    with app.app_context():
        assert accounts.find("eddie@example.org").roles == {"editor", "translator:ar"}
    reused = app.test_client().post(path, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert reused.status_code == 410 and "already used" in reused.text
    assert login(app.test_client(), "eddie@example.org", NEW_PASSWORD).status_code == 302


def test_an_invitation_expires_after_seven_days(app, signed_in, clock):
    admin = signed_in("admin")
    path = _invite(admin)
    clock(days=6, hours=23)
    assert app.test_client().get(path).status_code == 200
    clock(days=7, minutes=1)
    late = app.test_client().post(path, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert late.status_code == 410 and "expired" in late.text
    assert "eddie@example.org" not in admin.get("/users/").text  # no longer waiting
    with app.app_context():
        assert accounts.find("eddie@example.org") is None


def test_an_invitation_can_be_withdrawn(app, signed_in):
    admin = signed_in("admin")
    path = _invite(admin)
    with app.app_context():
        invite_id = db.session.scalar(select(AccountToken.id).where(AccountToken.kind == "invite"))
    assert admin.post(f"/users/invites/{invite_id}/withdraw").status_code == 302
    assert app.test_client().get(path).status_code == 404
    assert admin.post(f"/users/invites/{invite_id}/withdraw").status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"email": "nobody", "roles": ["editor"]}, "is not an email address"),
    ({"email": "user1@example.org", "roles": ["editor"]}, "already exists"),
    ({"email": "new@example.org", "roles": ["pope"]}, "not a valid choice"),
    ({"email": "new@example.org"}, "Choose at least one role"),
])
def test_a_bad_invitation_is_refused_naming_the_field(app, signed_in, data, message):
    admin = signed_in("admin")
    response = admin.post("/users/invite", data=data)
    assert response.status_code == 422 and message in response.text
    assert _count(app, AccountToken) == 0


# -- what admins change -------------------------------------------------------------------------

def _id(app, email) -> int:
    with app.app_context():
        return accounts.find(email).id


def test_an_admin_changes_roles_with_checkboxes(app, signed_in):
    admin = signed_in("admin")
    add_user(app, "tara@example.org", "organizer")
    user_id = _id(app, "tara@example.org")
    page = admin.get(f"/users/{user_id}")
    assert page.status_code == 200 and 'value="translator:ru"' in page.text
    response = admin.post(f"/users/{user_id}", data={"roles": ["translator:ru", "editor"]})
    assert response.status_code == 302
    with app.app_context():
        assert accounts.find("tara@example.org").roles == {"translator:ru", "editor"}
    tara = app.test_client()
    login(tara, "tara@example.org")
    assert tara.get("/translations/open-air-prison/ru").status_code == 200
    assert tara.get("/groups/mine").status_code == 403  # no longer an organizer
    assert admin.post(f"/users/{user_id}", data={"roles": ["translator:xx"]}).status_code == 422


def test_disabling_an_account_ends_its_sessions(app, signed_in):
    admin = signed_in("admin")
    add_user(app, "olga@example.org", "organizer")
    olga = app.test_client()
    login(olga, "olga@example.org")
    assert olga.get("/groups/mine").status_code == 200
    user_id = _id(app, "olga@example.org")
    assert admin.post(f"/users/{user_id}/disable").status_code == 302
    assert olga.get("/groups/mine").status_code == 302
    with app.app_context():
        assert not db.session.scalar(select(func.count()).select_from(UserSession)
                                     .where(UserSession.user_id == user_id))
    assert login(app.test_client(), "olga@example.org").status_code == 401
    assert "disabled" in admin.get("/users/").text
    assert admin.post(f"/users/{user_id}/enable").status_code == 302
    assert login(app.test_client(), "olga@example.org").status_code == 302


def test_the_last_active_admin_keeps_the_admin_role(app, signed_in):
    admin = signed_in("admin", "organizer", email="root@example.org")
    root = _id(app, "root@example.org")
    response = admin.post(f"/users/{root}", data={"roles": ["organizer"]})
    assert response.status_code == 422 and "last active admin" in response.text
    assert admin.post(f"/users/{root}/disable").status_code == 409
    with app.app_context():
        assert accounts.find("root@example.org").roles == {"admin", "organizer"}
    # With a second active admin, the first may step down.
    add_user(app, "second@example.org", "admin")
    second = _id(app, "second@example.org")
    assert admin.post(f"/users/{second}/disable").status_code == 302
    assert admin.post(f"/users/{root}", data={"roles": ["organizer"]}).status_code == 422  # the other is disabled
    assert admin.post(f"/users/{second}/enable").status_code == 302
    assert admin.post(f"/users/{root}", data={"roles": ["organizer"]}).status_code == 302
    assert admin.get("/users/").status_code == 403  # stepped down


def test_admin_pages_answer_404_for_unknown_accounts(signed_in):
    admin = signed_in("admin")
    assert admin.get("/users/9999").status_code == 404
    assert admin.post("/users/9999/disable").status_code == 404


def test_the_purge_forgets_expired_links(app, signed_in, clock):
    admin = signed_in("admin")
    _invite(admin, email="old@example.org")
    clock(days=8)
    _invite(admin, email="new@example.org")
    runner = app.test_cli_runner()
    as_of = ["--as-of", (invites.now() + timedelta(days=2)).strftime("%Y-%m-%d")]  # the first expired at day 7
    preview = runner.invoke(args=["privacy", "purge", "--dry-run", *as_of])
    assert "1 expired account link(s)" in preview.output, preview.output
    assert _count(app, AccountToken) == 2
    done = runner.invoke(args=["privacy", "purge", *as_of])
    assert done.exit_code == 0 and "1 expired account link(s)" in done.output
    with app.app_context():
        assert db.session.scalars(select(AccountToken.email)).all() == ["new@example.org"]


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, backend):
    """PostgreSQL: the second demotion waits on the first's row locks, then sees it and is refused."""
    import threading

    if backend[0] != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")
    import psycopg

    add_user(app, "x@example.org", "admin")
    add_user(app, "y@example.org", "admin")
    locked, go = threading.Event(), threading.Event()
    outcome = {}

    def first():
        with app.app_context():
            accounts.set_roles(accounts.find("y@example.org"), ["editor"])  # x takes y's admin role
            locked.set()
            go.wait(10)
            db.session.commit()

    def second():
        with app.app_context():
            x = accounts.find("x@example.org")
            y = accounts.find("y@example.org")  # loaded before the first commits: still an admin here
            assert y.is_admin
            locked.wait(10)
            try:
                accounts.set_roles(x, ["editor"])  # y takes x's admin role
                db.session.commit()
                outcome["second"] = "saved"
            except accounts.LastAdminError:
                db.session.rollback()
                outcome["second"] = "refused"

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    locked.wait(10)
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as watch:  # wait until the second is queued on a row lock, then let the first commit
        for _ in range(1000):
            if watch.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]:
                break
            threading.Event().wait(0.01)
        else:
            pytest.fail("the second demotion never waited on a lock")
    go.set()
    for thread in threads:
        thread.join(10)
    assert outcome == {"second": "refused"}
    with app.app_context():
        assert [u.email for u in db.session.scalars(select(User)) if u.is_admin] == ["x@example.org"]


def test_the_disable_command_keeps_the_last_admin(app):
    add_user(app, "root@example.org", "admin")
    add_user(app, "olga@example.org", "organizer")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["users", "disable", "root@example.org"])
    assert refused.exit_code == 1 and "last active admin" in refused.output
    assert runner.invoke(args=["users", "disable", "olga@example.org"]).exit_code == 0
    assert runner.invoke(args=["users", "enable", "olga@example.org"]).exit_code == 0
    assert login(app.test_client(), "olga@example.org").status_code == 302
