"""Messages to participants: an encrypted outbox in the app's database, delivered by a background job.

A message is composed while its signup (or change) is being saved and written, encrypted with the
field key, into the ``outbox`` table in the same transaction — a signup never exists without its
message. After the commit a job delivers it by SMTP (:mod:`campaign.jobs`); a failed attempt is
retried with growing delays, and a periodic sweep picks up anything whose job was lost. Without
``MAIL_SERVER`` messages wait in the outbox for an admin to copy and mark sent (the Outbox page).
Once sent, a message's text is erased and only the record that it was sent remains. Logs name the
message kind and number only — never an address or a name.
"""
from __future__ import annotations

import base64
import json
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, select, update

from . import privacy
from .db import begin_write, db
from .models.groups import FAILED, PENDING, SENT, OutboxMessage  # noqa: F401 - re-exported for callers

log = logging.getLogger(__name__)

SESSION_KEY = "handbill.outbox"  # ids written in the session's transaction, handed to the jobs after commit
LEASE = timedelta(minutes=5)  # how long one delivery attempt owns a message


def utcnow() -> datetime:
    """Now, in naive UTC (as the database stores times)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass
class Attachment:
    """A file sent with a message (a reminder's calendar file)."""

    filename: str
    mimetype: str
    data: bytes


@dataclass
class Letter:
    """A message's decrypted text."""

    to: str
    subject: str
    body: str
    attachments: list[Attachment]


class RetryLater(Exception):
    """Delivery failed for now; try again in ``delay`` seconds."""

    def __init__(self, delay: float):
        super().__init__(delay)
        self.delay = delay


# -- writing ---------------------------------------------------------------------------------

def compose(kind: str, language: str, context: dict) -> tuple[str, str]:
    """Subject and body from ``templates/groups/mail/<kind>.txt`` in the person's language.

    Rendering through the template (not ``render_template``) skips the page context processors
    (navigation, the logged-in organizer, CSRF), which a message never uses.
    """
    app = current_app
    languages = app.config.get("LANGUAGES", ["en"])
    locale = language if language in languages else app.config.get("BABEL_DEFAULT_LOCALE", "en")
    with force_locale(locale):
        text = app.jinja_env.get_template(f"groups/mail/{kind}.txt").render(**context)
    subject, _, body = text.strip().partition("\n")
    return " ".join(subject.split()), body.strip() + "\n"


def queue(kind: str, signup_id: int, email: str, language: str, meeting_id: int | None = None,
          attachments: tuple[Attachment, ...] = (), **context) -> OutboxMessage | None:
    """Write one message into the outbox, in the caller's transaction (committed with it).

    Nothing is sent here: once the transaction commits, :mod:`campaign.jobs` hands the new
    messages to the delivery job.
    """
    if not email:
        return None
    subject, body = compose(kind, language, context)
    payload = {"to": email, "subject": subject, "body": body,
               "attachments": [[a.filename, a.mimetype, base64.b64encode(a.data).decode("ascii")]
                               for a in attachments]}
    message = OutboxMessage(signup_id=signup_id, meeting_id=meeting_id, kind=kind, status=PENDING,
                            attempts=0, last_error="", created_at=utcnow(), next_attempt_at=utcnow(),
                            payload_enc=privacy.encrypt(json.dumps(payload), "outbox"))
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(SESSION_KEY, []).append(message.id)
    log.info("queued %s message %s for signup %s", kind, message.id, signup_id)
    return message


def queued_since(signup_id: int, kind: str, since: datetime) -> bool:
    """Whether a message of this kind was queued for the signup since then (sent or not)."""
    return db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.signup_id == signup_id, OutboxMessage.kind == kind, OutboxMessage.created_at >= since)
        .limit(1)) is not None


def forget(signup_id: int) -> int:
    """Delete the messages of a signup that were not sent yet (its data is being erased), in the caller's transaction."""
    result = db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.signup_id == signup_id, OutboxMessage.status != SENT))
    return result.rowcount or 0


def letter(message: OutboxMessage) -> Letter:
    """The decrypted text of a message that is still waiting."""
    data = json.loads(privacy.decrypt(message.payload_enc, "outbox") or "{}")
    return Letter(data.get("to", ""), data.get("subject", ""), data.get("body", ""),
                  [Attachment(n, t, base64.b64decode(d)) for n, t, d in data.get("attachments", [])])


class _MailPolicy(EmailPolicy):
    """The standard email policy, but a non-ASCII subject is folded by :class:`email.header.Header`.

    The standard folder (Python 3.11) can put the space between two words outside the encoded words
    when it breaks a line, and readers drop such spaces (RFC 2047), so a mixed Cyrillic and Arabic
    subject lost a space; the older encoder keeps every space inside its encoded words."""

    def fold(self, name, value):
        """One header as text; a non-ASCII subject through ``Header``."""
        if name.lower() == "subject" and not str(value).isascii():
            folded = Header(str(value), "utf-8", header_name=name).encode(linesep=self.linesep)
            return f"{name}: {folded}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name, value):
        """One header as bytes; a non-ASCII subject through ``Header`` (its output is ASCII)."""
        if name.lower() == "subject" and not str(value).isascii():
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


