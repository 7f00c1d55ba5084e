"""Durable jobs under faults: a killed web process, a real consumer, Redis, and storage that refuses writes."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from campaign import groups, jobs, messages, privacy
from campaign.db import db

from groups_support import KEY, add_group, add_organizer, outbox, sign_up, signup_data, statuses, token_of

ROOT = Path(__file__).resolve().parent.parent


def _environment(database_uri: str, tmp_path: Path, smtp_port: int, **extra) -> dict:
    """The app's configuration for a separate process: the same database, queue file and mail server."""
    return {**os.environ, "DATABASE_URL": database_uri, "CAMPAIGN_SECRET_KEY": "test-secret",
            "CAMPAIGN_ENCRYPTION_KEY": KEY, "CAMPAIGN_BASE_URL": "http://handbill.test",
            "CAMPAIGN_JOBS_DB": str(tmp_path / "jobs.sqlite3"), "CAMPAIGN_JOBS_IMMEDIATE": "false",
            "CAMPAIGN_MAIL_SERVER": "127.0.0.1", "CAMPAIGN_MAIL_PORT": str(smtp_port),
            "CAMPAIGN_SIGNUP_RATE_LIMIT": "1000/minute", "CAMPAIGN_WTF_CSRF_ENABLED": "false", "REDIS_URL": "",
            **extra}


WEB_WORKER = textwrap.dedent('''
    """A web worker that stores one signup (and queues its message), then is killed before anything is sent."""
    import os, signal, sys
    from campaign import create_app

    app = create_app()
    response = app.test_client().post("/groups/" + sys.argv[1], data={
        "name": "Reader 7", "email": "reader7@example.net", "language": "en", "consent": "y"})
    print(response.status_code, response.headers.get("Location"), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
''')


@pytest.mark.db
def test_a_queued_message_survives_a_killed_web_worker_and_the_consumer_delivers_it(
        gapp, database_uri, tmp_path, smtp_server):
    key = add_group(gapp, add_organizer(gapp))
    env = _environment(database_uri, tmp_path, smtp_server.server_address[1])
    web = subprocess.run([sys.executable, "-c", WEB_WORKER, key], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert web.returncode == -signal.SIGKILL, web.stderr[-2000:]
    assert web.stdout.split() == ["303", f"/groups/{key}/signed-up"]
    assert smtp_server.received == []  # the web process sends nothing itself
    assert [m["To"] for m in outbox(gapp)] == ["reader7@example.net"]  # committed with the signup

    consumer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "run", "--workers", "1"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while not smtp_server.received and time.monotonic() < deadline and consumer.poll() is None:
            time.sleep(0.2)
    finally:
        consumer.send_signal(signal.SIGINT)  # graceful: finish the task at hand
        output = consumer.communicate(timeout=60)[0]
    [(recipients, data)] = smtp_server.received
    assert recipients == ["reader7@example.net"], output[-3000:]
    body = message_from_bytes(data, policy=policy.default).get_content()
    with gapp.app_context():
        [row] = db.session.scalars(db.select(messages.OutboxMessage)).all()
        assert row.status == messages.SENT
        [signup] = db.session.scalars(db.select(groups.Signup)).all()
        assert f"http://handbill.test/groups/manage/{privacy.decrypt(signup.manage_enc, 'manage')}" in body
    assert "reader7" not in output  # the consumer's log names no address


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_several_app_servers_share_one_queue_in_redis(make_app, gconfig, smtp_server):
    if not _redis_reachable():
        pytest.skip("Redis is not reachable at 127.0.0.1:6379 (make test starts it)")
    config = dict(gconfig, REDIS_URL="redis://127.0.0.1:6379/0", JOBS_IMMEDIATE=False,
                  JOBS_QUEUE=f"handbill-test-{uuid.uuid4().hex[:8]}",
                  MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    web, worker = make_app(**config), make_app(**config)  # two app servers' worth of configuration
    queue = jobs.jobs(web).huey
    try:
        assert type(queue).__name__ == "RedisHuey"
        key = add_group(web, add_organizer(web))
        assert sign_up(web.test_client(), key, 1).status_code == 303
        assert smtp_server.received == [] and queue.pending_count() == 1
        consumer = jobs.jobs(worker).huey  # the other server takes the job from the shared queue
        task = consumer.dequeue()
        consumer.execute(task)
        assert [to for to, _data in smtp_server.received] == [["reader1@example.net"]]
        assert outbox(web) == []
    finally:
        queue.flush()


def test_a_queue_that_refuses_the_job_still_completes_the_signup(make_app, gconfig, smtp_server, caplog):
    """The message is in the database with the signup; the periodic sweep delivers it later."""
    broken = {"JOBS_DB": "/dev/null/jobs.sqlite3"}  # cannot be created: /dev/null is no folder
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.server_address[1]}
    app = make_app(**gconfig, **mail, **broken, JOBS_IMMEDIATE=False)
    key = add_group(app, add_organizer(app))
    client = app.test_client()
    response = sign_up(client, key, 1)
    assert response.status_code == 303 and "Thank you" in client.get(response.headers["Location"]).text
    handle = sign_up(client, key, 2, email="", messenger="@two")  # no message: the link is shown at once
    assert "/groups/manage/" in handle.headers["Location"]
    assert any("could not queue 1 message(s)" in r.getMessage() for r in caplog.records)
    assert smtp_server.received == [] and [m["To"] for m in outbox(app)] == ["reader1@example.net"]
    token = token_of(response)
    repaired = make_app(**gconfig, **mail)  # the queue works again: the sweep finds the message
    with repaired.app_context():
        jobs.jobs(repaired).sweep()
    [(recipients, data)] = smtp_server.received
    assert recipients == ["reader1@example.net"] and token in data.decode()


@pytest.mark.db
def test_a_database_that_refuses_writes_stores_nothing_and_says_so(make_app, gconfig, database_uri, tmp_path):
    """SQLite: the disk is full. PostgreSQL: the database is read-only. Either way 503, never 500."""
    app = make_app(**gconfig)
    key = add_group(app, add_organizer(app))
    url = make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
            import sqlite3

            packed = sqlite3.connect(url.database, isolation_level=None)
            packed.execute("VACUUM")  # no free pages left inside the file
            packed.close()

            @event.listens_for(db.engine, "connect")
            def _full(dbapi_connection, record):
                pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
                dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")
    else:
        import psycopg

        plain = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on')
        with app.app_context():
            db.engine.dispose()
    client = app.test_client()
    answers = []
    for i in range(40):  # until the database has no room left (SQLite fills the file's last pages first)
        response = client.post(f"/groups/{key}", data=signup_data(i, note="n" * 500))
        answers.append(response.status_code)
        if response.status_code != 303:
            break
    assert response.status_code == 503, answers
    assert "nothing was stored" in response.text and response.headers["Retry-After"]
    stored = answers.count(303)
    if url.get_backend_name() != "sqlite":
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{url.database}" RESET default_transaction_read_only')
    healthy = make_app(**gconfig)
    # Every signup that was answered 303 is there with its message; the refused one left nothing.
    assert sum(statuses(healthy, key).values()) == stored
    assert [m["To"] for m in outbox(healthy)] == [f"reader{i}@example.net" for i in range(stored)]
