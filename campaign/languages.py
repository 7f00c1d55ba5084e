"""Language facts in one place: codes, names, direction, dates, digits, lists and typography per language."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Language:
    """One language the outputs and the interface are written in."""

    code: str
    native: str  # its own name for itself, as a language menu shows it
    english: str  # its English name, for messages addressed to organizers on the command line
    dir: str = "ltr"
    locale: str = ""  # the Babel locale for dates (the code when empty)

    @property
    def babel_locale(self) -> str:
        return self.locale or self.code


# The languages Handbill's interface and outputs are made in.
LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "English"),
    "ru": Language("ru", "Русский", "Russian"),
    "ar": Language("ar", "العربية", "Arabic", dir="rtl"),
}
CODES = tuple(LANGUAGES)
# Every right-to-left language a study group or a source may be in (not only the interface's).
RTL = frozenset({"ar", "he", "fa", "ur", "ps", "yi", "ckb", "sd", "ug", "dv"})
# Languages a study group may meet in, by their own names.
NATIVE_NAMES: dict[str, str] = {
    **{c: lang.native for c, lang in LANGUAGES.items()},
    "uk": "Українська", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano", "tr": "Türkçe",
    "fa": "فارسی", "ku": "Kurdî", "pl": "Polski", "pt": "Português", "nl": "Nederlands", "ka": "ქართული",
    "be": "Беларуская", "kk": "Қазақша", "he": "עברית",
}
DIGIT_SETTINGS = ("western", "arabic-indic")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def base(lang: str | None) -> str:
    """``ar`` for ``ar``, ``ar-EG`` or ``ar_EG``."""
    return re.split("[-_]", lang or "en")[0].lower()


def direction(lang: str | None) -> str:
    """``rtl`` for a right-to-left language, else ``ltr``."""
    return "rtl" if base(lang) in RTL else "ltr"


def native_name(code: str) -> str:
    """A language's own name ("Русский"), or its code when unknown."""
    return NATIVE_NAMES.get(code, code)


def english_name(code: str) -> str:
    """A language's English name ("Russian"), or its code when unknown."""
    found = LANGUAGES.get(base(code))
    return found.english if found else code


def choices(codes=CODES) -> list[tuple[str, str]]:
    """``(code, native name)`` pairs for a language menu."""
    return [(c, native_name(c)) for c in codes]


# -- digits, dates and lists ------------------------------------------------------------------

def digit_setting() -> str:
    """The ``ARABIC_DIGITS`` setting of the running app ("western" outside one)."""
    try:
        from flask import current_app

        return current_app.config.get("ARABIC_DIGITS", "western")
    except RuntimeError:  # no app context: CLI helpers and plain-data tests
        return "western"


def digits(text: str, lang: str, setting: str | None = None) -> str:
    """Write the digits of Arabic text as ``ARABIC_DIGITS`` says (Western 0-9 by default)."""
    if base(lang) != "ar":
        return text
    if (setting or digit_setting()) == "arabic-indic":
        return text.translate(ARABIC_INDIC)
    return text


# Babel patterns by style. English keeps the house style ("29 November 2016", "Tue 2026-12-01");
# other languages take their own CLDR forms through skeletons.
_EN = {"long": "d MMMM y", "short": "y-MM-dd", "day": "y-MM-dd", "weekday": "EEE y-MM-dd", "weekday_time": "EEE y-MM-dd, HH:mm",
       "time": "HH:mm", "datetime": "y-MM-dd HH:mm"}
# CLDR has no date-and-time skeletons, so the time is written after the date's own skeleton.
_SKELETONS = {"weekday": "yMMMEd", "weekday_time": "yMMMEd", "datetime": "yMMMd"}


def format_date(value: date | datetime, lang: str, style: str = "long", *, setting: str | None = None) -> str:
    """A date (or date and time) written in ``lang``: styles long, short, day, weekday, weekday_time, time, datetime.

    English keeps ISO days for ``day`` and ``short`` (as organizers' tables read best); Russian and Arabic
    use their CLDR forms. Arabic digits follow ``ARABIC_DIGITS``."""
    from babel.dates import format_date as babel_date, format_datetime, format_skeleton, format_time

    code = base(lang)
    locale = LANGUAGES[code].babel_locale if code in LANGUAGES else code
    if code == "en":
        text = format_datetime(value, _EN[style], locale="en") if isinstance(value, datetime) else \
            babel_date(value, _EN[style], locale="en")
    elif style == "time":
        text = format_time(value, "HH:mm", locale=locale)
    elif style in ("long", "day"):
        text = babel_date(value, "long", locale=locale)
    elif style == "short":
        text = babel_date(value, "short", locale=locale)
    else:
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        text = format_skeleton(_SKELETONS[style], moment, locale=locale)
        if style in ("weekday_time", "datetime"):
            text += ", " if code != "ar" else "، "
            text += format_time(moment, "HH:mm", locale=locale)
    return digits(text, code, setting)


