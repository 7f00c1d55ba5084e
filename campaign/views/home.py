"""The start page and the language switch."""
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import func, select

from .. import authz, quotes, security, thumbnails
from ..db import db
from ..urls import safe_next
from ..models import Quote, Source
from ..forms import require_action_token

bp = Blueprint("home", __name__)


@bp.get("/")
@authz.public
def index():
    """What Handbill is for: three ways in (leaflet, card, reading group) with real thumbnails, the library at a glance."""
    featured = db.session.scalars(select(Quote).where(quotes.PRINTABLE).order_by(Quote.position).limit(3)).all()
    return render_template("home.html", featured=featured, card_quote=thumbnails.card_quote_id(),
                           organizer=authz.allowed("organizer"), thumb_size=thumbnails.dimensions,
                           quote_count=db.session.scalar(select(func.count(Quote.id)).where(quotes.PRINTABLE)),
                           sources=db.session.scalars(select(Source).order_by(Source.slug)).all())


@bp.post("/language")
@authz.public
def language():
    """Remember the chosen interface language in a plain preference cookie (a form with a CSRF token)."""
    target = safe_next(request.form.get("next"), url_for("home.index"))
    require_action_token()
    lang = request.form.get("lang", "")
    response = redirect(target)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=security.https(current_app))
    return response