MAIL_POLICY = _MailPolicy()


def email_message(found: Letter) -> EmailMessage:
    """The message as MIME: plain UTF-8 text, attachments after it."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = current_app.config.get("MAIL_FROM", "Handbill <handbill@localhost>")
    message["To"] = " ".join(found.to.split())
    message["Subject"] = " ".join(found.subject.split())
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain="handbill.local")  # no DNS lookup of this host's name
    message.set_content(found.body)
    for item in found.attachments:
        maintype, _, subtype = item.mimetype.partition("/")
        message.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.filename)
    return message


# -- delivering ------------------------------------------------------------------------------

def retry_delay(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: doubling from MAIL_RETRY_DELAY, at most six hours."""
    base = float(current_app.config.get("MAIL_RETRY_DELAY", 60))
    return min(base * 2 ** max(attempts - 1, 0), 6 * 3600)


def deliver(message_id: int) -> str:
    """Try to send one message by SMTP; returns what happened ("sent", "held", "failed", "skipped").

    The attempt first claims the message with one conditional UPDATE, so two workers (a retry and
    the sweep, say) never send it twice at once. Raises :class:`RetryLater` after a failure that
    leaves attempts to spare.
    """
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        return "held"
    begin_write()
    now = utcnow()
    claimed = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE)).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"
    message = db.session.get(OutboxMessage, message_id)
    try:
        _smtp(email_message(letter(message)), cfg)
    except (OSError, smtplib.SMTPException) as exc:
        begin_write()
        message = db.session.get(OutboxMessage, message_id)
        message.attempts += 1
        message.last_error = type(exc).__name__[:80]
        gave_up = message.attempts >= int(cfg.get("MAIL_MAX_ATTEMPTS", 8))
        delay = retry_delay(message.attempts)
        if gave_up:
            message.status = FAILED  # stays on the Outbox page, to be passed on by hand
        else:
            message.next_attempt_at = utcnow() + timedelta(seconds=delay)
        db.session.commit()
        log.warning("SMTP failed for %s message %s (%s, attempt %d)%s", message.kind, message_id,
                    message.last_error, message.attempts, "; gave up" if gave_up else f"; retry in {delay:.0f} s")
        if gave_up:
            return "failed"
        raise RetryLater(delay) from None
    begin_write()
    _mark_sent(db.session.get(OutboxMessage, message_id))
    db.session.commit()
    log.info("sent %s message %s by SMTP", message.kind, message_id)
    return "sent"


def _smtp(message: EmailMessage, cfg) -> None:
    """Hand one message to the configured SMTP server."""
    host, port = cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT") or (465 if cfg.get("MAIL_USE_SSL") else 25))
    cls = smtplib.SMTP_SSL if cfg.get("MAIL_USE_SSL") else smtplib.SMTP
    with cls(host, port, timeout=int(cfg.get("MAIL_TIMEOUT", 10))) as smtp:
        if cfg.get("MAIL_USE_TLS") and not cfg.get("MAIL_USE_SSL"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)


def _mark_sent(message: OutboxMessage) -> None:
    """Keep the record that a message went out; erase what it said."""
    message.status, message.sent_at, message.payload_enc = SENT, utcnow(), None


def due(limit: int = 200) -> list[int]:
    """Messages waiting whose next attempt is due (their job was lost, or a retry is late)."""
    if not current_app.config.get("MAIL_SERVER"):
        return []
    ids = db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.id).limit(limit)).all()
    db.session.rollback()  # end the read before the deliveries start their own transactions
    return list(ids)


# -- the Outbox page -------------------------------------------------------------------------

def waiting() -> list[tuple[OutboxMessage, Letter]]:
    """Messages not sent yet, oldest first, with their text (for an admin)."""
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status.in_((PENDING, FAILED)))
                              .order_by(OutboxMessage.id)).all()
    return [(row, letter(row)) for row in rows]


def mark_sent(message_id: int) -> bool:
    """An admin passed the message on by hand: erase its text, keep the record."""
    begin_write()
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status == SENT:
        return False
    _mark_sent(message)
    db.session.commit()
    log.info("%s message %s marked sent by hand", message.kind, message_id)
    return True


def purge(now: datetime, days: int) -> int:
    """Delete messages that waited longer than ``days`` without being sent (in the caller's transaction)."""
    cutoff = now - timedelta(days=int(days))
    result = db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.status != SENT, OutboxMessage.created_at < cutoff))
    return result.rowcount or 0
