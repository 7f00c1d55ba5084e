"""Thumbnails of real outputs, served like static files: a fixed set of names, each rendered once into CACHE_DIR."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request

from .. import authz, cards, quotes, render, thumbnails, verbatim
from ..pamphlets import PamphletError

bp = Blueprint("thumbnails", __name__, url_prefix="/thumbnails")

# Like a static file: kept for an hour, then revalidated by its ETag (the content key), which changes
# when what it shows changes. Public: it shows only the library, the same for everyone.
CACHE_CONTROL = "public, max-age=3600"


@bp.get("/<name>.png")
@authz.public(note="a fixed set of names; each is rendered once, then read from the cache")
def image(name: str):
    """One thumbnail PNG (304 when the browser's copy is current); unknown names are 404."""
    folder = current_app.config.get("CACHE_DIR")
    try:
        thumb = thumbnails.get(name, folder)
    except thumbnails.NoThumbnail:
        abort(404)
    except (PamphletError, cards.CardError, quotes.QuoteError, verbatim.NotVerbatim, render.RenderError) as exc:
        # The library cannot make this sample now (a quotation no longer verifies, say): no picture, no 500.
        current_app.logger.warning("thumbnail %s cannot be made: %s", name, exc)
        abort(404)
    response = current_app.response_class(mimetype="image/png")
    response.set_etag(thumb.key)
    response.headers["Cache-Control"] = CACHE_CONTROL
    if request.if_none_match.contains(thumb.key):
        response.status_code = 304
        return response
    try:
        response.set_data(thumbnails.png(thumb, folder))
    except render.RenderError as exc:  # a busy or dead render process answers 503 (campaign.errors)
        current_app.logger.warning("thumbnail %s not rendered: %s", name, exc)
        abort(404)
    return response
