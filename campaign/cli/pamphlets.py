"""``flask --app app pamphlets …``: build the leaflets and reading packs, move saved ones in and out of the database."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .. import pamphlet_store, pamphlets
from ..db import db
from ..render import RenderError

pamphlets_cli = AppGroup("pamphlets", help="Leaflets and reading packs: the reviewed files in pamphlets/ and "
                                           "those saved on the web (kept in the database).")


@pamphlets_cli.command("build")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="out/pamphlets", show_default=True,
              help="Folder the PDFs are written to (created if missing).")
@click.option("--dir", "directory", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder of pamphlet files (default: the project's pamphlets/).")
@click.option("--booklet", is_flag=True, help="Also write each reading pack as NAME-booklet.pdf, imposed for "
                                              "saddle-stitch folding.")
@click.option("--zine", is_flag=True, help="Also write each A6 reading pack as NAME-zine.pdf, four pages to an "
                                           "A4 side.")
@click.argument("names", nargs=-1)
def build_command(out_dir, directory, names, booklet, zine):
    """Render every pamphlet (or the NAMEs given) to OUT/<name>.pdf, skipping unchanged ones.

    Leaflets and reading packs alike; ``--booklet`` / ``--zine`` add the imposed reading packs.
    """
    directory = Path(directory or current_app.config["PAMPHLETS_DIR"])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    saved, left = pamphlet_store.for_build(tuple(names))
    paths, errors = pamphlets.discover(directory, left) if left or not names else ([], [])
    hidden = pamphlet_store.shadowed()
    paths = [p for p in paths if p.stem not in hidden] + saved
    report = pamphlets.BuildReport(errors=[str(e) for e in errors])
    state = pamphlets.read_state(out)
    started = time.monotonic()
    with click.progressbar(paths, label="Building pamphlets", item_show_func=lambda p: getattr(p, "name", ""),
                           file=sys.stderr) as bar:
        for path in bar:
            pamphlet = None
            where = os.path.relpath(path) if isinstance(path, Path) else str(getattr(path, "path", ""))
            try:
                if isinstance(path, pamphlets.PamphletError):
                    raise path
                pamphlet = path if isinstance(path, pamphlets.Pamphlet) else pamphlets.load(path, display=os.path.relpath(path))
                changed = pamphlets.build_one(pamphlet, out, state)
                report.built.extend(pamphlets.build_imposed(pamphlet, out, [i for i, on in (("booklet", booklet),
                                                                                    ("zine", zine)) if on]))
            except pamphlets.PamphletError as exc:
                report.errors.append(str(exc))
                continue
            except RenderError as exc:
                field = _field_of(exc, pamphlet.kind if pamphlet else None)
                report.errors.append(f"{where}: {field + ': ' if field else ''}{exc}")
                continue
            except Exception as exc:  # noqa: BLE001 - e.g. a quotation that no longer matches its source
                report.errors.append(f"{where}: {type(exc).__name__}: {exc}")
                continue
            (report.built if changed else report.unchanged).append(pamphlet.name)
    tmp = out / f".{pamphlets.STATE_FILE}.tmp"
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, out / pamphlets.STATE_FILE)
    for name in report.built:
        click.echo(f"built      {out / (name + '.pdf')}")
    for name in report.unchanged:
        click.echo(f"unchanged  {out / (name + '.pdf')}")
    for line in report.errors:
        click.echo(f"error: {line}", err=True)
    click.echo(f"{len(report.built)} built, {len(report.unchanged)} unchanged, {len(report.errors)} failed "
               f"in {time.monotonic() - started:.1f} s.")
    if report.errors or not (report.built or report.unchanged):
        if not paths and not report.errors:
            click.echo(f"error: no pamphlets found in {directory}", err=True)
        raise click.exceptions.Exit(1)


def _field_of(exc, kind_name: str | None) -> str | None:
    """The pamphlet field an overflow comes from, when the kind can tell."""
    block = getattr(exc, "block", None)
    try:
        field_for = pamphlets.kind(kind_name).field_for
    except pamphlets.PamphletError:
        return None
    return field_for(block) if block and field_for else None


@pamphlets_cli.command("export")
@click.argument("name")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the YAML file here (default: print it).")
def export_command(name, out_file):
    """Write a pamphlet saved on the web (or a shipped one) as a pamphlet YAML file."""
    data = pamphlet_store.raw(name)
    if data is None:
        click.echo(f"error: no pamphlet named {name!r}", err=True)
        raise click.exceptions.Exit(1)
    text = pamphlet_store.as_yaml(data, f"Exported from Handbill: build it with `flask --app app pamphlets build {name}`.")
    if out_file is None:
        click.echo(text, nl=False)
        return
    try:
        Path(out_file).write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(f"error: {out_file}: cannot write: {exc.strerror}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(f"Wrote {name} to {out_file}.", err=True)


@pamphlets_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--name", default=None, help="Keep it under this name (default: the file's name).")
@click.option("--replace", is_flag=True, help="Replace a saved pamphlet of the same name.")
def import_command(file, name, replace):
    """Validate a pamphlet YAML file and keep it in the database, where the web builders see it."""
    path = Path(file)
    name = name or path.stem
    try:
        try:
            data = pamphlets.load(path).data  # its own checks name the file and line
        except pamphlets.PamphletError as exc:
            if exc.field != "file name" or name == path.stem:
                raise
            data = _read(path)  # a file named otherwise, kept under --name
        pamphlet_store.save(name, data, overwrite=replace)
        db.session.commit()
    except pamphlets.PamphletError as exc:
        db.session.rollback()
        click.echo(f"error: {exc}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(f"Imported {path.name} as {name} ({data.get('kind')}).")


def _read(path: Path) -> dict:
    """The data of a pamphlet file whose own name is not a pamphlet name (checked again on saving)."""
    return pamphlets.read(path, display=str(path))[0]
