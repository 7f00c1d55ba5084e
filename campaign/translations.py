"""Translated quotations (and translated library texts): loading, review, credit, export.

A translation is tied to the exact original it translates by ``original_sha256``; when the
original quotation changes, the translation becomes stale and is not used until someone updates it.
Outputs use only reviewed translations unless the organizer explicitly allows drafts.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select

from . import audit, languages
from .datafiles import read_yaml
from .db import db
from .models import Question, Quote, QuoteTranslation, Theme

# The languages translations are kept for, with their names in their own language.
LANGS = {c: languages.native_name(c) for c in languages.CODES if c != "en"}
STATUSES = ("draft", "reviewed")
MACHINE_DRAFT = "machine draft"
MAX_TEXT_CHARS = 4000
MAX_NAME_CHARS = 200
DRAFT_MARK = _l("draft translation")


class TranslationError(ValueError):
    """A translation cannot be saved; ``field`` names the offending field."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        self.message = message
        super().__init__(f"{field_name}: {message}")


def digest(text: str) -> str:
    """The fingerprint of an original quotation's text, stored with each translation of it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_stale(translation: QuoteTranslation, quote: Quote | None = None) -> bool:
    """True when the original changed after the translation was made."""
    quote = quote or translation.quote
    return translation.original_sha256 != digest(quote.text)


def get(quote_id: str, lang: str) -> QuoteTranslation | None:
    """The stored translation of a quotation into ``lang``, whatever its status."""
    return db.session.scalar(select(QuoteTranslation).where(QuoteTranslation.quote_id == quote_id,
                                                            QuoteTranslation.lang == lang))


def for_quote(quote: Quote, lang: str, allow_drafts: bool = False) -> QuoteTranslation | None:
    """The translation an output may use: reviewed (or a draft when allowed) and not stale."""
    translation = get(quote.id, lang)
    if translation is None or is_stale(translation, quote):
        return None
    if translation.status != "reviewed" and not allow_drafts:
        return None
    return translation


def status(quote: Quote, lang: str) -> str:
    """``missing``, ``stale``, ``draft`` or ``reviewed``, for the translator's overview."""
    translation = get(quote.id, lang)
    if translation is None:
        return "missing"
    return "stale" if is_stale(translation, quote) else translation.status


def credit(translation: QuoteTranslation, lang: str | None = None) -> str:
    """The credit printed with a translation, in ``lang`` (an output's language) or the reader's language."""
    if lang is not None:
        with force_locale(lang):
            return credit(translation)
    reviewed = translation.status == "reviewed"
    if translation.translator == MACHINE_DRAFT:
        if reviewed:
            return _("machine translation, reviewed by %(reviewer)s", reviewer=translation.reviewer)
        return _("machine draft — awaiting review")
    if not reviewed:
        return _("translated by %(name)s — draft, awaiting review", name=translation.translator)
    if translation.reviewer and translation.reviewer != translation.translator:
        return _("translated by %(name)s, reviewed by %(reviewer)s", name=translation.translator,
                 reviewer=translation.reviewer)
    return _("translated by %(name)s", name=translation.translator)


# -- saving and reviewing ------------------------------------------------------------------------

def _clean_name(value: str | None, field_name: str, *, required: bool) -> str:
    name = " ".join((value or "").split())
    if required and not name:
        raise TranslationError(field_name, _("is required"))
    if len(name) > MAX_NAME_CHARS:
        raise TranslationError(field_name, _("must be at most %(n)d characters", n=MAX_NAME_CHARS))
    return name


