"""Two admins change accounts at the same moment: real threads against the test's own database file
(or PostgreSQL database), one request each; the last active admin is always kept, and nobody gets a 500."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from campaign import accounts
from campaign.db import db
from campaign.models.accounts import User

from conftest import add_user, login

ADMINS = ("x@example.org", "y@example.org")


def _admins(app) -> list[str]:
    with app.app_context():
        return sorted(u.email for u in db.session.scalars(select(User)) if u.is_admin and u.is_active)


def _both_read_first(monkeypatch):
    """Each request, having counted the other admins, waits (up to a second) for the other request
    to have counted too: without a write lock both count before either writes, the race at its worst."""
    count = accounts._other_active_admins
    met = threading.Barrier(2)

    def counted_then_wait(user):
        found = count(user)
        try:
            met.wait(timeout=1)
        except threading.BrokenBarrierError:  # the other request waits for the lock this one holds
            pass
        return found

    monkeypatch.setattr(accounts, "_other_active_admins", counted_then_wait)


def _at_once(app, requests) -> list[int]:
    """POST each ``(email, path, data)`` from its own thread and client; the status codes, in order."""
    clients = []
    for email, _path, _data in requests:
        client = app.test_client()
        assert login(client, email).status_code == 302
        clients.append(client)
    statuses: list[int | str] = [0] * len(requests)

    def post(i):
        try:
            statuses[i] = clients[i].post(requests[i][1], data=requests[i][2]).status_code
        except Exception as exc:  # recorded, so the test fails with the reason
            statuses[i] = repr(exc)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


@pytest.mark.db
def test_two_admins_disabling_each_other_at_once_leave_one_admin(app, monkeypatch):
    x, y = (add_user(app, email, "admin") for email in ADMINS)
    _both_read_first(monkeypatch)
    statuses = _at_once(app, [("x@example.org", f"/users/{y}/disable", {}),
                              ("y@example.org", f"/users/{x}/disable", {})])
    assert sorted(map(str, statuses)) == ["302", "409"], statuses
    assert len(_admins(app)) == 1


@pytest.mark.db
def test_two_admins_taking_each_others_admin_role_at_once_leave_one_admin(app, monkeypatch):
    x, y = (add_user(app, email, "admin") for email in ADMINS)
    _both_read_first(monkeypatch)
    statuses = _at_once(app, [("x@example.org", f"/users/{y}", {"roles": ["editor"]}),
                              ("y@example.org", f"/users/{x}", {"roles": ["editor"]})])
    assert sorted(map(str, statuses)) == ["302", "422"], statuses
    assert len(_admins(app)) == 1
