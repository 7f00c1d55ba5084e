"""The roster: who is on a group's lists, decrypted for its organizers, and the CSV export with its log."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from . import privacy
from .models.accounts import User
from .db import db
from .groups import CANCELLED, CONFIRMED, WAITLISTED, Group, Signup
from .models.groups import RosterExport




@dataclass
class RosterEntry:
    """One person as the organizer sees them (decrypted)."""

    id: int
    position: int
    status: str
    name: str
    email: str
    messenger: str
    language: str
    note: str
    src: str
    signed_up: datetime
    duplicate_of: str | None = None  # "confirmed #2": an earlier signup with the same contact


def roster(group: Group) -> list[RosterEntry]:
    """Confirmed, then waitlisted, each in signup order; repeated contacts point at their first signup."""
    signups = db.session.scalars(select(Signup).where(
        Signup.group_id == group.id, Signup.status.in_((CONFIRMED, WAITLISTED))).order_by(Signup.id)).all()
    entries, first_seen = [], {}
    ordered = [s for s in signups if s.status == CONFIRMED] + [s for s in signups if s.status == WAITLISTED]
    positions = {CONFIRMED: 0, WAITLISTED: 0}
    for signup in ordered:
        positions[signup.status] += 1
        entries.append(RosterEntry(
            id=signup.id, position=positions[signup.status], status=signup.status,
            name=privacy.decrypt(signup.name_enc, "name"), email=privacy.decrypt(signup.email_enc, "email"),
            messenger=privacy.decrypt(signup.messenger_enc, "messenger"),
            note=privacy.decrypt(signup.note_enc, "note"), language=signup.language, src=signup.src or "",
            signed_up=signup.created_at))
    hashes = {s.id: s.contact_hash for s in signups}
    for entry in sorted(entries, key=lambda e: e.id):
        key = hashes[entry.id]
        if key and key in first_seen:
            first = first_seen[key]
            entry.duplicate_of = f"{first.status} #{first.position}"
        elif key:
            first_seen[key] = entry
    return entries


def source_counts(group: Group) -> list[tuple[str, int]]:
    """How many signups each pamphlet brought (aggregate only)."""
    rows = db.session.execute(select(Signup.src, func.count(Signup.id)).where(Signup.group_id == group.id)
                              .group_by(Signup.src).order_by(func.count(Signup.id).desc())).all()
    return [(src or "", n) for src, n in rows]


def cancelled_count(group: Group) -> int:
    return db.session.scalar(select(func.count(Signup.id)).where(
        Signup.group_id == group.id, Signup.status == CANCELLED)) or 0


FORMULA_START = set("=+-@\t\r＝＋－＠")


def safe_cell(value) -> str:
    """A spreadsheet cannot run it as a formula: a leading = + - @ tab or CR (also after spaces) gets a quote."""
    text = "" if value is None else str(value)
    if text and (text[0] in FORMULA_START or text.lstrip(" \u00a0\t\r\n")[:1] in FORMULA_START):
        return "'" + text
    return text


CSV_HEADER = ["list", "position", "name", "email", "messenger", "language", "note", "signed up (UTC)",
              "pamphlet", "duplicate of"]


def roster_csv(entries: list[RosterEntry]) -> str:
    """RFC 4180 CSV (CRLF, quoted where needed) with every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADER)
    for e in entries:
        writer.writerow([safe_cell(v) for v in (
            e.status, e.position, e.name, e.email, e.messenger, e.language, e.note,
            e.signed_up.strftime("%Y-%m-%d %H:%M"), e.src, e.duplicate_of or "")])
    return out.getvalue()


def log_export(group: Group, organizer: User, rows: int) -> None:
    db.session.add(RosterExport(organizer_id=organizer.id, group_id=group.id, group_title=group.title, rows=rows))
    db.session.commit()


def exports(group: Group) -> list[RosterExport]:
    return db.session.scalars(select(RosterExport).where(RosterExport.group_id == group.id)
                              .order_by(RosterExport.id.desc())).all()
