"""Retention: signups are deleted a set time after their group's last meeting, with stale leftovers.

:func:`purge` runs daily as a job (:mod:`campaign.jobs`); ``flask privacy purge`` runs it by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import delete, func, select

from . import accounts, invites, messages
from .db import begin_write, db
from .groups import Meeting, Signup
from .privacy import secure_delete


@dataclass
class PurgeReport:
    """What a purge deleted (or, in a dry run, would delete)."""

    signups: int = 0
    groups: int = 0
    sessions: int = 0
    links: int = 0  # expired setup and invitation links
    outbox_messages: int = 0
    deleted_ids: list = field(default_factory=list)


def purge(now: datetime | None = None, days: int | None = None, dry_run: bool = False) -> PurgeReport:
    """Delete signups of groups whose last meeting ended more than ``days`` ago, and stale leftovers."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
    days = current_app.config.get("RETENTION_DAYS", 30) if days is None else days
    report = PurgeReport()
    _purge_rows(report, now, now - timedelta(days=int(days)), dry_run)
    return report


def _purge_rows(report: PurgeReport, now: datetime, cutoff: datetime, dry_run: bool) -> None:
    """The database part of :func:`purge`, in one write transaction."""
    begin_write()
    last = (select(Meeting.group_id).group_by(Meeting.group_id)
            .having(func.max(Meeting.ends_at) < cutoff))
    expired = db.session.scalars(select(Signup.id).where(Signup.group_id.in_(last))).all()
    report.signups = len(expired)
    report.groups = db.session.scalar(select(func.count()).select_from(
        select(Signup.group_id).where(Signup.id.in_(expired)).distinct().subquery())) if expired else 0
    report.sessions = accounts.expired_sessions_count(now)
    report.links = invites.expired_links_count(now)
    if dry_run:
        db.session.rollback()
        return
    if expired:
        secure_delete()
        db.session.execute(delete(Signup).where(Signup.id.in_(expired)))  # their messages go with them
    report.outbox_messages = messages.purge(now, current_app.config.get("OUTBOX_RETENTION_DAYS", 7))
    accounts.delete_expired_sessions(now)
    invites.delete_expired_links(now)
    db.session.commit()
    report.deleted_ids = list(expired)
