"""Error pages: every 4xx/5xx answers with a readable page (or JSON under /api/)."""
from __future__ import annotations

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from werkzeug.exceptions import HTTPException

TITLES = {
    400: _l("Bad request"), 403: _l("Forbidden"), 404: _l("Not found"), 405: _l("Method not allowed"),
    409: _l("Conflict"), 410: _l("No longer valid"), 413: _l("Too large"), 422: _l("Cannot be processed"),
    429: _l("Too many requests"), 500: _l("Something went wrong"), 503: _l("Busy"),
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
        body, code = render_error(exc.code or 500, exc.description or "")
        response = make_response(body, code)
        # Keep what the exception says beside its page: Retry-After on a 429, Allow on a 405.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    from .render import RenderUnavailable

    @app.errorhandler(RenderUnavailable)
    def render_unavailable(exc: RenderUnavailable):
        # The input is fine; a render process died twice or all were busy: say when to come back.
        response, code = render_error(503, _("The document could not be rendered just now. Please try again in "
                                             "a moment; nothing you entered was lost."))
        response = app.make_response((response, code))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

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
