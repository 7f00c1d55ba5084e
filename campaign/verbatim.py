"""The verbatim guard: a quotation must be word for word what its speaker said, and keep its sense.

Allowed differences are typographic only: curly vs straight quotes and apostrophes, runs of white space,
leaving out the source's own ``*emphasis*`` markers (an asterisk where the source has none is refused).
Words, punctuation inside the quote and the speaker of the turn must match. Editorial marks:

- ``[…]`` (or ``[...]``) is an elision; the words either side start and end on word boundaries of the
  source, in order, within one turn. The words it leaves out may not hold a negation (not, n't, no, never,
  nothing, nobody, none, neither, nor, nowhere, without, cannot, hardly), nor may a quotation start just
  after a negation of its clause: a cut must never reverse what was said.
- any other ``[text]`` is the source's own bracket, an insertion or a marked replacement. Between two quoted
  words it stands for exactly the source words between them: none (``he [Trump] obviously``) or one to
  four (``I think [Trump] is going`` for "he"). At the start, or just after ``[…]``, it stands for the
  source words before the next quoted word back to the start of their clause, at most four
  (``[Russia] is intervening`` for "It is intervening"). At the end it adds (``Raqqqa [sic]``).
  Neither a bracket nor the words it replaces may hold a negation.

:func:`explain` gives a verified quotation as :class:`Part` objects: what each mark stands for.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .sources import ParsedSource

ELLIPSIS = "…"
TYPOGRAPHIC = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "ʼ": "'",
                             "“": '"', "”": '"', "„": '"', "″": '"'})
STAR = "*"
TOKEN = re.compile(r"\[[^\]\n]*\]|[^\s\[]+")
ELISION = re.compile(r"\[\s*(?:…|\.\.\.)\s*\]")
NEGATION = re.compile(r"(?<![\w'-])(?:not|no|never|nothing|nobody|none|neither|nor|nowhere|noone|without|"
                      r"cannot|hardly|\w*n't)(?![\w'-])", re.IGNORECASE)
# A source word that closes a clause: a replacement at the start of a quotation reaches back no further.
CLAUSE_END = re.compile(r"[.!?;:,][\"')\]]*$|^[-–—]+$")
MAX_ELISIONS = 12
MAX_REPLACED_WORDS = 4
MAX_PLACEMENTS = 60


class NotVerbatim(ValueError):
    """A quotation differs from its source; the message shows the first word that differs."""

    def __init__(self, message: str, word: str | None = None, position: int | None = None):
        self.word = word
        self.position = position
        super().__init__(message)


class ChangesSense(NotVerbatim):
    """The words are the speaker's, but a cut or a bracket would reverse their sense (a negation left out
    or added), or asterisks would add emphasis the speaker did not give."""


@dataclass(frozen=True)
class Part:
    """One piece of a verified quotation and the source words it stands for.

    ``kind`` is ``text`` (quoted words, or the source's own bracket), ``elision`` (``[…]``: ``source``
    holds the words it leaves out, empty at the very start or end of a quotation), ``insertion`` (a
    bracket that replaces nothing) or ``replacement`` (a bracket standing for the words in
    ``source``). ``text`` is as the quotation writes it; ``start``/``end`` are offsets of ``source``
    in the original text (equal when it is empty); ``spaced``: white space before it in the quotation.
    """

    kind: str
    text: str
    source: str
    start: int
    end: int
    spaced: bool = True


@dataclass(frozen=True)
class Match:
    """Where a verified quotation stands in the original text, and what each of its parts stands for."""

    speaker: str
    anchor: str
    start: int
    end: int
    turn: int
    parts: tuple[Part, ...] = ()


def normalise(text: str) -> str:
    """The comparison form of a quotation: typographic marks unified, white space collapsed."""
    text = text.translate(TYPOGRAPHIC).replace(STAR, "").replace("\u00a0", " ")
    text = ELISION.sub("[…]", text)
    return re.sub(r"\s+", " ", text).strip()


def canonical(text: str) -> str:
    """How a quotation is stored: white space collapsed and elisions written ``[…]``."""
    return re.sub(r"\s+", " ", ELISION.sub("[…]", text.replace("\u00a0", " "))).strip()


def negations(text: str) -> list[str]:
    """The negating words in ``text`` (not, n't, no, never, …), each once, in order."""
    return list(dict.fromkeys(m.group(0) for m in NEGATION.finditer(text.translate(TYPOGRAPHIC))))


def _normalised_with_map(original: str, spans) -> tuple[str, list[int], frozenset[int]]:
    """Normalise the text of ``spans``; keep, per output character, its offset in ``original``,
    and the places (between output characters) where an asterisk stood."""
    out: list[str] = []
    where: list[int] = []
    stars: set[int] = set()
    pending_space = False
    for index, (start, end) in enumerate(spans):
        if index:
            pending_space = True
        for pos in range(start, end):
            ch = original[pos]
            if ch.isspace():
                pending_space = True
                continue
            if ch == STAR:  # after a space it marks the next word: count the space the next word brings
                stars.add(len(out) + (1 if pending_space and out else 0))
                continue
            if pending_space and out:
                out.append(" ")
                where.append(pos)
            pending_space = False
            out.append(ch.translate(TYPOGRAPHIC))
            where.append(pos)
    return "".join(out), where, frozenset(stars)


# -- the quotation ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Token:
    text: str
    spaced: bool  # white space before it
    start: int  # offsets in the compared form of the quotation
    end: int

    @property
    def kind(self) -> str:
        """elision, bracket or word."""
        return "elision" if self.text == "[…]" else "bracket" if self.text.startswith("[") else "word"


@dataclass(frozen=True)
class _Quote:
    written: str  # as stored
    text: str  # compared form: typographic marks unified, no asterisks
    where: list  # per character of ``text``, its offset in ``written``
    stars: frozenset  # where the quotation has an asterisk (places in ``text``)
    tokens: tuple

    def written_span(self, start: int, end: int) -> str:
        """The quotation as written for ``text[start:end]``, with any asterisks around it."""
        a, b = self.where[start], self.where[end - 1] + 1
        while a > 0 and self.written[a - 1] == STAR:
            a -= 1
        while b < len(self.written) and self.written[b] == STAR:
            b += 1
        return self.written[a:b]


def _prepare(quote: str) -> _Quote:
    """A quotation in compared form, split into words, brackets and elisions."""
    written = canonical(quote)
    text, where, stars = _normalised_with_map(written, [(0, len(written))])
    tokens, prev_end = [], 0
    for m in TOKEN.finditer(text):
        tokens.append(_Token(m.group(0), m.start() > prev_end, m.start(), m.end()))
        prev_end = m.end()
    return _Quote(written, text, where, stars, tuple(tokens))


@dataclass(frozen=True)
class _Segment:
    """A run of a quotation between elisions, as one regular expression with a group per slot."""

    regex: re.Pattern
    tokens: tuple
    slots: tuple  # (kind: run|lead|mid|trail, group name, first token, last token)
    elided: tuple  # the elision tokens just before it


def _segment(tokens: tuple, elided: tuple) -> _Segment:
    """The regular expression for one run of a quotation between elisions, with a named group per slot."""
    words = [i for i, t in enumerate(tokens) if t.kind == "word"]
    if not words:
        raise NotVerbatim(f"the bracket {tokens[0].text!r} stands alone between elisions: put an editorial "
                          "bracket next to quoted words", word=tokens[0].text)
    first, last = words[0], words[-1]
    pattern: list[str] = []
    slots: list[tuple] = []
    i = 0
    while i < len(tokens):
        tok, name = tokens[i], f"g{i}"
        if tok.kind == "word":
            j = i
            while j + 1 < len(tokens) and tokens[j + 1].kind == "word":
                j += 1
            if i == first:  # the first word starts on a word boundary of the source
                lead = r"\b" if re.match(r"\w", tok.text) else ""
            else:
                lead = " " if tok.spaced else ""
            body = "".join((" " if k > i and tokens[k].spaced else "") + re.escape(tokens[k].text)
                           for k in range(i, j + 1))
            pattern.append(f"{lead}(?P<{name}>{body})")
            if j == last and re.search(r"\w$", tokens[j].text):
                pattern.append(r"\b")
            slots.append(("run", name, i, j))
            i = j + 1
            continue
        own = re.escape(tok.text)
        if i < first:  # the source's own bracket, else read after the match (see _bracket)
            pattern.append(f"(?P<{name}>{own}{' ' if tokens[i + 1].spaced else ''})?")
            slots.append(("lead", name, i, i))
        elif i > last:  # the source's own bracket, else an insertion
            pattern.append(f"(?P<{name}>{' ' if tok.spaced else ''}{own})?")
            slots.append(("trail", name, i, i))
        else:  # the source's own bracket, an insertion, or a replacement of one to four words
            alternatives = [f"(?P<{name}>{' ' if tok.spaced else ''}{own})", f"(?P<{name}i>)"]
            if tok.spaced and tokens[i + 1].spaced:
                alternatives.append(f" (?P<{name}r>[^ ]+(?: [^ ]+){{0,{MAX_REPLACED_WORDS - 1}}}?)")
            pattern.append("(?:" + "|".join(alternatives) + ")")
            slots.append(("mid", name, i, i))
        i += 1
    return _Segment(re.compile("".join(pattern)), tokens, tuple(slots), elided)


def _plan(tokens: tuple) -> tuple[list[_Segment], tuple]:
    """The segments of a quotation (or of its first tokens), and the elisions after the last one."""
    segments, current, elided = [], [], []
    for tok in tokens:
        if tok.kind == "elision":
            if current:
                segments.append(_segment(tuple(current), tuple(elided)))
                current, elided = [], []
            elided.append(tok)
        else:
            current.append(tok)
    if current:
        segments.append(_segment(tuple(current), tuple(elided)))
        elided = []
    return segments, tuple(elided)


# -- the source --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _TurnText:
    turn: object
    text: str  # compared form of the whole turn
    where: list  # per character, its offset in the original
    stars: frozenset


_TURN_CACHE: dict[tuple, list] = {}


def _turn_texts(source: ParsedSource) -> list[_TurnText]:
    """Each turn's compared text with its map back to the original (computed once per source)."""
    key = (source.text, tuple(sorted(source.speakers.items())))
    if key not in _TURN_CACHE:
        if len(_TURN_CACHE) > 16:
            _TURN_CACHE.clear()
        out = []
        for turn in source.turns:
            spans = [span for p in turn.paragraphs for span in p.spans]
            out.append(_TurnText(turn, *_normalised_with_map(source.text, spans)))
        _TURN_CACHE[key] = out
    return _TURN_CACHE[key]


def _place(segments: list[_Segment], text: str, pos: int = 0) -> list[re.Match] | None:
    """Each segment at its earliest place after the one before, then each pulled as close as it can to
    the next one, so an elision leaves out as little as possible.

    The earliest placement never rules out a later segment, so this finds a match whenever one exists,
    in linear passes (no backtracking across elisions).
    """
    found = []
    for segment in segments:
        m = segment.regex.search(text, pos)
        if m is None:
            return None
        found.append(m)
        pos = m.end()
    for k in range(len(found) - 2, -1, -1):
        limit = found[k + 1].start()
        for p in range(limit - 1, found[k].start(), -1):
            m = segments[k].regex.match(text, p)
            if m is not None and p < m.end() <= limit:
                found[k] = m
                break
    return found


def _placements(segments: list[_Segment], text: str):
    """Every distinct placement, by where the first segment starts."""
    pos = 0
    while True:
        found = _place(segments, text, pos)
        if found is None:
            return
        yield found
        pos = found[0].start() + 1


# -- reading a placement ---------------------------------------------------------------------

def _shown(original: str, turn: _TurnText, a: int, b: int) -> str:
    """The source's words for ``turn.text[a:b]`` in their original typography (asterisks dropped)."""
    return "".join(" " if turn.text[k] == " " else original[turn.where[k]] for k in range(a, b)).strip()


def _offsets(turn: _TurnText, a: int, b: int) -> tuple[int, int]:
    """Offsets in the original of ``turn.text[a:b]`` without the spaces around it."""
    while a < b and turn.text[a] == " ":
        a += 1
    while b > a and turn.text[b - 1] == " ":
        b -= 1
    if a < b:
        return turn.where[a], turn.where[b - 1] + 1
    at = turn.where[a] if a < len(turn.where) else turn.where[-1] + 1
    return at, at


def _clause_before(text: str, floor: int, at: int) -> int:
    """Where the clause holding ``text[at]`` starts, no earlier than ``floor`` nor MAX_REPLACED_WORDS words back."""
    start, words = at, 0
    while start > floor and words < MAX_REPLACED_WORDS:
        space = text.rfind(" ", floor, start - 1)
        word_start = max(space + 1, floor) if space >= 0 else floor
        if CLAUSE_END.search(text[word_start:start].strip()):
            break
        start, words = word_start, words + 1
    return start


def _quoted(words: str, n: int = 3) -> str:
    """The last ``n`` words, to say in a message where in the quotation something is."""
    return " ".join(words.split()[-n:])


def _named(found: list[str]) -> str:
    """Words for a message: 'not' and 'never'."""
    return " and ".join(repr(w) for w in found)


def _read(quote: _Quote, segments: list[_Segment], trailing: tuple, found: list[re.Match],
          turn: _TurnText, original: str) -> tuple[tuple[Part, ...], int, int]:
    """The parts of one placement, checked for sense; raises :class:`ChangesSense`."""
    parts: list[Part] = []
    covered: set[int] = set()  # the quotation's asterisks that the source has too
    previous_end, previous_words = 0, ""
    first_start = 0
    for k, (segment, m) in enumerate(zip(segments, found)):
        pieces: list[Part] = []
        begin = m.start()
        for kind, name, i, j in segment.slots:
            tokens = segment.tokens
            if kind == "run":
                a, b = m.span(name)
                covered |= _check_emphasis(quote, tokens[i:j + 1], a, turn)
                pieces.append(Part("text", quote.written_span(tokens[i].start, tokens[j].end),
                                   _shown(original, turn, a, b), *_offsets(turn, a, b), tokens[i].spaced))
            elif m.group(name) is not None:  # the source has this very bracket
                a, b = m.span(name)
                pieces.append(Part("text", tokens[i].text, _shown(original, turn, a, b), *_offsets(turn, a, b),
                                   tokens[i].spaced))
            else:
                part, at = _bracket(segment, kind, name, i, m, found[k - 1].end() if k else 0, turn, original)
                pieces.append(part)
                begin = min(begin, at)
        if k == 0:
            first_start = begin
            if segment.slots[0][0] == "run":
                _check_start(segment, begin, turn, original)
        for tok in segment.elided:
            if k and tok is segment.elided[-1]:
                parts.append(_elision(tok, previous_words, previous_end, begin, turn, original))
            else:  # at the very start, or one of several in a row: nothing of its own to show
                parts.append(Part("elision", tok.text, "", *_offsets(turn, begin, begin), tok.spaced))
        parts.extend(pieces)
        previous_end = m.end()
        previous_words = " ".join(t.text for t in segment.tokens if t.kind == "word")
    for tok in trailing:
        parts.append(Part("elision", tok.text, "", *_offsets(turn, previous_end, previous_end), tok.spaced))
    stray = sorted(quote.stars - covered)
    if stray:
        word = next((t.text for t in quote.tokens if t.start <= stray[0] <= t.end), STAR)
        raise ChangesSense(f"the quotation marks {word!r} with *emphasis* the source does not have there: "
                           "remove the asterisks", word=word)
    return tuple(parts), first_start, found[-1].end()


def _check_emphasis(quote: _Quote, run: tuple, at: int, turn: _TurnText) -> set[int]:
    """Each asterisk of a run of quoted words must stand where the source has one; returns those checked."""
    q0, q1 = run[0].start, run[-1].end
    checked = set()
    for star in quote.stars:
        if q0 <= star <= q1:
            if at + star - q0 not in turn.stars:
                word = next(t.text for t in run if t.start <= star <= t.end)
                raise ChangesSense(f"the quotation marks {word!r} with *emphasis* the source does not have there: "
                                   "remove the asterisks", word=word)
            checked.add(star)
    return checked


def _bracket(segment: _Segment, kind: str, name: str, i: int, m: re.Match, floor: int, turn: _TurnText,
             original: str) -> tuple[Part, int]:
    """An editorial bracket as an insertion or a replacement (see the module's rules), checked for negations;
    with where the source words it stands for begin."""
    tok, tokens, text = segment.tokens[i], segment.tokens, turn.text
    replaced = None
    if kind == "mid" and name + "r" in m.re.groupindex and m.group(name + "r") is not None:
        replaced = m.span(name + "r")
    elif kind == "lead" and tokens[i + 1].kind == "word" and tokens[i + 1].spaced:
        at = m.start(next(s[1] for s in segment.slots if s[2] == i + 1))
        clause = _clause_before(text, floor, at)
        if clause < at and text[at - 1] == " ":
            replaced = (clause, at - 1)  # the words, without the space before the next one
    _check_bracket(tok.text, text[replaced[0]:replaced[1]] if replaced else "")
    if replaced:
        return Part("replacement", tok.text, _shown(original, turn, *replaced), *_offsets(turn, *replaced),
                    tok.spaced), replaced[0]
    at = m.start(name + "i") if kind == "mid" else (m.end() if kind == "trail" else m.start())
    return Part("insertion", tok.text, "", *_offsets(turn, at, at), tok.spaced), at


def _check_start(segment: _Segment, begin: int, turn: _TurnText, original: str) -> None:
    """A quotation may not start just after a negation of its own clause ("[don't] know whether…")."""
    clause = _clause_before(turn.text, 0, begin)
    lost = negations(turn.text[clause:begin])
    if lost:
        raise ChangesSense(f"the quotation starts just after {_named(lost)} "
                           f"({_shown(original, turn, clause, begin)!r}), which reverses the sense: start it earlier",
                           word=segment.tokens[0].text)


def _elision(tok: _Token, before: str, a: int, b: int, turn: _TurnText, original: str) -> Part:
    """An elision between two runs with the words it leaves out; refused when they hold a negation."""
    omitted = _shown(original, turn, a, b)
    lost = negations(omitted)
    if lost:
        shown = f" (in {omitted!r})" if omitted != lost[0] and len(omitted.split()) <= 8 else ""
        raise ChangesSense(f"the elision […] after {_quoted(before)!r} leaves out {_named(lost)}{shown}, which "
                           "reverses the sense: quote the words or cut elsewhere", word=tok.text)
    return Part("elision", tok.text, omitted, *_offsets(turn, a, b), tok.spaced)


def _check_bracket(bracket: str, replaced: str | None) -> None:
    """A bracket may not add a negation, nor replace words that hold one."""
    added = negations(bracket)
    if added:
        raise ChangesSense(f"the bracket {bracket!r} adds {_named(added)}, which changes the sense: an editorial "
                            "bracket may not add a negation", word=bracket)
    lost = negations(replaced or "")
    if lost:
        raise ChangesSense(f"the bracket {bracket!r} stands for {replaced!r} in the source and leaves out "
                            f"{_named(lost)}, which reverses the sense: quote the words instead", word=bracket)


# -- verifying ---------------------------------------------------------------------------------

def _find(segments: list[_Segment], source: ParsedSource, speaker: str | None):
    """The first placement in a turn of ``speaker`` (anyone's if None), sense unchecked."""
    for turn in _turn_texts(source):
        if speaker is not None and turn.turn.speaker != speaker:
            continue
        found = _place(segments, turn.text)
        if found:
            return turn, found
    return None


def _readings(quote: _Quote, segments: list[_Segment], trailing: tuple, source: ParsedSource, speaker: str,
              refusals: list):
    """Placements in the speaker's turns that keep the sense, as (words replaced, turn, parts, begin, end).

    Stops at the first that replaces no words; otherwise the caller takes the one replacing fewest,
    since a bracket that can stand for one word should not be read as standing for four. At most
    MAX_PLACEMENTS placements are read, so a quotation built to have thousands costs little.
    """
    budget = MAX_PLACEMENTS
    for turn in _turn_texts(source):
        if turn.turn.speaker != speaker:
            continue
        for found in _placements(segments, turn.text):
            budget -= 1
            if budget < 0:
                return
            try:
                parts, begin, end = _read(quote, segments, trailing, found, turn, source.text)
            except ChangesSense as exc:
                refusals.append(exc)
                continue
            cost = sum(len(p.source.split()) for p in parts if p.kind == "replacement")
            yield cost, turn, parts, begin, end
            if cost == 0:
                return


def verify(quote: str, speaker: str, source: ParsedSource) -> Match:
    """Check ``quote`` is verbatim from ``speaker`` in ``source`` and keeps its sense; raise
    :class:`NotVerbatim` (:class:`ChangesSense` for a cut or bracket that turns the sense) if not."""
    prepared = _prepare(quote)
    tokens = prepared.tokens
    if not any(t.kind == "word" for t in tokens):
        raise NotVerbatim("the quotation has no words")
    if prepared.text.count("[") != prepared.text.count("]"):
        raise NotVerbatim("an editorial bracket is not closed: elisions are written […], notes [like this]")
    if sum(1 for t in tokens if t.kind == "elision") > MAX_ELISIONS:
        raise NotVerbatim(f"more than {MAX_ELISIONS} elisions: quote a shorter passage instead")
    segments, trailing = _plan(tokens)
    refusals: list[ChangesSense] = []
    best = min(_readings(prepared, segments, trailing, source, speaker, refusals), default=None,
               key=lambda reading: reading[0])
    if best is not None:
        _cost, turn, parts, begin, end = best
        start, end = turn.where[begin], turn.where[end - 1] + 1
        para = source.paragraph_at(start)
        return Match(speaker=turn.turn.speaker, anchor=para.anchor if para else "", start=start, end=end,
                     turn=turn.turn.index, parts=parts)
    if refusals:
        raise refusals[0]
    if speaker not in source.speakers.values():
        raise NotVerbatim(f"{speaker!r} does not speak in this source; speakers are "
                          f"{', '.join(sorted(source.speakers.values()))}")
    other = _find(segments, source, None)
    if other:
        turn, found = other
        para = source.paragraph_at(turn.where[found[0].start()])
        raise NotVerbatim(f"these words are said by {turn.turn.speaker} (#{para.anchor if para else ''}), "
                          f"not by {speaker}")
    raise _across_turns(segments, source, speaker) or _first_difference(tokens, source, speaker)


def explain(quote: str, speaker: str, source: ParsedSource) -> tuple[Part, ...]:
    """The quotation as parts: quoted words, each elision with the words it leaves out, each bracket
    with the words it replaces (none for an insertion). Raises :class:`NotVerbatim` like :func:`verify`."""
    return verify(quote, speaker, source).parts


def _across_turns(segments: list[_Segment], source: ParsedSource, speaker: str) -> NotVerbatim | None:
    """When the words before an elision are the speaker's and those after it are in another turn, say so."""
    for j in range(len(segments) - 1, 0, -1):
        head = _find(segments[:j], source, speaker)
        if head is None:
            continue
        turn, found = head
        after = segments[j]
        before = " ".join(t.text for t in segments[j - 1].tokens if t.kind == "word")
        words = " ".join(t.text for t in after.tokens)
        for other in _turn_texts(source):
            m = after.regex.search(other.text)
            if m is None:
                continue
            para = source.paragraph_at(other.where[m.start()])
            where = f"#{para.anchor}" if para else "another turn"
            if other.turn.index != turn.turn.index:
                return NotVerbatim(
                    f"the words after the elision […] after {_quoted(before)!r} are not in the same turn: "
                    f"{_quoted(words, 6)!r} is said in {where} by {other.turn.speaker}; an elision stays within "
                    f"one turn", word=after.tokens[0].text)
            return NotVerbatim(f"the words after the elision […] after {_quoted(before)!r} come before it in the "
                               f"source ({where}): an elision keeps the source's order", word=after.tokens[0].text)
        return None
    return None


def _first_difference(tokens: tuple, source: ParsedSource, speaker: str) -> NotVerbatim:
    """Find the longest prefix that matches and name the word where the quotation departs."""
    words = [i for i, t in enumerate(tokens) if t.kind == "word"]
    lo, hi = 0, len(words)  # words[:lo] match; words[:hi+1] do not
    best = None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        found = _find(_plan(tokens[:words[mid - 1] + 1])[0], source, speaker)
        if found:
            lo, best = mid, found
        else:
            hi = mid - 1
    bad = tokens[words[lo]].text if lo < len(words) else tokens[-1].text
    if lo == 0 or best is None:
        return NotVerbatim(f"not verbatim: the quotation's first word {bad!r} does not begin any passage "
                           f"{speaker} says in the source", word=bad, position=1)
    turn, found = best
    text, end = turn.text, found[-1].end()
    start = end
    if 0 < start < len(text) and text[start - 1] != " " and text[start] != " ":
        start = text.rfind(" ", 0, start) + 1  # the match ends inside a source word: show all of it
    after = text[start:].lstrip()
    source_word = after.split(" ", 1)[0] if after else "(end of turn)"
    context = " ".join(text[:end].split(" ")[-4:])
    return NotVerbatim(f"not verbatim at word {lo + 1}: the quotation has {bad!r} where the source reads "
                       f"{source_word!r} (after “…{context}”)", word=bad, position=lo + 1)
