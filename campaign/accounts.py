"""Accounts: argon2id passwords, a password policy, roles, server-side sessions, login throttling.

A login creates a fresh random session token (stored only as a hash); the signed cookie carries
the token, so logging out deletes the row and ends the session even for a copied cookie.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_request_context, request, session
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import LoginManager, login_user, logout_user
from sqlalchemy import delete, func, select

from . import privacy, ratelimit
from .db import begin_write, db
from .models.accounts import ROLES, User, UserSession, utcnow

# argon2id, above the OWASP minimum (19 MiB, t=2, p=1): ~50 ms on a modest laptop.
HASHER = PasswordHasher(time_cost=2, memory_cost=32 * 1024, parallelism=1, hash_len=32, salt_len=16)
MIN_LENGTH = 12
MAX_LENGTH = 1024
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.session_protection = "basic"


# -- passwords -----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords attackers try first (lower-cased)."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def password_problems(password: str, email: str = "") -> list[str]:
    """Every reason a password is refused (empty when it is acceptable)."""
    password = _normalise(password or "")
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("The password must have at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("The password must have at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.lower()
    # Common passwords also with digits or punctuation tacked on ("password1234!").
    stem = lowered.rstrip("0123456789!@#$%^&*.?_-+= ")
    common = common_passwords()
    if lowered in common or (stem and stem in common) or (stem and stem * 2 == lowered):
        problems.append(_("This password is on the list of common passwords attackers try first."))
    elif len(password) >= MIN_LENGTH and not stem:
        problems.append(_("A password of only digits and punctuation is too easy to guess."))
    elif len(set(lowered)) < 5 and len(password) >= MIN_LENGTH:
        problems.append(_("The password repeats too few different characters."))
    if email and len(password) >= MIN_LENGTH:
        local = email.split("@")[0].lower()
        if lowered == email.lower() or (len(local) >= 4 and local in lowered and len(lowered) - len(local) < 6):
            problems.append(_("The password must not be built from the email address."))
    return problems


class PasswordPolicyError(ValueError):
    """A password was refused; ``problems`` says why."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def hash_password(password: str) -> str:
    return HASHER.hash(_normalise(password))


