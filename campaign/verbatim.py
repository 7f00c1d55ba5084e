"""The verbatim guard: a quotation must be word for word what its speaker said in the source.

Allowed differences are typographic only: curly vs straight quotes and apostrophes,
runs of white space, and the source's ``*emphasis*`` markers. Everything else must
match: words, punctuation inside the quote, and the speaker of the turn it comes from.

Editorial marks in a quotation:

- ``[…]`` (or ``[...]``) is an elision; the words on either side must each start and end
  on a word boundary of the source, in order, within one turn;
- any other ``[text]`` is an editorial insertion: either the source has the same bracket
  (the source has its own bracketed glosses) or it inserts without replacing anything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .sources import ParsedSource

ELLIPSIS = "…"
TYPOGRAPHIC = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "ʼ": "'",
                             "“": '"', "”": '"', "„": '"', "″": '"', "*": None})
TOKEN = re.compile(r"\[[^\]\n]*\]|[^\s\[]+")
ELISION = re.compile(r"\[\s*(?:…|\.\.\.)\s*\]")


class NotVerbatim(ValueError):
    """A quotation differs from its source; the message shows the first word that differs."""

    def __init__(self, message: str, word: str | None = None, position: int | None = None):
        self.word = word
        self.position = position
        super().__init__(message)


@dataclass(frozen=True)
class Match:
    """Where a verified quotation stands in the original text."""

    speaker: str
    anchor: str
    start: int
    end: int
    turn: int


def normalise(text: str) -> str:
    """The comparison form of a quotation: typographic marks unified, white space collapsed."""
    text = text.translate(TYPOGRAPHIC).replace("\u00a0", " ")
    text = ELISION.sub("[…]", text)
    return re.sub(r"\s+", " ", text).strip()


def canonical(text: str) -> str:
    """How a quotation is stored: white space collapsed and elisions written ``[…]``."""
    return re.sub(r"\s+", " ", ELISION.sub("[…]", text.replace("\u00a0", " "))).strip()


def _normalised_with_map(original: str, spans) -> tuple[str, list[int]]:
    """Normalise the text of ``spans`` and keep, per output character, its offset in ``original``."""
    out: list[str] = []
    where: list[int] = []
    pending_space = False
    for index, (start, end) in enumerate(spans):
        if index:
            pending_space = True
        for pos in range(start, end):
            ch = original[pos]
            if ch.isspace():
                pending_space = True
                continue
            mapped = ch.translate(TYPOGRAPHIC)
            if not mapped:
                continue
            if pending_space and out:
                out.append(" ")
                where.append(pos)
            pending_space = False
            out.append(mapped)
            where.append(pos)
    return "".join(out), where


@dataclass(frozen=True)
class _Tokens:
    items: tuple[tuple[str, bool], ...]  # (token, preceded by white space)

    @property
    def words(self) -> list[int]:
        """Indexes of tokens that are words (not editorial brackets)."""
        return [i for i, (tok, _) in enumerate(self.items) if not tok.startswith("[")]


def _tokens(quote: str) -> _Tokens:
    items = []
    prev_end = 0
    for m in TOKEN.finditer(quote):
        items.append((m.group(0), m.start() > prev_end))
        prev_end = m.end()
    return _Tokens(tuple(items))


def _segments(tokens: _Tokens, upto: int | None = None) -> list[str]:
    """Regular expressions for the runs of a (prefix of a) quotation between its elisions.

    Runs are matched one after another, each at its earliest place after the one before:
    the earliest placement never rules out a later run, so this finds a match whenever one
    exists, in linear passes (no backtracking across elisions).
    """
    items = tokens.items[:upto]
    segments: list[str] = []
    parts: list[str] = []
    word_before = False  # a word has been placed
    gap_before = True  # at the start or after an elision: the next word starts on a word boundary
    for i, (tok, spaced) in enumerate(items):
        if tok == "[…]":
            if parts:
                segments.append("".join(parts))
            parts = []
            gap_before = True
            continue
        if tok.startswith("["):
            # An editorial note: the source's own bracket, or an insertion that replaces nothing.
            lead = " " if spaced and word_before and not gap_before else ""
            parts.append(f"(?:{lead}{re.escape(tok)})?")
            continue
        if gap_before or not word_before:
            lead = r"\b" if re.match(r"\w", tok) else ""
        else:
            lead = " " if spaced else ""
        parts.append(lead + re.escape(tok))
        following = items[i + 1][0] if i + 1 < len(items) else "[…]"
        if following == "[…]" and re.search(r"\w$", tok):
            parts.append(r"\b")
        word_before, gap_before = True, False
    if parts:
        segments.append("".join(parts))
    return segments


def _compile(tokens: _Tokens, upto: int | None = None) -> list[re.Pattern]:
    return [re.compile(p) for p in _segments(tokens, upto)]


_TURN_CACHE: dict[tuple, list] = {}


def _turn_texts(source: ParsedSource) -> list:
    """Each turn's normalised text with its map back to the original (computed once per source)."""
    key = (source.text, tuple(sorted(source.speakers.items())))
    if key not in _TURN_CACHE:
        if len(_TURN_CACHE) > 16:
            _TURN_CACHE.clear()
        out = []
        for turn in source.turns:
            spans = [span for p in turn.paragraphs for span in p.spans]
            text, where = _normalised_with_map(source.text, spans)
            out.append((turn, text, where))
        _TURN_CACHE[key] = out
    return _TURN_CACHE[key]


