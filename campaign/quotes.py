"""The quotation library: verified creation and editing, full-text search, export."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, text as sql
from sqlalchemy.orm.attributes import set_committed_value

from . import sources, translations, verbatim
from .db import db, is_sqlite
from .models import Quote, Source, Theme

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_QUOTE_CHARS = 2000
MAX_CONTEXT_CHARS = 300


class QuoteError(ValueError):
    """A quotation cannot be saved; ``field`` names the offending field."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")
        self.message = message


def parsed(source: Source) -> sources.ParsedSource:
    """The parsed view of a stored source (cached per text)."""
    speakers = tuple(sorted((source.meta or {}).get("speakers", {}).items()))
    return sources.parse_cached(source.text, speakers)


def verify(quote: Quote) -> verbatim.Match:
    """Re-verify a stored quotation against its source; raises :class:`verbatim.NotVerbatim`.

    The quotation then carries the anchor and offsets where the guard found it, whatever its stored
    columns say (set as loaded values, so nothing is written; ``library load`` corrects the rows).
    """
    match = verbatim.verify(quote.text, quote.speaker, parsed(quote.source))
    for name in POSITION:
        if getattr(quote, name) != getattr(match, name):
            set_committed_value(quote, name, getattr(match, name))
    return match


POSITION = ("anchor", "start", "end")


def stored_position(quote: Quote) -> tuple:
    """The anchor and offsets as the row holds them (read before :func:`verify` replaces them)."""
    return tuple(getattr(quote, name) for name in POSITION)


def correct_position(quote: Quote) -> bool:
    """Write the guard's anchor and offsets into a row that disagrees; True if it did (the caller commits)."""
    stored = stored_position(quote)
    match = verbatim.verify(quote.text, quote.speaker, parsed(quote.source))
    found = tuple(getattr(match, name) for name in POSITION)
    if found == stored:
        return False
    quote.anchor, quote.start, quote.end = found
    return True


def located(rows: list[Quote]) -> list[Quote]:
    """The quotations that still verify, each carrying the guard's anchor and offsets (for listings)."""
    out = []
    for quote in rows:
        try:
            verify(quote)
        except verbatim.NotVerbatim:
            continue
        out.append(quote)
    return out


def explain(quote: Quote) -> tuple[verbatim.Part, ...]:
    """What each mark of a stored quotation stands for (see :func:`verbatim.explain`), re-verified."""
    return verify(quote).parts


PRINTABLE = Quote.status == "reviewed"  # a draft awaits a second editor and prints nowhere


def get_verified(quote_id: str, *, drafts: bool = False) -> Quote | None:
    """Fetch a quotation for display or rendering, re-verified; None if there is no such id.

    A draft counts as absent unless ``drafts`` (pages for editors and translators).
    """
    quote = db.session.get(Quote, quote_id)
    if quote is None or (quote.status != "reviewed" and not drafts):
        return None
    verify(quote)
    return quote


def get_many_verified(ids: list[str]) -> list[Quote]:
    """Fetch printable quotations in the order given, all re-verified; unknown ids and drafts raise ``QuoteError``."""
    found = {q.id: q for q in db.session.scalars(select(Quote).where(Quote.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise QuoteError("quotes", f"unknown quotation id(s): {', '.join(missing)}")
    drafts = [i for i in ids if found[i].status != "reviewed"]
    if drafts:
        raise QuoteError("quotes", f"quotation(s) {', '.join(drafts)} not yet approved by a second editor: "
                                   "drafts print nowhere")
    for q in found.values():
        verify(q)
    return [found[i] for i in ids]


@dataclass
class QuoteInput:
    """What an organizer or the curated file gives for a quotation."""

    id: str
    source: str
    speaker: str
    text: str
    themes: list[str]
    context: str = ""
    anchor: str | None = None


def validate(data: QuoteInput, *, new: bool) -> tuple[Source, list[Theme], verbatim.Match]:
    """Check every field, then the verbatim guard; raise ``QuoteError`` naming the field."""
    if not SLUG.fullmatch(data.id or "") or len(data.id) > 80:
        raise QuoteError("id", "use lower-case letters, digits and hyphens (at most 80), e.g. 'open-air-prison'")
    if new and db.session.get(Quote, data.id) is not None:
        raise QuoteError("id", f"a quotation with id {data.id!r} already exists")
    source = db.session.scalar(select(Source).where(Source.slug == data.source))
    if source is None:
        raise QuoteError("source", f"unknown source {data.source!r}")
    text = verbatim.canonical(data.text or "")
    if not text:
        raise QuoteError("text", "is required")
    if len(text) > MAX_QUOTE_CHARS:
        raise QuoteError("text", f"is longer than {MAX_QUOTE_CHARS} characters; quote an excerpt")
    context = " ".join((data.context or "").split())
    if len(context) > MAX_CONTEXT_CHARS:
        raise QuoteError("context", f"must be one line of at most {MAX_CONTEXT_CHARS} characters")
    if not 1 <= len(data.themes) <= 3:
        raise QuoteError("themes", "choose one to three themes")
    themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(data.themes))))
    unknown = sorted(set(data.themes) - {t.id for t in themes})
    if unknown:
        raise QuoteError("themes", f"unknown theme(s): {', '.join(unknown)}")
    try:
        match = verbatim.verify(text, data.speaker, parsed(source))
    except verbatim.NotVerbatim as exc:
        raise QuoteError("text" if exc.word else "speaker", str(exc)) from None
    if data.anchor and data.anchor != match.anchor:
        raise QuoteError("anchor", f"the quotation starts in paragraph {match.anchor}, not {data.anchor}")
    return source, sorted(themes, key=lambda t: t.position), match


