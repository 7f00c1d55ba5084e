"""Saved pamphlets: the list (saved on the web and shipped examples), one pamphlet's data and history."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _

from .. import audit, authz, pamphlet_store, pamphlets

bp = Blueprint("pamphlets", __name__, url_prefix="/pamphlets")

BUILDERS = {"leaflet": ("leaflets.new", "pamphlet"), "reading-pack": ("packs.new", "from")}


@bp.get("/")
@authz.requires("organizer")
def index():
    """Every pamphlet with where it is kept and a link to open it in its builder."""
    return render_template("pamphlets/index.html", items=pamphlet_store.listing(), builders=BUILDERS)


@bp.get("/<name>")
@authz.requires("organizer")
def show(name):
    """One pamphlet: its data as a pamphlet file, whether it is valid, and its history."""
    data = pamphlet_store.raw(name)
    if data is None:
        abort(404, _("There is no pamphlet named %(name)s.", name=name[:80]))
    try:
        pamphlet_store.get(name)
        problem = ""
    except pamphlets.PamphletError as exc:
        problem = str(exc)
    return render_template("pamphlets/show.html", name=name, data=data, text=pamphlet_store.as_yaml(data),
                           origin=pamphlet_store.origin(name), problem=problem, builders=BUILDERS,
                           history=audit.history(f"pamphlet:{name}"))