def verify_password(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, _normalise(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


# -- accounts --------------------------------------------------------------------------------

def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


LANGUAGE_ROLES = ("ru", "ar")  # the languages a translator can be given


def valid_roles(roles) -> list[str]:
    """The roles in ``roles`` checked and sorted; raises ValueError naming one that does not exist."""
    out = set()
    for role in roles:
        role = (role or "").strip()
        name, _sep, lang = role.partition(":")
        if name == "translator" and lang in LANGUAGE_ROLES:
            out.add(role)
        elif name in ROLES and name != "translator" and not lang:
            out.add(name)
        else:
            raise ValueError(_("Unknown role %(role)s: choose from admin, editor, translator:ru, translator:ar, "
                               "organizer.", role=role))
    return sorted(out)


def create_user(email: str, password: str, roles=("organizer",)) -> User:
    """A new account; raises ValueError (bad email or role, existing account) or PasswordPolicyError."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValueError(_("%(email)s is not an email address.", email=email))
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise ValueError(_("An account with this email already exists."))
    problems = password_problems(password, email)
    if problems:
        raise PasswordPolicyError(problems)
    user = User(email=email, password_hash=hash_password(password), active=True)
    user.roles = valid_roles(roles)
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str, keep: str | None = None) -> None:
    """Change the password and end every session of the account (but the one with token ``keep``)."""
    problems = password_problems(password, user.email)
    if problems:
        raise PasswordPolicyError(problems)
    begin_write()
    user.password_hash = hash_password(password)
    end_sessions(user, keep=keep)


def find(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# -- login throttling ---------------------------------------------------------------------------

@dataclass
class LoginResult:
    user: User | None = None
    throttled: bool = False
    slowed: bool = False  # throttled only by the per-account slow-down: a short wait is enough
    retry_after: int = 0  # seconds until this client may try again


def _limits():
    cfg = current_app.config
    return (cfg.get("LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT", "5/15minutes"),
            cfg.get("LOGIN_ATTEMPTS_PER_CLIENT", "30/15minutes"))


def _account_limits():
    cfg = current_app.config
    return (cfg.get("LOGIN_FAILURES_PER_ACCOUNT", "20/15minutes"),
            cfg.get("LOGIN_SLOW_PER_ACCOUNT_AND_CLIENT", "1/10seconds"))


def authenticate(email: str, password: str) -> LoginResult:
    """Check a login. Failures are counted per (account, client) and per account, attempts per client.

    An attacker elsewhere cannot lock the real user out: their failures count against their own
    address, while the real user's (account, address) pair keeps its own allowance. Once an account
    has had ``LOGIN_FAILURES_PER_ACCOUNT`` failures from anywhere, every client is only slowed down for
    it (``LOGIN_SLOW_PER_ACCOUNT_AND_CLIENT``, one try per ten seconds by default), never refused for good.
    """
    pair_limit, client_limit = _limits()
    account_limit, slow_limit = _account_limits()
    client = ratelimit.client_key()
    account = privacy.token_hash("login:" + normalise_email(email))[:32]
    if not ratelimit.hit(client_limit, "login-client", client):
        return LoginResult(throttled=True, retry_after=ratelimit.retry_after(client_limit, "login-client", client))
    if not ratelimit.allowed(pair_limit, "login-pair", account, client):
        return LoginResult(throttled=True, retry_after=ratelimit.retry_after(pair_limit, "login-pair", account, client))
    if not ratelimit.allowed(account_limit, "login-account", account) and not ratelimit.hit(
            slow_limit, "login-slow", account, client):
        return LoginResult(throttled=True, slowed=True,
                           retry_after=ratelimit.retry_after(slow_limit, "login-slow", account, client))
    user = find(email)
    # Verify against a dummy hash for unknown accounts, so timing does not tell which emails exist.
    ok = verify_password(user.password_hash if user else _dummy_hash(), password or "")
    if not (ok and user and user.is_active):
        ratelimit.hit(pair_limit, "login-pair", account, client)
        ratelimit.hit(account_limit, "login-account", account)
        return LoginResult()
    ratelimit.clear(pair_limit, "login-pair", account, client)
    if HASHER.check_needs_rehash(user.password_hash):
        begin_write()
        user.password_hash = hash_password(password)
    return LoginResult(user=user)


# -- sessions ---------------------------------------------------------------------------------

def start_session(user: User) -> None:
    """Log in with a brand-new session: the old cookie contents are dropped, a new token is issued."""
    session.clear()
    token = secrets.token_urlsafe(32)
    agent = (request.user_agent.string or "")[:200] if has_request_context() else ""
    begin_write()
    db.session.add(UserSession(token_hash=privacy.token_hash(token), user_id=user.id, user_agent=agent))
    db.session.commit()
    user.session_token = token
    login_user(user, remember=False, fresh=True)


def end_session(user: User | None) -> None:
    """Log out: delete the server-side session, then the cookie contents."""
    if user is not None and user.session_token:
        begin_write()
        db.session.execute(delete(UserSession).where(
            UserSession.token_hash == privacy.token_hash(user.session_token)))
        db.session.commit()
    logout_user()
    session.clear()


def _session_limits():
    cfg = current_app.config
    return (timedelta(hours=cfg.get("SESSION_IDLE_HOURS", 12)), timedelta(days=cfg.get("SESSION_MAX_DAYS", 7)))


def load_session(token: str) -> User | None:
    """The user a session token belongs to, if the session is alive."""
    if not token or len(token) > 100:
        return None
    now = utcnow()
    idle, maximum = _session_limits()
    row = db.session.get(UserSession, privacy.token_hash(token))
    if row is None or now - row.last_seen_at > idle or now - row.created_at > maximum:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if now - row.last_seen_at > timedelta(minutes=5):  # write at most every few minutes
        begin_write()
        row.last_seen_at = now
        db.session.commit()
    user.session_token = token
    return user


def _stale(now: datetime):
    idle, maximum = _session_limits()
    return (UserSession.last_seen_at < now - idle) | (UserSession.created_at < now - maximum)


def expired_sessions_count(now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession).where(_stale(now))) or 0


def delete_expired_sessions(now: datetime) -> None:
    db.session.execute(delete(UserSession).where(_stale(now)))


def init_app(app):
    """Flask-Login on the app."""
    login_manager.init_app(app)
    login_manager.user_loader(load_session)


# -- an account's sessions ---------------------------------------------------------------------

def session_id(row: UserSession) -> str:
    """A short name for a session on the account page (a prefix of its hash, never the token)."""
    return row.token_hash[:16]


def sessions_of(user: User) -> list[UserSession]:
    """The account's live sessions, most recently used first."""
    now = utcnow()
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id, ~_stale(now))
                                   .order_by(UserSession.last_seen_at.desc())))


