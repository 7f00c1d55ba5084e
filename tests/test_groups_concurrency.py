"""200 people press "Sign up" at the same moment on a 10-seat group: a real server, real threads."""
from __future__ import annotations

import http.client
import re
import threading
from urllib.parse import urlencode

import pytest
from werkzeug.serving import make_server

from campaign import groups, messages, privacy
from campaign.db import db

from groups_support import add_group, add_organizer, sign_up, signup_data

PEOPLE = 200
SEATS = 10


@pytest.fixture
def served(gapp):
    """The app on a loopback port, one thread per request."""
    server = make_server("127.0.0.1", 0, gapp, threaded=True)
    server.socket.listen(512)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


def _post(port: int, path: str, body: bytes, barrier: threading.Barrier, results: dict, i: int) -> None:
    barrier.wait(timeout=60)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        results[i] = (response.status, response.getheader("Location") or "")
        conn.close()
    except Exception as exc:  # recorded, so a lost request fails the test with its reason
        results[i] = (0, repr(exc))


def _rush(port: int, path: str, bodies: list[bytes]) -> dict[int, tuple[int, str]]:
    """Every body POSTed at once, each from its own thread and connection."""
    barrier = threading.Barrier(len(bodies))
    results: dict[int, tuple[int, str]] = {}
    threads = [threading.Thread(target=_post, args=(port, path, body, barrier, results, i))
               for i, body in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.db
def test_simultaneous_signups_never_overbook(gapp, served):
    key = add_group(gapp, add_organizer(gapp), capacity=SEATS)
    bodies = [urlencode(signup_data(i, email=f"reader{i}@example.net" if i % 2 else "",
                                    messenger="" if i % 2 else f"@reader{i}")).encode() for i in range(PEOPLE)]
    results = _rush(served, f"/groups/{key}", bodies)
    failures = {i: r for i, r in results.items() if r[0] != 303}
    assert len(results) == PEOPLE and not failures, failures
    tokens = [re.search(r"/groups/manage/([A-Za-z0-9_-]+)", loc).group(1) for _status, loc in results.values()
              if "/manage/" in loc]
    assert len(set(tokens)) == PEOPLE // 2  # messenger signups see their link; email signups get it by message

    with gapp.app_context():
        group = groups.by_key(key)
        rows = db.session.scalars(db.select(groups.Signup).where(groups.Signup.group_id == group.id)
                                  .order_by(groups.Signup.id)).all()
        names = sorted(privacy.decrypt(r.name_enc, "name") for r in rows)
        confirmed = [r.id for r in rows if r.status == groups.CONFIRMED]
        waitlisted = [r.id for r in rows if r.status == groups.WAITLISTED]
        hashes = {r.manage_hash for r in rows}
        queued = db.session.scalar(db.select(db.func.count(messages.OutboxMessage.id)))
    assert len(rows) == PEOPLE                                          # none lost
    assert names == sorted(f"Reader {i}" for i in range(PEOPLE))        # none duplicated
    assert (len(confirmed), len(waitlisted)) == (SEATS, PEOPLE - SEATS)  # no overbooking
    assert confirmed == [r.id for r in rows[:SEATS]]                     # seats went to the first in line
    assert {privacy.token_hash(t) for t in tokens} <= hashes             # every link reaches its own signup
    assert queued == PEOPLE // 2                                          # one message per email signup


@pytest.mark.db
def test_one_email_signing_up_many_times_at_once_holds_one_place(gapp, served):
    key = add_group(gapp, add_organizer(gapp), capacity=SEATS)
    bodies = [urlencode(signup_data(i, email="same.person@example.net")).encode() for i in range(20)]
    results = _rush(served, f"/groups/{key}", bodies)
    assert {status for status, _loc in results.values()} == {303}
    assert len({loc for _status, loc in results.values()}) == 1  # every answer the same
    with gapp.app_context():
        group = groups.by_key(key)
        rows = db.session.scalars(db.select(groups.Signup).where(groups.Signup.group_id == group.id)).all()
        kinds = sorted(m.kind for m in db.session.scalars(db.select(messages.OutboxMessage)))
    assert len(rows) == 1 and rows[0].status == groups.CONFIRMED
    assert kinds == ["again", "confirmation"]  # the link again, once an hour at most


@pytest.mark.db
def test_a_deleted_groups_link_never_reaches_the_group_that_reuses_its_number(gapp, gclient):
    """Sign up to A, delete A, open B (SQLite gives it A's number), then post to A's old link."""
    owner = add_organizer(gapp)
    old = add_group(gapp, owner, title="A")
    assert sign_up(gclient, old, 1).status_code == 303
    with gapp.app_context():
        old_id = groups.by_key(old).id
        groups.delete_group(old_id)
    new = add_group(gapp, owner, title="B")
    with gapp.app_context():
        new_id = groups.by_key(new).id
        if db.engine.dialect.name == "sqlite":
            assert new_id == old_id  # the case that mattered: the number is taken again
    response = sign_up(gclient, old, 2, email="stranger@example.net", name="Stranger")
    assert response.status_code == 404
    with gapp.app_context():
        assert db.session.scalar(db.select(db.func.count(groups.Signup.id))) == 0  # nothing in B, nothing anywhere
        assert db.session.scalar(db.select(db.func.count(messages.OutboxMessage.id))) == 0
