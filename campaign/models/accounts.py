"""Accounts of the people who run Handbill: roles, logged-in sessions, setup and invite links, two-factor."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db

# What each role may change; one person may hold several. A translator works in named languages.
ROLES = ("admin", "editor", "translator", "organizer")


def utcnow() -> datetime:
    """Naive UTC, the form every account timestamp is stored in."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class User(UserMixin, db.Model):
    """Someone who runs Handbill: an admin, editor, translator or organizer (or several)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    # Space-separated: "admin editor translator:ru translator:ar organizer".
    roles_text: Mapped[str] = mapped_column("roles", String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    session_token = None  # the clear token of the current request's session, never stored

    @property
    def roles(self) -> frozenset[str]:
        """The roles held, translator languages included (``translator:ru``)."""
        return frozenset((self.roles_text or "").split())

    @roles.setter
    def roles(self, value) -> None:
        self.roles_text = " ".join(sorted(set(value)))

    def has_role(self, *roles: str) -> bool:
        """True when the account holds any of ``roles``; ``translator`` counts a translator of any language."""
        held = self.roles
        for role in roles:
            if role in held or (role == "translator" and any(r.startswith("translator:") for r in held)):
                return True
        return False

    @property
    def languages(self) -> list[str]:
        """The languages this account translates."""
        return sorted(r.split(":", 1)[1] for r in self.roles if r.startswith("translator:"))

    def translates(self, lang: str) -> bool:
        return f"translator:{lang}" in self.roles

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def get_id(self) -> str | None:
        """Flask-Login keeps this in the cookie: the session token, not the account id."""
        return self.session_token


class UserSession(db.Model):
    """One logged-in browser; deleting the row logs it out."""

    __tablename__ = "user_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class AccountToken(db.Model):
    """A single-use link: ``setup`` creates the first admin, ``invite`` opens an account with its roles."""

    __tablename__ = "account_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)  # an invite names its invitee
    roles_text: Mapped[str] = mapped_column("roles", String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def roles(self) -> list[str]:
        """The roles an invitation gives."""
        return sorted((self.roles_text or "").split())


class TwoFactor(db.Model):
    """An account's TOTP secret (encrypted); ``confirmed_at`` is empty while enrolment is under way."""

    __tablename__ = "two_factor"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # The last time step a code was accepted for: the same code cannot be used twice.
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)


class RecoveryCode(db.Model):
    """One single-use recovery code, stored as a hash."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
