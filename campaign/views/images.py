"""Photos: the list with credits, the upload form with its face-blurring tool, the bytes, deletion."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from .. import authz, errors, images
from ..db import db
from ..forms import csrf_state, no_store, reject_csrf, require_action_token
from ..forms.images import ImageUploadForm
from ..models import ImageRecord

bp = Blueprint("images", __name__, url_prefix="/images")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    """A body past the upload limit: say which field and what the limit is."""
    return errors.render_error(413, _("%(field)s: the file is larger than %(mb)s MB.",
                                      field=ImageUploadForm.file.args[0], mb=images.MAX_BYTES // (1024 * 1024)))


@bp.get("/")
@authz.requires("organizer", "admin")
def index():
    """Every stored photo with its thumbnail, credit and licence; delete buttons where allowed."""
    records = images.listing()
    return render_template("images/index.html", records=records,
                           deletable={r.id for r in records if images.may_delete(r, current_user)})


@bp.route("/new", methods=["GET", "POST"])
@authz.requires("organizer")
@no_store
def new():
    """Upload a photo: checked, cleaned and blurred where asked before anything is stored."""
    form = ImageUploadForm()
    if not form.is_submitted():
        return render_template("images/new.html", form=form, limits=_limits())
    valid = form.validate()
    state = csrf_state(form)
    if state == "reject":
        reject_csrf()
    if state == "retry":
        return render_template("images/new.html", form=form, retry=True, limits=_limits()), 400
    if valid:
        upload = form.file.data.read(images.MAX_BYTES + 1)
        try:
            stored = images.accept(upload, credit=form.credit.data, licence=form.licence.data, alt=form.alt.data,
                                   blur=form.blur.data or "", user=current_user)
            db.session.commit()
        except images.ImageError as exc:
            db.session.rollback()
            getattr(form, exc.field, form.file).errors = [exc.message]
        else:
            flash(_("The photo is stored (%(width)s × %(height)s pixels), without its metadata.",
                    width=stored.width, height=stored.height))
            return redirect(url_for("images.index"))
        finally:
            del upload
    return render_template("images/new.html", form=form, limits=_limits()), 422


def _limits() -> dict:
    return {"mb": images.MAX_BYTES // (1024 * 1024), "side": images.LONG_SIDE}


@bp.get("/<int:image_id>.<any(jpg, png):ext>")
@authz.signed_in
def show(image_id, ext):
    """A stored photo's bytes, with its own type (at the address with its own suffix)."""
    try:
        image = images.load(image_id)
    except LookupError:
        abort(404, _("There is no such image."))
    if ext != image.extension:
        return redirect(url_for("images.show", image_id=image_id, ext=image.extension))
    return picture_response(image.data, image.mime, image.as_data()["digest"])


@bp.get("/<int:image_id>.small.<any(jpg, png):ext>")
@authz.signed_in
def small(image_id, ext):
    """A stored photo's small copy (at most 480 pixels), for lists and pickers."""
    try:
        data, mime = images.thumbnail(image_id)
    except LookupError:
        abort(404, _("There is no such image."))
    return picture_response(data, mime, images.digest(data))


@bp.post("/<int:image_id>/delete")
@authz.requires("organizer", "admin", note="the uploader, or an admin")
def delete(image_id):
    """Delete a photo: its bytes leave the database at once."""
    require_action_token()
    record = db.session.get(ImageRecord, image_id) or abort(404, _("There is no such image."))
    if not images.may_delete(record, current_user):
        abort(403, _("Only the person who uploaded this photo, or an admin, may delete it."))
    images.delete(image_id, user=current_user)
    flash(_("The photo is deleted."))
    return redirect(url_for("images.index"))


def picture_response(data: bytes, mime: str, digest: str) -> Response:
    """Stored picture bytes with their type, never sniffed, revalidated by digest."""
    response = Response(data, mimetype=mime)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Disposition"] = "inline"
    response.set_etag(digest)
    return response.make_conditional(request)