@dataclass(frozen=True)
class _Found:
    turn: object
    start: int
    end: int
    text: str
    where: list


def _match_in(segments: list[re.Pattern], text: str) -> tuple[int, int] | None:
    pos, first = 0, None
    for regex in segments:
        m = regex.search(text, pos)
        if m is None:
            return None
        if first is None:
            first = m.start()
        pos = m.end()
    return (first, pos) if first is not None and pos > first else None


def _search(segments: list[re.Pattern], source: ParsedSource, speaker: str | None) -> _Found | None:
    for turn, text, where in _turn_texts(source):
        if speaker is not None and turn.speaker != speaker:
            continue
        found = _match_in(segments, text)
        if found:
            return _Found(turn, found[0], found[1], text, where)
    return None


MAX_ELISIONS = 12


def verify(quote: str, speaker: str, source: ParsedSource) -> Match:
    """Check ``quote`` is verbatim from ``speaker`` in ``source``; raise :class:`NotVerbatim` if not."""
    norm = normalise(quote)
    tokens = _tokens(norm)
    if not tokens.words:
        raise NotVerbatim("the quotation has no words")
    if norm.count("[") != norm.count("]"):
        raise NotVerbatim("an editorial bracket is not closed: elisions are written […], notes [like this]")
    if sum(1 for tok, _ in tokens.items if tok == "[…]") > MAX_ELISIONS:
        raise NotVerbatim(f"more than {MAX_ELISIONS} elisions: quote a shorter passage instead")
    segments = _compile(tokens)
    found = _search(segments, source, speaker)
    if found:
        start, end = found.where[found.start], found.where[found.end - 1] + 1
        para = source.paragraph_at(start)
        return Match(speaker=found.turn.speaker, anchor=para.anchor if para else "", start=start, end=end,
                     turn=found.turn.index)
    if speaker not in source.speakers.values():
        raise NotVerbatim(f"{speaker!r} does not speak in this source; speakers are "
                          f"{', '.join(sorted(source.speakers.values()))}")
    other = _search(segments, source, None)
    if other:
        para = source.paragraph_at(other.where[other.start])
        raise NotVerbatim(f"these words are said by {other.turn.speaker} (#{para.anchor if para else ''}), "
                          f"not by {speaker}")
    raise _first_difference(tokens, source, speaker)


def _first_difference(tokens: _Tokens, source: ParsedSource, speaker: str) -> NotVerbatim:
    """Find the longest prefix that matches and name the word where the quotation departs."""
    words = tokens.words
    lo, hi = 0, len(words)  # words[:lo] match; words[:hi+1] do not
    best = None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        found = _search(_compile(tokens, words[mid - 1] + 1), source, speaker)
        if found:
            lo, best = mid, found
        else:
            hi = mid - 1
    bad = tokens.items[words[lo]][0] if lo < len(words) else tokens.items[-1][0]
    if lo == 0 or best is None:
        return NotVerbatim(f"not verbatim: the quotation's first word {bad!r} does not begin any passage "
                           f"{speaker} says in the source", word=bad, position=1)
    text = best.text
    start = best.end
    if 0 < start < len(text) and text[start - 1] != " " and text[start] != " ":
        start = text.rfind(" ", 0, start) + 1  # the match ends inside a source word: show all of it
    after = text[start:].lstrip()
    source_word = after.split(" ", 1)[0] if after else "(end of turn)"
    context = " ".join(text[:best.end].split(" ")[-4:])
    return NotVerbatim(f"not verbatim at word {lo + 1}: the quotation has {bad!r} where the source reads "
                       f"{source_word!r} (after “…{context}”)", word=bad, position=lo + 1)