LIST_SEPARATORS = {"ar": "، ", "fa": "، ", "ur": "، "}


def separator(lang: str) -> str:
    """The comma that separates the parts of an attribution: ``، `` in Arabic, ``, `` elsewhere."""
    return LIST_SEPARATORS.get(base(lang), ", ")


def join(items, lang: str) -> str:
    """Join the non-empty parts of an attribution with the language's comma."""
    return separator(lang).join(str(i) for i in items if i)


# -- direction of a piece of text -------------------------------------------------------------

_STRONG_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_STRONG_LTR = re.compile("[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u052f]")


def text_direction(text: str, default: str = "") -> str:
    """``rtl`` or ``ltr`` by the text's first strong character (as ``dir="auto"`` does); ``default`` if none."""
    for char in text or "":
        if _STRONG_RTL.match(char):
            return "rtl"
        if _STRONG_LTR.match(char):
            return "ltr"
    return default


# -- Russian typography -----------------------------------------------------------------------

# A one- or two-letter word at a line's end reads as a stray: it is tied to the next word.
_SHORT_WORD = re.compile(r"(?<![\w\-])([А-Яа-яЁё]{1,2}) (?=\S)")


def tie_short_words(text: str) -> str:
    """Russian text with a no-break space after each one- and two-letter word ("и", "в", "не", "на")."""
    return _SHORT_WORD.sub("\\1\u00a0", text)


def typeset(text, lang: str):
    """Text ready for print in ``lang`` (Russian: short words tied); Markup stays Markup."""
    if base(lang) != "ru" or not text:
        return text
    if isinstance(text, Markup):
        return Markup(tie_short_words(str(text)))
    return tie_short_words(str(text))


# Addresses keep their straight apostrophes: a reader types them as printed.
_URL_TOKEN = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+|\S+\.[a-z]{2,}/\S*", re.I)
_TAG_OR_ENTITY = re.compile(r"(<[^>]*>|&#?\w+;)")
# A straight quote opening a word (after a space or bracket, before a letter) opens; any other closes.
_OPENING = re.compile(r"(?:(?<=^)|(?<=[\s(\[«“‘—–-]))'(?=[^\W\d_])")


def _curly(text: str, opening: bool = True) -> str:
    def piece(part: str) -> str:
        return (_OPENING.sub("\u2018", part) if opening else part).replace("'", "\u2019")

    out, last = [], 0
    for match in _URL_TOKEN.finditer(text):
        out += [piece(text[last:match.start()]), match.group(0)]
        last = match.end()
    out.append(piece(text[last:]))
    return "".join(out)


def curly_apostrophes(text, opening: bool = True):
    """Straight single quotes as typographic ones: apostrophes ’, opening ‘ (addresses left alone).

    The verbatim guard compares quotations with typographic marks unified, so a quotation may be
    printed this way too. Markup keeps its tags and entities untouched. ``opening=False`` for a run
    cut out of a longer text ("Russia" + "'s war"), whose start is not the start of a word."""
    if not text or "'" not in str(text) and "&#39;" not in str(text):
        return text
    if isinstance(text, Markup):
        pieces = _TAG_OR_ENTITY.split(str(text))
        return Markup("".join("\u2019" if p == "&#39;" else p if i % 2 else _curly(p, opening)
                              for i, p in enumerate(pieces)))
    return _curly(str(text), opening)


def keep_last_words(text, limit: int = 24):
    """Display text whose last line never holds one word alone: the last two words of each paragraph
    are joined by a no-break space (unless they are together longer than ``limit`` characters, which
    could then not wrap at all). Markup stays Markup."""
    if not text:
        return text

    def join(para: str) -> str:
        head, sep, last = para.rstrip().rpartition(" ")
        if not sep or not head.strip():
            return para
        before = head.rsplit(" ", 1)[-1]
        if len(before) + len(last) + 1 > limit or "<" in last or ">" in before:
            return para
        return head + "\u00a0" + last

    joined = "\n".join(join(p) for p in str(text).split("\n"))
    return Markup(joined) if isinstance(text, Markup) else joined


_HYPHENATED = re.compile(r"[^\W_]+(?:[-‐][^\W_]+)+")


