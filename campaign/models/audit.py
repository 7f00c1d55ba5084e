"""The history of changes to what prints: who changed which item, when, and the before and after."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from .library import utcnow


class AuditEntry(db.Model):
    """One change. The account is kept by id and by its email at the time (accounts can be deleted)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # No foreign key: the history outlives the account it names.
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_email: Mapped[str] = mapped_column(String(254), default="")
    item: Mapped[str] = mapped_column(String(200), index=True)  # quote:ID, translation:ID/ru, question:7, …
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
