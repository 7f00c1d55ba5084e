"""Study groups: groups, meetings and signups, with capacity, waitlist and promotion.

Every change to who holds a seat happens in one transaction that first takes the group's write
lock — ``BEGIN IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` on the group row on PostgreSQL — so
concurrent signups can never overbook a group. Contact details exist in clear text only in memory:
the database holds AES-GCM ciphertext (see :mod:`campaign.privacy`).
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from . import messages, privacy
from .db import begin_write, db
from .models.accounts import User, utcnow
from .models.groups import CANCELLED, CONFIRMED, WAITLISTED, Group, Meeting, Signup, zone  # noqa: F401 - re-exported

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


class GroupError(ValueError):
    """A change to a group or signup that cannot be made; the message says why."""


class GroupClosed(GroupError):
    pass


class GroupGone(GroupError):
    """The group does not exist (any more): deleted, or a link that never named one."""


class GroupFull(GroupError):
    pass


# -- time zones and schedules ----------------------------------------------------------------

class ScheduleError(ValueError):
    """A meeting line cannot be read; the message names the line."""


LINE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})$")


def parse_schedule(text: str, tz_name: str) -> list[tuple[datetime, datetime]]:
    """Lines ``YYYY-MM-DD HH:MM-HH:MM`` in the group's time zone → (start, end) in naive UTC."""
    tz = zone(tz_name)
    meetings = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = LINE_RE.match(line)
        if not match:
            raise ScheduleError(_("line %(n)d: write it as YYYY-MM-DD HH:MM-HH:MM, e.g. 2026-12-01 18:30-20:00", n=number))
        try:
            day = date.fromisoformat(match.group(1))
            start, end = (time.fromisoformat(t.zfill(5)) for t in match.group(2, 3))
        except ValueError:
            raise ScheduleError(_("line %(n)d: “%(line)s” is not a real date and time", n=number, line=line)) from None
        if end <= start:
            raise ScheduleError(_("line %(n)d: the meeting ends before it starts", n=number))
        to_utc = lambda t: datetime.combine(day, t, tz).astimezone(timezone.utc).replace(tzinfo=None)  # noqa: E731
        meetings.append((to_utc(start), to_utc(end)))
    if not meetings:
        raise ScheduleError(_("add at least one meeting"))
    if len(meetings) > 100:
        raise ScheduleError(_("at most 100 meetings per group"))
    return sorted(meetings)


def format_schedule(meetings, tz_name: str) -> str:
    """The schedule as the lines the form accepts (for editing)."""
    tz = zone(tz_name)
    lines = []
    for m in meetings:
        start, end = m.local(tz)
        lines.append(f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}")
    return "\n".join(lines)


# -- locking ---------------------------------------------------------------------------------

def locked_group(group_id: int) -> Group:
    """The group, re-read in a write transaction that holds its lock.

    SQLite: the transaction starts with ``BEGIN IMMEDIATE`` (the database's write lock, see
    :func:`campaign.db.begin_write`); PostgreSQL: ``SELECT … FOR UPDATE`` locks the group's row.
    """
    begin_write()
    group = db.session.scalar(select(Group).where(Group.id == group_id).with_for_update()
                              .execution_options(populate_existing=True))
    if group is None:
        raise GroupGone("this group no longer exists")
    return group


def confirmed_count(group_id: int) -> int:
    return db.session.scalar(select(func.count(Signup.id)).where(
        Signup.group_id == group_id, Signup.status == CONFIRMED)) or 0


def _promote(group: Group) -> list[Signup]:
    """Fill free seats from the head of the waitlist (call with the group locked)."""
    free = group.capacity - confirmed_count(group.id)
    if free <= 0:
        return []
    promoted = db.session.scalars(select(Signup).where(
        Signup.group_id == group.id, Signup.status == WAITLISTED).order_by(Signup.id).limit(free)).all()
    now = utcnow()
    for signup in promoted:
        signup.status, signup.status_changed_at = CONFIRMED, now
    return list(promoted)


