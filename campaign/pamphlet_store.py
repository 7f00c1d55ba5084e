"""Pamphlets saved from the web: kept in the database (so several app servers share them), beside the
reviewed examples shipped as ``pamphlets/*.yaml`` (read-only from the web).

A name is looked up, never opened as a path: the database first, then the shipped files, and only a
well-formed name (``NAME``, at most 80 characters) is ever looked for. ``flask pamphlets export`` and
``flask pamphlets import`` (:mod:`campaign.cli.pamphlets`) move a pamphlet between the two.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy import select

from . import audit, pamphlets
from .db import db
from .models import StoredPamphlet

MAX_NAME_CHARS = 80
FROM_DATABASE = "database"
SHIPPED = "file"


def valid_name(name) -> bool:
    """Whether ``name`` can name a pamphlet at all (anything else is looked for nowhere)."""
    return isinstance(name, str) and len(name) <= MAX_NAME_CHARS and bool(pamphlets.NAME.fullmatch(name))


def _shipped_path(name: str) -> Path | None:
    """The shipped example file of that name, if there is one (``name`` already checked)."""
    try:
        return pamphlets.find(current_app.config["PAMPHLETS_DIR"], name)
    except pamphlets.PamphletNotFound:
        return None


def stored(name: str) -> StoredPamphlet | None:
    """The database row of a pamphlet saved on the web."""
    if not valid_name(name):
        return None
    return db.session.scalar(select(StoredPamphlet).where(StoredPamphlet.name == name))


def origin(name: str) -> str | None:
    """``database``, ``file`` or None: where a pamphlet of that name comes from."""
    if not valid_name(name):
        return None
    if stored(name) is not None:
        return FROM_DATABASE
    return SHIPPED if _shipped_path(name) else None


def _validated(name: str, data, where: str) -> pamphlets.Pamphlet:
    if not isinstance(data, dict):
        raise pamphlets.PamphletError("file", "expected a mapping of field: value", where)
    try:
        spec = pamphlets.kind(data.get("kind")).validate(data)
    except pamphlets.PamphletError as exc:
        raise exc.in_file(where) from None
    return pamphlets.Pamphlet(name, Path(where), data.get("kind"), spec, dict(data))


def get(name: str) -> pamphlets.Pamphlet | None:
    """A pamphlet by name, validated: the database first, then the shipped files; None if there is none.

    An invalid one raises :class:`pamphlets.PamphletError` naming where it is kept and the field.
    """
    if not valid_name(name):
        return None
    row = stored(name)
    if row is not None:
        return _validated(name, row.data, f"{FROM_DATABASE}:{name}")
    path = _shipped_path(name)
    return pamphlets.load(path, display=path.name) if path else None


def raw(name: str) -> dict | None:
    """A pamphlet's data as kept, unvalidated (the database first, then the shipped file)."""
    row = stored(name)
    if row is not None:
        return dict(row.data)
    path = _shipped_path(name) if valid_name(name) else None
    if path is None:
        return None
    try:
        data, _node = pamphlets.read(path)
    except pamphlets.PamphletError:  # unreadable, not YAML, nested too deep: offered nowhere
        return None
    return data if isinstance(data, dict) else None


def listing() -> list[dict]:
    """Every pamphlet, saved and shipped (a saved one hides a shipped one of the same name), by name."""
    found: dict[str, dict] = {}
    for path in sorted(Path(current_app.config["PAMPHLETS_DIR"]).glob("*.yaml")):
        if not valid_name(path.stem):
            continue
        data = raw(path.stem)
        if data is None:  # unreadable or malformed: `pamphlets build` reports it, nothing offers it
            continue
        found[path.stem] = {"name": path.stem, "kind": str(data.get("kind") or ""),
                            "title": str(data.get("title") or path.stem), "origin": SHIPPED, "updated": None}
    for row in db.session.scalars(select(StoredPamphlet).order_by(StoredPamphlet.name)):
        found[row.name] = {"name": row.name, "kind": row.kind, "title": str(row.data.get("title") or row.name),
                           "origin": FROM_DATABASE, "updated": row.updated_at}
    return [found[name] for name in sorted(found)]


def save(name: str, data: dict, *, user=None, overwrite: bool = False) -> StoredPamphlet:
    """Validate and keep a pamphlet in the database, recording the change; the caller commits.

    Refuses a bad name, a shipped example's name, another kind's name, or an existing one unless ``overwrite``.
    """
    if not valid_name(name):
        raise pamphlets.PamphletError("name", "use lower-case letters, digits and hyphens (at most 80), "
                                              "e.g. aleppo-flyer")
    checked = _validated(name, data, f"{FROM_DATABASE}:{name}")
    if _shipped_path(name) is not None:
        raise pamphlets.PamphletError("name", f"{name!r} is one of the reviewed examples in pamphlets/; "
                                              "choose another name")
    row = stored(name)
    if row is not None and not overwrite:
        raise pamphlets.PamphletError("name", f"a pamphlet named {name!r} already exists; choose another name "
                                              "or tick “replace”")
    if row is not None and row.kind != checked.kind:
        raise pamphlets.PamphletError("name", f"{name!r} is a pamphlet of another kind ({row.kind})")
    before = dict(row.data) if row is not None else None
    if row is None:
        row = StoredPamphlet(name=name, created_by_id=getattr(user, "id", None))
        db.session.add(row)
    row.kind, row.data = checked.kind, dict(data)
    db.session.flush()
    if before != row.data:
        audit.record(f"pamphlet:{name}", "update" if before is not None else "create", before, dict(data), user)
    return row


def as_yaml(data: dict, comment: str = "") -> str:
    """A pamphlet's data as a ``pamphlets/*.yaml`` file."""
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def for_build(names: tuple[str, ...]) -> tuple[list[pamphlets.Pamphlet | pamphlets.PamphletError], list[str]]:
    """The saved pamphlets ``flask pamphlets build`` renders (all, or those among ``names``), and the names left
    for the shipped files; a saved pamphlet hides a shipped one of the same name."""
    rows = list(db.session.scalars(select(StoredPamphlet).order_by(StoredPamphlet.name)))
    wanted = {row.name for row in rows} if not names else {n for n in names if stored(n) is not None}
    found: list[pamphlets.Pamphlet | pamphlets.PamphletError] = []
    for row in rows:
        if row.name in wanted:
            try:
                found.append(_validated(row.name, row.data, f"{FROM_DATABASE}:{row.name}"))
            except pamphlets.PamphletError as exc:
                found.append(exc)
    return found, [n for n in names if n not in wanted]


def shadowed() -> set[str]:
    """Names of shipped files hidden by a saved pamphlet."""
    return set(db.session.scalars(select(StoredPamphlet.name)))
