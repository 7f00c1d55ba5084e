"""Study groups: groups, meetings and signups, with capacity, waitlist and promotion.

Every change to who holds a seat happens in one transaction that first takes the group's write
lock — ``BEGIN IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` on the group row on PostgreSQL — so
concurrent signups can never overbook a group. Contact details exist in clear text only in memory:
the database holds AES-GCM ciphertext (see :mod:`campaign.privacy`).
"""
from __future__ import annotations

import csv
import io
import os
import re
import secrets
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

try:
    import fcntl
except ImportError:  # not POSIX: the in-process lock and BEGIN IMMEDIATE still hold
    fcntl = None
from sqlalchemy import (Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text, and_, bindparam, case, func,
                        insert, literal, select)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import privacy
from .ics import calendar_ics  # noqa: F401 - the calendar file, for the views
from .models.accounts import User, utcnow
from .db import db, is_sqlite

CONFIRMED, WAITLISTED, CANCELLED = "confirmed", "waitlisted", "cancelled"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


class GroupError(ValueError):
    """A change to a group or signup that cannot be made; the message says why."""


class GroupClosed(GroupError):
    pass


class GroupFull(GroupError):
    pass


class Group(db.Model):
    """A reading group: what, where, when, how many seats, and who runs it."""

    __tablename__ = "study_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(24), unique=True)  # unguessable: the public and the secret link
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    pamphlet: Mapped[str | None] = mapped_column(String(60), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    city: Mapped[str] = mapped_column(String(80), default="")
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    capacity: Mapped[int] = mapped_column(Integer)
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    signups_open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    meetings: Mapped[list["Meeting"]] = relationship(back_populates="group", order_by="Meeting.starts_at",
                                                     cascade="all, delete-orphan")

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)

    @property
    def place(self) -> str:
        return self.city if not self.online else ""

    @property
    def last_meeting_end(self) -> datetime | None:
        return max((m.ends_at for m in self.meetings), default=None)