# -- signups ---------------------------------------------------------------------------------

@dataclass
class SignupInput:
    """What the signup form asks, nothing more."""

    name: str
    email: str = ""
    messenger: str = ""
    language: str = ""
    note: str = ""
    src: str | None = None
    reminders: bool = False


def normalise_contact(email: str, messenger: str) -> str:
    if email.strip():
        return "email:" + email.strip().lower()
    return "messenger:" + re.sub(r"\s+", "", messenger).lstrip("@").lower()


def contact_hash(group_id: int, data: SignupInput) -> str:
    """Keyed hash of the contact, scoped to the group: equal within a group, unlinkable across groups."""
    return privacy.keyed_hash("contact", str(group_id), normalise_contact(data.email, data.messenger))


def email_key(group_key: str, email: str) -> str | None:
    """Keyed hash of the normalised email, scoped to the group's (never reused) public key.

    Stored beside the signup under a unique index per group, so one email holds at most one place
    in a group even when two signups with it arrive at once.
    """
    email = (email or "").strip().lower()
    return privacy.keyed_hash("signup-email", group_key, email) if email else None


@dataclass(frozen=True)
class Joined:
    """The outcome of a signup: the signup's number and list, and its secret manage token."""

    id: int
    status: str
    token: str
    repeat: bool = False  # the email was already on the list: no new place was taken


def join(key: str, data: SignupInput, before_commit: Callable[[Group, Joined], None] | None = None) -> Joined:
    """Add someone to the group with this public key: a seat if one is free, else the end of the waitlist.

    One transaction: the group is read by its key under its write lock, the seat counted, the
    signup inserted, and ``before_commit(group, joined)`` may add rows of its own (the message
    that goes with the signup) before the commit — so a signup never exists without its message.
    A repeat signup with an email already on the list takes no second place: it returns the
    existing signup (``repeat=True``) with its manage token.
    """
    token = secrets.token_urlsafe(32)
    # Encryption and hashing happen before the lock is taken, to keep the locked part short.
    fields = dict(
        language=data.language[:8], src=data.src, manage_hash=privacy.token_hash(token),
        manage_enc=privacy.encrypt(token, "manage"),
        name_enc=privacy.encrypt(data.name.strip(), "name"),
        email_enc=privacy.encrypt(data.email.strip(), "email"),
        messenger_enc=privacy.encrypt(data.messenger.strip(), "messenger"),
        note_enc=privacy.encrypt(data.note.strip(), "note"),
        email_key=email_key(key, data.email), reminders=bool(data.reminders))
    for attempt in (1, 2):
        try:
            joined = _join_locked(key, data, fields, token, before_commit)
            db.session.commit()
            return joined
        except IntegrityError:
            # Only the per-group email index can refuse the insert; the second attempt finds that signup.
            db.session.rollback()
            if attempt == 2:
                raise
        except Exception:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def _join_locked(key: str, data: SignupInput, fields: dict, token: str, before_commit) -> Joined:
    begin_write()
    group = db.session.scalar(select(Group).where(Group.key == key).with_for_update()
                              .execution_options(populate_existing=True))
    if group is None:
        raise GroupGone("this group no longer exists")
    if not group.signups_open:
        raise GroupClosed("signups for this group are closed")
    existing = None
    if fields["email_key"]:
        existing = db.session.scalar(select(Signup).where(Signup.group_id == group.id,
                                                          Signup.email_key == fields["email_key"]))
    if existing is not None:
        joined = Joined(existing.id, existing.status, _manage_token(existing), repeat=True)
    else:
        status = CONFIRMED if confirmed_count(group.id) < group.capacity else WAITLISTED
        signup = Signup(group_id=group.id, status=status, contact_hash=contact_hash(group.id, data), **fields)
        db.session.add(signup)
        db.session.flush()
        joined = Joined(signup.id, status, token)
    if before_commit is not None:
        before_commit(group, joined)
    return joined


