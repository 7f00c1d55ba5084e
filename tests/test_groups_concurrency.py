"""200 people press "Sign up" at the same moment on a 10-seat group: a real server, real threads."""
from __future__ import annotations

import dataclasses
import http.client
import re
import threading
from urllib.parse import urlencode

import pytest
from werkzeug.serving import make_server

from campaign import groups, privacy
from campaign.db import db

from groups_support import add_group, add_organizer, gapp, gconfig, signup_data  # noqa: F401

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


@pytest.mark.db
def test_simultaneous_signups_never_overbook(gapp, served):
    key = add_group(gapp, add_organizer(gapp), capacity=SEATS)
    barrier = threading.Barrier(PEOPLE)
    results: dict[int, tuple[int, str]] = {}
    bodies = [urlencode(signup_data(i, email=f"reader{i}@example.net" if i % 2 else "",
                                    messenger="" if i % 2 else f"@reader{i}")).encode() for i in range(PEOPLE)]
    threads = [threading.Thread(target=_post, args=(served, f"/groups/{key}", bodies[i], barrier, results, i))
               for i in range(PEOPLE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    failures = {i: r for i, r in results.items() if r[0] != 303}
    assert len(results) == PEOPLE and not failures, failures
    tokens = [re.search(r"/groups/manage/([A-Za-z0-9_-]+)", loc).group(1) for _status, loc in results.values()]
    assert len(set(tokens)) == PEOPLE

    with gapp.app_context():
        group = groups.by_key(key)
        rows = db.session.scalars(db.select(groups.Signup).where(groups.Signup.group_id == group.id)
                                  .order_by(groups.Signup.id)).all()
        names = sorted(privacy.decrypt(r.name_enc, "name") for r in rows)
        confirmed = [r.id for r in rows if r.status == groups.CONFIRMED]
        waitlisted = [r.id for r in rows if r.status == groups.WAITLISTED]
        hashes = {r.manage_hash for r in rows}
    assert len(rows) == PEOPLE                                          # none lost
    assert names == sorted(f"Reader {i}" for i in range(PEOPLE))        # none duplicated
    assert (len(confirmed), len(waitlisted)) == (SEATS, PEOPLE - SEATS)  # no overbooking
    assert confirmed == [r.id for r in rows[:SEATS]]                     # seats went to the first in line
    assert hashes == {privacy.token_hash(t) for t in tokens}             # every link reaches its own signup


@pytest.mark.db
def test_a_group_read_before_an_edit_never_decides_the_seat(gapp):
    """The signup form reads the group before the insert; an organizer may change it in between."""
    key = add_group(gapp, add_organizer(gapp), capacity=2)
    with gapp.app_context():
        read = groups.signup_target(key)
        stale = lambda **changes: dataclasses.replace(read, **changes)  # noqa: E731
        person = lambda i: groups.SignupInput(name=f"Reader {i}", email=f"reader{i}@example.net")  # noqa: E731
        assert groups.join(read.id, person(1), expected=stale(capacity=1)).status == groups.CONFIRMED  # grown since
        assert groups.join(read.id, person(2), expected=stale(capacity=5)).status == groups.CONFIRMED
        assert groups.join(read.id, person(3), expected=stale(capacity=5)).status == groups.WAITLISTED  # shrunk since
        assert groups.join(read.id, person(4)).status == groups.WAITLISTED
        db.session.execute(db.update(groups.Group).where(groups.Group.id == read.id).values(signups_open=False))
        db.session.commit()
        with pytest.raises(groups.GroupClosed):
            groups.join(read.id, person(5), expected=read)
        confirmed = db.session.scalar(db.select(db.func.count()).select_from(groups.Signup).where(
            groups.Signup.group_id == read.id, groups.Signup.status == groups.CONFIRMED))
    assert confirmed == 2
