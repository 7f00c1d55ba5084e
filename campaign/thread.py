"""Threads for social platforms: quotations as numbered posts that each fit the platform's limit.

Each platform counts a post its own way, and :func:`length` counts as it does:

- Mastodon: 500 characters, counted as grapheme clusters; every web address counts as 23.
- Bluesky: 300 grapheme clusters (Unicode extended grapheme clusters), addresses counted in full.
- X: 280 weighted characters (twitter-text v3): code points in the Latin, Cyrillic, Arabic, general
  punctuation ranges weigh 1, every other code point (CJK, emoji, the ellipsis “…”) weighs 2; text
  is NFC-normalised first; every web address counts as 23.

A quotation is never cut mid-sentence: it goes whole into one post, or is split only where the
library marks an elision ``[…]`` (each part ends or starts with the mark). One that cannot fit
even so is left out and named in :attr:`Thread.skipped`. Every post carries the credit.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import regex

from . import languages
from .localized import ELISION, Localized, gettext_for, localize


def N_(message: str) -> str:
    """Mark a label for translation; pages translate it when they show it."""
    return message


@dataclass(frozen=True)
class Platform:
    """A platform's post limit and how it counts."""

    name: str
    label: str
    limit: int
    unit: str  # "graphemes" or "weighted"
    url_length: int | None  # what a web address counts as (None: its own length)


PLATFORMS: dict[str, Platform] = {p.name: p for p in (
    Platform("mastodon", "Mastodon", 500, "graphemes", 23),
    Platform("bluesky", "Bluesky", 300, "graphemes", None),
    Platform("x", "X", 280, "weighted", 23),
)}
DEFAULT_PLATFORM = "mastodon"

URL = re.compile(r"https?://[^\s<>\"]+")
# twitter-text v3: ranges that weigh 1 (of scale 100 → weight 100); everything else weighs 2.
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def _weighted(text: str) -> int:
    total = 0
    for ch in unicodedata.normalize("NFC", text):
        code = ord(ch)
        total += 1 if any(low <= code <= high for low, high in _LIGHT) else 2
    return total


def length(text: str, platform: Platform | str) -> int:
    """How long ``text`` is as ``platform`` counts it."""
    p = PLATFORMS[platform] if isinstance(platform, str) else platform
    count = _graphemes if p.unit == "graphemes" else _weighted
    total, pos = 0, 0
    for match in URL.finditer(text):
        total += count(text[pos:match.start()])
        total += p.url_length if p.url_length is not None else count(match.group())
        pos = match.end()
    return total + count(text[pos:])


def fits(text: str, platform: Platform | str) -> bool:
    """Whether ``text`` is within the platform's limit."""
    p = PLATFORMS[platform] if isinstance(platform, str) else platform
    return length(text, p) <= p.limit


# -- splitting a quotation at its marked elisions ----------------------------------------------

def segments(text: str) -> list[str]:
    """The runs of a quotation between its elision marks (the marks themselves left out)."""
    return [s.strip() for s in text.split(ELISION) if s.strip()]


def split(text: str, fits_part) -> list[str] | None:
    """The fewest parts (greedy, in order) each passing ``fits_part(part)``, cut only at ``[…]``; None if impossible.

    A quotation that starts or ends with an elision keeps that mark in its first or last part.
    """
    runs = segments(text)
    if not runs:
        return None
    lead = text.strip().startswith(ELISION)
    tail = text.strip().endswith(ELISION)
    parts: list[list[str]] = []
    i = 0
    while i < len(runs):
        j = i + 1
        if not fits_part(_part(runs, i, j, lead, tail)):
            return None
        while j < len(runs) and fits_part(_part(runs, i, j + 1, lead, tail)):
            j += 1
        parts.append(runs[i:j])
        i = j
    out, start = [], 0
    for chunk in parts:
        out.append(_part(runs, start, start + len(chunk), lead, tail))
        start += len(chunk)
    return out


