"""Login and logout."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from .. import accounts, authz
from ..db import db
from ..urls import safe_next
from .forms import ActionForm, Form, csrf_state, no_store, reject_csrf

bp = Blueprint("auth", __name__)


class LoginForm(Form):
    """Email and password of an account."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=accounts.MAX_LENGTH)])


def _next_url() -> str:
    """Where to go after login: a path on this site only."""
    return safe_next(request.args.get("next"), url_for("groups.mine"))


@bp.route("/login", methods=["GET", "POST"])
@authz.public
@no_store
def login():
    """The login form; throttled per (account, client) and per client."""
    _next_url()  # a malformed return address is refused before anything else
    form = LoginForm()
    if request.method == "POST":
        valid = form.validate()
        state = csrf_state(form)
        if state == "reject":
            reject_csrf()
        if state == "retry":
            form.password.data = ""
            return render_template("auth/login.html", form=form, retry=True), 400
        if valid:
            result = accounts.authenticate(form.email.data, form.password.data)
            if result.throttled:
                return render_template("auth/login.html", form=form, throttled=True, slowed=result.slowed), 429, {
                    "Retry-After": str(result.retry_after or 1)}
            if result.user is None:
                db.session.commit()
                form.password.errors = [_("The email or the password is not right.")]
                return render_template("auth/login.html", form=form), 401
            accounts.start_session(result.user)
            return redirect(_next_url())
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@authz.signed_in
def logout():
    """End the session here and on the server."""
    form = ActionForm()
    if not form.validate_on_submit():
        reject_csrf()
    accounts.end_session(current_user._get_current_object())
    flash(_("You are logged out."))
    return redirect(url_for("auth.login"))
