"""Loading the curated library (sources, themes, quotations) from the reviewed data files."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from . import audit, quotes, sources, verbatim
from .datafiles import LibraryError, read_yaml
from .db import db
from .models import Question, Quote, Source, Theme


@dataclass
class LoadReport:
    sources: int = 0
    themes: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_local_edits: list[str] = field(default_factory=list)
    questions: int = 0
    corrected_positions: list[str] = field(default_factory=list)


def store_source(meta: sources.SourceMeta, text: str, *, replace_ok: bool = False) -> tuple[Source, bool]:
    """Parse, check and store a source text; an existing slug must hold the identical text."""
    parsed = sources.parse(text, meta.speakers)
    sources.check_speakers(meta, parsed)
    meta_dict = meta.as_dict()
    meta_dict["speakers"] = dict(parsed.speakers)
    existing = db.session.scalar(select(Source).where(Source.slug == meta.slug))
    digest = sources.digest(text)
    if existing is not None:
        if existing.sha256 != digest:
            raise sources.SourceFormatError(
                f"a different text is already stored as {meta.slug!r}; sources are never changed once "
                "quotations stand on them — import it under a new slug", field_name="slug")
        if not replace_ok:
            raise sources.SourceFormatError(f"{meta.slug!r} is already in the library", field_name="slug")
        source, created = existing, False
    else:
        source, created = Source(slug=meta.slug, text=text, sha256=digest), True
    before = None if created else audit.source_state(source)
    source.title, source.interviewee, source.publisher = meta.title, meta.interviewee, meta.publisher
    source.published, source.url, source.meta = meta.published, meta.url, meta_dict
    db.session.add(source)
    db.session.flush()
    if audit.source_state(source) != before:
        audit.record(f"source:{source.slug}", "create" if created else "edit", before, audit.source_state(source))
    return source, created


def load(library_dir: str | Path) -> LoadReport:
    """Load every source, theme and curated quotation; all or nothing, idempotent."""
    root = Path(library_dir)
    report = LoadReport()
    errors: list[str] = []
    try:
        for text_path in sorted((root / "sources").glob("*.txt")):
            try:
                meta, text = sources.read_source_files(text_path)
                store_source(meta, text, replace_ok=True)
                report.sources += 1
            except (sources.SourceFormatError, OSError) as exc:
                errors.append(f"sources/{text_path.name}: {exc}")
        if errors:
            raise LibraryError(errors)
        _load_themes(root / "themes.yaml", report, errors)
        if errors:
            raise LibraryError(errors)
        _load_quotes(root / "quotes.yaml", report, errors)
        _correct_positions(report)
        if (root / "questions.yaml").exists():
            _load_questions(root / "questions.yaml", report, errors)
        if (root / "translations").is_dir():
            from . import translations  # late import: translations reads files through this module
            translations.load(root / "translations", report, errors)
        if errors:
            raise LibraryError(errors)
        quotes.reindex()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _load_themes(path: Path, report: LoadReport, errors: list[str]) -> None:
    data = read_yaml(path, lines=True) or []
    if not isinstance(data, list):
        errors.append(f"{path.name}: expected a list of themes")
        return
    seen = set()
    for position, item in enumerate(data):
        line = item.get("__line__", "?") if isinstance(item, dict) else "?"
        if not isinstance(item, dict) or not quotes.SLUG.fullmatch(str(item.get("id", ""))) or not item.get("name"):
            errors.append(f"{path.name}:{line}: each theme needs an id (slug) and a name")
            continue
        if item["id"] in seen:
            errors.append(f"{path.name}:{line}: id: duplicate theme {item['id']!r}")
        seen.add(item["id"])
        theme = db.session.get(Theme, item["id"]) or Theme(id=item["id"])
        theme.name, theme.description, theme.position = item["name"], item.get("description", ""), position
        db.session.add(theme)
        report.themes += 1
    db.session.flush()


QUOTE_FIELDS = {"id", "source", "speaker", "anchor", "text", "themes", "context"}


def _load_quotes(path: Path, report: LoadReport, errors: list[str]) -> None:
    data = read_yaml(path, lines=True) or []
    if not isinstance(data, list):
        errors.append(f"{path.name}: expected a list of quotations")
        return
    seen = set()
    for position, item in enumerate(data):
        line = item.get("__line__", "?") if isinstance(item, dict) else "?"
        where = f"{path.name}:{line}"
        if not isinstance(item, dict):
            errors.append(f"{where}: expected a mapping with {', '.join(sorted(QUOTE_FIELDS))}")
            continue
        unknown = sorted(set(item) - QUOTE_FIELDS - {"__line__"})
        missing = sorted({"id", "source", "speaker", "text", "themes"} - set(item))
        if unknown or missing:
            errors.append(f"{where}: " + "; ".join(
                ([f"unknown field(s) {', '.join(unknown)}"] if unknown else [])
                + ([f"missing field(s) {', '.join(missing)}"] if missing else [])))
            continue
        qid = str(item["id"])
        if qid in seen:
            errors.append(f"{where}: id: duplicate quotation {qid!r}")
            continue
        seen.add(qid)
        themes = item["themes"] if isinstance(item["themes"], list) else [item["themes"]]
        data_in = quotes.QuoteInput(id=qid, source=str(item["source"]), speaker=str(item["speaker"]),
                                    text=str(item["text"]), themes=[str(t) for t in themes],
                                    context=str(item.get("context") or ""), anchor=item.get("anchor"))
        existing = db.session.get(Quote, qid)
        if existing is not None and (existing.edited or existing.pending is not None):
            report.kept_local_edits.append(qid)  # (an edit awaiting review counts: approving it must not undo a reload)
            continue
        try:
            before = existing.as_dict() if existing is not None else None
            state = audit.quote_state(existing) if existing is not None else None
            quote = quotes.save(data_in, existing, curated=True)
            quote.position = position
        except quotes.QuoteError as exc:
            errors.append(f"{where}: quote {qid!r}: {exc}")
            continue
        if audit.quote_state(quote) != state:
            audit.record(f"quote:{qid}", "load" if state is None else "reload", state, audit.quote_state(quote))
        if before is None:
            report.created += 1
        elif before != quote.as_dict():
            report.updated += 1
        else:
            report.unchanged += 1


def _correct_positions(report: LoadReport) -> None:
    """Every stored quotation's anchor and offsets are where the guard finds it: a row edited by hand is
    corrected (one that no longer verifies is left for ``quotes check`` to report)."""
    for quote in db.session.scalars(select(Quote).order_by(Quote.position, Quote.id)):
        try:
            if quotes.correct_position(quote):
                report.corrected_positions.append(quote.id)
        except verbatim.NotVerbatim:
            continue
    db.session.flush()


PASSAGE = re.compile(r"(?:(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)#)?(?P<anchor>p[1-9][0-9]*)")


def _question_items(items) -> list[tuple[str, list[str]]] | None:
    """(text, passages) of each question: written as text, or as {text, passages: [p54, …]}."""
    out = []
    for q in items if isinstance(items, list) else ():
        if isinstance(q, str) and q.strip():
            out.append((q, []))
        elif (isinstance(q, dict) and isinstance(q.get("text"), str) and q["text"].strip()
              and set(q) <= {"text", "passages"} and isinstance(q.get("passages", []), list)):
            out.append((q["text"], [str(a) for a in q.get("passages", [])]))
        else:
            return None
    return out if isinstance(items, list) else None


def _check_passages(passages: list[str]) -> list[str]:
    """Problems with a question's passages: each names a paragraph (p54, or slug#p54) that exists."""
    stored = {s.slug: s for s in db.session.scalars(select(Source))}
    problems = []
    for ref in passages:
        m = PASSAGE.fullmatch(ref)
        if not m:
            problems.append(f"{ref!r} is not a paragraph anchor such as p54 (or slug#p54)")
            continue
        slug = m.group("slug") or (next(iter(stored)) if len(stored) == 1 else None)
        if slug is None or slug not in stored:
            problems.append(f"{ref!r}: name the source, e.g. {next(iter(stored), 'slug')}#{m.group('anchor')}"
                            if slug is None else f"{ref!r}: unknown source {slug!r}")
        elif quotes.parsed(stored[slug]).paragraph(m.group("anchor")) is None:
            problems.append(f"{ref!r}: the source {slug!r} has no paragraph {m.group('anchor')}")
    return problems


