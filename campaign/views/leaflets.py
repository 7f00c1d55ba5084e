"""The leaflet builder: design, size, quotations and texts in; preview PNGs, PDF download, saved pamphlet out.

Everything works without JavaScript (the form posts and the page answers with a preview, the
PDF or a field-named error); ``static/js/leaflets.js`` only refreshes the preview as you type,
through the GET endpoints below, which answer with ETags so an unchanged preview costs nothing.
"""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _

from flask_login import current_user

from .. import authz, leaflets, pamphlet_store, pamphlets, quotes, render, thumbnails, verbatim
from ..forms.leaflets import DESIGN_TEXTS, LeafletForm  # noqa: F401 - the builder's form
from ..db import db

bp = Blueprint("leaflets", __name__, url_prefix="/leaflets")

PREVIEW_WIDTHS = (300, 600, 900)
CACHE_CONTROL = "private, no-cache"  # always revalidate: a quotation edit changes the ETag



def _form(formdata, **kwargs) -> LeafletForm:
    """A filled form with its quotation choices."""
    form = LeafletForm(formdata=formdata, **kwargs)
    form.fill_choices()
    return form


def _add_error(form: LeafletForm, field: str | None, message: str) -> None:
    """Put a message on the named field (or the quotations list when the field is unknown)."""
    target = getattr(form, field or "", None) or form.quotes
    target.errors = list(target.errors or []) + [message]


def _spec(form: LeafletForm) -> leaflets.LeafletSpec | None:
    """Validate the form, then the leaflet rules; on failure the errors sit on the fields."""
    if not form.validate():
        return None
    try:
        return leaflets.validate(form.to_data())
    except pamphlets.PamphletError as exc:
        _add_error(form, exc.field, exc.message)
        return None


def _build(form: LeafletForm, spec) -> leaflets.Rendered | None:
    """Render (or fetch from the cache); an overflow or a stopped render becomes a field error."""
    try:
        return leaflets.build(spec, current_app.config.get("CACHE_DIR"))
    except render.RenderError as exc:
        _add_error(form, leaflets.field_for_block(exc.block), exc.message)
    except verbatim.NotVerbatim as exc:
        _add_error(form, "quotes", _("A quotation no longer matches its source: %(reason)s", reason=str(exc)))
    except quotes.QuoteError as exc:
        _add_error(form, "quotes", exc.message)
    except pamphlets.PamphletError as exc:  # a highlight or group that changed since it was chosen
        _add_error(form, exc.field, exc.message)
    return None


def params(spec: leaflets.LeafletSpec) -> dict:
    """Query parameters that describe a leaflet (for preview and download links)."""
    data = spec.as_data()
    data.pop("kind")
    data.pop("bleed", None)
    if spec.bleed:
        data["bleed"] = "y"
    if data.pop("drafts", False):
        data["drafts"] = "y"
    if data.pop("pdf_x", False):
        data["pdf_x"] = "y"
    return data


def _filename(spec: leaflets.LeafletSpec) -> str:
    return f"leaflet-{spec.design}-{spec.size.lower()}.pdf"


