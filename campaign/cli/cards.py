"""``flask --app app cards build``: many quote cards at once, rendered across the CPU cores."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urljoin

import click
from flask import current_app
from flask.cli import AppGroup

from .. import brand, cards, cards_batch, highlight as highlights, images, palettes, quotes, verbatim
from ..db import db
from ..models import Quote, Theme

cards_cli = AppGroup("cards", help="Social quote cards (PNG).")


def _fail(message: str):
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(1)


def _chosen(quote_ids: tuple[str, ...], theme: str | None) -> list[Quote]:
    """The quotations asked for (by id, by theme, or the whole library), each re-verified."""
    try:
        if quote_ids:
            return quotes.get_many_verified(list(quote_ids))
        if theme:
            if db.session.get(Theme, theme) is None:
                known = ", ".join(t.id for t in quotes.themes())
                _fail(f"--theme: unknown theme {theme!r}; choose one of: {known}")
            found = quotes.search(theme=theme)
        else:
            found = list(db.session.scalars(db.select(Quote).where(quotes.PRINTABLE).order_by(Quote.position, Quote.id)))
        for quote in found:
            quotes.verify(quote)
        return found
    except quotes.QuoteError as exc:
        _fail(f"--quote: {exc.message}")
    except verbatim.NotVerbatim as exc:
        _fail(f"a quotation no longer matches its source, so no card is made: {exc}; run `quotes check`")


@cards_cli.command("build")
@click.option("--out", "out", type=click.Path(file_okay=False), default="cards", show_default=True,
              help="Folder for the PNGs and alt-text.csv / alt-text.txt.")
@click.option("--format", "formats", multiple=True, type=click.Choice(list(cards.FORMATS)),
              help="Format(s) to make (repeat the option); default: all.")
@click.option("--theme", help="Only the quotations of this theme.")
@click.option("--quote", "quote_ids", multiple=True, help="Only these quotation ids (repeat the option).")
@click.option("--palette", default=None, help="Palette (paper, night, red, olive, sand, or brand when the brand "
              "kit has colours); default: the brand kit's.")
@click.option("--layout", type=click.Choice(list(cards.LAYOUTS)), default=cards.DEFAULT_LAYOUT, show_default=True)
@click.option("--image", "image_id", type=int, default=None, help="Stored photo id (needed by --layout photo).")
@click.option("--highlight", default="", help="Key phrase to set in the accent colour, as start-end character "
              "positions of the printed text (one --quote only).")
@click.option("--phrase", default="", help="Or the key phrase itself, word for word (one --quote only).")
@click.option("--mark", default=None,
              help=f"Small campaign mark or handle line (at most {cards.MARK_MAX} characters; default CARD_MARK).")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Cards rendered at once (default: one per CPU core; the render pool has RENDER_SLOTS processes).")
@click.option("--no-cache", is_flag=True, help="Render every card afresh instead of reusing cached ones.")
def cards_build(out, formats, theme, quote_ids, palette, layout, image_id, highlight, phrase, mark, jobs, no_cache):
    """Render quote cards in parallel, with a progress bar; cards that do not fit are listed."""
    kit = brand.current()
    palette = palette or (kit.palette if kit.palette in palettes.names(kit) else cards.DEFAULT_PALETTE)
    if mark is None:
        mark = str(current_app.config.get("CARD_MARK") or "") or (kit.name if kit.name != brand.DEFAULT_NAME else "")
    try:
        _f, _p, mark = cards.check_choice(formats[0] if formats else cards.DEFAULT_FORMAT, palette, mark, kit)
        cards.check_layout(layout, image_id)
    except cards.CardError as exc:
        _fail(f"--{exc.field}: {exc.message}")
    photo = None
    if layout == "photo":
        try:
            photo = images.load(image_id)
        except LookupError:
            _fail(f"--image: no stored image {image_id}")
    chosen = _chosen(quote_ids, theme)
    if not chosen:
        _fail("no quotations to make cards of; run `flask --app app library load` first")
    span = None
    if highlight or phrase:
        if len(quote_ids) != 1:
            _fail("--highlight: a highlighted phrase belongs to one quotation: give exactly one --quote")
        try:
            text = cards.card_quote(chosen[0]).text
            span = highlights.find(text, phrase) if phrase else highlights.check(text, highlights.parse(highlight))
        except highlights.HighlightError as exc:
            _fail(f"--{'phrase' if phrase else 'highlight'}: {exc.message}")
    names = [f for f in cards.FORMATS if f in formats] if formats else list(cards.FORMATS)
    base = current_app.config["BASE_URL"].rstrip("/") + "/"
    cache_dir = None if no_cache else os.path.join(current_app.config["CACHE_DIR"], "cards")
    jobs_list = [cards_batch.Job(cards.card_quote(q), name, palette, mark, cache_dir, urljoin(base, f"quotes/{q.id}"),
                                 layout, span, photo, kit)
                 for q in chosen for name in names]
    workers = jobs or os.cpu_count() or 1
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    with click.progressbar(length=len(jobs_list), label=f"Rendering {len(jobs_list)} card(s) on {workers} core(s)",
                           show_pos=True) as bar:
        for result in cards_batch.build(jobs_list, workers):
            if result.png:
                target = folder / result.filename
                tmp = target.with_name(f".{target.name}.tmp")
                tmp.write_bytes(result.png)
                os.replace(tmp, target)  # never leave half a PNG behind
            results.append(result)
            bar.update(1)
    for name, body in cards_batch.alt_text_files(results).items():
        (folder / name).write_bytes(body)
    made = [r for r in results if r.png]
    click.echo(f"{len(made)} card(s) written to {folder} (with alt-text.csv and alt-text.txt).")
    failed = [r for r in results if not r.png]
    for r in failed:
        click.echo(f"not made: {r.filename}: {r.error}", err=True)
    if failed:
        raise click.exceptions.Exit(1)
