"""Short public links printed on paper: ``/g/<key>`` opens a study group's signup page (the event poster's QR code)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, url_for

from .. import authz

bp = Blueprint("short", __name__)


@bp.get("/g/<key>")
@authz.public
def group(key):
    """A study group's signup page, from the short address a poster's QR code carries."""
    if "groups.show" not in current_app.view_functions or len(key) > 24:
        abort(404)
    return redirect(url_for("groups.show", key=key), code=302)