def _send(body: bytes, etag: str, mimetype: str, download_name: str | None = None):
    """Bytes with an ETag and Cache-Control; 304 when the browser already has them."""
    response = current_app.response_class(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    if download_name:
        response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    return response.make_conditional(request)


def _not_modified(etag: str):
    """A 304 before any rendering when the browser's copy is current."""
    if request.if_none_match and request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response
    return None


def _errors(form: LeafletForm) -> dict:
    return {name: list(f.errors) for name, f in form._fields.items() if f.errors}


def _library(form: LeafletForm, q: str) -> list:
    """The quotations to list: the search hits plus whatever is already chosen, in library order."""
    chosen = set(form.quotes.data or [])
    hits = {quote.id for quote in quotes.search(q)} if q else None
    return [quote for quote in quotes.search("") if hits is None or quote.id in hits or quote.id in chosen]


def _page(form: LeafletForm, *, status: int = 200, rendered=None, spec=None):
    q = (request.values.get("q") or "").strip()[:200]
    preview = None
    if rendered is not None and spec is not None:
        p = params(spec)
        preview = {"pages": [url_for("leaflets.preview_png", page=i, **p) for i in range(rendered.pages)],
                   "pdf": url_for("leaflets.pdf", download="1", **p)}
    return render_template("leaflets/new.html", form=form, library=_library(form, q), q=q, preview=preview,
                           designs=leaflets.DESIGNS, sizes=leaflets.SIZES, thumb_size=thumbnails.dimensions), status


@bp.route("/new", methods=["GET", "POST"])
@authz.requires("organizer")
def new():
    """The builder: choose, preview, download the PDF, or save it as a pamphlet file."""
    if request.method == "GET":
        return _new_get()
    form = _form(request.form)
    action = request.form.get("action", "preview")
    if action == "search":
        form.validate()  # keep what was typed; show problems early but do not render
        return _page(form)
    spec = _spec(form)
    if spec is None:
        return _page(form, status=422)
    if action == "save":
        return _save(form, spec)
    rendered = _build(form, spec)
    if rendered is None:
        return _page(form, status=422)
    if action == "download":
        return _send(rendered.pdf, rendered.key, "application/pdf", _filename(spec))
    return _page(form, rendered=rendered, spec=spec)


def _new_get():
    """An empty builder, or one filled from a saved pamphlet (``?pamphlet=``) or chosen quotations (``?quote=``)."""
    form = _form(None)
    name = request.args.get("pamphlet")
    if name:
        try:
            loaded = pamphlet_store.get(name) or abort(404, _("There is no pamphlet named %(name)s.", name=name[:80]))
        except pamphlets.PamphletError as exc:
            abort(422, str(exc))
        else:
            if loaded.kind == "leaflet":
                spec = loaded.spec
                form = _form(None, data={**spec.as_data(), "bleed": spec.bleed, "quotes": list(spec.quotes),
                                         "name": loaded.name})
    chosen = request.args.getlist("quote")
    if chosen:
        known = {choice.value for choice in form.quotes.choices}
        form.quotes.data = [c for c in chosen if c in known]
    if request.args.get("design") in leaflets.DESIGNS:
        form.design.data = request.args["design"]
        form.size.data = leaflets.DESIGNS[form.design.data].sizes[0]
    return _page(form)


def _save(form: LeafletForm, spec):
    """Keep the leaflet in the database as a saved pamphlet (refusing to replace one unless asked)."""
    name = (form.name.data or "").strip()
    if not name:
        _add_error(form, "name", _("Give the pamphlet a name, e.g. aleppo-flyer."))
        return _page(form, status=422)
    try:
        pamphlet_store.save(name, spec.as_data(), user=current_user, overwrite=bool(form.overwrite.data))
        db.session.commit()
    except pamphlets.PamphletError as exc:
        db.session.rollback()
        _add_error(form, exc.field, exc.message)
        return _page(form, status=422)
    flash(_("Saved as the pamphlet %(name)s.", name=name))
    return redirect(url_for("leaflets.new", pamphlet=name))


def _from_query():
    """Form and validated spec from a GET endpoint's query string (spec None when invalid)."""
    form = _form(request.args, meta={"csrf": False})
    spec = _spec(form)
    return form, spec


@bp.get("/preview.json")
@authz.requires("organizer")
def preview_json():
    """Preview for the script: PNG URLs of each page and the PDF link, or 422 with field errors."""
    form, spec = _from_query()
    rendered = _build(form, spec) if spec is not None else None
    if rendered is None:
        errors = _errors(form)
        first = next(iter(errors.values()))[0] if errors else _("This leaflet cannot be made.")
        return jsonify({"error": first, "errors": errors, "status": 422}), 422
    p = params(spec)
    width = _width()
    return jsonify({"pages": [url_for("leaflets.preview_png", page=i, w=width, **p) for i in range(rendered.pages)],
                    "pdf": url_for("leaflets.pdf", download="1", **p), "etag": rendered.key})


def _width() -> int:
    try:
        width = int(request.args.get("w", 600))
    except ValueError:
        width = 600
    return min(PREVIEW_WIDTHS, key=lambda w: abs(w - width))


@bp.get("/preview-<int:page>.png")
@authz.requires("organizer")
def preview_png(page: int):
    """One page of the leaflet as a PNG thumbnail (cached, with an ETag)."""
    form, spec = _from_query()
    if spec is None:
        abort(422, description="; ".join(f"{k}: {' '.join(v)}" for k, v in _errors(form).items()))
    width = _width()
    try:
        data = leaflets.gather(spec)
    except (quotes.QuoteError, verbatim.NotVerbatim) as exc:
        abort(422, description=str(exc))
    etag = f"{leaflets.key(spec, data)}-p{page}-w{width}"
    if (answer := _not_modified(etag)) is not None:
        return answer
    rendered = _build(form, spec)
    if rendered is None:
        abort(422, description="; ".join(" ".join(v) for v in _errors(form).values()))
    if page >= rendered.pages:
        abort(404)
    png, _hit = render.cached_bytes(current_app.config.get("CACHE_DIR"), etag,
                                    lambda: render.pdf_to_png(rendered.pdf, page, width=width), ".png")
    return _send(png, etag, "image/png")


@bp.get("/leaflet.pdf")
@authz.requires("organizer")
def pdf():
    """The PDF for a link (cached, with an ETag); ``download=1`` saves it as a file."""
    form, spec = _from_query()
    if spec is None:
        abort(422, description="; ".join(f"{k}: {' '.join(v)}" for k, v in _errors(form).items()))
    try:
        etag = leaflets.key(spec, leaflets.gather(spec))
    except (quotes.QuoteError, verbatim.NotVerbatim) as exc:
        abort(422, description=str(exc))
    if (answer := _not_modified(etag)) is not None:
        return answer
    rendered = _build(form, spec)
    if rendered is None:
        abort(422, description="; ".join(" ".join(v) for v in _errors(form).values()))
    return _send(rendered.pdf, rendered.key, "application/pdf",
                 _filename(spec) if request.args.get("download") else None)
