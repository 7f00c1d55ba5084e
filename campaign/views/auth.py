"""Login (with its second step when two-factor sign-in is on), logout, the first-run setup and invitations."""
from __future__ import annotations

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import accounts, authz, invites, twofactor
from ..db import db
from ..urls import safe_next
from ..models.accounts import User
from ..forms import ActionForm, csrf_state, no_store, reject_csrf
from ..forms.auth import CodeForm, LoginForm, NewPasswordForm, SetupForm

bp = Blueprint("auth", __name__)

PENDING = "second_factor"  # the signed session's note of a password already checked
PENDING_SECONDS = 300


def _home(user=None) -> str:
    """Where an account lands after login without a return address: the work its roles allow."""
    for role, endpoint in (("organizer", "groups.mine"), ("editor", "quotes.index"),
                           ("translator", "translations.index")):
        if user is not None and user.has_role(role):
            return url_for(endpoint)
    return url_for("account.index")


def _next_url(user=None) -> str:
    """Where to go after login: a path on this site only (control characters are a 400)."""
    return safe_next(request.args.get("next"), _home(user))


def _posted(form, template: str, **context):
    """Validate a POSTed form; returns None when valid, else the response to send (CSRF retry or reject)."""
    valid = form.validate()
    state = csrf_state(form)
    if state == "reject":
        reject_csrf()
    if state == "retry":
        return render_template(template, form=form, retry=True, **context), 400
    return None if valid else (render_template(template, form=form, **context), 422)


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
            if twofactor.enabled(result.user):
                # Password right, nothing granted yet: the signed session only remembers whom to ask.
                db.session.commit()
                session.clear()
                session[PENDING] = {"user": result.user.id, "at": int(time.time()),
                                    "next": _next_url(result.user)}
                return redirect(url_for("auth.second_factor"))
            accounts.start_session(result.user)
            if twofactor.required_for(result.user):  # no second factor yet, though the role needs one
                return redirect(url_for("account.two_factor"))
            return redirect(_next_url(result.user))
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


def _pending_user() -> User | None:
    """The account whose password was just checked, if that was less than five minutes ago."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user"))
    return user if user is not None and user.is_active and twofactor.enabled(user) else None


@bp.route("/login/code", methods=["GET", "POST"])
@authz.public
@no_store
def second_factor():
    """The second login step: a code from the authenticator app or a recovery code; throttled per account."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Please log in again: the login took too long or was not started."))
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if request.method == "POST":
        refused = _posted(form, "auth/code.html")
        if refused:
            return refused
        if not twofactor.attempts_left(user):
            return render_template("auth/code.html", form=form, throttled=True), 429
        if not twofactor.verify(user, form.code.data):
            form.code.errors = [_("This code is not right, or was already used.")]
            return render_template("auth/code.html", form=form), 401
        target = session[PENDING].get("next") or _home(user)
        accounts.start_session(user)
        return redirect(target)
    return render_template("auth/code.html", form=form)


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


# -- accounts opened by a link ------------------------------------------------------------------

def _link_or_abort(kind: str, token: str):
    """The usable link for this token, else the 404 or 410 page saying why."""
    try:
        return invites.lookup(kind, token)
    except invites.LinkError as exc:
        abort(exc.status, str(exc))


def _redeem(kind: str, token: str, form, template: str, link, email: str):
    """Open the account from a valid form; returns the response (errors go back on the form)."""
    try:
        user = invites.redeem(kind, token, email, form.password.data)
    except invites.LinkError as exc:
        abort(exc.status, str(exc))
    except accounts.PasswordPolicyError as exc:
        form.password.errors = list(exc.problems)
    except ValueError as exc:
        (form.email if hasattr(form, "email") else form.password).errors = [str(exc)]
    else:
        accounts.start_session(user)
        return None
    return render_template(template, form=form, link=link), 422


def _account_link(kind: str, token: str, form, template: str, welcome: str, then: str):
    """A setup or invitation link's page: a valid POST opens the account, logs in and goes to ``then``."""
    link = _link_or_abort(kind, token)
    if request.method == "POST":
        refused = _posted(form, template, link=link)
        if refused:
            return refused
        email = form.email.data if kind == invites.SETUP else link.email
        refused = _redeem(kind, token, form, template, link, email)
        if refused:
            return refused
        flash(welcome)
        return redirect(url_for(then))
    return render_template(template, form=form, link=link)


@bp.route("/setup/<token>", methods=["GET", "POST"])
@authz.public
@no_store
def setup(token):
    """The first run: the setup link creates the first admin and logs them in."""
    return _account_link(invites.SETUP, token, SetupForm(), "auth/setup.html",
                         _("Welcome: your admin account is ready. Invite the others from the Users page."),
                         "users.index")


@bp.route("/invite/<token>", methods=["GET", "POST"])
@authz.public
@no_store
def accept_invite(token):
    """An invitation: the invitee sets a password and is logged in with the roles it carries."""
    return _account_link(invites.INVITE, token, NewPasswordForm(), "auth/invite.html",
                         _("Welcome: your account is ready."), "account.index")
