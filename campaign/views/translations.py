"""The translator's page: each quotation and its translation side by side, edit, mark reviewed."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from flask_login import current_user

from .. import audit, authz, quotes, translations
from ..forms import ActionForm
from ..forms.translations import TranslationForm
from ..db import db
from ..i18n import direction
from ..models import Quote
from ..review import account_name

bp = Blueprint("translations", __name__, url_prefix="/translations")

STATUS_LABELS = {"missing": _l("missing"), "stale": _l("stale"), "draft": _l("draft"), "reviewed": _l("reviewed")}


def _quote_and_lang(quote_id: str, lang: str) -> Quote:
    """The verified original, or 404 for an unknown quotation or language; 403 unless the account translates it."""
    if lang not in translations.LANGS:
        abort(404, _("Translations are kept in: %(langs)s.", langs=", ".join(translations.LANGS)))
    authz.require(f"translator:{lang}")
    return quotes.get_verified(quote_id, drafts=True) or abort(404)


@bp.get("/")
@authz.requires("translator", "editor")
def index():
    """Every quotation with the state of its translation in each language."""
    rows = []
    counts = {lang: dict.fromkeys(STATUS_LABELS, 0) for lang in translations.LANGS}
    for quote in db.session.scalars(select(Quote).order_by(Quote.position, Quote.id)):
        states = {lang: translations.status(quote, lang) for lang in translations.LANGS}
        for lang, state in states.items():
            counts[lang][state] += 1
        rows.append((quote, states))
    return render_template("translations/index.html", rows=rows, counts=counts, langs=translations.LANGS,
                           labels=STATUS_LABELS, direction=direction)


def _page(quote: Quote, lang: str, form: TranslationForm, review_form: ActionForm, status: int = 200):
    """Render the side-by-side page."""
    stored = translations.get(quote.id, lang)
    own = stored is not None and stored.translator_id is not None and stored.translator_id == current_user.id
    return render_template(
        "translations/edit.html", quote=quote, lang_code=lang, lang_name=translations.LANGS[lang],
        text_dir=direction(lang), stored=stored, stale=stored is not None and translations.is_stale(stored, quote),
        credit=translations.credit(stored) if stored else "", form=form, review_form=review_form,
        labels=STATUS_LABELS, own=own, history=audit.history(f"translation:{quote.id}/{lang}")), status


@bp.route("/<quote_id>/<lang>", methods=["GET", "POST"])
@authz.requires("translator", note="of that language")
def edit(quote_id, lang):
    """Original and translation side by side; saving changed words stores a draft."""
    quote = _quote_and_lang(quote_id, lang)
    stored = translations.get(quote.id, lang)
    form = TranslationForm()
    review_form = ActionForm(prefix="review")
    if not form.is_submitted():
        if stored is not None:
            form.text.data, form.translator.data = stored.text, stored.translator
            form.translated_on.data = stored.translated_on
        else:
            form.translator.data = account_name(current_user.id)
    if form.validate_on_submit():
        try:
            translations.save(quote, lang, form.text.data, form.translator.data, user=current_user,
                              translated_on=form.translated_on.data)
            db.session.commit()
        except translations.TranslationError as exc:
            db.session.rollback()
            target = getattr(form, exc.field, None) or form.text
            target.errors = list(target.errors) + [exc.message]
        else:
            flash(_("Translation saved as a draft: it is used in outputs once another translator reviews it."))
            return redirect(url_for("translations.edit", quote_id=quote.id, lang=lang))
    return _page(quote, lang, form, review_form, 422 if form.is_submitted() else 200)


@bp.post("/<quote_id>/<lang>/review")
@authz.requires("translator", note="of that language, not the translator")
def review(quote_id, lang):
    """Mark the stored translation reviewed by the signed-in account; its own translator cannot."""
    quote = _quote_and_lang(quote_id, lang)
    stored = translations.get(quote.id, lang) or abort(404, _("There is no translation to review yet."))
    review_form = ActionForm(prefix="review")
    if not review_form.validate_on_submit():
        abort(400, _("This form arrived without a valid security token, so nothing was changed. "
                     "Reload the page and try again."))
    if stored.translator_id is not None and stored.translator_id == current_user.id:
        abort(403, _("You translated this: another translator of the language has to review it."))
    try:
        translations.review(stored, current_user)
        db.session.commit()
    except translations.TranslationError as exc:
        db.session.rollback()
        review_form.form_errors.append(exc.message)
    else:
        flash(_("Translation marked reviewed."))
        return redirect(url_for("translations.edit", quote_id=quote.id, lang=lang))
    form = TranslationForm(formdata=None, text=stored.text, translator=stored.translator,
                           translated_on=stored.translated_on)
    return _page(quote, lang, form, review_form, 422)


@bp.app_template_global()
def quote_translations(quote: Quote) -> list[dict]:
    """The translations shown with a quotation on its page: reviewed ones, and drafts marked as such."""
    shown = []
    for lang, name in translations.LANGS.items():
        found = translations.for_quote(quote, lang, allow_drafts=True)
        if found is not None:
            shown.append({"lang": lang, "name": name, "dir": direction(lang), "text": found.text,
                          "draft": found.status != "reviewed", "credit": translations.credit(found)})
    return shown
