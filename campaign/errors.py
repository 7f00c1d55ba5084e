"""Error pages: every 4xx/5xx answers with a readable page (or JSON under /api/)."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from werkzeug.exceptions import HTTPException

TITLES = {
    400: _l("Bad request"), 403: _l("Forbidden"), 404: _l("Not found"), 405: _l("Method not allowed"),
    409: _l("Conflict"), 410: _l("No longer valid"), 413: _l("Too large"), 422: _l("Cannot be processed"), 429: _l("Too many requests"),
    500: _l("Something went wrong"),
}


def render_error(code: int, message: str):
    """One error page for the web and one JSON shape for the API."""
    if request.path.startswith("/api/"):
        return jsonify({"error": message, "status": code}), code
    return render_template("errors.html", code=code, title=str(TITLES.get(code) or _("Error")), message=message), code


def init_app(app):
    """Register the handlers."""
    init_verbatim_handler(app)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return render_error(exc.code or 500, exc.description or "")

    @app.errorhandler(500)
    def server_error(exc):
        return render_error(500, _("The server could not finish this request. Nothing you stored was lost."))


def init_verbatim_handler(app):
    """A stored quotation that no longer matches its source is refused, never shown or rendered."""
    from .verbatim import NotVerbatim

    @app.errorhandler(NotVerbatim)
    def not_verbatim(exc: NotVerbatim):
        return render_error(409, _("This quotation no longer matches its source, so it is not shown: %(reason)s",
                                   reason=str(exc)))
