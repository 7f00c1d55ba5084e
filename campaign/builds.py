"""Batch builds as background jobs: card ZIPs, reading packs, campaign kits and carousels, with progress.

A build is a Huey task (:mod:`campaign.jobs`, task ``build``) that takes plain data — a *kind* and
its *spec* — and writes one file, a ZIP or a PDF, into the builds folder (``BUILDS_DIR``, by default
``instance/builds``) under its content key: ``<key>.zip``. The web request works out that key
before anything is rendered (it re-verifies the quotations, which is cheap), so a repeat request
finds the file and offers it at once, and a request for a build already under way joins it.

Each build has a random id (the unguessable address of its page, which may be shared). Its state
and progress ("3 of 12 files") live in Huey's key-value storage (``huey.put`` / ``huey.get(peek=True)``),
shared by the web processes and the consumer; no table is needed. A build that fails records why,
naming what failed; a builds folder that cannot be written is a failed build with that reason,
never a server error.
"""
from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import current_app

from . import build_kinds, carousel, kit
from .build_plan import BuildError, Plan

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ID_BYTES = 18
PREFIX = "handbill:build:"
BY_KEY = "handbill:build-key:"


@dataclass
class Status:
    """What a build page shows: the state, the progress, the file or the reason it failed."""

    id: str
    kind: str
    key: str
    filename: str
    suffix: str
    state: str = QUEUED
    done: int = 0
    total: int = 0
    step: str = ""  # the file being made (a file name: the same in every language)
    error: str = ""  # why it failed, naming what failed
    error_kind: str = ""  # "disk", "input", "render", "queue" or "unexpected"
    started: float = field(default_factory=time.time)
    finished: float = 0.0

    @property
    def finished_ok(self) -> bool:
        return self.state == DONE

    @property
    def over(self) -> bool:
        return self.state in (DONE, FAILED)


def folder(app=None) -> Path:
    """The builds folder: ``BUILDS_DIR``, else ``instance/builds``."""
    app = app or current_app
    return Path(app.config.get("BUILDS_DIR") or os.path.join(app.instance_path, "builds"))


def result_path(key: str, suffix: str, app=None) -> Path:
    """Where the file of a build with this content key is kept."""
    return folder(app) / f"{key}{suffix}"


def get(huey, build_id: str) -> Status | None:
    """A build's status, or None for an unknown id."""
    if not isinstance(build_id, str) or not build_id or len(build_id) > 64:
        return None
    found = huey.get(PREFIX + build_id, peek=True)
    return Status(**found) if isinstance(found, dict) else None


def record(huey, status: Status) -> None:
    """Store a build's status in Huey's key-value storage (the web processes and the consumer share it)."""
    huey.put(PREFIX + status.id, asdict(status))


def start(huey, task, kind: str, spec: dict, plan: Plan) -> Status:
    """Start a build (or reuse the finished file, or join the same build under way); its status.

    ``plan`` is what the web request worked out: the content key, the file's name and how many files
    it holds. ``task`` is the Huey task that runs :func:`run`.
    """
    path = result_path(plan.key, plan.suffix)
    if path.is_file():
        try:
            os.utime(path)  # asked for again: kept another BUILDS_KEEP_DAYS
        except OSError:
            pass
        status = Status(_new_id(), kind, plan.key, plan.filename, plan.suffix, DONE, plan.total, plan.total,
                        finished=time.time())
        record(huey, status)
        return status
    running = huey.get(BY_KEY + plan.key, peek=True)
    if running:
        found = get(huey, running)
        if found is not None and found.state in (QUEUED, RUNNING) and time.time() - found.started < 3600:
            return found
    status = Status(_new_id(), kind, plan.key, plan.filename, plan.suffix, QUEUED, 0, plan.total)
    record(huey, status)
    huey.put(BY_KEY + plan.key, status.id)
    try:
        task(status.id, kind, spec)
    except Exception as exc:  # noqa: BLE001 - the queue is unreachable: say so on the build's page
        log.warning("could not queue build %s (%s: %s)", kind, type(exc).__name__, exc)
        status = get(huey, status.id) or status
        if not status.over:
            status.state, status.error_kind, status.error = FAILED, "queue", str(exc)[:300]
            record(huey, status)
    return get(huey, status.id) or status


def _new_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def run(huey, build_id: str, kind: str, spec: dict) -> str:
    """The job: make the build's file, reporting progress; record done or why it failed. Returns the state."""
    status = get(huey, build_id)
    if status is None:
        log.warning("build %s has no status record; nothing to do", build_id)
        return FAILED
    status.state = RUNNING
    record(huey, status)
    def progress(done: int, total: int, step: str = "") -> None:
        """Record "``done`` of ``total`` files" (called from the job's own thread)."""
        status.done, status.total, status.step = done, total, step
        record(huey, status)

    try:
        data = produce(kind, spec, progress)
    except BuildError as exc:
        return _fail(huey, status, exc.kind, exc.message)
    except Exception as exc:  # noqa: BLE001 - a job reports every failure on its page
        message = getattr(exc, "message", None) or str(exc)
        kind_of = "render" if hasattr(exc, "message") else "unexpected"
        if kind_of == "unexpected":
            log.exception("build %s (%s) failed", build_id, kind)
        return _fail(huey, status, kind_of, f"{type(exc).__name__}: {message}" if kind_of == "unexpected"
                     else message)
    try:
        write_atomically(result_path(status.key, status.suffix), data)
    except OSError as exc:
        log.error("builds folder %s cannot be written: %s", folder(), exc)
        return _fail(huey, status, "disk", exc.strerror or str(exc))
    status.state, status.done, status.step, status.finished = DONE, status.total, "", time.time()
    record(huey, status)
    return DONE


KINDS = {"cards": build_kinds.cards_zip, "pack": build_kinds.pack_pdf, "kit": kit.produce,
         "carousel": carousel.produce}


def produce(kind: str, spec: dict, progress) -> bytes:
    """Make the file of a build of ``kind`` from its spec (plain data), reporting progress."""
    if kind not in KINDS:
        raise BuildError("input", f"unknown kind of build {kind!r}")
    return KINDS[kind](spec, progress)


def _fail(huey, status: Status, kind: str, message: str) -> str:
    status.state, status.error_kind, status.error, status.finished = FAILED, kind, message, time.time()
    record(huey, status)
    return FAILED


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise


def purge(max_age_days: float, app=None) -> int:
    """Delete finished files not asked for in ``max_age_days`` (a build page then offers to start again); the count."""
    base = folder(app)
    cutoff = time.time() - max_age_days * 86400
    removed = 0
    try:
        entries = list(base.iterdir())
    except OSError:
        return 0
    for path in entries:
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError as exc:
            log.warning("could not remove old build %s (%s)", path.name, exc.strerror or exc)
    return removed

