"""``flask --app app thumbnails build``: render the start page's and the builder's thumbnails ahead of visitors."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .. import thumbnails


thumbnails_cli = AppGroup("thumbnails", help="Thumbnails of real outputs for the start page and the leaflet builder.")


@thumbnails_cli.command("build")
def build_command():
    """Render every thumbnail into CACHE_DIR now (those already there are kept), so no visitor waits for one."""
    folder = current_app.config.get("CACHE_DIR")
    failed = 0
    for name in thumbnails.names():
        try:
            thumbnails.png(thumbnails.get(name, folder), folder)
        except Exception as exc:  # noqa: BLE001 - one thumbnail that cannot be made must not stop the others
            failed += 1
            click.echo(f"error: {name}: {exc}", err=True)
        else:
            click.echo(f"{name}: ready")
    if failed:
        sys.exit(1)