def _manage_token(signup: Signup) -> str:
    """The signup's manage token; a signup stored before tokens were kept encrypted gets a new one."""
    if signup.manage_enc:
        return privacy.decrypt(signup.manage_enc, "manage")
    token = secrets.token_urlsafe(32)
    signup.manage_hash, signup.manage_enc = privacy.token_hash(token), privacy.encrypt(token, "manage")
    return token


def by_token(token: str) -> Signup | None:
    """The signup a manage link belongs to."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Signup).where(Signup.manage_hash == privacy.token_hash(token)))


def signup(signup_id: int) -> Signup | None:
    return db.session.get(Signup, signup_id)


def waitlist_position(signup: Signup) -> int:
    """1 for the next person to get a seat."""
    return db.session.scalar(select(func.count(Signup.id)).where(
        Signup.group_id == signup.group_id, Signup.status == WAITLISTED, Signup.id <= signup.id)) or 0


def listed_signups(group: Group) -> list[Signup]:
    """Everyone confirmed or waiting, in signup order."""
    return db.session.scalars(select(Signup).where(
        Signup.group_id == group.id, Signup.status.in_((CONFIRMED, WAITLISTED))).order_by(Signup.id)).all()


def _erase(signup: Signup) -> None:
    signup.name_enc = signup.email_enc = signup.messenger_enc = signup.note_enc = None
    signup.contact_hash, signup.email_key, signup.reminders = "", None, False


def cancel(signup_id: int) -> list[Signup]:
    """The person gives up their place: contact details are erased at once, the seat goes to the waitlist."""
    return _leave(signup_id, delete=False)


def delete_signup(signup_id: int) -> list[Signup]:
    """Remove the signup and everything it holds now; promotes from the waitlist if a seat was freed."""
    return _leave(signup_id, delete=True)


def _leave(signup_id: int, delete: bool) -> list[Signup]:
    """Cancel or delete in one transaction; messages not yet sent to the person go with their data."""
    try:
        signup = db.session.get(Signup, signup_id)
        if signup is None:
            return []
        group = locked_group(signup.group_id)
        signup = db.session.scalar(select(Signup).where(Signup.id == signup_id)
                                   .execution_options(populate_existing=True))
        if signup is None:
            db.session.rollback()
            return []
        privacy.secure_delete()
        messages.forget(signup.id)
        if delete:
            db.session.delete(signup)
        else:
            _erase(signup)
            signup.status, signup.status_changed_at = CANCELLED, utcnow()
        db.session.flush()
        promoted = _promote(group)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return promoted


def move(signup: Signup, to: str) -> None:
    """An organizer moves someone between the lists; a full group refuses a new confirmation."""
    if to not in (CONFIRMED, WAITLISTED):
        raise GroupError("unknown list")
    try:
        group = locked_group(signup.group_id)
        db.session.refresh(signup)
        if signup.status == to or signup.status == CANCELLED:
            db.session.rollback()
            return
        if to == CONFIRMED and confirmed_count(group.id) >= group.capacity:
            raise GroupFull(_("the group is full: move someone to the waitlist first, or raise the capacity"))
        signup.status, signup.status_changed_at = to, utcnow()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# -- groups ----------------------------------------------------------------------------------

@dataclass
class GroupInput:
    """What the group form asks."""

    title: str
    description: str
    pamphlet: str | None
    language: str
    city: str
    online: bool
    timezone: str
    meetings: list[tuple[datetime, datetime]]
    capacity: int
    listed: bool
    signups_open: bool


@dataclass
class GroupChange:
    group: Group
    promoted: list[Signup] = field(default_factory=list)
    changed: bool = False  # schedule, place or title changed: participants are told


def create_group(owner: User, data: GroupInput) -> Group:
    """A new group owned by ``owner``."""
    group = Group(owner_id=owner.id, key=secrets.token_urlsafe(12))
    _apply(group, data)
    db.session.add(group)
    db.session.commit()
    return group


def update_group(group_id: int, data: GroupInput) -> GroupChange:
    """Edit a group; a larger capacity promotes from the waitlist in the same transaction."""
    try:
        group = locked_group(group_id)
        before = (group.title, group.city, group.online, group.timezone,
                  [(m.starts_at, m.ends_at) for m in group.meetings])
        _apply(group, data)
        after = (group.title, group.city, group.online, group.timezone, list(data.meetings))
        db.session.flush()
        promoted = _promote(group)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return GroupChange(group, promoted, before != after)


def _apply(group: Group, data: GroupInput) -> None:
    group.title, group.description, group.pamphlet = data.title, data.description, data.pamphlet
    group.language, group.city, group.online = data.language, ("" if data.online else data.city), data.online
    group.timezone, group.capacity = data.timezone, data.capacity
    group.listed, group.signups_open = data.listed, data.signups_open
    group.updated_at = utcnow()
    existing = {(m.starts_at, m.ends_at): m for m in group.meetings}
    group.meetings = [existing.get(pair) or Meeting(starts_at=pair[0], ends_at=pair[1]) for pair in data.meetings]


def delete_group(group_id: int) -> int:
    """Delete a group with every signup in it (and their unsent messages); returns how many signups went."""
    try:
        locked_group(group_id)
        count = db.session.scalar(select(func.count(Signup.id)).where(Signup.group_id == group_id)) or 0
        privacy.secure_delete()
        db.session.execute(delete(Group).where(Group.id == group_id))  # the database cascades to signups
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return count


@dataclass(frozen=True)
class Summary:
    """What messages and pages say about a group, read once (no database access afterwards)."""

    key: str
    title: str
    timezone: str
    online: bool
    city: str
    schedule: tuple


def summary(group: Group) -> Summary:
    """The group as messages describe it."""
    tz = group.zone
    return Summary(group.key, group.title, group.timezone, group.online, group.city,
                   tuple(m.local(tz) for m in group.meetings))


def by_key(key: str) -> Group | None:
    if not key or len(key) > 24:
        return None
    return db.session.scalar(select(Group).where(Group.key == key))


def visible_to(organizer: User):
    """The groups an organizer manages: their own, or all for an admin."""
    query = select(Group).order_by(Group.created_at.desc(), Group.id.desc())
    if not organizer.is_admin:
        query = query.where(Group.owner_id == organizer.id)
    return db.session.scalars(query).all()


def can_manage(organizer, group: Group) -> bool:
    return bool(organizer and organizer.is_authenticated and (organizer.is_admin or group.owner_id == organizer.id))


def listed_groups() -> list[tuple[Group, int]]:
    """Publicly listed groups with their seats left, soonest first."""
    counts = (select(Signup.group_id, func.count(Signup.id).label("n"))
              .where(Signup.status == CONFIRMED).group_by(Signup.group_id).subquery())
    first = (select(Meeting.group_id, func.min(Meeting.starts_at).label("first"), func.max(Meeting.ends_at).label("last"))
             .group_by(Meeting.group_id).subquery())
    rows = db.session.execute(
        select(Group, func.coalesce(counts.c.n, 0), first.c.first)
        .outerjoin(counts, counts.c.group_id == Group.id).outerjoin(first, first.c.group_id == Group.id)
        .where(Group.listed.is_(True), (first.c.last.is_(None)) | (first.c.last >= utcnow()))
        .order_by(first.c.first, Group.id)).all()
    return [(group, max(group.capacity - taken, 0)) for group, taken, _first in rows]


def seats_left(group: Group) -> int:
    return max(group.capacity - confirmed_count(group.id), 0)




def valid_slug(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value if SLUG_RE.match(value) else None


def retention_date(group: Group, days: int) -> datetime | None:
    last = group.last_meeting_end
    return last + timedelta(days=days) if last else None
