"""Single-use links that open accounts: the first-run setup link and admins' invitations.

Only a hash of each token is stored. Redeeming marks the row used with one conditional UPDATE,
so two browsers opening the same link at once cannot both get an account.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from . import accounts, privacy
from .db import begin_write, db
from .models.accounts import AccountToken, User, utcnow

SETUP = "setup"
INVITE = "invite"
SETUP_VALID = timedelta(hours=1)
INVITE_VALID = timedelta(days=7)


def now() -> datetime:
    """The clock every expiry is measured with (naive UTC); tests replace it."""
    return utcnow()


class LinkError(Exception):
    """A link that cannot be used: ``status`` is 404 (unknown) or 410 (used, expired, no longer needed)."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


@dataclass
class Link:
    """A link just made: the clear token exists only here, to be shown once."""

    token: str
    row: AccountToken

    def url(self) -> str:
        """The absolute address to pass on."""
        base = current_app.config["BASE_URL"].rstrip("/")
        return f"{base}/{'setup' if self.row.kind == SETUP else 'invite'}/{self.token}"


def _new(kind: str, valid: timedelta, email=None, roles=(), created_by=None) -> Link:
    """A new random token; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    start = now()
    row = AccountToken(kind=kind, token_hash=privacy.token_hash(token), email=email, roles_text=" ".join(roles),
                       created_by=created_by, created_at=start, expires_at=start + valid)
    db.session.add(row)
    db.session.flush()
    return Link(token, row)


def has_accounts() -> bool:
    """Whether any account exists (then no setup link is offered)."""
    return bool(db.session.scalar(select(func.count()).select_from(User)))


# -- first run ---------------------------------------------------------------------------------

def setup_link() -> Link | None:
    """With no account yet, a fresh setup link (older unused ones stop working); otherwise None."""
    begin_write()
    if has_accounts():
        return None
    db.session.execute(delete(AccountToken).where(AccountToken.kind == SETUP, AccountToken.used_at.is_(None)))
    link = _new(SETUP, SETUP_VALID)
    db.session.commit()
    return link


# -- invitations -------------------------------------------------------------------------------

def invite(admin: User, email: str, roles) -> Link:
    """An invitation for ``email`` with ``roles``, valid 7 days; ValueError names a bad email or role."""
    email = accounts.normalise_email(email)
    if not accounts.EMAIL_RE.match(email) or len(email) > 254:
        raise ValueError(_("%(email)s is not an email address.", email=email))
    roles = accounts.valid_roles(roles)
    if not roles:
        raise ValueError(_("Choose at least one role."))
    begin_write()
    if accounts.find(email):
        raise ValueError(_("An account with this email already exists."))
    link = _new(INVITE, INVITE_VALID, email=email, roles=roles, created_by=admin.id)
    db.session.commit()
    return link


def pending_invites() -> list[AccountToken]:
    """Invitations not yet accepted nor expired, newest first."""
    return list(db.session.scalars(select(AccountToken).where(
        AccountToken.kind == INVITE, AccountToken.used_at.is_(None), AccountToken.expires_at > now())
        .order_by(AccountToken.created_at.desc())))


def withdraw(invite_id: int) -> bool:
    """Delete an unused invitation; False when there was none."""
    begin_write()
    result = db.session.execute(delete(AccountToken).where(
        AccountToken.id == invite_id, AccountToken.kind == INVITE, AccountToken.used_at.is_(None)))
    db.session.commit()
    return bool(result.rowcount)


# -- redeeming -----------------------------------------------------------------------------------

def lookup(kind: str, token: str) -> AccountToken:
    """The usable link of ``kind`` for ``token``; LinkError says why not."""
    row = None
    if token and len(token) <= 100:
        row = db.session.scalar(select(AccountToken).where(
            AccountToken.token_hash == privacy.token_hash(token), AccountToken.kind == kind))
    if row is None:
        raise LinkError(404, _("This link is not known here. Check that it was copied completely."))
    if row.used_at is not None:
        raise LinkError(410, _("This link was already used. Each link opens one account only."))
    if row.expires_at <= now():
        raise LinkError(410, _("This link has expired. Ask for a new one.") if kind == INVITE else
                        _("This setup link has expired. Run make run (or flask --app app users setup-link) "
                          "again for a new one."))
    if kind == SETUP and has_accounts():
        raise LinkError(410, _("Handbill is already set up: an account exists. Log in instead."))
    return row


def redeem(kind: str, token: str, email: str, password: str) -> User:
    """Open the account a link promises and mark the link used, in one transaction.

    Raises LinkError (the link is no good, also when used in the meantime), ValueError or
    PasswordPolicyError (the form's input); nothing is stored then.
    """
    begin_write()
    row = lookup(kind, token)
    roles = ["admin"] if kind == SETUP else row.roles
    if kind == INVITE:
        email = row.email
    try:
        user = accounts.create_user(email, password, roles=roles)
        claimed = db.session.execute(update(AccountToken).where(
            AccountToken.id == row.id, AccountToken.used_at.is_(None)).values(used_at=now()))
        if claimed.rowcount != 1:
            raise LinkError(410, _("This link was already used. Each link opens one account only."))
        if kind == SETUP and db.session.scalar(select(func.count()).select_from(User)) != 1:
            raise LinkError(410, _("Handbill is already set up: an account exists. Log in instead."))
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return user


# -- retention ---------------------------------------------------------------------------------------

def expired_links_count(at: datetime) -> int:
    """How many links are past their expiry at ``at``."""
    return db.session.scalar(select(func.count()).select_from(AccountToken)
                             .where(AccountToken.expires_at < at)) or 0


def delete_expired_links(at: datetime) -> None:
    """Forget links past their expiry, used or not (an invitation names its invitee's email)."""
    db.session.execute(delete(AccountToken).where(AccountToken.expires_at < at))
