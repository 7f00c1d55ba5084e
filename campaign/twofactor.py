"""Optional TOTP two-factor sign-in (pyotp): enrolment with a QR code, recovery codes, enforcement by role.

The secret is encrypted at rest with the field key of :mod:`campaign.privacy`. A code is accepted
once: the time step it matched is stored, and a code of that step or an earlier one is refused.
Recovery codes (80 random bits each) are stored as hashes and each works once.
"""
from __future__ import annotations

import re
import secrets
import time

import pyotp
import segno
from flask import current_app
from pyotp.exceptions import OTPVerificationError
from sqlalchemy import delete, func, select, update

from . import privacy, ratelimit
from .db import begin_write, db
from .models.accounts import RecoveryCode, TwoFactor, User, utcnow

FIELD = "two_factor.secret"
ISSUER = "Handbill"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are copied by hand
RECOVERY_LENGTH = 16


def clock() -> float:
    """Seconds since the epoch, the time codes are checked at; tests replace it."""
    return time.time()


def required_roles(app=None) -> set[str]:
    """``REQUIRE_TWO_FACTOR``: a list of roles, or a string of them separated by spaces or commas."""
    value = (app or current_app).config.get("REQUIRE_TWO_FACTOR", ["admin"])
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return {str(role).strip() for role in value or () if str(role).strip()}


def required_for(user: User) -> bool:
    """Does one of the account's roles make two-factor sign-in mandatory?"""
    roles = required_roles()
    return bool(roles) and user.has_role(*roles)


def record(user: User) -> TwoFactor | None:
    """The account's two-factor row, confirmed or still enrolling."""
    return db.session.get(TwoFactor, user.id)


def enabled(user: User) -> bool:
    """Whether a login of this account asks for a code."""
    row = record(user)
    return bool(row and row.confirmed_at)


def _totp(row: TwoFactor, user: User) -> pyotp.TOTP:
    """The code generator of a stored (decrypted) secret."""
    return pyotp.TOTP(privacy.decrypt(row.secret, FIELD), name=user.email, issuer=ISSUER)


# -- enrolment ----------------------------------------------------------------------------------

def begin(user: User) -> str:
    """A new secret waiting for its first code (replaces an unfinished enrolment); returns it."""
    begin_write()
    if enabled(user):
        raise ValueError("two-factor sign-in is already on")
    secret = pyotp.random_base32()
    row = record(user)
    if row is None:
        row = TwoFactor(user_id=user.id)
        db.session.add(row)
    row.secret, row.confirmed_at, row.last_step, row.created_at = privacy.encrypt(secret, FIELD), None, 0, utcnow()
    db.session.commit()
    return secret


def pending_secret(user: User) -> str | None:
    """The secret of an enrolment under way, to show again (None when there is none)."""
    row = record(user)
    if row is None or row.confirmed_at:
        return None
    return privacy.decrypt(row.secret, FIELD)


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The ``otpauth:`` URI as a QR code in an SVG ``data:`` URI (the page's CSP allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def confirm(user: User, code: str) -> list[str] | None:
    """Finish enrolment with a first code: returns the recovery codes (shown once), None for a wrong code."""
    begin_write()
    row = record(user)
    if row is None or row.confirmed_at or not _accept_totp(row, user, code):
        db.session.commit()
        return None
    row.confirmed_at = utcnow()
    codes = new_recovery_codes(user)
    db.session.commit()
    return codes


def disable(user: User) -> None:
    """Turn two-factor sign-in off: the secret and the recovery codes are deleted."""
    begin_write()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))


# -- recovery codes ------------------------------------------------------------------------------

def _normal(code: str) -> str:
    """A typed code without spaces or dashes, in lower case."""
    return re.sub(r"[\s-]", "", code or "").lower()


def _code_hash(code: str) -> str:
    """The stored form of a recovery code."""
    return privacy.token_hash("recovery:" + _normal(code))


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes (the old ones stop working), formatted ``abcd-efgh-jkmn-pqrs``."""
    begin_write()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    """How many recovery codes are still unused."""
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# -- signing in ------------------------------------------------------------------------------------

def _accept_totp(row: TwoFactor, user: User, code: str) -> bool:
    """A code of this or the neighbouring time step, newer than the last one accepted."""
    code = _normal(code)
    if not re.fullmatch(r"\d{6}", code):
        return False
    try:
        step = _totp(row, user).verify_and_get_timecode(code, for_time=clock(), valid_window=1)
    except OTPVerificationError:
        return False
    # Claim the step with a conditional update, so the same code cannot pass twice even at once.
    claimed = db.session.execute(update(TwoFactor).where(
        TwoFactor.user_id == row.user_id, TwoFactor.last_step < step).values(last_step=step))
    return claimed.rowcount == 1


def _accept_recovery(user: User, code: str) -> bool:
    """An unused recovery code, marked used in the same statement."""
    if len(_normal(code)) != RECOVERY_LENGTH:
        return False
    used = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(code),
        RecoveryCode.used_at.is_(None)).values(used_at=utcnow()))
    return used.rowcount == 1


def attempts_left(user: User) -> bool:
    """Whether another code may be tried for this account now (counted per account, whoever tries)."""
    return ratelimit.allowed(_limit(), "second-factor", str(user.id))


def _limit() -> str:
    """``TWO_FACTOR_ATTEMPTS``: wrong codes allowed per account."""
    return current_app.config.get("TWO_FACTOR_ATTEMPTS", "5/15minutes;20/day")


def verify(user: User, code: str) -> bool:
    """Check a sign-in code: a TOTP code or an unused recovery code. Failures are counted."""
    begin_write()
    row = record(user)
    ok = bool(row and row.confirmed_at) and (_accept_totp(row, user, code) or _accept_recovery(user, code))
    db.session.commit()
    if ok:
        ratelimit.clear(_limit(), "second-factor", str(user.id))
    else:
        ratelimit.hit(_limit(), "second-factor", str(user.id))
    return ok
