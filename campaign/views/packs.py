"""Reading packs: the builder (themes, excerpts, questions → preview, PDF, booklet, pamphlet) and the question editor."""
from __future__ import annotations

import base64
import re
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from flask_login import current_user

from .. import audit, authz, glossary, impose, pamphlet_store, packs, render, themes
from ..forms import ActionForm
from ..forms.packs import PackForm, QuestionForm, options
from ..forms.review import SendBackForm
from ..db import db
from ..models import Question, Theme
from ..build_plan import Plan, render_cached
from ..pamphlets import PamphletError
from .builds import page_or_file, start

bp = Blueprint("packs", __name__, url_prefix="/packs")

PREVIEW_PAGES = 4
PREVIEW_WIDTH = 260
FIELD_PATH = re.compile(r"sections\[(\d+)\]\.(\w+)")


def _fill(form: PackForm, library: list[dict]) -> None:
    """Section entries with their excerpts and questions as choices: as posted, or one per theme.

    A posted entry keeps the theme it names (so a theme added meanwhile cannot shift the choices);
    a theme the library does not know is reported by the pack's validation.
    """
    form.set_cover_choices()
    by_theme = {item["theme"].id: item for item in library}
    if not form.sections.entries:
        for item in library:
            form.sections.append_entry()
            form.sections.entries[-1].form.theme.data = item["theme"].id
    for entry in form.sections.entries:
        item = by_theme.get(entry.form.theme.data)
        entry.item = item
        entry.form.quotes.choices = options((q.id, q.id) for q in item["quotes"]) if item else []
        entry.form.questions.choices = (options((n, q.text) for n, q in enumerate(item["questions"], start=1))
                                        if item else [])


def _defaults(form: PackForm, library: list[dict], spec: packs.PackSpec | None = None) -> None:
    """Pre-fill the form: every theme with its own excerpts and reviewed questions, or a saved pack."""
    chosen = {s.theme: (n, s) for n, s in enumerate(spec.sections, start=1)} if spec else {}
    for entry in form.sections.entries:
        item = entry.item
        theme = item["theme"]
        reviewed = [n for n, q in enumerate(item["questions"], start=1) if q.status == "reviewed"]
        entry.form.include.data = theme.id in chosen if spec else True
        entry.form.order.data = chosen[theme.id][0] if theme.id in chosen else theme.position + 1
        section = chosen.get(theme.id, (None, None))[1]
        entry.form.quotes.data = list(section.quotes) if section and section.quotes is not None else list(item["own"])
        entry.form.questions.data = (list(section.questions) if section and section.questions is not None
                                     else reviewed[:packs.MAX_QUESTIONS])
        entry.form.note.data = section.note if section else ""
    if spec:
        for key in ("title", "subtitle", "editor", "lang", "size", "imposition", "session_minutes", "glossary",
                    "prompts", "draft_questions", "drafts"):
            getattr(form, key).data = getattr(spec, key)
        form.palette.data, form.url.data = spec.palette, spec.url
        form.image.data = str(spec.image) if spec.image else ""
        form.name.data = spec.name or ""


def _apply_error(form: PackForm, exc: PamphletError) -> None:
    """Put a validation message on the form field it names."""
    match = FIELD_PATH.match(exc.field)
    if match:
        chosen = form.included()
        index = int(match.group(1))
        if index < len(chosen):
            target = getattr(chosen[index].form, match.group(2), None)
            if target is not None:
                target.errors = list(target.errors) + [exc.message]
                form.sections.errors = list(form.sections.errors) + [_("Some themes need attention (see below).")]
                return
    target = getattr(form, exc.field.split("[")[0].split(".")[0], None)
    if not hasattr(target, "errors") or exc.field == "sections":
        target = form.sections
    target.errors = list(target.errors) + [exc.message]


def _pamphlets_dir() -> Path:
    return Path(current_app.config["PAMPHLETS_DIR"])


def _load_pamphlet(name: str) -> packs.PackSpec:
    """A saved or shipped pamphlet as a reading pack: looked up by name (404 if none), 422 if invalid."""
    try:
        loaded = pamphlet_store.get(name)
        if loaded is None:
            abort(404, _("There is no pamphlet named %(name)s.", name=name[:80]))
        if loaded.kind != "reading-pack":
            raise PamphletError("kind", "this pamphlet is not a reading pack", str(loaded.path))
        return packs.validate({**loaded.data, "name": name})
    except PamphletError as exc:
        abort(422, str(exc))


def _build(spec: packs.PackSpec, imposition: str = "none") -> bytes:
    """The pack's PDF through the content cache."""
    return packs.build(spec, cache_dir=current_app.config.get("CACHE_DIR"), imposition=imposition)


