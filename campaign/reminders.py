"""Reminders: the day before a meeting, confirmed participants who asked for one get a message with the calendar file."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from . import groups, messages, privacy
from .db import begin_write, db
from .ics import calendar_ics

log = logging.getLogger(__name__)
AHEAD = timedelta(hours=24)


def queue_due(now: datetime | None = None) -> int:
    """Queue a reminder for each meeting starting within a day, once per person and meeting.

    Runs hourly; the outbox's unique (signup, meeting) pair records what was queued, so running
    it again, or on two consumers at once, sends nothing twice. Returns how many were queued.
    """
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
    meetings = db.session.scalars(select(groups.Meeting).where(
        groups.Meeting.starts_at > now, groups.Meeting.starts_at <= now + AHEAD)
        .order_by(groups.Meeting.starts_at)).all()
    queued = 0
    for meeting_id in [m.id for m in meetings]:
        queued += _queue_for_meeting(meeting_id)
    if queued:
        log.info("queued %d reminder(s)", queued)
    return queued


def _queue_for_meeting(meeting_id: int) -> int:
    """One meeting's reminders, in one write transaction."""
    begin_write()
    meeting = db.session.get(groups.Meeting, meeting_id)
    if meeting is None:
        db.session.rollback()
        return 0
    group = meeting.group
    sent = select(messages.OutboxMessage.signup_id).where(messages.OutboxMessage.meeting_id == meeting.id)
    people = db.session.scalars(select(groups.Signup).where(
        groups.Signup.group_id == group.id, groups.Signup.status == groups.CONFIRMED,
        groups.Signup.reminders.is_(True), groups.Signup.email_enc.is_not(None),
        groups.Signup.id.not_in(sent))).all()
    if not people:
        db.session.rollback()
        return 0
    base = current_app.config["BASE_URL"].rstrip("/")
    group_url = f"{base}/groups/{group.key}"
    ics = calendar_ics(group, urlsplit(base).hostname or "handbill.local", group_url)
    attachment = messages.Attachment(f"group-{group.key}.ics", "text/calendar", ics)
    about = groups.summary(group)
    start, end = meeting.local(group.zone)
    for signup in people:
        token = privacy.decrypt(signup.manage_enc, "manage") if signup.manage_enc else ""
        messages.queue("reminder", signup.id, privacy.decrypt(signup.email_enc, "email"), signup.language,
                       meeting_id=meeting.id, attachments=(attachment,), group=about, start=start, end=end,
                       group_url=group_url, manage_url=f"{base}/groups/manage/{token}" if token else "")
    db.session.commit()
    return len(people)
