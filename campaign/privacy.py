"""Privacy of the people who sign up: field encryption, keyed hashes, and the retention purge.

Contact details are encrypted with AES-256-GCM before they reach the database. The key comes from
the ``ENCRYPTION_KEY`` setting (urlsafe base64 of 32 bytes) or from the file ``instance/encryption_key``
(created with mode 0600 on first use); it is never stored in the database, so a copied database
file or dump reveals nothing without the instance folder.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

VERSION = b"\x01"  # first byte of every ciphertext, so the format can change later
NONCE_BYTES = 12
EXTENSION = "handbill.privacy"


class EncryptionKeyError(RuntimeError):
    """The encryption key is missing, unreadable or malformed."""


class DecryptionError(ValueError):
    """A stored value cannot be decrypted with this key (wrong key or tampered data)."""


@dataclass(frozen=True)
class Keys:
    """The two keys derived from the one secret: one to encrypt, one to hash."""

    aead: AESGCM
    mac: bytes


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"handbill", info=purpose).derive(secret)


def decode_key(text: str) -> bytes:
    """A key as written in configuration: urlsafe base64 of exactly 32 bytes."""
    text = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", text):
        raise EncryptionKeyError("ENCRYPTION_KEY is not urlsafe base64 (letters, digits, - and _)")
    try:
        raw = base64.urlsafe_b64decode(text.rstrip("=").encode("ascii") + b"=" * (-len(text.rstrip("=")) % 4))
    except ValueError as exc:
        raise EncryptionKeyError("ENCRYPTION_KEY is not urlsafe base64") from exc
    if len(raw) != 32:
        raise EncryptionKeyError(f"ENCRYPTION_KEY must decode to 32 bytes, not {len(raw)}")
    return raw


def new_key_text() -> str:
    """A fresh random key in its configuration form."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


def key_file(app) -> Path:
    return Path(app.config.get("ENCRYPTION_KEY_FILE") or os.path.join(app.instance_path, "encryption_key"))


def load_secret(app) -> bytes:
    """The configured key, else the instance key file (created 0600 on first use)."""
    configured = app.config.get("ENCRYPTION_KEY")
    if configured:
        return decode_key(configured)
    path = key_file(app)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: two workers starting at once cannot both write a different key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(new_key_text() + "\n")
    try:
        return decode_key(path.read_text())
    except OSError as exc:
        raise EncryptionKeyError(f"cannot read the encryption key file {path}: {exc.strerror}") from exc


def keys(app=None) -> Keys:
    """The app's keys, derived once and kept on the app."""
    app = app or current_app._get_current_object()
    found = app.extensions.get(EXTENSION)
    if found is None:
        secret = load_secret(app)
        found = Keys(AESGCM(_derive(secret, b"fields")), _derive(secret, b"lookup"))
        app.extensions[EXTENSION] = found
    return found


def encrypt(text: str | None, field: str) -> bytes | None:
    """Encrypt one field; the field name is bound in, so a value cannot be moved to another column."""
    if text is None or text == "":
        return None
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + keys().aead.encrypt(nonce, text.encode("utf-8"), field.encode("ascii"))


def decrypt(blob: bytes | None, field: str) -> str:
    """The clear text of an encrypted field ('' for an empty one)."""
    if not blob:
        return ""
    blob = bytes(blob)
    if blob[:1] != VERSION or len(blob) < 1 + NONCE_BYTES + 16:
        raise DecryptionError(f"{field}: not a value this version wrote")
    try:
        return keys().aead.decrypt(blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:], field.encode("ascii")).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError(f"{field}: cannot be decrypted with this key") from exc


def keyed_hash(*parts: str) -> str:
    """HMAC-SHA256 of the parts: finds equal values without storing them, useless without the key."""
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(keys().mac, message, hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    """The stored form of a secret link token (a plain hash suffices: the token has 256 bits)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


# -- retention ---------------------------------------------------------------------------

@dataclass
class PurgeReport:
    signups: int = 0
    groups: int = 0
    sessions: int = 0
    links: int = 0
    outbox_files: int = 0
    deleted_ids: list = field(default_factory=list)


def purge(now: datetime | None = None, days: int | None = None, dry_run: bool = False) -> PurgeReport:
    """Delete signups of groups whose last meeting ended more than ``days`` ago, and stale leftovers."""
    from . import messages
    from .groups import writing

    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
    days = current_app.config.get("RETENTION_DAYS", 30) if days is None else days
    report = PurgeReport()
    with writing():
        _purge_rows(report, now, now - timedelta(days=int(days)), dry_run)
    if not dry_run:
        for signup_id in report.deleted_ids:
            report.outbox_files += messages.forget(signup_id)
        report.outbox_files += messages.purge_outbox(now, current_app.config.get("OUTBOX_RETENTION_DAYS", 7))
    return report


def _purge_rows(report: PurgeReport, now: datetime, cutoff: datetime, dry_run: bool) -> None:
    """The database part of :func:`purge`, in one transaction under the write lock."""
    from sqlalchemy import delete, func, select

    from . import accounts, invites
    from .db import db
    from .groups import Meeting, Signup, lock_for_write

    lock_for_write()
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
        db.session.execute(delete(Signup).where(Signup.id.in_(expired)))
    accounts.delete_expired_sessions(now)
    invites.delete_expired_links(now)
    db.session.commit()
    report.deleted_ids = list(expired)


def secure_delete() -> None:
    """SQLite: overwrite deleted rows with zeros instead of leaving them in free pages."""
    from .db import db, is_sqlite

    if is_sqlite():
        db.session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
