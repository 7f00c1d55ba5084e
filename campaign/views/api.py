"""Read-only JSON API."""
from flask import Blueprint, jsonify

from .. import quotes

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/quotes")
def quote_list():
    """The whole library, as ``flask quotes export`` prints it."""
    return jsonify(quotes.export())
