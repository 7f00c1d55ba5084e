"""Command-line tools: ``flask --app app library|sources|quotes …``."""
from __future__ import annotations

import json
from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import AppGroup

from .. import library, quotes, sources, verbatim
from ..db import db
from ..models import Quote

library_cli = AppGroup("library", help="The curated library (sources, themes, quotations).")
sources_cli = AppGroup("sources", help="Source texts quotations are verified against.")
quotes_cli = AppGroup("quotes", help="The quotation library.")


@library_cli.command("load")
@click.option("--dir", "directory", type=click.Path(file_okay=False, exists=True), default=None,
              help="Library folder (default: the project's library/).")
def library_load(directory):
    """Load sources, themes and curated quotations; safe to run again (idempotent)."""
    try:
        report = library.load(directory or current_app.config["LIBRARY_DIR"])
    except library.LibraryError as exc:
        for line in exc.errors:
            click.echo(f"error: {line}", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"Library loaded: {report.sources} source(s), {report.themes} themes, "
               f"{report.created} new, {report.updated} updated, {report.unchanged} unchanged quotation(s).")
    if report.kept_local_edits:
        click.echo(f"Kept local edits of: {', '.join(report.kept_local_edits)}")
    if report.corrected_positions:
        click.echo("Corrected the stored anchor and offsets of: " + ", ".join(report.corrected_positions))


@sources_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--meta", "meta_file", type=click.Path(dir_okay=False, exists=True),
              help="YAML metadata (slug, title, interviewee, interviewers, publisher, published, url, speakers).")
@click.option("--slug")
@click.option("--title")
@click.option("--interviewee")
@click.option("--interviewer", "interviewers", multiple=True)
@click.option("--publisher")
@click.option("--published", help="Date first published, YYYY-MM-DD.")
@click.option("--url")
@click.option("--speaker", "speaker_pairs", multiple=True, metavar="X=NAME",
              help="Speaker initial and full name, e.g. L='Leila al-Shami'.")
def sources_import(file, meta_file, speaker_pairs, **options):
    """Import a plain-text transcript whose turns start with the speaker's initial."""
    data: dict = {}
    if meta_file:
        loaded = yaml.safe_load(Path(meta_file).read_text(encoding="utf-8"))
        if not isinstance(loaded, dict):
            _fail(f"{meta_file}: expected a mapping of field: value")
        data.update(loaded)
    data.update({k: v for k, v in options.items() if v})
    if speaker_pairs:
        speakers = dict(data.get("speakers") or {})
        for pair in speaker_pairs:
            initial, _, name = pair.partition("=")
            if not name:
                _fail(f"--speaker {pair!r}: write it as X=Full Name")
            speakers[initial.strip()] = name.strip()
        data["speakers"] = speakers
    try:
        raw = Path(file).read_bytes()
        if len(raw) > current_app.config["MAX_SOURCE_BYTES"]:
            _fail(f"{file}: larger than {current_app.config['MAX_SOURCE_BYTES']} bytes")
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        _fail(f"{file}: line {line}: not UTF-8 text")
    try:
        meta = sources.meta_from_dict(data)
        source, _created = library.store_source(meta, text)
        db.session.commit()
    except sources.SourceFormatError as exc:
        db.session.rollback()
        _fail(f"{file}: {exc}")
    parsed = quotes.parsed(source)
    click.echo(f"Imported {source.slug!r}: {len(parsed.turns)} turns, {len(parsed.paragraphs)} paragraphs, "
               f"speakers {', '.join(sorted(parsed.speakers.values()))}.")


@quotes_cli.command("check")
def quotes_check():
    """Verify every quotation against its source; exit non-zero on any failure."""
    failures = 0
    count = 0
    for quote in db.session.scalars(db.select(Quote).order_by(Quote.position, Quote.id)):
        count += 1
        try:
            anchor, start, end = quotes.stored_position(quote)
            match = quotes.verify(quote)
            if (match.anchor, match.start, match.end) != (anchor, start, end):
                raise verbatim.NotVerbatim(
                    f"stored position {anchor} [{start}:{end}] disagrees with where the quotation stands, "
                    f"{match.anchor} [{match.start}:{match.end}] (pages use the latter; `library load` "
                    "corrects the row)")
        except verbatim.NotVerbatim as exc:
            failures += 1
            click.echo(f"FAIL {quote.id}: {exc}", err=True)
    click.echo(f"{count - failures} of {count} quotation(s) verbatim.")
    if failures or not count:
        if not count:
            click.echo("error: the library is empty; run `flask --app app library load`", err=True)
        raise click.exceptions.Exit(1)


@quotes_cli.command("export")
@click.option("--indent", type=int, default=2, show_default=True)
@click.option("--drafts", is_flag=True, help="Include draft translations (marked status: draft).")
def quotes_export(indent, drafts):
    """Print the whole library as JSON (every quotation re-verified first)."""
    try:
        data = quotes.export(include_drafts=drafts)
    except verbatim.NotVerbatim as exc:
        _fail(f"the library has a quotation that is not verbatim: {exc}; run `quotes check`")
    click.echo(json.dumps(data, ensure_ascii=False, indent=indent or None))


def _fail(message: str):
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(1)