def _part(runs: list[str], i: int, j: int, lead: bool, tail: bool) -> str:
    body = f" {ELISION} ".join(runs[i:j])
    if i > 0 or lead:
        body = f"{ELISION} {body}"
    if j < len(runs) or tail:
        body = f"{body} {ELISION}"
    return body


# -- the thread --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Post:
    """One post: its text (numbered), its length as the platform counts, and the alt text of its card."""

    text: str
    length: int
    quote: str = ""  # the quotation id it carries ("" for the opening post)
    alt: str = ""  # the card's alt text to paste with the image (first part of a quotation only)
    part: int = 0  # 1, 2 … when a quotation is split at its elisions; 0 when whole


@dataclass(frozen=True)
class Thread:
    """The posts of a thread for one platform, and the quotations that could not fit."""

    platform: Platform
    posts: tuple[Post, ...]
    skipped: tuple[tuple[str, str], ...] = field(default=())  # (quotation id, why)


def _credit_line(item: Localized) -> str:
    return f"— {languages.join([item.speaker, item.brief], item.lang)}"


def quoted(part: str, lang: str) -> str:
    """A part in the language's quotation marks."""
    if lang in ("ru", "ar"):
        return f"«{part}»"
    return f"“{part}”"


def build(items: list[Localized], platform: str, opening: str = "", gettext=None) -> Thread:
    """A thread: an optional opening post, then each quotation (or its parts) with the credit, numbered "1/7".

    ``opening`` is the first post's text (for example the theme and the source's address). The
    numbering is reserved before the posts are cut, so no post grows past the limit when numbered.
    """
    gettext = gettext or (lambda message, **kw: message % kw if kw else message)
    p = PLATFORMS[platform]
    reserve = len("99/99\n")
    budget = p.limit - reserve
    bodies: list[tuple[str, str, str, int]] = []  # (text, quote id, alt, part)
    skipped = []
    if opening:
        if length(opening, p) > budget:
            raise ValueError("the opening post is longer than the platform allows")
        bodies.append((opening, "", "", 0))
    for item in items:
        credit = _credit_line(item)

        def body(part: str) -> str:
            return f"{quoted(part, item.lang)}\n{credit}"

        parts = split(item.text, lambda part: length(body(part), p) <= budget)
        if parts is None:
            why = (gettext("too long for one %(platform)s post (%(limit)d) even split at its marked elisions […]",
                           platform=p.label, limit=p.limit) if ELISION in item.text else
                   gettext("too long for one %(platform)s post (%(limit)d) and it has no marked elision […] "
                           "where it may be cut", platform=p.label, limit=p.limit))
            skipped.append((item.id, why))
            continue
        for n, part in enumerate(parts, start=1):
            bodies.append((body(part), item.id, item.alt if n == 1 else "", n if len(parts) > 1 else 0))
    total = len(bodies)
    posts = []
    for index, (text, quote, alt, part) in enumerate(bodies, start=1):
        numbered = f"{index}/{total}\n{text}" if total > 1 else text
        posts.append(Post(numbered, length(numbered, p), quote, alt, part))
    return Thread(p, tuple(posts), tuple(skipped))


def compose(found: list, platform: str, lang: str, title: str = "") -> Thread:
    """The thread of these quotations (fetched re-verified) in ``lang``, opening with the title and the source."""
    items = [localize(q, lang) for q in found]
    gettext = gettext_for(lang)
    opening = ""
    if items:
        first = items[0]
        opening = (gettext("%(title)s: %(who)s, %(cite)s", title=title, who=first.who, cite=first.cite)
                   if title else f"{first.who}, {first.cite}")
        if first.source_url:
            opening += f"\n{first.source_url}"
        if length(opening, platform) > PLATFORMS[platform].limit - len("99/99\n"):
            opening = first.source_url
    return build(items, platform, opening, gettext)
