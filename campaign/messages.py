"""Messages to participants: SMTP when ``MAIL_SERVER`` is configured, else ``.eml`` files in an outbox folder.

The outbox (``instance/outbox/`` unless ``OUTBOX_DIR`` says otherwise) lets a single-machine install
work without a mail server; its folder is 0700 and its files 0600, a signup's files are deleted with
the signup, and ``privacy purge`` removes files older than ``OUTBOX_RETENTION_DAYS``.
Logs name the message kind and signup number only — never an address or a name.
"""
from __future__ import annotations

import atexit
import base64
import logging
import os
import queue
import secrets
import smtplib
import threading
import time
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

log = logging.getLogger(__name__)


_made: set[Path] = set()


def outbox_dir(app=None, known: bool = False) -> Path:
    """The outbox folder (created 0700 on first use; ``known``: skip checking that it still exists)."""
    app = app or current_app
    path = Path(app.config.get("OUTBOX_DIR") or os.path.join(app.instance_path, "outbox"))
    if path not in _made or not (known or path.is_dir()):
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        _made.add(path)
    return path


def build(to: str, subject: str, body: str) -> Message:
    """A plain-text UTF-8 message from the configured sender (compat32 headers: fast, and ample for this)."""
    message = MIMEText(body, "plain", "utf-8")
    message["From"] = current_app.config.get("MAIL_FROM", "Handbill <handbill@localhost>")
    message["To"] = _header_safe(to)
    message["Subject"] = Header(_header_safe(subject), "utf-8")
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain="handbill.local")  # no DNS lookup of this host's name
    return message


def compose(to: str, subject: str, body: str) -> bytes:
    """The same message as :func:`build`, as bytes, written out directly.

    The email package's generator folds and re-encodes every header on each message, which cost
    more than everything else a signup does; a plain-text message with an encoded subject and a
    base64 body needs none of that. Non-ASCII addresses take the general path.
    """
    sender = _header_safe(current_app.config.get("MAIL_FROM", "Handbill <handbill@localhost>"))
    to = _header_safe(to)
    if not (sender.isascii() and to.isascii()):
        return build(to, subject, body).as_bytes()
    return b"".join((
        b'Content-Type: text/plain; charset="utf-8"\nMIME-Version: 1.0\nContent-Transfer-Encoding: base64\n',
        b"From: ", sender.encode("ascii"), b"\nTo: ", to.encode("ascii"),
        b"\nSubject: ", _encoded_words(_header_safe(subject)),
        b"\nDate: ", format_datetime(datetime.now(timezone.utc)).encode("ascii"),
        b"\nMessage-ID: ", make_msgid(domain="handbill.local").encode("ascii"),
        b"\n\n", base64.encodebytes(body.encode("utf-8"))))


def _encoded_words(text: str, limit: int = 39) -> bytes:
    """RFC 2047 base64 encoded words of at most ``limit`` UTF-8 bytes each (whole characters), folded."""
    words, chunk, size = [], [], 0
    for char in text:
        width = len(char.encode("utf-8"))
        if size + width > limit and chunk:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    if chunk or not words:
        words.append("".join(chunk))
    return b"\n ".join(b"=?utf-8?b?" + base64.b64encode(w.encode("utf-8")) + b"?=" for w in words)


def _header_safe(value: str) -> str:
    """No line breaks in a header (they would start new headers)."""
    return " ".join(str(value).split())


def deliver(message: Message, signup_id: int, kind: str) -> str:
    """Send by SMTP if configured (falling back to the outbox on failure); returns where it went."""
    cfg = current_app.config
    if cfg.get("MAIL_SERVER"):
        try:
            _smtp(message, cfg)
            log.info("sent %s message for signup %s by SMTP", kind, signup_id)
            return "smtp"
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("SMTP failed for %s message of signup %s (%s); kept in the outbox",
                        kind, signup_id, type(exc).__name__)
    return write_outbox(message.as_bytes(), signup_id, kind)


def write_outbox(data: bytes, signup_id: int, kind: str) -> str:
    """Put one composed message in the outbox."""
    _write(data, signup_id, kind)
    log.info("wrote %s message for signup %s to the outbox", kind, signup_id)
    return "outbox"


def _smtp(message: Message, cfg) -> None:
    host, port = cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT") or (465 if cfg.get("MAIL_USE_SSL") else 25))
    cls = smtplib.SMTP_SSL if cfg.get("MAIL_USE_SSL") else smtplib.SMTP
    with cls(host, port, timeout=int(cfg.get("MAIL_TIMEOUT", 10))) as smtp:
        if cfg.get("MAIL_USE_TLS") and not cfg.get("MAIL_USE_SSL"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)


def _write(data: bytes, signup_id: int, kind: str) -> Path:
    name = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-s{signup_id}-{kind}-{secrets.token_hex(4)}.eml"
    path = outbox_dir(known=True) / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileNotFoundError:  # the folder was removed while the app ran: make it again
        path = outbox_dir() / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    return path