def _load_questions(path: Path, report: LoadReport, errors: list[str]) -> None:
    """Curated questions per theme; a theme whose questions were edited here keeps the local version."""
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        errors.append(f"{path.name}: expected a mapping of theme id to a list of questions")
        return
    for theme_id, raw in data.items():
        if db.session.get(Theme, theme_id) is None:
            errors.append(f"{path.name}: {theme_id}: unknown theme")
            continue
        items = _question_items(raw)
        if items is None:
            errors.append(f"{path.name}: {theme_id}: expected a list of questions (text, or text and passages)")
            continue
        bad = [f"{path.name}: {theme_id}: question {n}: passages: {problem}"
               for n, (_, passages) in enumerate(items, start=1) for problem in _check_passages(passages)]
        if bad:
            errors.extend(bad)
            continue
        existing = list(db.session.scalars(select(Question).where(Question.theme_id == theme_id)
                                           .order_by(Question.position)))
        if any(q.edited for q in existing):
            report.kept_local_edits.append(f"questions:{theme_id}")
            continue
        for q in existing:
            db.session.delete(q)
        for position, (text, passages) in enumerate(items):
            db.session.add(Question(theme_id=theme_id, position=position, text=" ".join(text.split()),
                                    passages=passages, status="reviewed", curated=True))
            report.questions += 1
    db.session.flush()


