"""Benchmark section "signups": signup POST latency under gunicorn on loopback, on SQLite and PostgreSQL.

The app runs under the same gunicorn settings as ``make serve`` (2 workers × 4 threads) on 127.0.0.1
and is driven by a bounded client loop (a fixed number of requests, a time cap, keep-alive
connections, a CSRF token fetched once per connection) at 8 and then 32 concurrent clients; rows
give the p50 and p99 latency of a signup POST (target: p99 < 100 ms at 8 clients). Then 200 clients
press "Sign up" at the same moment on a 10-seat group. PostgreSQL rows need a server at
``BENCH_PG_URL`` (default: the test server) and are skipped without one.
Rows are ``(label, measured, baseline, ratio, target)``. Run alone with ``python bench/signups.py``.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REQUESTS = int(os.environ.get("BENCH_SIGNUPS_REQUESTS", 1000))
CONCURRENCY = (8, 32)
TIME_CAP = float(os.environ.get("BENCH_SIGNUPS_SECONDS", 60))
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SIMULTANEOUS, SEATS = 200, 10
GUNICORN = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--worker-class", "gthread",
            "--keep-alive", "5", "--log-level", "warning", "--backlog", "512"]
KEY = "q4Ck5OVn0_EXU4X0tjTcKvx5sRrq1wRZ9j8aJ_qGm1E"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on a loopback port; stopped (SIGTERM, then SIGKILL) when the block ends."""

    def __init__(self, target: str, cwd: Path, env: dict):
        self.port = _free_port()
        self.proc = subprocess.Popen([*GUNICORN, "--bind", f"127.0.0.1:{self.port}", target], cwd=cwd,
                                     env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def __enter__(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn stopped: " + self.proc.stderr.read().decode()[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start within 30 s")

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _form_token(conn: http.client.HTTPConnection, path: str) -> tuple[str, str]:
    """GET the form; return its CSRF token and the session cookie that goes with it."""
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    return token, cookie


def _load(port: int, path: str, fields, total: int, clients: int = CONCURRENCY[0]) -> tuple[float, list[float], int]:
    """``total`` POSTs from ``clients`` keep-alive connections; returns (seconds, latencies, failures)."""
    latencies: list[float] = []
    failures = [0]
    counter = iter(range(total))
    lock = threading.Lock()
    deadline = time.monotonic() + TIME_CAP

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        token, cookie = _form_token(conn, path)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            body = urlencode({**fields(i), "csrf_token": token})
            start = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if response.status != 303:
                    failures[0] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, failures[0]


def _percentile(latencies: list[float], p: int) -> float:
    """The ``p``-th percentile in milliseconds."""
    if len(latencies) < 2:
        return (latencies or [0.0])[0] * 1000
    return statistics.quantiles(latencies, n=100)[p - 1] * 1000


def _prepare_handbill(folder: Path, database_url: str) -> tuple[dict, str, str]:
    """A migrated database with one organizer and two 10-seat groups; the server's environment."""
    env = {"CAMPAIGN_SECRET_KEY": "bench-secret", "DATABASE_URL": database_url,
           "CAMPAIGN_ENCRYPTION_KEY": KEY, "CAMPAIGN_JOBS_DB": str(folder / "jobs.sqlite3"),
           "CAMPAIGN_SIGNUP_RATE_LIMIT": "1000000/minute", "CAMPAIGN_BASE_URL": "http://127.0.0.1:5000",
           "REDIS_URL": ""}
    script = textwrap.dedent('''
        from datetime import datetime, timedelta
        from flask_migrate import upgrade
        from campaign import create_app, accounts, groups
        from campaign.db import db
        app = create_app()
        with app.app_context():
            upgrade(directory=app.config["MIGRATIONS_DIR"])
            owner = accounts.create_user("bench@example.org", "bench-organizer-passphrase", roles=("organizer",))
            db.session.commit()
            first = datetime(2030, 1, 7, 17, 0)
            keys = []
            for title in ("Load", "Rush"):
                data = groups.GroupInput(title=title, description="", pamphlet=None, language="en", city="Berlin",
                                         online=False, timezone="Europe/Berlin",
                                         meetings=[(first, first + timedelta(hours=2))], capacity=10,
                                         listed=True, signups_open=True)
                keys.append(groups.create_group(owner, data).key)
            print(" ".join(keys))
    ''')
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, **env}, check=True,
                         capture_output=True, text=True, timeout=120).stdout.split()
    return env, out[-2], out[-1]


