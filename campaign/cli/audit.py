"""``flask --app app audit``: the history of changes to what prints."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..db import db
from ..models import AuditEntry


@click.command("audit")
@with_appcontext
@click.option("--item", default=None, help="Only this item, e.g. quote:open-air-prison or pamphlet:aleppo-flyer.")
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True,
              help="How many changes to list, newest first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, with before and after.")
def audit_command(item, limit, as_json):
    """List the history of changes: when, who, which item, what was done."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if item:
        stmt = stmt.where(AuditEntry.item == item)
    rows = list(db.session.scalars(stmt))
    for row in rows:
        if as_json:
            click.echo(json.dumps({"at": row.at.isoformat(), "user_id": row.user_id, "user": row.user_email,
                                   "item": row.item, "action": row.action, "before": row.before,
                                   "after": row.after}, ensure_ascii=False))
        else:
            changed = sorted(k for k in set(row.before or {}) | set(row.after or {})
                             if (row.before or {}).get(k) != (row.after or {}).get(k))
            click.echo(f"{row.at:%Y-%m-%d %H:%M:%S}  {row.user_email or '(command line)':<28}  {row.item:<40}  "
                       f"{row.action:<12}  {', '.join(changed)}")
    if not rows:
        click.echo("No changes recorded" + (f" for {item}." if item else "."))
