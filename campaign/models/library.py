"""Library tables: sources, themes and quotations (with their verified offsets)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import credits
from ..db import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


quote_themes = Table(
    "quote_themes", db.metadata,
    Column("quote_id", String(80), ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", String(60), ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class Source(db.Model):
    """A source text as received (never modified), with its metadata."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(Text)
    interviewee: Mapped[str] = mapped_column(String(120))
    publisher: Mapped[str] = mapped_column(String(200), default="")
    published: Mapped[datetime | None] = mapped_column(Date, nullable=True)
    url: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    quotes: Mapped[list["Quote"]] = relationship(back_populates="source")


class Theme(db.Model):
    """A theme quotations are grouped by (Aleppo under siege, Russia's war, …)."""

    __tablename__ = "themes"
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Quote(db.Model):
    """A verbatim excerpt: who said it, where it stands in the source, what it is about."""

    __tablename__ = "quotes"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="RESTRICT"))
    speaker: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    anchor: Mapped[str] = mapped_column(String(16))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    context: Mapped[str] = mapped_column(Text, default="")
    curated: Mapped[bool] = mapped_column(Boolean, default=False)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # "reviewed" prints; "draft" (made on the web, not yet approved by a second editor) prints nowhere.
    status: Mapped[str] = mapped_column(String(16), default="reviewed", server_default="reviewed")
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    source: Mapped[Source] = relationship(back_populates="quotes")
    themes: Mapped[list[Theme]] = relationship(secondary=quote_themes, order_by=Theme.position)

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def as_dict(self) -> dict:
        """The library's exchange form (JSON export and ``/api/quotes``)."""
        return {"id": self.id, "speaker": self.speaker, "text": self.text, "themes": self.theme_ids,
                "source": self.source.slug, "anchor": self.anchor, "start": self.start, "end": self.end,
                "context": self.context, "source_title": self.source.title, "source_url": self.source.url,
                "source_credit": credits.credit(self.source).as_dict()}


class Question(db.Model):
    """A discussion question for reading groups, written by us, per theme; reviewed like quotations."""

    __tablename__ = "questions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    # The paragraphs of the source the question is about ("p54"): a pack prints them in its section.
    passages: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    status: Mapped[str] = mapped_column(String(16), default="reviewed")  # draft | reviewed
    curated: Mapped[bool] = mapped_column(Boolean, default=False)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who wrote the draft (they cannot approve it) and who approved it; empty for the library files.
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    theme: Mapped[Theme] = relationship()


class QuoteTranslation(db.Model):
    """A translation of one quotation, always tied to its original, with who translated it and its review."""

    __tablename__ = "quote_translations"
    __table_args__ = (db.UniqueConstraint("quote_id", "lang"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quote_id: Mapped[str] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    translator: Mapped[str] = mapped_column(String(200))  # a name, or "machine draft"
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | reviewed
    reviewer: Mapped[str] = mapped_column(String(200), default="")
    # The accounts behind the names when the work was done on the web (a file's names stand alone).
    translator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    translated_on: Mapped[datetime | None] = mapped_column(Date, nullable=True)
    original_sha256: Mapped[str] = mapped_column(String(64))  # the original text this translates
    curated: Mapped[bool] = mapped_column(Boolean, default=False)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    quote: Mapped[Quote] = relationship(backref=db.backref("translations", cascade="all, delete-orphan"))