def save(data: QuoteInput, existing: Quote | None = None, *, curated: bool = False) -> Quote:
    """Create or update a quotation after validation; the caller commits."""
    source, themes, match = validate(data, new=existing is None)
    quote = existing or Quote(id=data.id)
    quote.source = source
    quote.speaker = match.speaker
    quote.text = verbatim.canonical(data.text)
    quote.anchor, quote.start, quote.end = match.anchor, match.start, match.end
    quote.context = " ".join((data.context or "").split())
    quote.themes = themes
    quote.curated = curated or (existing.curated if existing else False)
    if curated:  # the library files are reviewed like code
        quote.status = "reviewed"
    if existing is not None and not curated:
        quote.edited = True
    db.session.add(quote)
    db.session.flush()
    index(quote)
    return quote


def delete(quote: Quote) -> None:
    if is_sqlite():
        db.session.execute(sql("DELETE FROM quote_search WHERE quote_id = :id"), {"id": quote.id})
    db.session.delete(quote)


# -- search ------------------------------------------------------------------------------

WORD = re.compile(r"\w+", re.UNICODE)


def index(quote: Quote) -> None:
    """Keep the SQLite FTS5 index in step (PostgreSQL indexes the expression itself)."""
    if not is_sqlite():
        return
    db.session.execute(sql("DELETE FROM quote_search WHERE quote_id = :id"), {"id": quote.id})
    db.session.execute(
        sql("INSERT INTO quote_search (quote_id, text, context, speaker) VALUES (:id, :text, :context, :speaker)"),
        {"id": quote.id, "text": quote.text, "context": quote.context, "speaker": quote.speaker})


def reindex() -> int:
    """Rebuild the search index from the quotes table."""
    quotes = list(db.session.scalars(select(Quote)))
    for q in quotes:
        index(q)
    return len(quotes)


def search(query: str = "", theme: str | None = None, speaker: str | None = None) -> list[Quote]:
    """Reviewed quotations matching every word of ``query`` (prefix match, stemmed), filtered by theme and speaker."""
    stmt = select(Quote).where(PRINTABLE)
    words = WORD.findall(query or "")[:12]
    if words:
        if is_sqlite():
            match = " AND ".join('"' + w.replace('"', "") + '"*' for w in words)
            ids = db.session.scalars(sql("SELECT quote_id FROM quote_search WHERE quote_search MATCH :m"),
                                     {"m": match}).all()
            stmt = stmt.where(Quote.id.in_(ids))
        else:
            tsquery = " & ".join(w.replace("'", "") + ":*" for w in words)
            stmt = stmt.where(sql("to_tsvector('english', quotes.text || ' ' || quotes.context || ' ' || "
                                  "quotes.speaker) @@ to_tsquery('english', :tsq)")).params(tsq=tsquery)
    if theme:
        stmt = stmt.where(Quote.themes.any(Theme.id == theme))
    if speaker:
        stmt = stmt.where(Quote.speaker == speaker)
    return list(db.session.scalars(stmt.order_by(Quote.position, Quote.id)))


def speakers() -> list[str]:
    return list(db.session.scalars(select(Quote.speaker).where(PRINTABLE).distinct().order_by(Quote.speaker)))


def themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.position)))


def export(include_drafts: bool = False) -> list[dict]:
    """Every quotation, re-verified, in library order, with its reviewed (or, if asked, draft) translations."""
    translated = translations.exported(include_drafts)
    out = []
    for q in db.session.scalars(select(Quote).where(PRINTABLE).order_by(Quote.position, Quote.id)):
        verify(q)
        out.append({**q.as_dict(), "translations": translated.get(q.id, [])})
    return out


# -- display -------------------------------------------------------------------------------

def _offset_in_paragraph(paragraph: sources.Paragraph, offset: int) -> int | None:
    """Where an offset of the original falls in the paragraph's repaired text (None if outside)."""
    position = 0
    for index, (start, end) in enumerate(paragraph.spans):
        if start <= offset <= end:
            return position + offset - start
        position += end - start + 1  # spans are joined by one space
    return None


def highlight(paragraph: sources.Paragraph, stored: list[Quote]) -> list[tuple[str, list[str]]]:
    """Split a paragraph's text into runs, each with the ids of the quotations covering it."""
    text = paragraph.text
    ranges = []
    for q in stored:
        if q.end <= paragraph.start or q.start >= paragraph.end:
            continue
        a = _offset_in_paragraph(paragraph, max(q.start, paragraph.start))
        b = _offset_in_paragraph(paragraph, min(q.end, paragraph.end))
        if a is None or b is None:
            continue
        ranges.append((a, b, q.id))
    cuts = sorted({0, len(text), *[r[0] for r in ranges], *[r[1] for r in ranges]})
    runs = []
    for a, b in zip(cuts, cuts[1:]):
        ids = [qid for (s, e, qid) in ranges if s <= a and b <= e]
        if a < b:
            runs.append((text[a:b], ids))
    return runs
