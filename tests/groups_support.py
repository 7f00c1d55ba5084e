"""Helpers for the study-group tests: an app with a known key and outbox, organizers, groups, signups."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from campaign import accounts, groups
from conftest import PASSWORD, add_user, login  # noqa: F401 (re-exported for the group tests)
from campaign.db import db

KEY = "q4Ck5OVn0_EXU4X0tjTcKvx5sRrq1wRZ9j8aJ_qGm1E"  # a fixed test key (32 bytes, urlsafe base64)
PAMPHLET = "aleppo-leaflet"


@pytest.fixture
def gconfig(tmp_path):
    """Configuration every study-group test app uses: its own key, outbox and pamphlets."""
    pamphlets = tmp_path / "pamphlets"
    pamphlets.mkdir()
    (pamphlets / f"{PAMPHLET}.yaml").write_text("kind: leaflet\ntitle: Aleppo leaflet\n", encoding="utf-8")
    return {"ENCRYPTION_KEY": KEY, "OUTBOX_DIR": str(tmp_path / "outbox"), "PAMPHLETS_DIR": str(pamphlets),
            "SIGNUP_RATE_LIMIT": "1000/minute", "RATELIMIT_KEY_PREFIX": f"t{id(tmp_path)}"}


@pytest.fixture
def gapp(make_app, gconfig):
    return make_app(**gconfig)


@pytest.fixture
def gclient(gapp):
    return gapp.test_client()


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
    return client.post(f"/groups/{key}", data=signup_data(i, **overrides))


def token_of(response) -> str:
    match = re.search(r"/groups/manage/([A-Za-z0-9_-]{43})", response.headers.get("Location", ""))
    assert match, response.headers.get("Location")
    return match.group(1)


def outbox(app) -> list:
    """The messages in the outbox, parsed (after the mail thread has written what was queued)."""
    from campaign import messages

    messages.flush(app)
    folder = Path(app.config["OUTBOX_DIR"])
    if not folder.exists():
        return []
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


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
