"""Edits of published quotations waiting for a second editor, kept apart so the approved words keep printing."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db
from .library import Quote, utcnow


class QuoteDraft(db.Model):
    """The proposed new version of a reviewed quotation (one per quotation), as the form gave it."""

    __tablename__ = "quote_drafts"
    quote_id: Mapped[str] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True)
    # {"source", "speaker", "text", "themes", "context"}: re-verified when approved.
    data: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    review_note: Mapped[str] = mapped_column(Text, default="")

    quote: Mapped[Quote] = relationship(backref=db.backref("pending", uselist=False, cascade="all, delete-orphan"))
