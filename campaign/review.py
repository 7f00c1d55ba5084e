"""Two-person review of quotations: web changes are drafts until a second editor approves them.

A quotation made on the web starts as a draft (``status = "draft"``) and prints nowhere. An edit
of a reviewed quotation is kept apart as a :class:`QuoteDraft`, so the approved words keep
printing until another editor approves the new ones. The editor who wrote a draft never approves it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from . import audit, quotes, verbatim
from .db import db
from .models import Question, Quote, QuoteDraft, QuoteTranslation

MAX_NOTE_CHARS = 1000


class ReviewError(ValueError):
    """A review step is refused; the message says why."""


def _data(data: quotes.QuoteInput) -> dict:
    """The stored form of a proposed edit."""
    return {"source": data.source, "speaker": data.speaker, "text": verbatim.canonical(data.text),
            "themes": list(data.themes), "context": " ".join((data.context or "").split())}


def _input(quote_id: str, data: dict) -> quotes.QuoteInput:
    return quotes.QuoteInput(id=quote_id, source=data["source"], speaker=data["speaker"], text=data["text"],
                             themes=list(data["themes"]), context=data.get("context", ""))


def submit(data: quotes.QuoteInput, existing: Quote | None, user) -> tuple[Quote, bool]:
    """Store a web-made quotation or change as a draft; returns the quotation and whether anything changed.

    Raises :class:`quotes.QuoteError` (naming the field) before anything is stored; the caller commits.
    """
    if existing is None:
        quote = quotes.save(data, None)
        quote.status, quote.drafted_by_id, quote.review_note = "draft", user.id, ""
        audit.record(f"quote:{quote.id}", "create", None, audit.quote_state(quote), user)
        return quote, True
    before = audit.quote_state(existing)
    if existing.status == "draft":
        quote = quotes.save(data, existing)
        changed = audit.quote_state(quote) != before
        if changed:
            quote.drafted_by_id, quote.review_note = user.id, ""
            audit.record(f"quote:{quote.id}", "edit draft", before, audit.quote_state(quote), user)
        return quote, changed
    quotes.validate(data, new=False)  # the guard runs before anything is kept
    proposed = _data(data)
    current = {k: before[k] for k in proposed}
    if proposed == current:
        if existing.pending is not None:  # back to the published words: nothing left to review
            db.session.delete(existing.pending)
            audit.record(f"quote:{existing.id}", "withdraw edit", None, None, user)
            return existing, True
        return existing, False
    pending = existing.pending or QuoteDraft(quote_id=existing.id)
    pending.data, pending.created_by_id, pending.review_note = proposed, user.id, ""
    existing.pending = pending
    db.session.add(pending)
    db.session.flush()
    audit.record(f"quote:{existing.id}", "propose edit", current, proposed, user)
    return existing, True


def awaiting(quote: Quote) -> bool:
    """Whether the quotation has words waiting for a second editor."""
    return quote.status == "draft" or quote.pending is not None


def author_id(quote: Quote) -> int | None:
    """The account that wrote what awaits review (None for the library files)."""
    return quote.pending.created_by_id if quote.pending is not None else quote.drafted_by_id


def proposed(quote: Quote) -> dict:
    """What awaits review: the pending edit, or the draft quotation itself."""
    if quote.pending is not None:
        return dict(quote.pending.data)
    state = audit.quote_state(quote)
    return {k: state[k] for k in ("source", "speaker", "text", "themes", "context")}


def approve(quote: Quote, user) -> Quote:
    """Approve what awaits review; refused for its own author. The caller commits."""
    if not awaiting(quote):
        raise ReviewError("nothing about this quotation is waiting for review")
    if author_id(quote) == user.id:
        raise ReviewError("you wrote this draft: another editor has to approve it")
    before = audit.quote_state(quote)
    if quote.pending is not None:
        pending = quote.pending
        quotes.save(_input(quote.id, pending.data), quote)  # verified again against the source
        quote.pending = None
        db.session.delete(pending)
    quote.status, quote.reviewed_by_id, quote.review_note = "reviewed", user.id, ""
    db.session.flush()
    audit.record(f"quote:{quote.id}", "approve", before, audit.quote_state(quote), user)
    return quote


def send_back(quote: Quote, user, note: str) -> Quote:
    """Return what awaits review to its author with a note; it stays unprinted. The caller commits."""
    note = " ".join((note or "").split())
    if not note:
        raise ReviewError("say what needs changing")
    if len(note) > MAX_NOTE_CHARS:
        raise ReviewError(f"keep the note under {MAX_NOTE_CHARS} characters")
    if not awaiting(quote):
        raise ReviewError("nothing about this quotation is waiting for review")
    if quote.pending is not None:
        quote.pending.review_note = note
    else:
        quote.review_note = note
    audit.record(f"quote:{quote.id}", "send back", None, {"note": note}, user)
    return quote


def waiting_quotes() -> list[Quote]:
    """Every quotation with a draft or a pending edit."""
    return list(db.session.scalars(
        select(Quote).outerjoin(QuoteDraft, QuoteDraft.quote_id == Quote.id)
        .where(or_(Quote.status == "draft", QuoteDraft.quote_id.is_not(None))).order_by(Quote.id)))


def waiting_questions() -> list[Question]:
    """Every discussion question not yet reviewed."""
    return list(db.session.scalars(select(Question).where(Question.status != "reviewed")
                                   .order_by(Question.theme_id, Question.position)))


def waiting_translations(langs: list[str]) -> list[QuoteTranslation]:
    """Draft translations in ``langs`` whose original has not changed since."""
    from . import translations

    found = db.session.scalars(select(QuoteTranslation).where(QuoteTranslation.status != "reviewed",
                                                              QuoteTranslation.lang.in_(langs))
                               .order_by(QuoteTranslation.quote_id, QuoteTranslation.lang))
    return [t for t in found if not translations.is_stale(t)]


# -- what each mark of a quotation stands for ----------------------------------------------------

@dataclass(frozen=True)
class Part:
    """One piece of a quotation: ``text`` (quoted words), ``elision``, ``insertion`` or ``replacement``,
    with ``source`` the words of the original it stands for (``known`` False when they could not be told)."""

    kind: str
    text: str
    source: str = ""
    known: bool = True


def parts(text: str, speaker: str, source) -> list[Part]:
    """The quotation as parts (the guard's :func:`verbatim.explain`), each mark with the words it stands for.

    Raises :class:`verbatim.NotVerbatim` for words that are not the speaker's.
    """
    return [Part(p.kind, p.text, p.source) for p in verbatim.explain(text, speaker, quotes.parsed(source))]


def account_name(user_id: int | None) -> str:
    """How an account is shown beside its work: its display name if it has one, else its email."""
    from .models import User

    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        return ""
    return getattr(user, "display_name", None) or user.email
