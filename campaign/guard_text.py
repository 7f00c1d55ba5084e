"""The verbatim guard's refusals in the reader's language: fixed words translated, quoted words kept as they are."""
from __future__ import annotations

import ast
import re

from flask_babel import get_locale, gettext, lazy_gettext as _l
from markupsafe import Markup, escape

# A word or passage the guard quotes, as Python writes a string ('not' or "they're").
Q = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
QQ = rf"{Q}(?: and {Q})*"  # 'not' and 'never'
WHERE = r"#\w*|another turn"


def _p(pattern: str) -> re.Pattern:
    """``{a}`` … in a message pattern become named groups: ``{a:q}`` a quoted word, ``{a:qq}`` quoted words
    joined by "and", ``{a:n}`` a number, ``{a:w}`` a paragraph or "another turn", ``{a}`` any text."""
    kinds = {"q": Q, "qq": QQ, "n": r"\d+", "w": WHERE, "": ".+?"}
    return re.compile(re.sub(r"\\\{(\w+)(?::(\w+))?\\\}", lambda m: f"(?P<{m.group(1)}>{kinds[m.group(2) or '']})",
                             re.escape(pattern)))


# Each message of campaign/verbatim.py, as a pattern, and its wording in the catalogs.
MESSAGES: list[tuple[re.Pattern, object]] = [(_p(pattern), msgid) for pattern, msgid in [
    ("the bracket {a:q} stands alone between elisions: put an editorial bracket next to quoted words",
     _l("the bracket %(a)s stands alone between elisions: put an editorial bracket next to quoted words")),
    ("the quotation marks {a:q} with *emphasis* the source does not have there: remove the asterisks",
     _l("the quotation marks %(a)s with *emphasis* the source does not have there: remove the asterisks")),
    ("the quotation starts just after {a:qq} ({b:q}), which reverses the sense: start it earlier",
     _l("the quotation starts just after %(a)s (%(b)s), which reverses the sense: start it earlier")),
    ("the elision […] after {a:q} leaves out {b:qq} (in {c:q}), which reverses the sense: quote the words or "
     "cut elsewhere",
     _l("the elision […] after %(a)s leaves out %(b)s (in %(c)s), which reverses the sense: quote the words or "
        "cut elsewhere")),
    ("the elision […] after {a:q} leaves out {b:qq}, which reverses the sense: quote the words or cut elsewhere",
     _l("the elision […] after %(a)s leaves out %(b)s, which reverses the sense: quote the words or cut elsewhere")),
    ("the bracket {a:q} adds {b:qq}, which changes the sense: an editorial bracket may not add a negation",
     _l("the bracket %(a)s adds %(b)s, which changes the sense: an editorial bracket may not add a negation")),
    ("the bracket {a:q} stands for {b:q} in the source and leaves out {c:qq}, which reverses the sense: quote the "
     "words instead",
     _l("the bracket %(a)s stands for %(b)s in the source and leaves out %(c)s, which reverses the sense: quote "
        "the words instead")),
    ("the quotation has no words", _l("the quotation has no words")),
    ("an editorial bracket is not closed: elisions are written […], notes [like this]",
     _l("an editorial bracket is not closed: elisions are written […], notes [like this]")),
    ("more than {a:n} elisions: quote a shorter passage instead",
     _l("more than %(a)s elisions: quote a shorter passage instead")),
    ("{a:q} does not speak in this source; speakers are {b}",
     _l("%(a)s does not speak in this source; speakers are %(b)s")),
    ("these words are said by {a} ({b:w}), not by {c}", _l("these words are said by %(a)s (%(b)s), not by %(c)s")),
    ("the words after the elision […] after {a:q} are not in the same turn: {b:q} is said in {c:w} by {d}; an "
     "elision stays within one turn",
     _l("the words after the elision […] after %(a)s are not in the same turn: %(b)s is said in %(c)s by %(d)s; "
        "an elision stays within one turn")),
    ("the words after the elision […] after {a:q} come before it in the source ({b:w}): an elision keeps the "
     "source's order",
     _l("the words after the elision […] after %(a)s come before it in the source (%(b)s): an elision keeps the "
        "source's order")),
    ("not verbatim: the quotation's first word {a:q} does not begin any passage {b} says in the source",
     _l("not verbatim: the quotation's first word %(a)s does not begin any passage %(b)s says in the source")),
    ("not verbatim at word {a:n}: the quotation has {b:q} where the source reads {c:q} (after “…{tail}”)",
     _l("not verbatim at word %(a)s: the quotation has %(b)s where the source reads %(c)s (after %(tail)s)")),
]]
_QUOTED = re.compile(Q)


def _quoted(match: re.Match) -> Markup:
    """One quoted word or passage, unquoted from Python's spelling and set as an isolated left-to-right
    run with its quotation marks inside it (so they stay at the right ends in an Arabic sentence)."""
    return Markup('<bdi dir="ltr">“{}”</bdi>').format(ast.literal_eval(match.group(0)))


def _value(name: str, text: str) -> Markup:
    """A value of the message, as the guard gave it (names and quoted words untranslated)."""
    if name == "tail":  # the source's words before the difference
        return Markup('<bdi dir="ltr">“…{}”</bdi>').format(text)
    if text == "another turn":
        return Markup(escape(gettext("another turn")))
    if _QUOTED.match(text):
        pieces, last = [], 0
        for found in _QUOTED.finditer(text):
            between = text[last:found.start()]
            if between:
                pieces.append(escape(gettext(" and ") if between == " and " else between))
            pieces.append(_quoted(found))
            last = found.end()
        return Markup("").join(pieces)
    return Markup("<bdi>{}</bdi>").format(text)


def translate(message: str) -> str | Markup:
    """The guard's message in the page's language (Markup), or as given: in English, or when it is not
    one of the guard's."""
    if str(get_locale() or "en") == "en":
        return message
    for pattern, msgid in MESSAGES:
        found = pattern.fullmatch(message)
        if found is not None:
            values = {name: _value(name, value) for name, value in found.groupdict().items()}
            return Markup(escape(str(msgid)) if not values else escape(str(msgid)) % values)
    return message
