"""Batch builds: start one (for the views that offer them), its progress page, its status as JSON, its file."""
from __future__ import annotations

import os
import re
import time

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _, ngettext

from .. import authz, builds
from ..build_plan import Plan
from ..forms import no_store
from ..jobs import jobs

bp = Blueprint("builds", __name__, url_prefix="/builds")

REFRESH_SECONDS = 3
WAITING_SECONDS = 60  # queued longer than this: the job consumer is probably not running
SAFE_NAME = re.compile(r"[A-Za-z0-9._-]{1,200}")
MIMETYPES = {".zip": "application/zip", ".pdf": "application/pdf"}


def start(kind: str, spec: dict, plan: Plan) -> builds.Status:
    """Start (or reuse, or join) a build from a view; its status."""
    found = jobs()
    try:
        return builds.start(found.huey, found.build, kind, spec, plan)
    except Exception as exc:  # noqa: BLE001 - the queue's storage is unreachable or unwritable: 503, not 500
        current_app.logger.warning("cannot record a build (%s: %s)", type(exc).__name__, exc)
        abort(503, _("The build could not be queued: the job queue is not reachable. Please try again later."))


def page_or_file(status: builds.Status):
    """The finished file itself when the build is already done (cached, or made inline), else its page."""
    if status.state == builds.DONE:
        return download_response(status)
    return redirect(url_for("builds.show", build_id=status.id), code=303)


def _status(build_id: str) -> builds.Status:
    found = builds.get(jobs().huey, build_id)
    if found is None:
        abort(404, _("There is no build at this address. Builds are kept for a while only: start it again."))
    return found


def progress_text(status: builds.Status) -> str:
    """"3 of 12 files", in the reader's language."""
    return ngettext("%(done)d of %(num)d file", "%(done)d of %(num)d files", status.total, done=status.done)


def failure_text(status: builds.Status) -> str:
    """What went wrong, in the reader's language, followed by the detail naming what failed."""
    headline = {
        "disk": _("The server could not store the finished file: its builds folder cannot be written. "
                  "Ask the administrator to make it writable."),
        "queue": _("The build could not be queued: the job queue is not reachable. Please try again later."),
        "input": _("The build could not start from what was asked."),
        "render": _("A file of the build could not be made."),
    }.get(status.error_kind, _("The build failed."))
    return f"{headline} {status.error}".strip()


def download_response(status: builds.Status):
    """The build's file as an attachment (410 when it was deleted since)."""
    path = builds.result_path(status.key, status.suffix)
    if not path.is_file():
        abort(410, _("The file of this build is no longer kept on the server: start the build again."))
    try:
        os.utime(path)  # downloaded: kept another BUILDS_KEEP_DAYS
    except OSError:
        pass
    response = send_file(path, mimetype=MIMETYPES.get(status.suffix, "application/octet-stream"),
                         as_attachment=True, download_name=status.filename, max_age=0)
    if SAFE_NAME.fullmatch(status.filename):  # the same header the direct downloads send
        response.headers["Content-Disposition"] = f'attachment; filename="{status.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<build_id>")
@authz.public(note="the address is a random id; only organizers start builds")
@no_store
def show(build_id):
    """A build's progress (the page refreshes itself until it is done), then its download."""
    status = _status(build_id)
    waiting = status.state == builds.QUEUED and time.time() - status.started > WAITING_SECONDS
    return render_template("builds/show.html", status=status, progress=progress_text(status),
                           failure=failure_text(status) if status.state == builds.FAILED else "",
                           refresh=REFRESH_SECONDS, waiting=waiting)


@bp.get("/<build_id>/status.json")
@authz.public(note="the address is a random id")
@no_store
def status_json(build_id):
    """The build's state and progress for the page's script."""
    status = _status(build_id)
    return jsonify({"state": status.state, "done": status.done, "total": status.total, "step": status.step,
                    "progress": progress_text(status),
                    "error": failure_text(status) if status.state == builds.FAILED else "",
                    "download": url_for("builds.download", build_id=status.id) if status.state == builds.DONE else ""})


@bp.get("/<build_id>/download")
@authz.public(note="the address is a random id; public materials")
def download(build_id):
    """The finished file."""
    status = _status(build_id)
    if status.state != builds.DONE:
        return redirect(url_for("builds.show", build_id=build_id), code=303)
    return download_response(status)

