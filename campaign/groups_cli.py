"""Command-line tools: ``flask --app app organizers …`` and ``flask --app app privacy …``."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import wraps

import click
from flask import current_app
from flask_babel import force_locale
from flask.cli import AppGroup
from sqlalchemy import select

from . import accounts, privacy, retention
from .db import db

organizers_cli = AppGroup("organizers", help="Organizer accounts (the people who open study groups).")
privacy_cli = AppGroup("privacy", help="Participants' data: retention and encryption key.")


def _plain(command):
    """Run outside a request: messages in the default language instead of the browser's."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "en")):
            return command(*args, **kwargs)

    return wrapper


def _fail(message: str):
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(1)


@organizers_cli.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="The account sees and manages every group.")
@click.password_option(prompt="Password (at least 12 characters)", confirmation_prompt="Repeat the password")
@_plain
def organizers_create(email, admin, password):
    """Create an organizer account (prompts for the password)."""
    try:
        organizer = accounts.create_organizer(email, password, is_admin=admin)
        db.session.commit()
    except accounts.PasswordPolicyError as exc:
        db.session.rollback()
        _fail("password: " + " ".join(exc.problems))
    except ValueError as exc:
        db.session.rollback()
        _fail(f"email: {exc}")
    click.echo(f"Created {'admin' if organizer.is_admin else 'organizer'} {organizer.email}.")


@organizers_cli.command("password")
@click.argument("email")
@click.password_option(prompt="New password (at least 12 characters)", confirmation_prompt="Repeat the password")
@_plain
def organizers_password(email, password):
    """Set a new password; every session of the account is logged out."""
    organizer = accounts.find(email) or _fail(f"email: no organizer {email}")
    try:
        accounts.set_password(organizer, password)
        db.session.commit()
    except accounts.PasswordPolicyError as exc:
        db.session.rollback()
        _fail("password: " + " ".join(exc.problems))
    click.echo(f"Password changed for {organizer.email}; all of its sessions were logged out.")


@organizers_cli.command("disable")
@click.argument("email")
def organizers_disable(email):
    """Stop an account from logging in (its groups stay); ends its sessions."""
    organizer = accounts.find(email) or _fail(f"email: no organizer {email}")
    organizer.active = False
    db.session.execute(db.delete(accounts.OrganizerSession).where(
        accounts.OrganizerSession.organizer_id == organizer.id))
    db.session.commit()
    click.echo(f"Disabled {organizer.email}.")


@organizers_cli.command("list")
def organizers_list():
    """List organizer accounts."""
    for o in db.session.scalars(select(accounts.Organizer).order_by(accounts.Organizer.email)):
        flags = ", ".join(f for f, on in (("admin", o.is_admin), ("disabled", not o.active)) if on)
        click.echo(o.email + (f" ({flags})" if flags else ""))


@privacy_cli.command("purge")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Days after a group's last meeting (default: RETENTION_DAYS, 30).")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Count from this date instead of today (to preview a future purge).")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@_plain
def privacy_purge(days, as_of, dry_run):
    """Delete the signups of groups whose last meeting is past the retention period."""
    now = None
    if as_of:
        try:
            now = datetime.fromisoformat(as_of).replace(tzinfo=timezone.utc)
        except ValueError:
            _fail(f"--as-of: {as_of!r} is not a date (YYYY-MM-DD)")
    report = retention.purge(now=now, days=days, dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"{verb} {report.signups} signup(s) of {report.groups} group(s), "
               f"{report.sessions} expired organizer session(s)"
               + ("" if dry_run else f", {report.outbox_messages} unsent outbox message(s)") + ".")


@privacy_cli.command("new-key")
def privacy_new_key():
    """Print a fresh encryption key for CAMPAIGN_ENCRYPTION_KEY (does not change the one in use)."""
    click.echo(privacy.new_key_text())


def init_app(app):
    """Register the command groups."""
    for group in (organizers_cli, privacy_cli):
        app.cli.add_command(group)
