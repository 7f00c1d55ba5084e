"""``flask --app app thread THEME --platform mastodon``: a theme's quotations as a ready thread, on standard output."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import quotes, thread
from ..db import db
from ..localized import theme_name
from ..models import Theme


@click.command("thread")
@click.argument("theme")
@click.option("--platform", type=click.Choice(list(thread.PLATFORMS)), default=thread.DEFAULT_PLATFORM,
              show_default=True, help="Whose post limit and counting to follow.")
@click.option("--lang", type=click.Choice(["en", "ru", "ar"]), default="en", show_default=True,
              help="Language of the thread (quotations with a reviewed translation are translated).")
@with_appcontext
def thread_command(theme, platform, lang):
    """Print THEME's quotations as numbered posts within the platform's limit, with each card's alt text.

    Quotations are cut only at a marked elision […]; one that cannot fit even so is named on standard
    error and left out. Exits 1 for an unknown theme.
    """
    if db.session.get(Theme, theme) is None:
        known = ", ".join(t.id for t in quotes.themes())
        raise click.ClickException(f"unknown theme {theme!r}; known themes: {known}")
    found = quotes.search(theme=theme)
    for q in found:
        quotes.verify(q)
    result = thread.compose(found, platform, lang, theme_name(db.session.get(Theme, theme), lang))
    for post in result.posts:
        click.echo(post.text)
        if post.alt:
            click.echo(f"[alt text] {post.alt}")
        click.echo(f"({post.length}/{result.platform.limit})\n---")
    for quote_id, why in result.skipped:
        click.echo(f"left out {quote_id}: {why}", err=True)