def save(quote: Quote, lang: str, text: str, translator: str, *, user=None,
         translated_on: date | None = None) -> QuoteTranslation:
    """Store an edited translation of the current original; changed words are a draft until someone reviews them.

    ``user`` is the account saving it (its translator: it can never review these words itself).
    """
    if lang not in LANGS:
        raise TranslationError("lang", _("unknown language %(lang)r", lang=lang))
    text = (text or "").strip()
    if not text:
        raise TranslationError("text", _("is required"))
    if len(text) > MAX_TEXT_CHARS:
        raise TranslationError("text", _("must be at most %(n)d characters", n=MAX_TEXT_CHARS))
    translator = _clean_name(translator, "translator", required=True)
    translation = get(quote.id, lang)
    before = audit.translation_state(translation) if translation is not None else None
    if translation is None:
        translation = QuoteTranslation(quote_id=quote.id, lang=lang, status="draft", reviewer="")
    if (translation.text, translation.translator) != (text, translator) or is_stale(translation, quote) \
            or translation.status != "reviewed":
        # New words (or words for a changed original) need a new review, by someone else.
        translation.status, translation.reviewer, translation.reviewer_id = "draft", "", None
        if user is not None:
            translation.translator_id = user.id
    translation.text, translation.translator = text, translator
    translation.translated_on = translated_on or date.today()
    # Saving here means the translator has checked it against the original as it stands now.
    translation.original_sha256 = digest(quote.text)
    translation.curated = bool(translation.curated)
    translation.edited = True  # the library loader never overwrites it again
    db.session.add(translation)
    db.session.flush()
    after = audit.translation_state(translation)
    if after != before:
        audit.record(f"translation:{quote.id}/{lang}", "edit" if before else "create", before, after, user)
    return translation


def review(translation: QuoteTranslation, reviewer) -> QuoteTranslation:
    """Mark a current translation reviewed by an account (or, from scripts, a named person).

    An account never reviews a translation it made: :class:`TranslationError` on ``reviewer``.
    """
    account = None if isinstance(reviewer, str) else reviewer
    if account is not None:
        if translation.translator_id is not None and translation.translator_id == account.id:
            raise TranslationError("reviewer", _("you translated this: another translator of the language "
                                                 "has to review it"))
        name = getattr(account, "display_name", None) or account.email
    else:
        name = reviewer
    name = _clean_name(name, "reviewer", required=True)
    if is_stale(translation):
        raise TranslationError("text", _("the original quotation changed after this was translated; "
                                         "update the translation before marking it reviewed"))
    before = audit.translation_state(translation)
    translation.status, translation.reviewer = "reviewed", name
    translation.reviewer_id = account.id if account is not None else None
    translation.edited = True
    db.session.add(translation)
    db.session.flush()
    audit.record(f"translation:{translation.quote_id}/{translation.lang}", "approve", before,
                 audit.translation_state(translation), account)
    return translation


# -- export ----------------------------------------------------------------------------------------

def as_dict(translation: QuoteTranslation) -> dict:
    """A translation in the library's exchange form."""
    return {"lang": translation.lang, "text": translation.text, "translator": translation.translator,
            "status": translation.status, "reviewer": translation.reviewer,
            "translated_on": translation.translated_on.isoformat() if translation.translated_on else None}


def exported(include_drafts: bool = False) -> dict[str, list[dict]]:
    """Current translations by quotation id: reviewed ones, and drafts only when asked for."""
    found: dict[str, list[dict]] = {}
    stmt = select(QuoteTranslation).join(Quote).order_by(QuoteTranslation.quote_id, QuoteTranslation.lang)
    if not include_drafts:
        stmt = stmt.where(QuoteTranslation.status == "reviewed")
    for translation in db.session.scalars(stmt):
        if not is_stale(translation):
            found.setdefault(translation.quote_id, []).append(as_dict(translation))
    return found


# -- loading the curated translation files ---------------------------------------------------------

ENTRY_FIELDS = {"quote", "text", "translator", "status", "reviewer", "translated_on"}


