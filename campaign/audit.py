"""History: every change to what prints (quotations, translations, questions, sources, pamphlets), who made it.

Items are named ``kind:id`` (``quote:open-air-prison``, ``translation:open-air-prison/ru``,
``question:7``, ``source:al-shami-2016``, ``pamphlet:aleppo-flyer``). Only library and pamphlet
data is recorded: nothing about a participant (signups, contact details) ever goes in here.
"""
from __future__ import annotations

from datetime import date, datetime

from flask_login import current_user
from sqlalchemy import select

from .db import db
from .models import AuditEntry, Question, Quote, QuoteTranslation, Source


def _plain(value):
    """JSON-safe form of a recorded value (dates as ISO text)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def record(item: str, action: str, before: dict | None = None, after: dict | None = None, user=None) -> AuditEntry:
    """Add one history row in the caller's transaction (the caller commits); ``user`` defaults to the visitor."""
    if user is None:
        try:
            user = current_user if current_user.is_authenticated else None
        except (AttributeError, RuntimeError):  # outside a request (the command line)
            user = None
    entry = AuditEntry(item=item, action=action, before=_plain(before), after=_plain(after),
                       user_id=getattr(user, "id", None), user_email=getattr(user, "email", "") or "")
    db.session.add(entry)
    return entry


def history(item: str, limit: int = 100) -> list[AuditEntry]:
    """The newest changes of one item first."""
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.item == item)
                                   .order_by(AuditEntry.id.desc()).limit(limit)))


# -- what is recorded of each kind of item ------------------------------------------------------

def quote_state(quote: Quote) -> dict:
    """A quotation's recorded fields."""
    return {"source": quote.source.slug if quote.source else None, "speaker": quote.speaker, "text": quote.text,
            "themes": quote.theme_ids, "context": quote.context, "anchor": quote.anchor, "status": quote.status}


def translation_state(translation: QuoteTranslation) -> dict:
    """A translation's recorded fields."""
    return {"text": translation.text, "translator": translation.translator, "status": translation.status,
            "reviewer": translation.reviewer, "translated_on": translation.translated_on,
            "translator_id": translation.translator_id, "reviewer_id": translation.reviewer_id}


def question_state(question: Question) -> dict:
    """A discussion question's recorded fields."""
    return {"theme": question.theme_id, "text": question.text, "status": question.status}


def source_state(source: Source) -> dict:
    """A source's metadata (the text itself never changes once stored; its fingerprint stands for it)."""
    return {"title": source.title, "interviewee": source.interviewee, "publisher": source.publisher,
            "published": source.published, "url": source.url, "sha256": source.sha256}


# -- flask audit ---------------------------------------------------------------------------------