class Meeting(db.Model):
    """One session of a group; times are stored in UTC and shown in the group's time zone."""

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("study_groups.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)

    group: Mapped[Group] = relationship(back_populates="meetings")

    def local(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        return (self.starts_at.replace(tzinfo=timezone.utc).astimezone(tz),
                self.ends_at.replace(tzinfo=timezone.utc).astimezone(tz))


class Signup(db.Model):
    """One person on a group's list. Everything that identifies them is encrypted."""

    __tablename__ = "signups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # signup order
    group_id: Mapped[int] = mapped_column(ForeignKey("study_groups.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    email_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    messenger_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="")
    src: Mapped[str | None] = mapped_column(String(60), nullable=True)  # which pamphlet brought it
    contact_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    manage_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    group: Mapped[Group] = relationship()


class RosterExport(db.Model):
    """A record that a roster was exported: who, when, which group — never the data itself."""

    __tablename__ = "roster_exports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                     nullable=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("study_groups.id", ondelete="SET NULL"),
                                                 nullable=True, index=True)
    group_title: Mapped[str] = mapped_column(String(120))
    rows: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    organizer: Mapped[User | None] = relationship()


# -- time zones and schedules ----------------------------------------------------------------

def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


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

def lock_for_write() -> None:
    """SQLite: start the transaction with the database write lock held (``BEGIN IMMEDIATE``).

    pysqlite would otherwise begin lazily at the first INSERT, after our capacity count — two
    requests could both count 9 and both insert. PostgreSQL locks the group row instead.
    """
    if not is_sqlite():
        return
    _begin_immediate(db.session.connection())


def _begin_immediate(connection) -> None:
    raw = connection.connection.dbapi_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class _WriteLock:
    """One SQLite database's writer queue: a thread lock in this process, ``flock`` across processes."""

    def __init__(self, path: str | None):
        self.path, self.local, self.depth, self.fd, self.pid = path, threading.RLock(), 0, None, None

    @contextmanager
    def held(self):
        with self.local:
            self.depth += 1
            try:
                if self.depth == 1:
                    self._file_lock(fcntl.LOCK_EX if fcntl else None)
                yield
            finally:
                if self.depth == 1:
                    self._file_lock(fcntl.LOCK_UN if fcntl else None)
                self.depth -= 1

    def _file_lock(self, op) -> None:
        if op is None or not self.path:
            return
        if self.fd is None or self.pid != os.getpid():  # a forked worker needs its own open file
            self.fd, self.pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        fcntl.flock(self.fd, op)


_WRITE_LOCKS: dict[str, _WriteLock] = {}
_DATABASES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _database() -> str:
    """The current engine's URL as text (rendered once per engine: it names per-database state)."""
    engine = db.engine
    found = _DATABASES.get(engine)
    if found is None:
        found = _DATABASES[engine] = str(engine.url)
    return found
_WRITE_LOCKS_GUARD = threading.Lock()


@contextmanager
def writing():
    """Queue this request behind the other writers of the same SQLite database, without sleeping.

    SQLite's busy handler waits by sleeping (1, 2, 5 … 100 ms), which turns a queue of short
    transactions into long tail latencies; a thread lock plus an ``flock`` beside the database file
    (gunicorn's workers are separate processes) hands over at once. ``BEGIN IMMEDIATE`` still
    guarantees correctness for any writer that does not take this queue. PostgreSQL needs nothing
    here: it queues on the group's row lock.
    """
    if not is_sqlite():
        yield
        return
    database = db.engine.url.database
    path = database + "-writelock" if database and database != ":memory:" else None
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.setdefault(_database(), _WriteLock(path))
    with lock.held():
        yield


def locked_group(group_id: int) -> Group:
    """The group, re-read under its write lock."""
    lock_for_write()
    group = db.session.scalar(select(Group).where(Group.id == group_id).with_for_update()
                              .execution_options(populate_existing=True))
    if group is None:
        raise GroupError("this group no longer exists")
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


def normalise_contact(email: str, messenger: str) -> str:
    if email.strip():
        return "email:" + email.strip().lower()
    return "messenger:" + re.sub(r"\s+", "", messenger).lstrip("@").lower()


def contact_hash(group_id: int, data: SignupInput) -> str:
    """Keyed hash of the contact, scoped to the group: equal within a group, unlinkable across groups."""
    return privacy.keyed_hash("contact", str(group_id), normalise_contact(data.email, data.messenger))


@dataclass(frozen=True)
class Joined:
    """The outcome of a signup, read before the commit (so nothing needs reloading)."""

    id: int
    status: str
    token: str
    version: datetime | None = None  # the group's ``updated_at`` when the signup was inserted


def join(group_id: int, data: SignupInput, expected: SignupTarget | None = None) -> Joined:
    """Add someone: a seat if one is free, else the end of the waitlist; returns the secret manage token.

    ``expected`` is the group as the caller last read it (a hint: on SQLite the insert checks it
    under the write lock and reads the group again if it changed; ``Joined.version`` says which
    version of the group the signup joined). A second signup with the same contact is accepted like
    any other and flagged on the roster: refusing it would tell anyone who types a person's email
    that they are on this list.
    """
    token = secrets.token_urlsafe(32)
    # Encryption and hashing happen before the lock is taken, to keep the locked part short.
    fields = dict(
        language=data.language[:8], src=data.src, manage_hash=privacy.token_hash(token),
        name_enc=privacy.encrypt(data.name.strip(), "name"),
        email_enc=privacy.encrypt(data.email.strip(), "email"),
        messenger_enc=privacy.encrypt(data.messenger.strip(), "messenger"),
        note_enc=privacy.encrypt(data.note.strip(), "note"),
        contact_hash=contact_hash(group_id, data))
    if is_sqlite():
        # A Core connection of its own (committed, or rolled back on error, when the block ends):
        # one statement and a commit need none of the ORM session's bookkeeping.
        with writing(), db.engine.begin() as connection:
            return _insert_sqlite(connection, group_id, fields, token, expected)
    with writing():
        try:
            joined = _insert_locked(group_id, fields, token)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return joined


SIGNUP_FIELDS = ("language", "src", "manage_hash", "name_enc", "email_enc", "messenger_enc", "note_enc",
                 "contact_hash")


@lru_cache(maxsize=1)
def _sqlite_insert_statement():
    """One INSERT … SELECT that checks for a free seat and inserts with the right status.

    SQLite takes the write lock when a writing statement starts, before it reads, so the check and
    the insert cannot be interleaved with another writer — and the lock is held for one statement
    and the commit, not for several round trips through Python.

    The group is full when a ``capacity``-th confirmed signup exists: looking for that one row
    (``LIMIT 1 OFFSET capacity-1``) stops after the first ``capacity`` confirmed signups, where
    counting them all would read every signup of the group — a cost that grew with each signup.
    SQLite cannot take the offset from the group's row, so the caller passes the group as it read
    it, and the statement inserts nothing unless the group is still that version (``updated_at``,
    which every edit changes) with exactly that capacity.
    """
    signups, group = Signup.__table__, Group.__table__
    nth_confirmed = (select(signups.c.id).where(signups.c.group_id == group.c.id, signups.c.status == CONFIRMED)
                     .limit(1).offset(bindparam("nth", type_=Integer)).scalar_subquery())
    status = case((and_(group.c.capacity > 0, nth_confirmed.is_(None)), literal(CONFIRMED)),
                  else_=literal(WAITLISTED))
    now = bindparam("now", type_=DateTime)
    values = [bindparam(name, type_=signups.c[name].type) for name in SIGNUP_FIELDS]
    source = select(group.c.id, status, now, now, *values).where(
        group.c.id == bindparam("group_id"), group.c.signups_open.is_(True), group.c.key == bindparam("key"),
        group.c.updated_at.is_not_distinct_from(bindparam("version", type_=DateTime)), group.c.capacity == bindparam("capacity", type_=Integer))
    return (insert(signups).from_select(["group_id", "status", "created_at", "status_changed_at", *SIGNUP_FIELDS],
                                        source).returning(signups.c.id, signups.c.status))


def _insert_sqlite(connection, group_id: int, fields: dict, token: str, expected: SignupTarget | None) -> Joined:
    """SQLite: the one-statement insert; if the group changed since it was read, read it again and retry."""
    params = {"group_id": group_id, "now": utcnow(), **fields}
    for _attempt in range(2):
        if expected is None or expected.id != group_id:
            expected = _open_target(connection, group_id)
        row = connection.execute(_sqlite_insert_statement(), {
            **params, "key": expected.key, "version": expected.updated_at, "capacity": expected.capacity,
            "nth": max(expected.capacity - 1, 0)}).first()
        if row is not None:
            return Joined(row.id, row.status, token, expected.updated_at)
        # Edited, closed or deleted meanwhile: the write lock is held now, so a second read is final.
        _forget_target(expected.key)
        _begin_immediate(connection)
        expected = None
    _why_not(group_id)


def _open_target(connection, group_id: int) -> SignupTarget:
    """The group as it is now, if it takes signups (raises when it is gone or closed)."""
    table = Group.__table__
    row = connection.execute(select(*_target_columns(), table.c.signups_open).where(table.c.id == group_id)).first()
    if row is None or not row.signups_open:
        _why_not(group_id)
    return SignupTarget(*row[:-1])


def _insert_locked(group_id: int, fields: dict, token: str) -> Joined:
    """PostgreSQL: lock the group row (``SELECT … FOR UPDATE``), count, insert — in one transaction."""
    row = db.session.execute(select(Group.capacity, Group.signups_open, Group.updated_at).where(Group.id == group_id)
                             .with_for_update()).one_or_none()
    if row is None or not row.signups_open:
        _why_not(group_id)
    status = CONFIRMED if confirmed_count(group_id) < row.capacity else WAITLISTED
    now = utcnow()
    result = db.session.execute(insert(Signup.__table__).values(
        group_id=group_id, status=status, created_at=now, status_changed_at=now, **fields))
    return Joined(result.inserted_primary_key[0], status, token, row.updated_at)


def _why_not(group_id: int):
    if db.session.get(Group, group_id) is None:
        raise GroupError("this group no longer exists")
    raise GroupClosed("signups for this group are closed")


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
    signup.contact_hash = ""


def cancel(signup_id: int) -> list[Signup]:
    """The person gives up their place: contact details are erased at once, the seat goes to the waitlist."""
    return _leave(signup_id, delete=False)


def delete_signup(signup_id: int) -> list[Signup]:
    """Remove the signup and everything it holds now; promotes from the waitlist if a seat was freed."""
    return _leave(signup_id, delete=True)


def _leave(signup_id: int, delete: bool) -> list[Signup]:
    with writing():
        return _leave_locked(signup_id, delete)


def _leave_locked(signup_id: int, delete: bool) -> list[Signup]:
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
    with writing():
        _move_locked(signup, to)


def _move_locked(signup: Signup, to: str) -> None:
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
    with writing():
        return _update_locked(group_id, data)


def _update_locked(group_id: int, data: GroupInput) -> GroupChange:
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
    group.updated_at = utcnow()  # also when only the meetings changed: it versions cached summaries
    existing = {(m.starts_at, m.ends_at): m for m in group.meetings}
    group.meetings = [existing.get(pair) or Meeting(starts_at=pair[0], ends_at=pair[1]) for pair in data.meetings]


def delete_group(group_id: int) -> list[int]:
    """Delete a group with every signup in it; returns the deleted signups' numbers (for their outbox files)."""
    with writing():
        group = locked_group(group_id)
        signup_ids = db.session.scalars(select(Signup.id).where(Signup.group_id == group_id)).all()
        privacy.secure_delete()
        db.session.delete(group)
        db.session.commit()
    return list(signup_ids)


@dataclass(frozen=True)
class Summary:
    """What messages and pages say about a group, read once (no database access afterwards)."""

    key: str
    title: str
    timezone: str
    online: bool
    city: str
    schedule: tuple


_SUMMARIES: dict[tuple[int, datetime], Summary] = {}


def summary(group: Group) -> Summary:
    """The group's summary, cached per version (``updated_at`` changes with every edit)."""
    version = (group.id, group.updated_at)
    found = _SUMMARIES.get(version)
    if found is None:
        tz = group.zone
        found = Summary(group.key, group.title, group.timezone, group.online, group.city,
                        tuple(m.local(tz) for m in group.meetings))
        if len(_SUMMARIES) > 1000:
            _SUMMARIES.clear()
        _SUMMARIES[version] = found
    return found


@dataclass(frozen=True)
class SignupTarget:
    """What a signup needs to know about its group, read without building ORM objects."""

    id: int
    key: str
    language: str
    updated_at: datetime
    capacity: int


def _target_columns():
    table = Group.__table__
    return table.c.id, table.c.key, table.c.language, table.c.updated_at, table.c.capacity


@lru_cache(maxsize=1)
def _target_statement():
    return select(*_target_columns()).where(Group.__table__.c.key == bindparam("key"))


# SQLite: the groups signups were last posted to, by database and key. A remembered group is only
# a hint: the insert checks, under the write lock, that the group is still that version.
_TARGETS: dict[tuple[str, str], SignupTarget] = {}


def _forget_target(key: str) -> None:
    _TARGETS.pop((_database(), key), None)


def signup_target(key: str) -> SignupTarget | None:
    """The group a signup POST is for: remembered on SQLite (the insert re-checks it), else one Core query."""
    if not key or len(key) > 24:
        return None
    remember = is_sqlite()
    if remember:
        found = _TARGETS.get((_database(), key))
        if found is not None:
            return found
    with db.engine.connect() as connection:
        row = connection.execute(_target_statement(), {"key": key}).first()
    if row is None:
        return None
    found = SignupTarget(*row)
    if remember:
        if len(_TARGETS) >= 1000:
            _TARGETS.clear()
        _TARGETS[(_database(), key)] = found
    return found


def summary_of(target: SignupTarget) -> Summary:
    """:func:`summary` for a :class:`SignupTarget`: from the cache while the group is unchanged."""
    found = _SUMMARIES.get((target.id, target.updated_at))
    if found is not None:
        return found
    group = db.session.get(Group, target.id)
    if group is None:
        raise GroupError("this group no longer exists")
    return summary(group)


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


# -- roster ----------------------------------------------------------------------------------

@dataclass
class RosterEntry:
    """One person as the organizer sees them (decrypted)."""

    id: int
    position: int
    status: str
    name: str
    email: str
    messenger: str
    language: str
    note: str
    src: str
    signed_up: datetime
    duplicate_of: str | None = None  # "confirmed #2": an earlier signup with the same contact


def roster(group: Group) -> list[RosterEntry]:
    """Confirmed, then waitlisted, each in signup order; repeated contacts point at their first signup."""
    signups = db.session.scalars(select(Signup).where(
        Signup.group_id == group.id, Signup.status.in_((CONFIRMED, WAITLISTED))).order_by(Signup.id)).all()
    entries, first_seen = [], {}
    ordered = [s for s in signups if s.status == CONFIRMED] + [s for s in signups if s.status == WAITLISTED]
    positions = {CONFIRMED: 0, WAITLISTED: 0}
    for signup in ordered:
        positions[signup.status] += 1
        entries.append(RosterEntry(
            id=signup.id, position=positions[signup.status], status=signup.status,
            name=privacy.decrypt(signup.name_enc, "name"), email=privacy.decrypt(signup.email_enc, "email"),
            messenger=privacy.decrypt(signup.messenger_enc, "messenger"),
            note=privacy.decrypt(signup.note_enc, "note"), language=signup.language, src=signup.src or "",
            signed_up=signup.created_at))
    hashes = {s.id: s.contact_hash for s in signups}
    for entry in sorted(entries, key=lambda e: e.id):
        key = hashes[entry.id]
        if key and key in first_seen:
            first = first_seen[key]
            entry.duplicate_of = f"{first.status} #{first.position}"
        elif key:
            first_seen[key] = entry
    return entries


def source_counts(group: Group) -> list[tuple[str, int]]:
    """How many signups each pamphlet brought (aggregate only)."""
    rows = db.session.execute(select(Signup.src, func.count(Signup.id)).where(Signup.group_id == group.id)
                              .group_by(Signup.src).order_by(func.count(Signup.id).desc())).all()
    return [(src or "", n) for src, n in rows]


def cancelled_count(group: Group) -> int:
    return db.session.scalar(select(func.count(Signup.id)).where(
        Signup.group_id == group.id, Signup.status == CANCELLED)) or 0


FORMULA_START = set("=+-@\t\r＝＋－＠")


def safe_cell(value) -> str:
    """A spreadsheet cannot run it as a formula: a leading = + - @ tab or CR (also after spaces) gets a quote."""
    text = "" if value is None else str(value)
    if text and (text[0] in FORMULA_START or text.lstrip(" \u00a0\t\r\n")[:1] in FORMULA_START):
        return "'" + text
    return text


CSV_HEADER = ["list", "position", "name", "email", "messenger", "language", "note", "signed up (UTC)",
              "pamphlet", "duplicate of"]


def roster_csv(entries: list[RosterEntry]) -> str:
    """RFC 4180 CSV (CRLF, quoted where needed) with every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADER)
    for e in entries:
        writer.writerow([safe_cell(v) for v in (
            e.status, e.position, e.name, e.email, e.messenger, e.language, e.note,
            e.signed_up.strftime("%Y-%m-%d %H:%M"), e.src, e.duplicate_of or "")])
    return out.getvalue()


def log_export(group: Group, organizer: User, rows: int) -> None:
    db.session.add(RosterExport(organizer_id=organizer.id, group_id=group.id, group_title=group.title, rows=rows))
    db.session.commit()


def exports(group: Group) -> list[RosterExport]:
    return db.session.scalars(select(RosterExport).where(RosterExport.group_id == group.id)
                              .order_by(RosterExport.id.desc())).all()


def valid_slug(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value if SLUG_RE.match(value) else None


def retention_date(group: Group, days: int) -> datetime | None:
    last = group.last_meeting_end
    return last + timedelta(days=days) if last else None
