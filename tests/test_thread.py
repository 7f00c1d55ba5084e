"""Threads: every post within its platform's limit as that platform counts, quotations cut only at […]."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from campaign import quotes, thread
from campaign.localized import ELISION, plain

ROOT = Path(__file__).resolve().parent.parent
THEMES = [t["id"] for t in yaml.safe_load((ROOT / "library" / "themes.yaml").read_text(encoding="utf-8"))]
PLATFORMS = list(thread.PLATFORMS)


def test_counting_follows_each_platform():
    assert thread.length("e\u0301" * 10, "bluesky") == 10  # graphemes, not code points
    assert thread.length("👍🏽" * 3, "mastodon") == 3
    assert thread.length("a" * 10 + " https://example.org/" + "x" * 200, "x") == 10 + 1 + 23
    assert thread.length("https://example.org/" + "x" * 200, "mastodon") == 23
    assert thread.length("https://example.org/abc", "bluesky") == len("https://example.org/abc")
    assert thread.length("«Привет» “quote” — ok", "x") == len("«Привет» “quote” — ok")
    assert thread.length("…", "x") == 2 and thread.length("[…]", "x") == 4  # the ellipsis weighs 2 on X
    assert thread.length("中文", "x") == 4 and thread.length("مرحبا", "x") == 5


def test_split_only_at_marked_elisions():
    text = "First run here. […] Second run there. […] Third run."
    parts = thread.split(text, lambda p: len(p) <= 30)
    assert parts == ["First run here. […]", "[…] Second run there. […]", "[…] Third run."]
    assert thread.split(text, lambda p: len(p) <= 10) is None
    assert thread.split("No elision in this one at all.", lambda p: len(p) <= 10) is None
    assert thread.split(text, lambda p: True) == [text]


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("theme", THEMES)
def test_every_post_of_every_theme_fits(app, theme, platform):
    with app.app_context():
        found = quotes.search(theme=theme)
        for q in found:
            quotes.verify(q)
        texts = {q.id: plain(q.text) for q in found}
        result = thread.compose(found, platform, "en", theme)
    limit = thread.PLATFORMS[platform].limit
    assert result.posts
    total = len(result.posts)
    for n, post in enumerate(result.posts, start=1):
        assert thread.length(post.text, platform) == post.length <= limit, post.text
        if total > 1:
            assert post.text.startswith(f"{n}/{total}\n")
        if post.quote:
            assert "— Leila al-Shami" in post.text or "— " in post.text.splitlines()[-1]
    shown = {q for q in (p.quote for p in result.posts) if q}
    skipped = {q for q, _why in result.skipped}
    assert shown | skipped == set(texts) and not shown & skipped
    for quote_id in shown:
        parts = [p for p in result.posts if p.quote == quote_id]
        assert parts[0].alt  # the card's alt text to paste with the first post of it
        words = [p.text.split("\n")[1 if total > 1 else 0][1:-1] for p in parts]
        if len(parts) == 1:
            assert words[0] == texts[quote_id]
            continue
        # cut only at marked elisions: each inner end carries the mark, and together they are the quotation
        assert all(w.endswith(ELISION) for w in words[:-1]) and all(w.startswith(ELISION) for w in words[1:])
        rebuilt = " ".join(w.removeprefix(ELISION).removesuffix(ELISION).strip() for w in words)
        assert " ".join(rebuilt.split()) == " ".join(texts[quote_id].replace(ELISION, " ").split())


def test_a_long_quotation_with_an_elision_is_split_there(app):
    with app.app_context():
        q = quotes.get_verified("a-third-option")
        result = thread.compose([q], "mastodon", "en")
    parts = [p for p in result.posts if p.quote == "a-third-option"]
    assert len(parts) == 2 and parts[0].text.split("\n")[1].endswith("[…]”")


def test_thread_page_shows_posts_to_copy(signed_in):
    organizer = signed_in("organizer")
    page = organizer.get("/thread?theme=aleppo-siege&platform=x")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="post-1"' in html and "/ 280)" in html and "js/cards.js" in html
    assert "Left out" in html  # X's 280 cannot hold the long quotations of this theme
    assert organizer.get("/thread?platform=x").status_code == 422


def test_thread_command(runner):
    result = runner.invoke(args=["thread", "aleppo-siege", "--platform", "mastodon"])
    assert result.exit_code == 0, result.output
    assert "1/" in result.output and "[alt text]" in result.output
    bad = runner.invoke(args=["thread", "no-such-theme"])
    assert bad.exit_code == 1 and "unknown theme" in bad.output


def test_thread_link_from_a_quotation_page(signed_in):
    page = signed_in("organizer").get("/thread?quotes=open-air-prison")
    assert page.status_code == 200 and "So they are effectively in an open-air prison." in page.get_data(as_text=True)