def display(text):
    """Display type (headlines, titles, poster quotations): no one-word last line (:func:`keep_last_words`)
    and no line break at the hyphen of a compound ("open-air" stays whole), as escaped Markup."""
    if not text:
        return text
    if text_direction(str(text)) != "rtl":
        # Right-to-left lines keep their ordinary spaces: a no-break space between the last two Arabic
        # words makes PDF readers give the line back in visual (reversed) order.
        text = keep_last_words(text)
    pieces = _TAG_OR_ENTITY.split(str(text if isinstance(text, Markup) else escape(text)))
    wrap = lambda m: f'<span class="compound">{m.group(0)}</span>'  # noqa: E731 - one use
    return Markup("".join(p if i % 2 else _HYPHENATED.sub(wrap, p) for i, p in enumerate(pieces)))


def print_typeset(text, lang: str):
    """Organizer text and quotations ready for print: curly apostrophes, then ``lang``'s own rules."""
    return typeset(curly_apostrophes(text), lang)


def isolate_plain(text: str, lang: str) -> str:
    """Plain text (alt text, PDF metadata) isolated in its own direction when it differs from ``lang``'s.

    Uses the Unicode isolates (LRI or RLI … PDI), which a browser, a screen reader and Pango all honour.
    """
    own = text_direction(text, direction(lang))
    if not text or own == direction(lang):
        return text
    return ("\u2066" if own == "ltr" else "\u2067") + text + "\u2069"


def isolate_text(text):
    """For print: a run set apart in the direction of its first strong character, as ``<span dir>``.

    The PDF renderer ignores ``<bdi>`` and ``unicode-bidi: isolate``, and resolves the Unicode isolate
    controls line by line, so an English title wrapped in an Arabic line would lose its closing
    quotation mark to the wrong end; an element with ``dir`` keeps the run whole across lines.
    """
    if not text:
        return text
    return Markup('<span dir="{}">{}</span>').format(text_direction(str(text), "ltr"), escape(text))


_RTL_CHARS = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_LTR_CHARS = "A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u052f"
# A run of the other direction: from its first strong letter to its last, with none of the line's own between.
_RUNS = {"rtl": re.compile(f"[{_LTR_CHARS}](?:[^{_RTL_CHARS}]*[{_LTR_CHARS}])?"),
         "ltr": re.compile(f"[{_RTL_CHARS}](?:[^{_LTR_CHARS}]*[{_RTL_CHARS}])?")}


def isolate_runs(text):
    """For print: a sentence set in its own direction, each run of the other direction inside it (an
    English publisher in an Arabic line) its own ``<span dir>``, so no punctuation drifts across it."""
    if not text:
        return text
    own = text_direction(str(text), "ltr")
    other = "ltr" if own == "rtl" else "rtl"
    parts, at = [], 0
    for found in _RUNS[own].finditer(str(text)):
        parts.append(escape(str(text)[at:found.start()]))
        parts.append(Markup('<span dir="{}">{}</span>').format(other, found.group()))
        at = found.end()
    parts.append(escape(str(text)[at:]))
    return Markup('<span dir="{}">{}</span>').format(own, Markup("").join(parts))


def isolate(text, lang: str | None = None) -> Markup:
    """An escaped run isolated from the text around it (``<bdi>``): in ``lang``'s direction, or, without
    one, in the direction of its own first strong character (user text of unknown language)."""
    if lang is None:
        return Markup("<bdi>{}</bdi>").format(escape(text))
    return Markup('<bdi lang="{}" dir="{}">{}</bdi>').format(lang, direction(lang), escape(text))


# The filters print templates use (the print renderer's own Jinja environment): pure, no app needed.
PRINT_FILTERS = {"typeset": print_typeset, "keep_last_words": keep_last_words, "display": display,
                 "curly": curly_apostrophes, "text_dir": text_direction, "isolate": isolate, "separator": separator,
                 "isolate_text": isolate_text, "isolate_runs": isolate_runs}


def init_app(app):
    """Template helpers: ``|date_in(lang, style)``, ``|typeset(lang)``, ``|text_dir``, ``|isolate``."""
    app.config.setdefault("ARABIC_DIGITS", "western")
    if app.config["ARABIC_DIGITS"] not in DIGIT_SETTINGS:
        raise RuntimeError(f"ARABIC_DIGITS must be one of {', '.join(DIGIT_SETTINGS)}, "
                           f"not {app.config['ARABIC_DIGITS']!r}")
    app.add_template_filter(format_date, "date_in")
    app.add_template_filter(typeset)
    app.add_template_filter(text_direction, "text_dir")
    app.add_template_filter(isolate)
    app.add_template_filter(separator)
