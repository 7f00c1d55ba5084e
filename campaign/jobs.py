"""Background jobs and schedules on Huey: message delivery, reminders, the retention purge, batch builds.

The queue lives in ``instance/jobs.sqlite3`` (``JOBS_DB``) by default, or in Redis when ``REDIS_URL``
is set, so that several app servers and consumers share one queue. Each app gets its own Huey
instance, built from its configuration on first use (nothing is created at import time); the
consumer is ``flask --app app jobs run``. ``JOBS_IMMEDIATE`` runs every job inline, for tests.
"""
from __future__ import annotations

import functools
import logging
import os
import threading

from flask import current_app
from flask_sqlalchemy.session import Session
from huey import RedisHuey, SqliteHuey, crontab
from huey.exceptions import RetryTask
from sqlalchemy import event

from . import builds, messages, retention
from . import reminders as reminders_module

log = logging.getLogger(__name__)
EXTENSION = "handbill.jobs"
_BUILDING = threading.Lock()



class Jobs:
    """An app's Huey instance and the tasks registered on it."""

    def __init__(self, app):
        self.huey = make_huey(app.config, app.instance_path)
        huey = self.huey

        def in_app(function):
            """Run a task inside the app's context (its configuration and database session)."""
            @functools.wraps(function)
            def run(*args):
                with app.app_context():
                    return function(*args)
            return run

        @huey.task(name="deliver")
        @in_app
        def deliver(message_id):
            """Send one message; a failure is retried by Huey after the delay the outbox computed."""
            try:
                return messages.deliver(message_id)
            except messages.RetryLater as later:
                raise RetryTask(delay=later.delay) from None

        @huey.periodic_task(crontab(minute="*"), name="sweep")
        @in_app
        def sweep():
            """Hand every waiting message that is due to the delivery job (nothing is lost with a lost job)."""
            for message_id in messages.due():
                deliver(message_id)

        @huey.periodic_task(crontab(minute="7"), name="reminders")
        @in_app
        def reminders():
            """Queue the reminders for meetings in the next 24 hours (hourly)."""
            return reminders_module.queue_due()

        @huey.periodic_task(crontab(hour="3", minute="17"), name="purge")
        @in_app
        def purge():
            """The retention purge (daily)."""
            report = retention.purge()
            log.info("purge: %d signup(s) of %d group(s), %d session(s), %d message(s) deleted",
                     report.signups, report.groups, report.sessions, report.outbox_messages)

        @huey.task(name="build")
        @in_app
        def build(build_id, kind, spec):
            """Make one batch build (a card ZIP, a pack, a kit, a carousel), recording its progress."""
            return builds.run(huey, build_id, kind, spec)

        @huey.periodic_task(crontab(hour="3", minute="37"), name="builds-purge")
        @in_app
        def builds_purge():
            """Delete finished builds nobody downloaded for ``BUILDS_KEEP_DAYS`` days (daily)."""
            removed = builds.purge(float(app.config.get("BUILDS_KEEP_DAYS", 7)))
            log.info("builds purge: %d file(s) deleted", removed)

        self.deliver, self.sweep, self.reminders, self.purge = deliver, sweep, reminders, purge
        self.build, self.builds_purge = build, builds_purge


def make_huey(config, instance_path: str):
    """SqliteHuey in the instance folder, or RedisHuey when ``REDIS_URL`` is set."""
    name = config.get("JOBS_QUEUE", "handbill")
    immediate = bool(config.get("JOBS_IMMEDIATE", False))
    redis_url = config.get("REDIS_URL") or os.environ.get("REDIS_URL", "")
    if redis_url:
        return RedisHuey(name, url=redis_url, immediate=immediate, results=False, utc=True)
    path = config.get("JOBS_DB") or os.path.join(instance_path, "jobs.sqlite3")
    return SqliteHuey(name, filename=path, immediate=immediate, results=False, utc=True, timeout=10)


def jobs(app=None) -> Jobs:
    """The app's jobs (built on first use)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get(EXTENSION)
    if found is None:
        with _BUILDING:
            found = app.extensions.get(EXTENSION)
            if found is None:
                found = app.extensions[EXTENSION] = Jobs(app)
    return found


@event.listens_for(Session, "after_commit")
def _hand_over(session):
    """Once the messages are committed, queue their delivery (after: a job must find its message)."""
    ids = session.info.pop(messages.SESSION_KEY, None)
    if not ids:
        return
    app = current_app._get_current_object()
    if not app.config.get("MAIL_SERVER"):
        return  # they wait on the Outbox page
    try:
        task = jobs(app).deliver
        for message_id in ids:
            task(message_id)
    except Exception as exc:  # the queue is unreachable or unwritable: the sweep delivers them later
        log.warning("could not queue %d message(s) (%s); the periodic sweep will deliver them",
                    len(ids), type(exc).__name__)


@event.listens_for(Session, "after_rollback")
def _drop(session):
    """Messages of a rolled-back transaction never existed."""
    session.info.pop(messages.SESSION_KEY, None)
