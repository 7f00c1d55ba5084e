"""The brand kit (one row) and uploaded photos: bytes kept in the database, never in the code tree."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from .library import utcnow

BRAND_ROW = 1  # the brand kit is one row with this id


class BrandSetting(db.Model):
    """The campaign's brand kit as the admin set it; absent until first saved."""

    __tablename__ = "brand_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=BRAND_ROW)
    name: Mapped[str] = mapped_column(String(60))
    primary_colour: Mapped[str] = mapped_column(String(7), default="")  # #rrggbb or ""
    secondary_colour: Mapped[str] = mapped_column(String(7), default="")
    palette: Mapped[str] = mapped_column(String(40))
    contact: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # PNG, re-encoded
    logo_width: Mapped[int] = mapped_column(Integer, default=0)
    logo_height: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class ImageRecord(db.Model):
    """One uploaded photo, re-encoded without metadata (faces blurred as the uploader asked), with its credit."""

    __tablename__ = "images"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    mime: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    credit: Mapped[str] = mapped_column(String(200))
    licence: Mapped[str] = mapped_column(String(200))
    alt: Mapped[str] = mapped_column(Text, default="")
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)  # same type, at most THUMBNAIL px, for lists
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
