"""The review desk: what awaits a second person (quotations, questions, translations), approve or send back."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import authz, quotes, review, verbatim
from ..forms import ActionForm
from ..forms.review import SendBackForm
from ..db import db
from ..models import Quote, Source
from ..translations import LANGS

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.get("/")
@authz.requires("editor", "translator")
def index():
    """Everything waiting for a second person that this account may review."""
    editor = authz.allowed("editor")
    langs = [lang for lang in LANGS if current_user.translates(lang)]
    return render_template(
        "review/index.html", quotes=review.waiting_quotes() if editor else [],
        questions=review.waiting_questions() if editor else [],
        translations=review.waiting_translations(langs), name=review.account_name, me=current_user.id, langs=LANGS)


def _screen(quote: Quote, send_back: SendBackForm, status: int = 200, error: str = ""):
    """The review screen: the proposed words beside their source paragraph, every mark expanded."""
    proposed = review.proposed(quote)
    source = db.session.query(Source).filter_by(slug=proposed["source"]).one()
    parsed = quotes.parsed(source)
    try:
        match = verbatim.verify(proposed["text"], proposed["speaker"], parsed)
        parts = review.parts(proposed["text"], proposed["speaker"], source)
        problem = ""
    except verbatim.NotVerbatim as exc:  # e.g. the guard grew stricter since the draft was saved
        match, parts, problem = None, [], str(exc)
    paragraph = parsed.paragraph(match.anchor) if match else None
    runs = []
    if paragraph is not None:
        runs = quotes.highlight(paragraph, [SimpleNamespace(id=quote.id, start=match.start, end=match.end)])
    pending = quote.pending
    return render_template(
        "review/quote.html", quote=quote, proposed=proposed, parts=parts, problem=problem or error,
        paragraph=paragraph, runs=runs, pending=pending, author=review.account_name(review.author_id(quote)),
        own=review.author_id(quote) == current_user.id, note=(pending.review_note if pending else quote.review_note),
        approve=ActionForm(prefix="approve"), send_back=send_back), status


@bp.get("/quotes/<quote_id>")
@authz.requires("editor")
def quote(quote_id):
    """The review screen of one quotation's draft or pending edit."""
    found = db.session.get(Quote, quote_id) or abort(404)
    if not review.awaiting(found):
        flash(_("Nothing about this quotation is waiting for review."))
        return redirect(url_for("quotes.detail", quote_id=found.id))
    return _screen(found, SendBackForm(prefix="back", formdata=None))


@bp.post("/quotes/<quote_id>/approve")
@authz.requires("editor", note="not the draft's author")
def approve(quote_id):
    """Approve the draft: from now on it prints."""
    found = db.session.get(Quote, quote_id) or abort(404)
    form = ActionForm(prefix="approve")
    if not form.validate_on_submit():
        abort(400, _("This form arrived without a valid security token, so nothing was changed. "
                     "Reload the page and try again."))
    if not review.awaiting(found):
        abort(409, _("Nothing about this quotation is waiting for review."))
    if review.author_id(found) == current_user.id:
        abort(403, _("You wrote this draft: another editor has to approve it."))
    try:
        review.approve(found, current_user)
        db.session.commit()
    except (review.ReviewError, quotes.QuoteError) as exc:
        db.session.rollback()
        return _screen(found, SendBackForm(prefix="back", formdata=None), 422, str(exc))
    flash(_("Approved: the quotation prints from now on."))
    return redirect(url_for("quotes.detail", quote_id=found.id))


@bp.post("/quotes/<quote_id>/send-back")
@authz.requires("editor")
def send_back(quote_id):
    """Send the draft back to its author with a note; it stays unprinted."""
    found = db.session.get(Quote, quote_id) or abort(404)
    form = SendBackForm(prefix="back")
    if not review.awaiting(found):
        abort(409, _("Nothing about this quotation is waiting for review."))
    if not form.validate_on_submit():
        return _screen(found, form, 422)
    review.send_back(found, current_user, form.note.data)
    db.session.commit()
    flash(_("Sent back to its author with your note."))
    return redirect(url_for("review.index"))
