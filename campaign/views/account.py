"""The account page: password, sessions, two-factor sign-in; and the rule that some roles must enrol."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from .. import accounts, authz, twofactor
from ..db import db
from ..forms import no_store, require_action_token, valid_post
from ..forms.account import ConfirmCodeForm, PasswordChangeForm, PasswordOnlyForm, SessionForm

bp = Blueprint("account", __name__, url_prefix="/account")

# What an account that must enrol in two-factor sign-in may still reach before it has.
ENROLMENT_ENDPOINTS = frozenset({"static", "auth.logout", "home.language", "account.two_factor",
                                 "account.two_factor_start", "account.two_factor_confirm"})

_CURRENT_PASSWORD = {"wrong": _l("This is not your current password."),
                     "throttled": _l("Too many wrong passwords. Please wait 15 minutes and try again.")}


def _me():
    """The logged-in account itself (not the proxy), so it can be compared and passed on."""
    return current_user._get_current_object()


def _page(status=200, **forms):
    """The account page, with any form given back holding its errors."""
    user = _me()
    context = {"password_form": PasswordChangeForm(), "user": user, "sessions": accounts.sessions_of(user),
               "this_session": accounts.session_id_of_token(user.session_token),
               "session_id": accounts.session_id, "two_factor": twofactor.enabled(user),
               "codes_left": twofactor.recovery_codes_left(user)}
    context.update(forms)
    return render_template("account/index.html", **context), status


@bp.get("/")
@authz.signed_in
@no_store
def index():
    """Who you are logged in as, your sessions, your password and two-factor sign-in."""
    return _page()


@bp.post("/password")
@authz.signed_in
@no_store
def password():
    """Change the password (the current one first); every other session is logged out."""
    form = PasswordChangeForm()
    user = _me()
    if not valid_post(form):
        return _page(422, password_form=form)
    checked = accounts.check_current_password(user, form.current.data)
    if checked != "ok":
        form.current.errors = [_CURRENT_PASSWORD[checked]]
        return _page(429 if checked == "throttled" else 422, password_form=form)
    try:
        accounts.set_password(user, form.password.data, keep=user.session_token)
    except accounts.PasswordPolicyError as exc:
        db.session.rollback()
        form.password.errors = list(exc.problems)
        return _page(422, password_form=form)
    db.session.commit()
    flash(_("Your password was changed; your other sessions were logged out."))
    return redirect(url_for("account.index"))


@bp.post("/sessions/end")
@authz.signed_in
def end_session():
    """Log out one of your sessions (another browser, or this one)."""
    form = SessionForm()
    if not valid_post(form):
        return _page(422)
    user = _me()
    this_one = form.session.data == accounts.session_id_of_token(user.session_token)
    if this_one:
        accounts.end_session(user)
        flash(_("You are logged out."))
        return redirect(url_for("auth.login"))
    if accounts.end_session_named(user, form.session.data):
        db.session.commit()
        flash(_("That session was logged out."))
    return redirect(url_for("account.index"))


@bp.post("/sessions/end-others")
@authz.signed_in
def end_other_sessions():
    """Log out everywhere but here."""
    require_action_token()
    user = _me()
    count = accounts.end_sessions(user, keep=user.session_token)
    db.session.commit()
    flash(_("%(n)d other session(s) logged out.", n=count))
    return redirect(url_for("account.index"))


# -- two-factor sign-in ---------------------------------------------------------------------------

@bp.get("/two-factor")
@authz.signed_in
@no_store
def two_factor():
    """Two-factor sign-in: its state, or the enrolment under way (QR code and secret)."""
    return _two_factor_page()


def _two_factor_page(status=200, **context):
    """The two-factor page: its state, or the enrolment under way with the QR code."""
    user = _me()
    secret = twofactor.pending_secret(user)
    uri = twofactor.provisioning_uri(user, secret) if secret else None
    context.setdefault("form", ConfirmCodeForm())
    context.setdefault("off_form", PasswordOnlyForm())
    return render_template("account/two_factor.html", user=user, enabled=twofactor.enabled(user), secret=secret,
                           qr=twofactor.qr_data_uri(uri) if uri else None, required=twofactor.required_for(user),
                           codes_left=twofactor.recovery_codes_left(user), **context), status


@bp.post("/two-factor/start")
@authz.signed_in
def two_factor_start():
    """Begin enrolment: a new secret, shown as a QR code and as text."""
    require_action_token()
    if not twofactor.enabled(_me()):
        twofactor.begin(_me())
    return redirect(url_for("account.two_factor"))


@bp.post("/two-factor/confirm")
@authz.signed_in
@no_store
def two_factor_confirm():
    """Finish enrolment with a first code; the recovery codes are shown once, on this answer only."""
    form = ConfirmCodeForm()
    user = _me()
    if not valid_post(form):
        return _two_factor_page(422, form=form)
    codes = twofactor.confirm(user, form.code.data)
    if codes is None:
        form.code.errors = [_("This code is not right. Check the time on your phone and try the newest code.")]
        return _two_factor_page(422, form=form)
    return render_template("account/recovery_codes.html", codes=codes)


@bp.post("/two-factor/recovery-codes")
@authz.signed_in
@no_store
def two_factor_new_codes():
    """Ten new recovery codes (the current password first); the old ones stop working."""
    return _with_password(lambda user: render_template("account/recovery_codes.html",
                                                       codes=twofactor.new_recovery_codes(user)))


@bp.post("/two-factor/off")
@authz.signed_in
def two_factor_off():
    """Turn two-factor sign-in off (the current password first), unless a role requires it."""
    if twofactor.required_for(_me()):
        flash(_("Your role requires two-factor sign-in, so it cannot be turned off."))
        return redirect(url_for("account.two_factor"))

    def off(user):
        twofactor.disable(user)
        flash(_("Two-factor sign-in is off."))
        return redirect(url_for("account.two_factor"))

    return _with_password(off)


def _with_password(action):
    """Run ``action(user)`` once the current password is confirmed, committing what it changed."""
    form = PasswordOnlyForm()
    user = _me()
    if not valid_post(form) or not twofactor.enabled(user):
        return redirect(url_for("account.two_factor"))
    checked = accounts.check_current_password(user, form.current.data)
    if checked != "ok":
        form.current.errors = [_CURRENT_PASSWORD[checked]]
        return _two_factor_page(429 if checked == "throttled" else 422, off_form=form)
    response = action(user)
    db.session.commit()
    return response


@bp.before_app_request
def enrol_first():
    """An account whose role requires two-factor sign-in reaches nothing else until it is on."""
    if not current_user.is_authenticated or request.endpoint in ENROLMENT_ENDPOINTS or request.endpoint is None:
        return None
    if twofactor.required_for(current_user) and not twofactor.enabled(current_user):
        return redirect(url_for("account.two_factor"))
    return None
