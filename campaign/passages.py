"""What a reading pack's section prints: its quotations and every paragraph its questions are about, in source order."""
from __future__ import annotations

import re

from sqlalchemy import select

from . import quotes
from .db import db
from .models import Question, Quote, Source, quote_themes

REF = re.compile(r"(?:(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)#)?p(?P<number>[1-9][0-9]*)")


def referred(questions: list[Question]) -> list[tuple[Source, int]]:
    """The paragraphs (source, number) the questions name, each once, in source order.

    ``p54`` names a paragraph of the library's only source; ``slug#p54`` one of a named source.
    """
    stored = {s.slug: s for s in db.session.scalars(select(Source))}
    found: dict[tuple[int, int], tuple[Source, int]] = {}
    for q in questions:
        for ref in q.passages or ():
            m = REF.fullmatch(str(ref))
            slug = (m.group("slug") or (next(iter(stored)) if len(stored) == 1 else None)) if m else None
            if slug in stored:
                source = stored[slug]
                found.setdefault((source.id, int(m.group("number"))), (source, int(m.group("number"))))
    return [found[k] for k in sorted(found)]


def _span(q: Quote) -> tuple[int, int]:
    """The first and last paragraph numbers a quotation covers."""
    parsed = quotes.parsed(q.source)
    first = parsed.paragraph(q.anchor)
    last = parsed.paragraph_at(max(q.end - 1, q.start)) or first
    return first.number, last.number


def covering(theme_id: str, paragraphs: list[tuple[Source, int]]) -> list[str]:
    """Ids of the theme's quotations that cover any of these paragraphs, in source order."""
    if not paragraphs:
        return []
    wanted = {(s.id, n) for s, n in paragraphs}
    rows = db.session.scalars(select(Quote).join(quote_themes, quote_themes.c.quote_id == Quote.id)
                              .where(quote_themes.c.theme_id == theme_id)
                              .order_by(Quote.source_id, Quote.start, Quote.id))
    out = []
    for q in rows:
        a, b = _span(q)
        if any((q.source_id, n) in wanted for n in range(a, b + 1)):
            out.append(q.id)
    return out


def excerpts(quote_rows: list[Quote], paragraphs: list[tuple[Source, int]] = ()) -> list[tuple[Source, list[int], list[Quote]]]:
    """Group quotations (and bare paragraphs) whose paragraphs overlap, so each passage prints once.

    Returns (source, paragraph numbers, quotations in source order) per passage, in source order.
    """
    groups: list[dict] = []

    def place(source: Source, numbers: set[int], quote: Quote | None) -> None:
        hit = [g for g in groups if g["source"].id == source.id and g["numbers"] & numbers]
        if hit:
            keep = hit[0]
            for other in hit[1:]:  # a quotation spanning two passages joins them
                keep["numbers"] |= other["numbers"]
                keep["quotes"] += other["quotes"]
                groups.remove(other)
        else:
            keep = {"source": source, "numbers": set(), "quotes": []}
            groups.append(keep)
        keep["numbers"] |= numbers
        if quote is not None:
            keep["quotes"].append(quote)

    for q in quote_rows:
        a, b = _span(q)
        place(q.source, set(range(a, b + 1)), q)
    for source, number in paragraphs:
        place(source, {number}, None)
    groups.sort(key=lambda g: (g["source"].id, min(g["numbers"])))
    return [(g["source"], sorted(g["numbers"]), sorted(g["quotes"], key=lambda q: (q.start, q.id)))
            for g in groups]
