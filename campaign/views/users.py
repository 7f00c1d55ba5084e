"""Admin pages: the accounts, invitations, roles, disabling an account."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import accounts, authz, invites, twofactor
from ..db import db
from ..models.accounts import User
from ..forms import no_store, require_action_token, valid_post
from ..forms.users import InviteForm, RolesForm

bp = Blueprint("users", __name__, url_prefix="/users")


def _account(user_id: int) -> User:
    """The account with this id, or 404."""
    return db.session.get(User, user_id) or abort(404, _("There is no such account."))


def _index(status=200, invite_form=None, link=None):
    """The Users page, with the invite form (and a link just made, shown once)."""
    people = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("users/index.html", people=people, invites=invites.pending_invites(),
                           form=invite_form or InviteForm(), link=link,
                           two_factor={u.id for u in people if twofactor.enabled(u)}), status


@bp.get("/")
@authz.requires("admin")
@no_store
def index():
    """Every account with its roles and state, the invitations waiting, and the invite form."""
    return _index()


@bp.post("/invite")
@authz.requires("admin")
@no_store
def invite():
    """Make an invitation link (valid 7 days, single use) for the admin to pass on; shown once."""
    form = InviteForm()
    if not valid_post(form):
        return _index(422, invite_form=form)
    try:
        link = invites.invite(current_user, form.email.data, form.roles.data)
    except ValueError as exc:
        form.email.errors = [str(exc)]
        return _index(422, invite_form=form)
    return _index(invite_form=InviteForm(formdata=None), link=link)


@bp.post("/invites/<int:invite_id>/withdraw")
@authz.requires("admin")
def withdraw(invite_id):
    """Withdraw an invitation that was not accepted yet: its link stops working."""
    require_action_token()
    if not invites.withdraw(invite_id):
        abort(404, _("There is no such invitation waiting."))
    flash(_("The invitation was withdrawn."))
    return redirect(url_for("users.index"))


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@authz.requires("admin")
@no_store
def edit(user_id):
    """An account: change its roles (the last active admin keeps theirs)."""
    user = _account(user_id)
    form = RolesForm() if request.method == "POST" else RolesForm(data={"roles": sorted(user.roles)})
    status = 200
    if valid_post(form):
        try:
            accounts.set_roles(user, form.roles.data or [])
        except ValueError as exc:
            db.session.rollback()
            form.roles.errors = [str(exc)]
            status = 422
        else:
            db.session.commit()
            flash(_("The roles of %(email)s were saved.", email=user.email))
            return redirect(url_for("users.edit", user_id=user.id))
    elif form.is_submitted():
        status = 422
    return render_template("users/edit.html", person=user, form=form, two_factor=twofactor.enabled(user),
                           sessions=len(accounts.sessions_of(user))), status


def _set_active(user_id: int, active: bool):
    """Disable or enable an account; 409 for one's own account or the last active admin."""
    require_action_token()
    user = _account(user_id)
    if not active and user.id == current_user.id:
        abort(409, _("You cannot disable your own account."))
    try:
        accounts.set_active(user, active)
    except accounts.LastAdminError as exc:
        db.session.rollback()
        abort(409, str(exc))
    db.session.commit()
    flash(_("%(email)s is enabled again.", email=user.email) if active else
          _("%(email)s is disabled and was logged out everywhere.", email=user.email))
    return redirect(url_for("users.edit", user_id=user.id))


@bp.post("/<int:user_id>/disable")
@authz.requires("admin")
def disable(user_id):
    """Disable an account: it cannot log in, and its sessions end now."""
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/enable")
@authz.requires("admin")
def enable(user_id):
    """Let a disabled account log in again."""
    return _set_active(user_id, True)


@bp.post("/<int:user_id>/two-factor/off")
@authz.requires("admin")
def two_factor_off(user_id):
    """Turn off someone's two-factor sign-in (a lost phone and lost recovery codes); their sessions end."""
    require_action_token()
    user = _account(user_id)
    twofactor.disable(user)
    accounts.end_sessions(user)
    db.session.commit()
    flash(_("Two-factor sign-in of %(email)s is off; they were logged out everywhere.", email=user.email))
    return redirect(url_for("users.edit", user_id=user.id))
