"""The library's themes with what they hold: the quotations each one owns, and every theme with its
quotations and questions, as the pack builder and the question editor list them."""
from __future__ import annotations

from sqlalchemy import select

from . import quotes
from .db import db
from .models import Question, Quote, Theme, quote_themes


def own_quotes() -> dict[str, list[str]]:
    """Theme id → the ids of the quotations whose first theme it is, in library order (one query)."""
    rows = db.session.execute(select(quote_themes.c.quote_id, quote_themes.c.theme_id)
                              .join(Theme, Theme.id == quote_themes.c.theme_id)
                              .join(Quote, Quote.id == quote_themes.c.quote_id)
                              .where(quotes.PRINTABLE)
                              .order_by(Quote.position, Quote.id, Theme.position)).all()
    first: dict[str, str] = {}
    for quote_id, theme_id in rows:
        first.setdefault(quote_id, theme_id)
    out: dict[str, list[str]] = {}
    for quote_id, theme_id in first.items():
        out.setdefault(theme_id, []).append(quote_id)
    return out


def library_choices() -> list[dict]:
    """Every theme with its quotations and questions, for the builder and the question editor."""
    out = []
    all_quotes = quotes.located(list(db.session.scalars(
        select(Quote).where(quotes.PRINTABLE).order_by(Quote.position, Quote.id))))
    for theme in db.session.scalars(select(Theme).order_by(Theme.position)):
        tagged = [q for q in all_quotes if theme.id in q.theme_ids]
        rows = list(db.session.scalars(select(Question).where(Question.theme_id == theme.id)
                                       .order_by(Question.position, Question.id)))
        out.append({"theme": theme, "quotes": tagged,
                    "own": [q.id for q in tagged if q.theme_ids[0] == theme.id],
                    "questions": rows})
    return out
