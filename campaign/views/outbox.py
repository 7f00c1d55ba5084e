"""The Outbox: messages waiting to be passed on by hand when no mail server is configured (admins only)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from .. import authz, messages
from ..forms import ActionForm, no_store, require_action_token

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


@bp.get("/")
@authz.requires("admin", note="messages hold participants' addresses")
@no_store
def index():
    """Every message not sent yet, decrypted, with its text to copy and a button to mark it sent."""
    return render_template("outbox/index.html", waiting=messages.waiting(), form=ActionForm(),
                           smtp=bool(current_app.config.get("MAIL_SERVER")))


@bp.post("/<int:message_id>/sent")
@authz.requires("admin")
def mark_sent(message_id):
    """The admin passed the message on: its text is erased, the record that it was sent stays."""
    require_action_token()
    if not messages.mark_sent(message_id):
        abort(404)
    flash(_("Marked as sent; its text is erased."))
    return redirect(url_for("outbox.index"), code=303)