def _download(spec: packs.PackSpec, imposition: str):
    """The PDF at once when the render cache holds it; otherwise a build job (its page, or the file if it is done)."""
    name = _download_name(spec, imposition)
    key = packs.key(spec, imposition=imposition)  # from the spec and the library's stamp: no gathering
    if render_cached(current_app.config.get("CACHE_DIR"), key, ".pdf"):
        return Response(_build(spec, imposition), mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
    data = {"pack": spec.as_data(), "imposition": imposition, "filename": name}
    return page_or_file(start("pack", data, Plan(key, name, 1, ".pdf", "application/pdf")))


def _thumbnails(spec: packs.PackSpec) -> tuple[list[str], int]:
    """PNG data: URIs of the first pages and the page count (CSP allows data: images only from us)."""
    pdf, key = packs.build_keyed(spec, cache_dir=current_app.config.get("CACHE_DIR"), imposition="none")
    count = impose.page_count(pdf)
    uris = []
    for page in range(min(PREVIEW_PAGES, count)):
        png, _hit = render.cached_bytes(current_app.config.get("CACHE_DIR"), f"{key}-p{page}-w{PREVIEW_WIDTH}",
                                        lambda page=page: render.pdf_to_png(pdf, page, width=PREVIEW_WIDTH), ".png")
        uris.append("data:image/png;base64," + base64.b64encode(png).decode("ascii"))
    return uris, count


def _download_name(spec: packs.PackSpec, imposition: str) -> str:
    stem = spec.name or glossary.slugify(spec.title)[:60]
    return f"{stem}{'' if imposition == 'none' else '-' + imposition}.pdf"


def _save(form: PackForm, spec: packs.PackSpec) -> bool:
    """Keep the pack in the database as a saved pamphlet; never overwrite unless asked."""
    try:
        pamphlet_store.save(form.name.data, spec.as_data(), user=current_user, overwrite=bool(form.replace.data))
        db.session.commit()
    except PamphletError as exc:
        db.session.rollback()
        form.name.errors = list(form.name.errors) + [exc.message]
        return False
    return True


def _validated(form: PackForm) -> packs.PackSpec | None:
    """The form's pack, validated against the library, or None with messages on the fields."""
    if not form.validate_on_submit():
        return None
    try:
        return packs.validate({**form.to_data(), "name": form.name.data or None})
    except PamphletError as exc:
        _apply_error(form, exc)
        return None


def _render_failed(form: PackForm, exc: Exception) -> None:
    message = exc.message if isinstance(exc, (PamphletError, render.RenderError)) else str(exc)
    form.sections.errors = list(form.sections.errors) + [message]


@bp.route("/new", methods=["GET", "POST"])
@authz.requires("organizer")
def new():
    """Build a reading pack: choose themes, excerpts and questions; preview, download or save it."""
    library = themes.library_choices()
    form = PackForm()
    _fill(form, library)
    previews, page_count = [], 0
    if request.method == "GET":
        spec = _load_pamphlet(request.args["from"]) if request.args.get("from") else None
        _defaults(form, library, spec)
        if spec is None:
            form.title.data = _("Aleppo, Russia's war and the left")
            form.subtitle.data = _("A reading pack on Leila al-Shami's 2016 interview with Open Left")
        return render_template("packs/new.html", form=form, library=library, previews=previews, page_count=0)
    action = request.form.get("action", "preview")
    spec = _validated(form)
    if spec is not None:
        try:
            if action in ("download", "pdf"):
                imposition = form.imposition.data if action == "download" else "none"
                return _download(spec, imposition)
            if action == "save":
                if not form.name.data:
                    form.name.errors = list(form.name.errors) + [_("Give the pamphlet a name to save it.")]
                    return render_template("packs/new.html", form=form, library=library, previews=[],
                                           page_count=0), 422
                _build(spec)  # a pack that cannot be rendered is not saved
                if _save(form, spec):
                    flash(_("Saved as the pamphlet %(name)s.", name=form.name.data))
                    return redirect(url_for("packs.new", **{"from": form.name.data}))
                return render_template("packs/new.html", form=form, library=library, previews=[],
                                       page_count=0), 409
            previews, page_count = _thumbnails(spec)
        except (PamphletError, render.RenderError) as exc:
            _render_failed(form, exc)
            return render_template("packs/new.html", form=form, library=library, previews=[], page_count=0), 422
        return render_template("packs/new.html", form=form, library=library, previews=previews,
                               page_count=page_count)
    return render_template("packs/new.html", form=form, library=library, previews=[], page_count=0), 422


@bp.post("/preview")
@authz.requires("organizer")
def preview():
    """The builder's live preview: thumbnails of the first pages as JSON (422 with messages on error)."""
    library = themes.library_choices()
    form = PackForm()
    _fill(form, library)
    spec = _validated(form)
    if spec is not None:
        try:
            previews, count = _thumbnails(spec)
            return jsonify({"pages": previews, "count": count})
        except (PamphletError, render.RenderError) as exc:
            _render_failed(form, exc)
    errors = [str(e) for e in form.sections.errors]
    for name in ("title", "subtitle", "editor", "imposition", "session_minutes", "palette", "image", "url", "name"):
        errors += [f"{getattr(form, name).label.text}: {e}" for e in getattr(form, name).errors]
    for entry in form.included():
        for f in (entry.form.quotes, entry.form.questions, entry.form.note):
            errors += [f"{_theme_name(entry.form.theme.data)}: {e}" for e in f.errors]
    return jsonify({"errors": errors or [_("The pack could not be built.")]}), 422


def _theme_name(theme_id: str) -> str:
    theme = db.session.get(Theme, theme_id)
    return theme.name if theme else theme_id


# -- the question editor --------------------------------------------------------------------

def _theme_choices() -> list:
    return options((t.id, t.name) for t in db.session.scalars(select(Theme).order_by(Theme.position)))


@bp.get("/questions")
@authz.public
def questions():
    """Every theme's discussion questions with their review status."""
    return render_template("packs/questions.html", library=themes.library_choices(), review=ActionForm(),
                           send_back=SendBackForm(formdata=None))


@bp.route("/questions/new", methods=["GET", "POST"])
@authz.requires("editor")
def question_new():
    """Add a question to a theme; it starts as a draft until someone reviews it."""
    form = QuestionForm()
    form.theme.choices = _theme_choices()
    if request.method == "GET" and request.args.get("theme"):
        form.theme.data = request.args["theme"]
    if form.validate_on_submit():
        last = db.session.scalar(select(func.max(Question.position)).where(Question.theme_id == form.theme.data))
        question = Question(theme_id=form.theme.data, position=(last if last is not None else -1) + 1,
                            text=" ".join(form.text.data.split()), status="draft", curated=False, edited=True,
                            drafted_by_id=current_user.id, review_note="")
        db.session.add(question)
        db.session.flush()
        audit.record(f"question:{question.id}", "create", None, audit.question_state(question))
        db.session.commit()
        flash(_("Question added as a draft: another editor reviews it before packs print it."))
        return redirect(url_for("packs.questions", _anchor=f"theme-{question.theme_id}"))
    status = 422 if form.is_submitted() else 200
    return render_template("packs/question_form.html", form=form, question=None), status


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@authz.requires("editor")
def question_edit(question_id):
    """Edit a question's words or theme; a changed question goes back to draft."""
    question = db.session.get(Question, question_id) or abort(404)
    form = QuestionForm()
    form.theme.choices = _theme_choices()
    if request.method == "GET":
        form.theme.data, form.text.data = question.theme_id, question.text
    if form.validate_on_submit():
        text = " ".join(form.text.data.split())
        if text != question.text or form.theme.data != question.theme_id:
            before = audit.question_state(question)
            question.text, question.theme_id = text, form.theme.data
            question.edited = True
            question.status, question.drafted_by_id, question.reviewed_by_id = "draft", current_user.id, None
            question.review_note = ""
            audit.record(f"question:{question.id}", "edit", before, audit.question_state(question))
            db.session.commit()
            flash(_("Saved as a draft: another editor reviews it before packs print it."))
        return redirect(url_for("packs.questions", _anchor=f"theme-{question.theme_id}"))
    status = 422 if form.is_submitted() else 200
    return render_template("packs/question_form.html", form=form, question=question,
                           history=audit.history(f"question:{question.id}")), status


@bp.post("/questions/<int:question_id>/review")
@authz.requires("editor", note="not the question's author")
def question_review(question_id):
    """Mark a question reviewed: from now on packs print it. Its author cannot."""
    question = db.session.get(Question, question_id) or abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400, _("This form arrived without a valid security token, so nothing was changed. "
                     "Reload the page and try again."))
    if question.status == "reviewed":
        abort(409, _("This question is already reviewed."))
    if question.drafted_by_id == current_user.id:
        abort(403, _("You wrote this question: another editor has to review it."))
    before = audit.question_state(question)
    question.status, question.reviewed_by_id, question.review_note = "reviewed", current_user.id, ""
    audit.record(f"question:{question.id}", "approve", before, audit.question_state(question))
    db.session.commit()
    flash(_("Question marked reviewed."))
    return redirect(url_for("packs.questions", _anchor=f"theme-{question.theme_id}"))


@bp.post("/questions/<int:question_id>/send-back")
@authz.requires("editor")
def question_send_back(question_id):
    """Send a draft question back to its author with a note; packs still leave it out."""
    question = db.session.get(Question, question_id) or abort(404)
    if question.status == "reviewed":
        abort(409, _("This question is already reviewed."))
    form = SendBackForm()
    if not form.validate_on_submit():
        abort(422, "; ".join(f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()))
    question.review_note = " ".join(form.note.data.split())
    audit.record(f"question:{question.id}", "send back", None, {"note": question.review_note})
    db.session.commit()
    flash(_("Sent back to its author with your note."))
    return redirect(url_for("packs.questions", _anchor=f"theme-{question.theme_id}"))

