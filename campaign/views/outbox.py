"""The Outbox: messages waiting to be passed on by hand when no mail server is configured (admins only)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import messages
from .forms import ActionForm, no_store, require_action_token

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


def _admin_only() -> None:
    """Messages hold participants' addresses and links: only an admin sees them (others get a 404)."""
    if not current_user.is_admin:
        abort(404)


@bp.get("/")
@login_required
@no_store
def index():
    """Every message not sent yet, decrypted, with its text to copy and a button to mark it sent."""
    _admin_only()
    return render_template("outbox/index.html", waiting=messages.waiting(), form=ActionForm(),
                           smtp=bool(current_app.config.get("MAIL_SERVER")))


@bp.post("/<int:message_id>/sent")
@login_required
def mark_sent(message_id):
    """The admin passed the message on: its text is erased, the record that it was sent stays."""
    _admin_only()
    require_action_token()
    if not messages.mark_sent(message_id):
        abort(404)
    flash(_("Marked as sent; its text is erased."))
    return redirect(url_for("outbox.index"), code=303)