def forget(signup_id: int) -> int:
    """Delete the outbox files of one signup (its data is being deleted), after any still queued."""
    flush()
    count = 0
    for path in outbox_dir().glob(f"*-s{int(signup_id)}-*.eml"):
        path.unlink(missing_ok=True)
        count += 1
    return count


def purge_outbox(now: datetime, days: int) -> int:
    """Delete outbox files older than ``days``."""
    flush()
    cutoff = (now.replace(tzinfo=timezone.utc) - timedelta(days=int(days))).timestamp()
    count = 0
    for path in outbox_dir().glob("*.eml"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            count += 1
    return count


def notify(kind: str, signup_id: int, email: str, language: str, **context) -> str | None:
    """Compose a message from ``templates/groups/mail/<kind>.txt`` in the person's language and send it.

    With a mail server configured, sending happens on the app's mail thread, so a slow or unreachable
    server never holds up the person who just signed up; writing to the outbox is quicker inline.
    """
    if not email:
        return None
    app = current_app._get_current_object()
    languages = app.config.get("LANGUAGES", ["en"])
    locale = language if language in languages else app.config.get("BABEL_DEFAULT_LOCALE", "en")
    text = _text(app.jinja_env.get_template(f"groups/mail/{kind}.txt"), locale, context)
    subject, _, body = text.strip().partition("\n")
    job = (email, subject.strip(), body.strip() + "\n", signup_id, kind)
    if not app.config.get("MAIL_SERVER"):
        return write_outbox(compose(*job[:3]), signup_id, kind)
    if not app.config.get("MAIL_BACKGROUND", True):
        return _send(*job)
    mailer(current_app._get_current_object()).submit(job)
    return "queued"


# The values that differ from one person to the next in a message (their own secret link); the
# templates print them as they are. Everything else is the same for everyone in a group.
PERSONAL = frozenset({"manage_url"})
# A stand-in for a personal value while the shared text is rendered; it cannot occur in a rendered
# message, whose values come from forms that refuse control characters.
_MARK = "\x00" + secrets.token_hex(8) + ":"
_TEXTS: dict[tuple, str] = {}


def _text(template, locale: str, context: dict) -> str:
    """The message text: rendered once per template, language and group details, then personalised.

    Rendering through the template (not ``render_template``) skips the page context processors
    (navigation, the logged-in organizer, CSRF), which a message never uses.
    """
    try:
        key = (template, locale, tuple(sorted((k, v) for k, v in context.items() if k not in PERSONAL)))
        shared = _TEXTS.get(key)
    except TypeError:  # an unhashable value: render this one every time
        key, shared = None, None
    if shared is None:
        stand_ins = {name: f"{_MARK}{name}\x00" for name in PERSONAL & context.keys()}
        with force_locale(locale):
            shared = template.render(**{**context, **stand_ins})
        if key is not None:
            if len(_TEXTS) >= 512:
                _TEXTS.clear()
            _TEXTS[key] = shared
    for name in PERSONAL & context.keys():
        shared = shared.replace(f"{_MARK}{name}\x00", str(context[name]))
    return shared


def _send(email: str, subject: str, body: str, signup_id: int, kind: str) -> str:
    return deliver(build(email, subject, body), signup_id, kind)


class Mailer:
    """One sending thread per app and process, fed by a queue; ``flush()`` waits until it is idle."""

    def __init__(self, app):
        self.app, self.queue, self.thread, self.pid, self.lock = app, queue.Queue(), None, None, threading.Lock()

    def submit(self, job: tuple) -> None:
        with self.lock:
            if self.thread is None or self.pid != os.getpid() or not self.thread.is_alive():
                self.pid = os.getpid()  # a forked worker starts its own thread
                self.thread = threading.Thread(target=self._run, name="handbill-mail", daemon=True)
                self.thread.start()
        self.queue.put(job)

    def _run(self) -> None:
        while True:
            job = self.queue.get()
            try:
                with self.app.app_context():
                    _send(*job)
            except Exception as exc:  # keep going; name the signup, never the address
                log.error("could not deliver %s message of signup %s (%s)", job[4], job[3], type(exc).__name__)
            finally:
                self.queue.task_done()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued message is sent or written; False if that took longer than ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True


_MAILERS_LOCK = threading.Lock()


def mailer(app) -> Mailer:
    with _MAILERS_LOCK:
        found = app.extensions.get("handbill.mailer")
        if found is None:
            found = app.extensions["handbill.mailer"] = Mailer(app)
            atexit.register(found.flush, 10.0)  # a worker stopping gracefully writes what it queued
        return found


def flush(app=None) -> bool:
    """Wait for the app's queued messages (before reading or deleting the outbox)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get("handbill.mailer")
    return found.flush() if found else True