def load(folder: Path, report, errors: list[str]) -> None:
    """Load ``<lang>.yaml`` files; idempotent, never overwrites a translation edited on the web."""

    glossary_terms = _glossary_terms(folder.parent / "glossary.yaml", read_yaml)
    for path in sorted(Path(folder).glob("*.yaml")):
        lang, _sep, part = path.stem.partition("-")
        name = f"translations/{path.name}"
        if lang in LANGS and part == "context":  # <lang>-context.yaml: the context lines, read by outputs
            errors.extend(f"{name}: {problem}" for problem in check_contexts(read_yaml(path) or {}))
            continue
        if lang not in LANGS or part:
            errors.append(f"{name}: unknown language {lang!r} (expected one of {', '.join(LANGS)})")
            continue
        data = read_yaml(path, lines=True) or {}
        if not isinstance(data, dict):
            errors.append(f"{name}: expected a mapping with quotes, themes, glossary, questions")
            continue
        unknown = sorted(set(data) - {"quotes", "themes", "glossary", "questions", "speakers", "__line__"})
        if unknown:
            errors.append(f"{name}: unknown section(s) {', '.join(unknown)}")
        _load_quote_translations(name, lang, data.get("quotes") or [], report, errors)
        for problem in check_library_texts(data, glossary_terms):
            errors.append(f"{name}: {problem}")
    db.session.flush()


def check_contexts(data) -> list[str]:
    """Problems in a ``<lang>-context.yaml``: ``contexts`` maps quotation ids to {text, status, translator}."""
    contexts = data.get("contexts") if isinstance(data, dict) else None
    if not isinstance(contexts, dict):
        return ["expected a mapping `contexts` of quotation ids to {text, status, translator}"]
    problems = []
    for qid, entry in contexts.items():
        if db.session.get(Quote, str(qid)) is None:
            problems.append(f"contexts: {qid}: unknown quotation id")
        elif not isinstance(entry, dict) or not str(entry.get("text") or "").strip():
            problems.append(f"contexts: {qid}: needs text")
        elif entry.get("status", "draft") not in STATUSES:
            problems.append(f"contexts: {qid}: status: expected draft or reviewed")
    return problems


def _glossary_terms(path: Path, read_yaml) -> set[str] | None:
    if not path.exists():
        return None
    return {str(item.get("term")) for item in (read_yaml(path) or []) if isinstance(item, dict)}


def _load_quote_translations(name: str, lang: str, entries, report, errors: list[str]) -> None:
    if not isinstance(entries, list):
        errors.append(f"{name}: quotes: expected a list of translations")
        return
    seen = set()
    for item in entries:
        line = item.get("__line__", "?") if isinstance(item, dict) else "?"
        where = f"{name}:{line}"
        if not isinstance(item, dict):
            errors.append(f"{where}: expected a mapping with {', '.join(sorted(ENTRY_FIELDS))}")
            continue
        problems = []
        unknown = sorted(set(item) - ENTRY_FIELDS - {"__line__"})
        if unknown:
            problems.append(f"unknown field(s) {', '.join(unknown)}")
        qid = str(item.get("quote") or "")
        quote = db.session.get(Quote, qid) if qid else None
        if quote is None:
            problems.append(f"quote: unknown quotation {qid!r}" if qid else "quote: is required")
        elif qid in seen:
            problems.append(f"quote: {qid!r} is translated twice")
        seen.add(qid)
        text = str(item.get("text") or "").strip()
        if not text:
            problems.append("text: is required")
        elif len(text) > MAX_TEXT_CHARS:
            problems.append(f"text: longer than {MAX_TEXT_CHARS} characters")
        translator = " ".join(str(item.get("translator") or "").split())
        if not translator:
            problems.append(f"translator: is required (a name, or {MACHINE_DRAFT!r})")
        state = item.get("status", "draft")
        reviewer = " ".join(str(item.get("reviewer") or "").split())
        if state not in STATUSES:
            problems.append(f"status: expected draft or reviewed, not {state!r}")
        elif state == "reviewed" and not reviewer:
            problems.append("reviewer: a reviewed translation names its reviewer")
        translated_on = item.get("translated_on")
        if translated_on is not None and not isinstance(translated_on, date):
            problems.append("translated_on: expected a date, YYYY-MM-DD")
        if problems:
            errors.append(f"{where}: " + "; ".join(problems))
            continue
        existing = get(qid, lang)
        if existing is not None and existing.edited:
            report.kept_local_edits.append(f"translation:{qid}/{lang}")
            continue
        translation = existing or QuoteTranslation(quote_id=qid, lang=lang)
        before = audit.translation_state(existing) if existing is not None else None
        # A reload of the same words keeps the fingerprint they were made against (a changed
        # original stays visibly stale); new or changed words translate the original as it is now.
        if existing is None or existing.text != text:
            translation.original_sha256 = digest(quote.text)
        translation.text, translation.translator, translation.status = text, translator, state
        translation.reviewer, translation.translated_on = reviewer, translated_on
        translation.curated, translation.edited = True, False
        db.session.add(translation)
        if audit.translation_state(translation) != before:
            audit.record(f"translation:{qid}/{lang}", "reload" if before else "load", before,
                         audit.translation_state(translation))


