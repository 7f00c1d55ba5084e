"""Browse, search, create and edit quotations."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from flask_login import current_user

from .. import audit, authz, guard_text, quotes, review
from ..forms.quotes import QuoteForm
from ..db import db
from ..models import Quote

bp = Blueprint("quotes", __name__, url_prefix="/quotes")


@bp.get("/")
@authz.public
def index():
    """Search the library; filter by theme and speaker."""
    q = request.args.get("q", "").strip()[:200]
    theme = request.args.get("theme") or None
    speaker = request.args.get("speaker") or None
    found = quotes.search(q, theme, speaker)
    for quote in found:
        quotes.verify(quote)
    return render_template("quotes/index.html", quotes=found, q=q, theme=theme, speaker=speaker,
                           themes=quotes.themes(), speakers=quotes.speakers())


def _save(form: QuoteForm, existing: Quote | None):
    """Validate and store as a draft for a second editor; on error put the message on the named field."""
    try:
        quote, changed = review.submit(form.to_input(), existing, current_user)
        db.session.commit()
    except quotes.QuoteError as exc:
        db.session.rollback()
        target = getattr(form, exc.field, None) or form.text
        target.errors = list(target.errors) + [guard_text.translate(exc.message)]  # the guard's, translated
        return None
    if not changed:
        flash(_("Nothing changed."))
    elif quote.status == "draft":
        flash(_("Saved as a draft: the quotation is verbatim. It prints once another editor approves it."))
    else:
        flash(_("Your edit is verbatim and waits for another editor; the approved words keep printing until then."))
    return quote


@bp.route("/new", methods=["GET", "POST"])
@authz.requires("editor")
def new():
    """Create a quotation (the reader page pre-fills it from a text selection); it starts as a draft."""
    form = QuoteForm()
    form.fill_choices()
    if request.method == "GET":
        form.source.data = request.args.get("source") or (form.source.choices[0][0] if form.source.choices else None)
        form.speaker.data = request.args.get("speaker")
        form.text.data = request.args.get("text", "")[:2000]
    if form.validate_on_submit():
        quote = _save(form, None)
        if quote is not None:
            return redirect(url_for("quotes.detail", quote_id=quote.id))
    status = 422 if form.is_submitted() else 200
    return render_template("quotes/form.html", form=form, quote=None), status


@bp.route("/<quote_id>/edit", methods=["GET", "POST"])
@authz.requires("editor")
def edit(quote_id):
    """Edit a quotation; the verbatim guard runs before anything is stored, and a second editor approves it."""
    quote = db.session.get(Quote, quote_id) or abort(404)
    form = QuoteForm(obj=None)
    form.fill_choices()
    if request.method == "GET":
        shown = review.proposed(quote) if quote.pending is not None else audit.quote_state(quote)
        form.id.data, form.source.data, form.speaker.data = quote.id, shown["source"], shown["speaker"]
        form.text.data, form.themes.data, form.context.data = shown["text"], shown["themes"], shown["context"]
    if form.validate_on_submit():
        if form.id.data.strip() != quote.id:
            form.id.errors = [_("The id of an existing quotation cannot change (links and files use it).")]
        elif _save(form, quote) is not None:
            return redirect(url_for("quotes.detail", quote_id=quote.id))
    status = 422 if form.is_submitted() else 200
    return render_template("quotes/form.html", form=form, quote=quote), status


@bp.get("/<quote_id>")
@authz.public
def detail(quote_id):
    """A quotation's permalink: the words, the speaker, and the paragraph they stand in.

    A draft is shown to editors only, marked as such; editors also see what awaits review and the history.
    """
    editor = authz.allowed("editor")
    quote = quotes.get_verified(quote_id, drafts=editor) or abort(404)
    parsed = quotes.parsed(quote.source)
    paragraph = parsed.paragraph(quote.anchor)
    runs = quotes.highlight(paragraph, [quote]) if paragraph else []
    return render_template("quotes/detail.html", quote=quote, paragraph=paragraph, runs=runs, editor=editor,
                           awaiting=review.awaiting(quote),
                           history=audit.history(f"quote:{quote.id}") if editor else [],
                           parts=quotes.explain(quote), show_omitted=request.args.get("omitted") == "1")