# -- the library's version stamp ----------------------------------------------------------------

CATALOGS = Path(__file__).resolve().parent / "translations"


@lru_cache(maxsize=1)
def _stamp_queries() -> tuple:
    """The statements :func:`version` runs, built once."""
    from sqlalchemy import cast

    from .models import QuoteTranslation
    from .models.library import quote_themes

    # every row as stored (an edit made by hand in the database counts too); dates as the database's own
    # text (no parsing); each table in the order of its key
    rows = tuple(select(*[cast(c, db.String) if isinstance(c.type, db.DateTime) else c
                          for c in table.__table__.columns]).order_by(*table.__table__.primary_key.columns)
                 for table in (Quote, Question, QuoteTranslation))
    return rows + (
        select(Source.id, Source.slug, Source.sha256, Source.title, Source.interviewee, Source.publisher,
               Source.published, Source.url, Source.meta).order_by(Source.id),
        select(Theme.id, Theme.name, Theme.description, Theme.position).order_by(Theme.id),
        select(quote_themes.c.quote_id, quote_themes.c.theme_id).order_by(quote_themes.c.quote_id,
                                                                           quote_themes.c.theme_id),
    )


def version() -> str:
    """A stamp of everything printed outputs read from the library, cheap enough to compute for every
    request: any change to a source, theme, quotation (or its themes), question or translation, or to
    the glossary, the translated library texts or the message catalogues gives another stamp.

    Rows are hashed as stored, so a change made by any process, or by hand in the database, counts;
    a source by its text's digest; files by name, size and modification time.
    """
    import hashlib

    from flask import current_app

    from .glossary import GLOSSARY_FILE

    h = hashlib.sha256()
    connection = db.session.connection()  # Core: the statements are built once (_stamp_queries)
    for query in _stamp_queries():
        for row in connection.execute(query):
            h.update(repr(tuple(row)).encode())
        h.update(b"\0")
    folder = Path(current_app.config["LIBRARY_DIR"]) / "translations"
    files = [GLOSSARY_FILE, *sorted(folder.glob("*.yaml")), *sorted(CATALOGS.glob("*/LC_MESSAGES/*.mo"))]
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        h.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()