def check_library_texts(data: dict, glossary_terms: set[str] | None) -> list[str]:
    """Problems in the themes, glossary, questions and speakers sections of a translation file."""
    problems = []
    themes = {t.id: t for t in db.session.scalars(select(Theme))}
    for theme_id, entry in (data.get("themes") or {}).items():
        if theme_id == "__line__":
            continue
        if theme_id not in themes:
            problems.append(f"themes: {theme_id}: unknown theme")
        elif not isinstance(entry, dict) or not entry.get("name"):
            problems.append(f"themes: {theme_id}: needs a name (and a description)")
        elif entry.get("status", "draft") not in STATUSES:
            problems.append(f"themes: {theme_id}: status: expected draft or reviewed")
    for term, entry in (data.get("glossary") or {}).items():
        if term == "__line__":
            continue
        if glossary_terms is not None and term not in glossary_terms:
            problems.append(f"glossary: {term}: not a term of glossary.yaml")
        elif not isinstance(entry, dict) or not entry.get("term") or not entry.get("definition"):
            problems.append(f"glossary: {term}: needs a term and a definition")
        elif entry.get("status", "draft") not in STATUSES:
            problems.append(f"glossary: {term}: status: expected draft or reviewed")
    for theme_id, entry in (data.get("questions") or {}).items():
        if theme_id == "__line__":
            continue
        if theme_id not in themes:
            problems.append(f"questions: {theme_id}: unknown theme")
            continue
        items = entry.get("items") if isinstance(entry, dict) else None
        count = db.session.query(Question).filter(Question.theme_id == theme_id).count()
        if not isinstance(items, list) or not all(isinstance(q, str) and q.strip() for q in items):
            problems.append(f"questions: {theme_id}: needs items, a list of questions (text)")
        elif len(items) != count:
            problems.append(f"questions: {theme_id}: {len(items)} translated, but the theme has {count} "
                            "questions (keep the order of questions.yaml)")
        elif entry.get("status", "draft") not in STATUSES:
            problems.append(f"questions: {theme_id}: status: expected draft or reviewed")
    return problems


# -- translated library texts (themes, glossary, questions, speaker names) -----------------------

@dataclass
class LibraryTexts:
    """One language's translated themes, glossary, questions and speaker names, each with a status."""

    lang: str
    themes: dict[str, dict] = field(default_factory=dict)
    glossary: dict[str, dict] = field(default_factory=dict)
    questions: dict[str, dict] = field(default_factory=dict)
    speakers: dict[str, str] = field(default_factory=dict)
    contexts: dict[str, dict] = field(default_factory=dict)

    def _usable(self, entry: dict | None, allow_drafts: bool) -> dict | None:
        if entry is None or (entry.get("status", "draft") != "reviewed" and not allow_drafts):
            return None
        return entry

    def theme(self, theme_id: str, allow_drafts: bool = False) -> dict | None:
        """``{name, description, status}`` or None."""
        return self._usable(self.themes.get(theme_id), allow_drafts)

    def term(self, english_term: str, allow_drafts: bool = False) -> dict | None:
        """``{term, definition, status}`` or None."""
        return self._usable(self.glossary.get(english_term), allow_drafts)

    def theme_questions(self, theme_id: str, allow_drafts: bool = False) -> list[str] | None:
        """The translated questions of a theme, in the order of questions.yaml, or None."""
        entry = self._usable(self.questions.get(theme_id), allow_drafts)
        return list(entry["items"]) if entry else None

    def context(self, quote_id: str, allow_drafts: bool = False) -> dict | None:
        """A quotation's context line ``{text, status, translator}``, or None."""
        return self._usable(self.contexts.get(quote_id), allow_drafts)

    def speaker(self, name: str) -> str:
        """A speaker's name in this language's standard spelling (the original when unknown)."""
        return self.speakers.get(name, name)