def _signup_fields(i: int) -> dict:
    return {"name": f"Reader {i}", "email": f"reader{i}@example.net", "messenger": "", "language": "en",
            "note": "", "consent": "y", "src": ""}


def _rush(port: int, path: str) -> dict:
    """SIMULTANEOUS clients, each with its own token, released at once."""
    barrier = threading.Barrier(SIMULTANEOUS)
    results = {}

    def one(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        token, cookie = _form_token(conn, path)
        conn.close()
        body = urlencode({**_signup_fields(10_000_000 + i), "csrf_token": token})
        barrier.wait(timeout=120)
        # A new connection each: a kept-alive one could be closed by the server while the others get ready.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                       "Cookie": cookie})
        response = conn.getresponse()
        response.read()
        results[i] = response.status
        conn.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(SIMULTANEOUS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _counts(database_url: str, key: str) -> dict[str, int]:
    """Signups per list in the group with this key."""
    from sqlalchemy import create_engine, text

    from campaign.config import database_url as normalised

    engine = create_engine(normalised(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT status, count(*) FROM signups JOIN study_groups g ON g.id = group_id "
                                     "WHERE g.key = :key GROUP BY status"), {"key": key}).all()
    finally:
        engine.dispose()
    return {status: n for status, n in rows}


def _measure(name: str, database_url: str, folder: Path) -> list[tuple]:
    """The rows for one database."""
    env, load_key, rush_key = _prepare_handbill(folder, database_url)
    path = f"/groups/{load_key}"
    rows = []
    with Server("app:app", ROOT, env) as real:
        _load(real.port, path, lambda i: _signup_fields(900_000 + i), 100)  # warm-up
        for n, clients in enumerate(CONCURRENCY):
            seconds, latencies, failed = _load(real.port, path, lambda i, n=n: _signup_fields(n * 100_000 + i),
                                               REQUESTS, clients)
            p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
            rows.append((f"signups, {name}: p50 / p99 latency of a signup POST, ms, gunicorn 2×4, {clients} clients, "
                         f"{len(latencies)} requests ({len(latencies) / seconds:.0f}/s, {failed} not 303)",
                         f"{p50:.1f} / {p99:.1f}", "", "",
                         ("p99 < 100 ms: " + ("ok" if p99 < 100 and not failed else "MISSED")) if clients == 8
                         else "info"))
        rush = _rush(real.port, f"/groups/{rush_key}")
    counts = _counts(database_url, rush_key)
    confirmed, waitlisted = counts.get("confirmed", 0), counts.get("waitlisted", 0)
    answered = sum(1 for status in rush.values() if status == 303)
    lost = SIMULTANEOUS - (confirmed + waitlisted)
    rows.append((f"signups, {name}: {SIMULTANEOUS} simultaneous on {SEATS} seats — confirmed / waitlisted / lost / "
                 "answered 303", f"{confirmed} / {waitlisted} / {lost} / {answered}",
                 f"{SEATS} / {SIMULTANEOUS - SEATS} / 0 / {SIMULTANEOUS}", "",
                 "exact" if (confirmed, waitlisted, lost, answered) == (SEATS, SIMULTANEOUS - SEATS, 0, SIMULTANEOUS)
                 else "FAILED"))
    return rows


def _postgres_database():
    """A throw-away database on the PostgreSQL server (its URL, and a function that drops it), or None."""
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        name = f"handbill_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception:  # noqa: BLE001 - no server: the PostgreSQL rows are skipped
        return None

    def drop():
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False), drop


def section() -> list[tuple]:
    """The "signups" section's rows: SQLite, then PostgreSQL when a server answers."""
    folder = Path(tempfile.mkdtemp(prefix="handbill-bench-signups-"))
    rows = []
    try:
        rows += _measure("SQLite", f"sqlite:///{folder}/handbill.sqlite3", folder)
        found = _postgres_database()
        if found is None:
            rows.append(("signups, PostgreSQL: skipped (no server at BENCH_PG_URL)", "", "", "", ""))
        else:
            url, drop = found
            try:
                rows += _measure("PostgreSQL", url, folder)
            finally:
                drop()
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    for row in section():
        print(" | ".join(str(x) for x in row))