def session_id_of_token(token: str | None) -> str:
    """The :func:`session_id` of the session a clear token opens ('' for none)."""
    return privacy.token_hash(token)[:16] if token else ""


def check_current_password(user: User, password: str) -> str:
    """Confirm a logged-in person's password before a sensitive change: "ok", "wrong" or "throttled".

    Wrong answers are counted per account, so a session left open cannot be used to guess the password.
    """
    limit = current_app.config.get("LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT", "5/15minutes")
    if not ratelimit.allowed(limit, "reauth", str(user.id)):
        return "throttled"
    if verify_password(user.password_hash, password or ""):
        ratelimit.clear(limit, "reauth", str(user.id))
        return "ok"
    ratelimit.hit(limit, "reauth", str(user.id))
    return "wrong"


def end_sessions(user: User, keep: str | None = None) -> int:
    """Log the account out everywhere, except the session whose token is ``keep``."""
    begin_write()
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        query = query.where(UserSession.token_hash != privacy.token_hash(keep))
    return db.session.execute(query).rowcount


def end_session_named(user: User, name: str) -> bool:
    """Log out one of the account's own sessions, named by :func:`session_id`."""
    begin_write()
    for row in sessions_of(user):
        if session_id(row) == name:
            db.session.delete(row)
            return True
    return False


# -- what admins change ---------------------------------------------------------------------------

class LastAdminError(ValueError):
    """The change would leave Handbill without an active admin."""


def _writing(user: User) -> None:
    """Hold the write lock from here on (SQLite: ``BEGIN IMMEDIATE``, see :func:`campaign.db.begin_write`)
    and re-read ``user`` inside it, so the last-admin check sees every change committed before."""
    begin_write()
    db.session.refresh(user)


def _other_active_admins(user: User) -> int:
    # FOR UPDATE in id order (PostgreSQL): two admins demoting each other at once queue on the same rows,
    # so the second sees the first's change instead of both seeing the other still an admin.
    active = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id).with_for_update()
                                .execution_options(populate_existing=True))
    return sum(1 for other in active if other.id != user.id and other.is_admin)


def set_roles(user: User, roles) -> None:
    """Replace the account's roles; refuses to take admin from the last active admin."""
    roles = valid_roles(roles)
    _writing(user)
    if user.is_admin and user.is_active and "admin" not in roles and not _other_active_admins(user):
        raise LastAdminError(_("%(email)s is the last active admin: make someone else an admin first.",
                               email=user.email))
    user.roles = roles


def set_active(user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions and may not remove the last admin."""
    _writing(user)
    if not active and user.is_admin and user.is_active and not _other_active_admins(user):
        raise LastAdminError(_("%(email)s is the last active admin: make someone else an admin first.",
                               email=user.email))
    user.active = active
    if not active:
        end_sessions(user)
