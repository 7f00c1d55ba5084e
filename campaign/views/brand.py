"""The brand kit page: everyone signed in sees it, admins change it; the logo served for its preview."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from .. import authz, brand, errors
from ..db import db
from ..forms import csrf_state, reject_csrf
from ..forms.brand import BrandForm, palette_label
from .images import picture_response

bp = Blueprint("brand", __name__)


def _page(form: BrandForm, status: int = 200, retry: bool = False):
    """The brand page: the kit in force, its contrast ratios, and (for admins) the form."""
    kit = brand.current()
    ratios = brand.contrasts(kit.primary, kit.secondary) if kit.has_colours else None
    return render_template("brand/index.html", kit=kit, form=form, ratios=ratios, retry=retry,
                           palette_name=palette_label(kit.palette) if kit.palette else "",
                           editable=authz.allowed("admin"), aa_text=brand.AA_TEXT,
                           aa_graphics=brand.AA_GRAPHICS), status


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    """A logo past the upload limit: say which field and what the limit is."""
    return errors.render_error(413, _("%(field)s: the file is larger than %(mb)s MB.",
                                      field=BrandForm.logo.args[0], mb=brand.MAX_LOGO_BYTES // (1024 * 1024)))


@bp.get("/brand")
@authz.signed_in
def index():
    """The brand kit in force; the form to change it for admins."""
    return _page(BrandForm.of(brand.current()))


@bp.post("/brand")
@authz.requires("admin")
def save():
    """Store the brand kit; a refused field is named on the form and nothing is stored."""
    form = BrandForm()
    valid = form.validate_on_submit()
    state = csrf_state(form)
    if state == "reject":
        reject_csrf()
    if state == "retry":
        return _page(form, 400, retry=True)
    if not valid:
        return _page(form, 422)
    logo = brand.KEEP
    if form.remove_logo.data:
        logo = None
    elif form.logo.data and form.logo.data.filename:
        logo = form.logo.data.read(brand.MAX_LOGO_BYTES + 1)
    try:
        brand.save(name=form.name.data, primary=form.primary.data, secondary=form.secondary.data,
                   palette=form.palette.data, contact=form.contact.data, url=form.url.data, logo=logo,
                   user=current_user)
    except brand.BrandError as exc:
        db.session.rollback()
        getattr(form, exc.field, form.name).errors = [exc.message]
        return _page(form, 422)
    flash(_("The brand kit is saved."))
    return redirect(url_for("brand.index"))


@bp.get("/brand/logo.png")
@authz.signed_in
def logo():
    """The stored logo (PNG), for the preview on the brand page."""
    kit = brand.current()
    if not kit.has_logo:
        abort(404, _("No logo is set."))
    return picture_response(kit.logo, "image/png", kit.as_data()["logo_digest"])
