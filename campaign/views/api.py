"""Read-only JSON API."""
from flask import Blueprint, jsonify, request

from .. import authz, quotes

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/quotes")
@authz.public
def quote_list():
    """The whole library, as ``flask quotes export`` prints it (``?drafts=1`` adds draft translations)."""
    return jsonify(quotes.export(include_drafts=request.args.get("drafts") == "1"))
