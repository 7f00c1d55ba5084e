"""Shared fixtures: an app on a fresh copy of the migrated, loaded library database.

SQLite by default; set HANDBILL_TEST_DB to a PostgreSQL URL to run against that server
(each test gets its own database cloned from a template built once per run).
"""
from __future__ import annotations

import os
import contextlib
import shutil
import socket
import socketserver
import threading
import uuid
from pathlib import Path

import pytest

from campaign import create_app
from campaign.db import db

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("HANDBILL_TEST_DB", "")
BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "BASE_URL": "http://handbill.test",
    "JOBS_IMMEDIATE": True,  # jobs run inline; tests that need a real queue say so
    "REDIS_URL": "",

    # Admins must enrol in two-factor sign-in by default; tests of that rule turn it back on.
    "REQUIRE_TWO_FACTOR": [],
}


def _build(uri: str, instance: Path) -> None:
    """Migrate and load the curated library into an empty database."""
    from flask_migrate import upgrade

    from campaign import library

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "CACHE_DIR": str(instance / "cache")})
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        library.load(app.config["LIBRARY_DIR"])
        db.engine.dispose()


class _Postgres:
    """Creates and drops databases on the test server."""

    def __init__(self, url: str):
        import psycopg

        self.psycopg = psycopg
        self.url = url
        self.template = f"handbill_tpl_{uuid.uuid4().hex[:8]}"

    def _admin(self, sql: str) -> None:
        with self.psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql)

    def uri(self, name: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.uri(name)

    def drop(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def backend(tmp_path_factory):
    """The template database every test copies: ('sqlite', path) or ('postgresql', server)."""
    instance = tmp_path_factory.mktemp("template")
    if PG_URL:
        pg = _Postgres(PG_URL)
        _build(pg.create(pg.template), instance)
        yield "postgresql", pg
        pg.drop(pg.template)
    else:
        path = instance / "template.sqlite3"
        _build(f"sqlite:///{path}", instance)
        yield "sqlite", path


@contextlib.contextmanager
def library_database(backend, folder, prefix: str = "t"):
    """A private copy of the loaded library's database (a file in ``folder``, or a PostgreSQL database
    made from the template); yields its URI and drops it afterwards."""
    kind, where = backend
    if kind == "sqlite":
        copy = folder / "handbill.sqlite3"
        shutil.copyfile(where, copy)
        yield f"sqlite:///{copy}"
        return
    name = f"handbill_{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        yield where.create(name, template=where.template)
    finally:
        where.drop(name)


@pytest.fixture
def database_uri(backend, tmp_path):
    """A fresh database holding the loaded library, for one test."""
    with library_database(backend, tmp_path) as uri:
        yield uri


@pytest.fixture
def make_app(database_uri, tmp_path):
    """Build an app on this test's database with extra configuration."""
    apps = []

    def factory(**config):
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_uri,
                          "CACHE_DIR": str(tmp_path / "cache"), "JOBS_DB": str(tmp_path / "jobs.sqlite3"),
                          "BUILDS_DIR": str(tmp_path / "builds"),
                          **config})
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def gconfig(tmp_path):
    """Configuration every study-group test app uses: its own key and pamphlets, a generous rate limit."""
    from groups_support import KEY, PAMPHLET, READING_PACK

    pamphlets = tmp_path / "pamphlets"
    pamphlets.mkdir()
    (pamphlets / f"{PAMPHLET}.yaml").write_text("kind: leaflet\ntitle: Aleppo leaflet\n", encoding="utf-8")
    (pamphlets / f"{READING_PACK}.yaml").write_text(
        "kind: reading-pack\ntitle: Aleppo under siege, read together\nsections:\n  - theme: aleppo-siege\n",
        encoding="utf-8")
    return {"ENCRYPTION_KEY": KEY, "PAMPHLETS_DIR": str(pamphlets),
            "SIGNUP_RATE_LIMIT": "1000/minute", "RATELIMIT_KEY_PREFIX": f"t{id(tmp_path)}"}


@pytest.fixture
def gapp(make_app, gconfig):
    """An app for the study-group tests."""
    return make_app(**gconfig)


@pytest.fixture
def gclient(gapp):
    return gapp.test_client()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# -- accounts ---------------------------------------------------------------------------------

PASSWORD = "violet-harbour-lantern-42"
EVERY_ROLE = ("admin", "editor", "translator:ru", "translator:ar", "organizer")


def add_user(app, email, *roles, password=PASSWORD) -> int:
    """An account holding ``roles``; returns its id."""
    from campaign import accounts

    with app.app_context():
        user = accounts.create_user(email, password, roles=roles)
        db.session.commit()
        return user.id


def login(client, email="ana@example.org", password=PASSWORD, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def staff_client(app, email="staff@example.org"):
    """A test client of ``app`` logged in as a new account holding every role."""
    add_user(app, email, *EVERY_ROLE)
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


@pytest.fixture
def signed_in(app):
    """``signed_in("editor", …)``: a test client logged in as a new account holding those roles."""
    made = []

    def factory(*roles, email=None):
        email = email or f"user{len(made) + 1}@example.org"
        add_user(app, email, *roles)
        client = app.test_client()
        assert login(client, email).status_code == 302
        made.append(client)
        return client

    return factory


@pytest.fixture
def staff(app):
    """A test client logged in as an account holding every role."""
    return staff_client(app)

# -- a mail server on loopback ------------------------------------------------------------

class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept messages: EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 test SMTP")
        envelope = {"to": []}
        while True:
            line = self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if not line or verb == "QUIT":
                self.reply("221 bye")
                return
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "MAIL":
                self.reply("250 ok")
            elif verb == "RCPT":
                envelope["to"].append(line.split(":", 1)[1].strip(" <>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.received.append((list(envelope["to"]), data))
                envelope["to"].clear()
                self.reply("250 queued")
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server():
    """A loopback SMTP server that keeps what it receives in ``.received`` as (recipients, bytes)."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# -- a real server and a real browser -----------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served_app(make_app):
    """The app the browser tests talk to (CSRF on), with the port it will be served on."""
    port = _free_port()
    app = make_app(BASE_URL=f"http://127.0.0.1:{port}", WTF_CSRF_ENABLED=True)
    app.config["LIVE_PORT"] = port
    return app


@pytest.fixture
def live_server(served_app):
    """The app served over HTTP on a loopback port, for the browser tests."""
    from werkzeug.serving import make_server

    port = served_app.config["LIVE_PORT"]
    server = make_server("127.0.0.1", port, served_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: `make test` installs it with scripts/system-deps.sh test")
        pytest.skip("Chromium is not installed (run scripts/system-deps.sh test)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A browser page that records every request it makes (to prove nothing leaves the server)."""
    context = browser.new_context(base_url=live_server, accept_downloads=True)
    pg = context.new_page()
    pg.requests_seen = []
    pg.on("request", lambda request: pg.requests_seen.append(request.url))
    yield pg
    context.close()


def browser_login(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]


@pytest.fixture
def staff_page(page, served_app):
    """A browser page logged in as an account holding every role."""
    add_user(served_app, "staff@example.org", *EVERY_ROLE)
    browser_login(page, "staff@example.org")
    return page


def assert_same_origin(page, origin: str) -> None:
    """Every request the page made went to the app itself."""
    foreign = [u for u in page.requests_seen if not (u.startswith(origin + "/") or u.startswith(("data:", "blob:")))]
    assert not foreign, f"requests left the server: {foreign}"
