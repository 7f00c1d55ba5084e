"""A highlighted key phrase: a character range of a verified quotation, never changed words.

Organizers mark the phrase a card or poster sets in the accent colour. It is stored as
``"start-end"`` (character offsets into the quotation's verified text as printed), re-checked
against that text on every render: a range outside the text, one that cuts a word in two, one that
is blank or one that covers the whole quotation is refused.
"""
from __future__ import annotations

import re

RANGE = re.compile(r"^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$")


class HighlightError(ValueError):
    """A highlight that cannot be used; ``field`` is always ``"highlight"``."""

    field = "highlight"

    def __init__(self, message: str):
        self.message = message
        super().__init__(f"highlight: {message}")

    def __reduce__(self):
        return type(self), (self.message,)


def parse(value) -> tuple[int, int] | None:
    """``"12-40"``, ``[12, 40]`` or empty → a (start, end) pair or None; HighlightError for anything else."""
    if value in (None, "", (), []):
        return None
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        start, end = value
    elif isinstance(value, str) and RANGE.match(value):
        start, end = (int(g) for g in RANGE.match(value).groups())
    else:
        raise HighlightError("give the phrase as two character positions, start-end (for example 12-40)")
    if not 0 <= start < end:
        raise HighlightError("the start must come before the end")
    return start, end


def check(text: str, span: tuple[int, int] | None) -> tuple[int, int] | None:
    """Re-verify ``span`` against ``text`` (the quotation as printed); returns it or raises HighlightError."""
    if span is None:
        return None
    start, end = span
    if end > len(text):
        raise HighlightError(f"the phrase ends at {end}, past the end of the quotation ({len(text)} characters)")
    phrase = text[start:end]
    if not phrase.strip():
        raise HighlightError("the phrase is blank")
    if phrase.strip() == text.strip():
        raise HighlightError("the phrase is the whole quotation; mark a part of it")
    if (start > 0 and text[start - 1].isalnum() and text[start].isalnum()) or \
            (end < len(text) and text[end - 1].isalnum() and text[end].isalnum()):
        raise HighlightError(f"the phrase cuts a word in two: “{phrase}”")
    return start, end


def find(text: str, phrase: str) -> tuple[int, int]:
    """The range of ``phrase`` in ``text`` (first occurrence); HighlightError when it is not there verbatim."""
    phrase = phrase.strip()
    at = text.find(phrase) if phrase else -1
    if at < 0:
        raise HighlightError("the phrase is not in the quotation word for word")
    return check(text, (at, at + len(phrase)))


def split(text: str, span: tuple[int, int] | None) -> tuple[str, str, str]:
    """(before, phrase, after) for templates; the whole text as ``before`` when there is no highlight."""
    if span is None:
        return text, "", ""
    start, end = check(text, span)
    return text[:start], text[start:end], text[end:]


def as_value(span: tuple[int, int] | None) -> str:
    """The stored form, ``"start-end"`` ("" for none)."""
    return f"{span[0]}-{span[1]}" if span else ""
