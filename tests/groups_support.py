"""Helpers for the study-group tests: organizers, groups, signups, and the messages in the outbox.

The fixtures (``gconfig``, ``gapp``, ``gclient``) live in conftest.py; the names below still
import them, for test modules that do.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest

from campaign import accounts, groups, messages
from campaign.db import db
from conftest import PASSWORD, add_user, login  # noqa: F401 (re-exported for the group tests)
from conftest import gapp, gclient, gconfig  # noqa: F401 - the same fixtures, for older imports

KEY = "q4Ck5OVn0_EXU4X0tjTcKvx5sRrq1wRZ9j8aJ_qGm1E"  # a fixed test key (32 bytes, urlsafe base64)
PAMPHLET = "aleppo-leaflet"
READING_PACK = "aleppo-reading"
MANAGE = re.compile(r"/groups/manage/([A-Za-z0-9_-]{43})")


def add_organizer(app, email="ana@example.org", password=PASSWORD, admin=False) -> int:
    return add_user(app, email, "organizer", *(["admin"] if admin else []), password=password)


def add_group(app, owner_id: int, capacity=10, first=None, count=2, title="Reading Burning Country",
              **extra) -> str:
    """A group with ``count`` weekly meetings from ``first`` (default: a week from now), in Berlin time."""
    first = first or (datetime.now(timezone.utc).replace(tzinfo=None, second=0, microsecond=0) + timedelta(days=7))
    meetings = [(first + timedelta(days=7 * i), first + timedelta(days=7 * i, hours=2)) for i in range(count)]
    data = groups.GroupInput(title=title, description="We read the interview together.", pamphlet=None,
                             language="en", city="Berlin", online=False, timezone="Europe/Berlin",
                             meetings=meetings, capacity=capacity, listed=extra.pop("listed", True),
                             signups_open=extra.pop("signups_open", True))
    with app.app_context():
        organizer = db.session.get(accounts.User, owner_id)
        return groups.create_group(organizer, data).key


def signup_data(i=0, **overrides) -> dict:
    data = {"name": f"Reader {i}", "email": f"reader{i}@example.net", "messenger": "", "language": "en",
            "note": "", "consent": "y", "src": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def sign_up(client, key, i=0, **overrides):
    data = signup_data(i, **overrides)
    response = client.post(f"/groups/{key}", data=data)
    response.signed_up = (client.application, data.get("email", "").strip().lower())  # for token_of
    return response


def token_of(response) -> str:
    """The manage token of a signup: from the redirect, or (with an email) from the message it was sent."""
    location = response.headers.get("Location", "")
    match = MANAGE.search(location)
    if match:
        return match.group(1)
    assert location.endswith("/signed-up"), (response.status_code, location)
    app, email = response.signed_up
    mine = [m for m in outbox(app) if m["To"].lower() == email]
    assert mine, f"no message to {email}"
    return MANAGE.search(mine[-1].get_content()).group(1)


def outbox(app, status=messages.PENDING) -> list:
    """The messages waiting in the outbox, decrypted and parsed, oldest first."""
    with app.app_context():
        rows = db.session.scalars(db.select(messages.OutboxMessage).where(messages.OutboxMessage.status == status)
                                  .order_by(messages.OutboxMessage.id)).all()
        raw = [messages.email_message(messages.letter(r)).as_bytes() for r in rows]
    return [message_from_bytes(data, policy=policy.default) for data in raw]


def statuses(app, key) -> dict[str, int]:
    with app.app_context():
        group = groups.by_key(key)
        found = {}
        for s in db.session.scalars(db.select(groups.Signup).where(groups.Signup.group_id == group.id)):
            found[s.status] = found.get(s.status, 0) + 1
        return found


@pytest.fixture
def gstaff(gapp):
    """A client of the study-group app logged in as an account holding every role."""
    from conftest import staff_client

    return staff_client(gapp)