_texts_cache: dict[tuple, LibraryTexts] = {}


def library_texts(lang: str, library_dir: str | Path | None = None) -> LibraryTexts:
    """The translated themes, glossary and questions for ``lang`` (empty when there is no file)."""

    folder = Path(library_dir or current_app.config["LIBRARY_DIR"]) / "translations"
    path = folder / f"{lang}.yaml"
    if lang not in LANGS or not path.exists():
        return LibraryTexts(lang)
    context_path = folder / f"{lang}-context.yaml"
    key = (str(path), path.stat().st_mtime, context_path.exists() and context_path.stat().st_mtime)
    if key not in _texts_cache:
        data = read_yaml(path) or {}
        contexts = (read_yaml(context_path) or {}).get("contexts") if context_path.exists() else None

        def section(name):
            value = data.get(name) or {}
            return {k: v for k, v in value.items() if isinstance(v, dict)} if isinstance(value, dict) else {}

        speakers = data.get("speakers") or {}
        _texts_cache[key] = LibraryTexts(lang, themes=section("themes"), glossary=section("glossary"),
                                         questions=section("questions"),
                                         speakers={str(k): str(v) for k, v in speakers.items()},
                                         contexts={str(k): v for k, v in (contexts or {}).items()
                                                   if isinstance(v, dict) and v.get("text")})
    return _texts_cache[key]


# -- translated quotations in outputs (leaflets, cards, reading packs) -------------------------

direction = languages.direction


class MissingTranslation(LookupError):
    """An output asks for a translation an organizer may not print (none, stale, or an unapproved draft)."""

    def __init__(self, quote_id: str, lang: str, state: str):
        self.quote_id, self.lang, self.state = quote_id, lang, state
        language = languages.english_name(lang)
        if state == "draft":
            why = (f"quotation {quote_id!r} has only a draft {language} translation ({lang}), not yet reviewed: "
                   "review it on the translator page, or allow draft translations (they are then marked "
                   "\"draft translation\")")
        elif state == "stale":
            why = (f"the {language} translation ({lang}) of quotation {quote_id!r} was made before the original "
                   "changed: update it on the translator page")
        else:
            why = f"quotation {quote_id!r} has no {language} translation ({lang}) yet: add one on the translator page"
        self.message = why
        super().__init__(why)


def output_quote(quote: Quote, lang: str, allow_drafts: bool = False) -> dict | None:
    """What an output prints for a quotation in ``lang``: the translation, its credit and draft mark.

    None when ``lang`` is the quotation's own language (the original is printed as it is);
    :class:`MissingTranslation` when there is no translation the organizer may print.
    """
    own = (quote.source.meta or {}).get("language") or "en"
    if lang == own:
        return None
    found = for_quote(quote, lang, allow_drafts=allow_drafts)
    if found is None:
        raise MissingTranslation(quote.id, lang, status(quote, lang))
    draft = found.status != "reviewed"
    with force_locale(lang):
        mark = str(DRAFT_MARK) if draft else ""
    texts = library_texts(lang)
    # The context line in the output's language when there is one it may print (same rule as the quotation).
    context = texts.context(quote.id, allow_drafts) if quote.context else None
    return {"lang": lang, "dir": direction(lang), "text": found.text, "credit": credit(found, lang),
            "draft": draft, "draft_mark": mark, "status": found.status,
            "speaker": texts.speaker(quote.speaker),
            "context": str(context["text"]) if context else "",
            "context_draft": bool(context) and context.get("status", "draft") != "reviewed",
            "original_lang": own, "original_dir": direction(own)}


def draft_mark(lang: str) -> str:
    """The words "draft translation" in ``lang`` (for PDF metadata and headings)."""
    with force_locale(lang):
        return str(DRAFT_MARK)
