"""The campaign kit (one click on a quotation's page), carousels and threads for social platforms."""
from __future__ import annotations

from urllib.parse import urljoin

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from .. import authz, brand, cards, carousel, kit, quotes, thread
from ..build_plan import BuildError
from ..forms import ActionForm, require_action_token
from ..forms.kit import CarouselForm, ThreadForm
from ..localized import theme_name
from .builds import start

bp = Blueprint("kit", __name__)


def _absolute(path: str) -> str:
    return urljoin(current_app.config["BASE_URL"].rstrip("/") + "/", path.lstrip("/"))


def _lang() -> str:
    return str(get_locale() or "en")


@bp.app_template_global("kit_form")
def kit_form() -> ActionForm:
    """The kit button's form (its CSRF token) for the quotation page."""
    return ActionForm(formdata=None)


@bp.post("/quotes/<quote_id>/kit")
@authz.requires("organizer", "admin")
def make_kit(quote_id):
    """Start the campaign kit of a quotation, in the organizer's language; go to the build's page."""
    require_action_token()
    if quotes.get_verified(quote_id) is None:
        abort(404)
    current = brand.current()
    palette = current.palette if current.palette in cards.PALETTES else cards.DEFAULT_PALETTE
    try:
        spec = kit.validate({"quote": quote_id, "lang": _lang(), "palette": palette, "contact": current.contact,
                             "source_url": _absolute(url_for("quotes.detail", quote_id=quote_id))})
        plan = kit.plan(spec)
    except BuildError as exc:
        abort(422, exc.message)
    status = start("kit", spec, plan)
    return redirect(url_for("builds.show", build_id=status.id), code=303)


@bp.route("/carousel", methods=["GET", "POST"])
@authz.requires("organizer", "admin")
def carousel_new():
    """Choose a theme or quotations and a palette; start the carousel's build."""
    form = CarouselForm()
    form.fill_choices()
    if request.method == "GET":
        form.theme.data = request.args.get("theme", "")
        form.palette.data = form.palette.data or brand.current().palette
        return render_template("kit/carousel.html", form=form)
    if form.validate_on_submit():
        try:
            spec = carousel.validate({"theme": form.theme.data or "", "quotes": list(form.quotes.data or []),
                                      "lang": _lang(), "palette": form.palette.data})
            plan = carousel.plan(spec)
        except BuildError as exc:
            field = exc.message.split(":", 1)[0]
            target = getattr(form, field, None) if field in ("theme", "quotes", "palette") else None
            (target or form.quotes).errors = list((target or form.quotes).errors) + [exc.message.split(": ", 1)[-1]]
            return render_template("kit/carousel.html", form=form), 422
        status = start("carousel", spec, plan)
        return redirect(url_for("builds.show", build_id=status.id), code=303)
    return render_template("kit/carousel.html", form=form), 422


@bp.get("/thread")
@authz.requires("organizer", "admin")
def thread_page():
    """A ready thread for Mastodon, Bluesky or X: numbered posts within the limit, with each card's alt text."""
    form = ThreadForm(request.args)
    form.fill_choices()
    if not request.args:
        form.platform.data = thread.DEFAULT_PLATFORM
        return render_template("kit/thread.html", form=form, result=None)
    if not form.validate():
        return render_template("kit/thread.html", form=form, result=None), 422
    try:
        found = (quotes.search(theme=form.theme.data) if form.theme.data
                 else quotes.get_many_verified(list(form.quotes.data)))
        for q in found:
            quotes.verify(q)
    except quotes.QuoteError as exc:
        form.quotes.errors = list(form.quotes.errors) + [exc.message]
        return render_template("kit/thread.html", form=form, result=None), 422
    title = next((theme_name(t, _lang()) for t in quotes.themes() if t.id == form.theme.data), "")
    result = thread.compose(found, form.platform.data, _lang(), title)
    return render_template("kit/thread.html", form=form, result=result)
