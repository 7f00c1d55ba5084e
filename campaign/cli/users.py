"""Command-line tools: ``flask --app app users …`` and ``flask --app app privacy …``."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import wraps

import click
from flask import current_app
from flask_babel import force_locale
from flask.cli import AppGroup
from sqlalchemy import select

from .. import accounts, privacy, retention
from ..db import db

users_cli = AppGroup("users", help="Accounts of the people who run Handbill, and their roles.")
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


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, default=("organizer",), show_default=True,
              help="admin, editor, translator:ru, translator:ar or organizer; repeat for several.")
@click.password_option(prompt="Password (at least 12 characters)", confirmation_prompt="Repeat the password")
@_plain
def users_create(email, roles, password):
    """Create an account with its roles (prompts for the password)."""
    try:
        user = accounts.create_user(email, password, roles=roles)
        db.session.commit()
    except accounts.PasswordPolicyError as exc:
        db.session.rollback()
        _fail("password: " + " ".join(exc.problems))
    except ValueError as exc:
        db.session.rollback()
        _fail(f"{'role' if 'role' in str(exc) else 'email'}: {exc}")
    click.echo(f"Created {user.email} ({', '.join(sorted(user.roles))}).")


@users_cli.command("setup-link")
@_plain
def users_setup_link():
    """With no account yet, print a one-time link (valid 1 hour) that creates the first admin."""
    from .. import invites

    link = invites.setup_link()
    if link is None:
        return
    click.echo("Handbill has no account yet. Open this link within an hour to create the first admin\n"
               f"(it works once; `make run` prints a new one while no account exists):\n\n    {link.url()}\n")


@users_cli.command("enable")
@click.argument("email")
def users_enable(email):
    """Let a disabled account log in again."""
    user = accounts.find(email) or _fail(f"email: no account {email}")
    user.active = True
    db.session.commit()
    click.echo(f"Enabled {user.email}.")


@users_cli.command("two-factor-off")
@click.argument("email")
def users_two_factor_off(email):
    """Turn off an account's two-factor sign-in (a lost phone and lost recovery codes); ends its sessions."""
    from .. import twofactor

    user = accounts.find(email) or _fail(f"email: no account {email}")
    twofactor.disable(user)
    accounts.end_sessions(user)
    db.session.commit()
    click.echo(f"Two-factor sign-in is off for {user.email}; it was logged out everywhere.")


@users_cli.command("password")
@click.argument("email")
@click.password_option(prompt="New password (at least 12 characters)", confirmation_prompt="Repeat the password")
@_plain
def users_password(email, password):
    """Set a new password; every session of the account is logged out."""
    user = accounts.find(email) or _fail(f"email: no account {email}")
    try:
        accounts.set_password(user, password)
        db.session.commit()
    except accounts.PasswordPolicyError as exc:
        db.session.rollback()
        _fail("password: " + " ".join(exc.problems))
    click.echo(f"Password changed for {user.email}; all of its sessions were logged out.")


@users_cli.command("disable")
@click.argument("email")
@_plain
def users_disable(email):
    """Stop an account from logging in (its groups stay); ends its sessions."""
    user = accounts.find(email) or _fail(f"email: no account {email}")
    try:
        accounts.set_active(user, False)
    except accounts.LastAdminError as exc:
        db.session.rollback()
        _fail(f"email: {exc}")
    db.session.commit()
    click.echo(f"Disabled {user.email}.")


@users_cli.command("list")
def users_list():
    """List accounts with their roles."""
    for user in db.session.scalars(select(accounts.User).order_by(accounts.User.email)):
        click.echo(f"{user.email} ({', '.join(sorted(user.roles)) or 'no role'})" + ("" if user.active else " disabled"))


@users_cli.command("routes")
def users_routes():
    """Every route with who may use it: public, or the roles it needs."""
    from .. import authz

    rows = []
    for rule in current_app.url_map.iter_rules():
        access = authz.rule_for(current_app, rule.endpoint)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rows.append((rule.rule, method, access.describe() if access else "NOT DECLARED (refused)"))
    for path, method, access in sorted(rows):
        click.echo(f"{method:<5} {path:<48} {access}")


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
               f"{report.sessions} expired account session(s), {report.links} expired account link(s)"
               + ("" if dry_run else f", {report.outbox_messages} unsent outbox message(s)") + ".")


@privacy_cli.command("new-key")
def privacy_new_key():
    """Print a fresh encryption key for CAMPAIGN_ENCRYPTION_KEY (does not change the one in use)."""
    click.echo(privacy.new_key_text())
