"""Study-group tables: groups, their meetings, the people signed up (encrypted), the messages waiting for
them (encrypted) and the log of roster exports. The capabilities that use them are ``groups``, ``messages``,
``roster``, ``reminders`` and ``retention``."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db
from .accounts import User, utcnow

CONFIRMED, WAITLISTED, CANCELLED = "confirmed", "waitlisted", "cancelled"  # a signup's status
PENDING, SENT, FAILED = "pending", "sent", "failed"  # a message's status


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
    # Keyed hash of the email, unique per group (index uq_signups_group_email): one place per email.
    email_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    manage_hash: Mapped[str] = mapped_column(String(64), unique=True)
    manage_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # to send the link again
    reminders: Mapped[bool] = mapped_column(Boolean, default=False)  # a reminder the day before each meeting
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    group: Mapped[Group] = relationship()

    __table_args__ = (Index("uq_signups_group_email", "group_id", "email_key", unique=True),)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class OutboxMessage(db.Model):
    """One message to one participant; its text (address, subject, body, attachments) is encrypted."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signup_id: Mapped[int] = mapped_column(ForeignKey("signups.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    payload_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # erased once sent
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(80), default="")  # the exception's type, never its text
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    # A reminder names its meeting: one per signup and meeting, however often the schedule runs.
    __table_args__ = (UniqueConstraint("signup_id", "meeting_id", name="uq_outbox_signup_meeting"),
                      db.Index("ix_outbox_due", "status", "next_attempt_at"))


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
