"""Source credits: one function says who recorded, published and holds a source, for every output."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from . import languages, sources


def _plain(message: str, **kw) -> str:
    """English: the message itself, with its values filled in."""
    return message % kw if kw else message


def date_text(day: date | None, lang: str = "en") -> str:
    """A date written out in the output's language ("29 November 2016", "29 ноября 2016 г.")."""
    return languages.format_date(day, lang) if day is not None else ""


def _language_name(code: str, lang: str) -> str:
    """A language's name in the output's language ("Russian", "русский", "الروسية")."""
    from babel import Locale

    try:
        return Locale.parse("en_GB" if lang == "en" else lang).languages.get(code, code)
    except (ValueError, LookupError):
        return code


@dataclass(frozen=True)
class Line:
    """One sentence of a full credit, with the address it points to (if any)."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class Credit:
    """Everything an output prints about where a quotation comes from, in one language."""

    slug: str
    title: str
    interviewee: str
    interviewers: tuple[str, ...]
    who: str  # "Leila al-Shami, interviewed by Gabriel Levy and Ilya Matveev"
    cite: str  # "Interview for Open Left, 29 November 2016; LeftEast, 16 December 2016"
    brief: str  # "Interview for Open Left (2016)": beside each passage of a pack
    lines: tuple[Line, ...]  # recorded, each edition, the edition this text is
    url: str  # the address of the cited edition
    lang: str  # the source's language
    recorded: str = ""  # ISO date
    publisher: str = ""  # the cited edition's publisher
    published: str = ""  # its ISO date

    @property
    def full(self) -> str:
        """The whole credit as one paragraph (alt texts, PDF metadata, JSON)."""
        parts = [self.who + ": " + self.title] + [
            line.text + (f": {line.url}" if line.url else "") for line in self.lines]
        return " ".join(p if p.endswith((".", ".’", ".”")) else p + "." for p in parts)

    def as_dict(self) -> dict:
        """Plain data for templates and JSON (lines as mappings, with the full paragraph)."""
        out = asdict(self)
        out["lines"] = [asdict(line) for line in self.lines]
        out["full"] = self.full
        return out


def credit(source, lang: str = "en", gettext=_plain, names=None, *, isolate: bool = False) -> Credit:
    """The credit of a stored source (or its metadata dict) in ``lang``; ``gettext(message, **kw)`` translates
    and ``names(name)`` writes a person's name as that language does ("Лейла аш-Шами"). With ``isolate``
    the publishers' names in the short citation are set apart in Unicode isolates when their direction
    differs from the language's (plain text: alt texts, card lines, metadata), so "Open Left" stays whole.

    The short citation names who the interview was recorded for and when, then the first edition
    that was actually published, with its own date; the full credit lists every edition truthfully
    (an announced edition is said to be announced, the edition our text comes from is named as such).
    """
    meta = dict(getattr(source, "meta", source) or {})
    slug = meta.get("slug") or getattr(source, "slug", "")
    title = meta.get("title") or getattr(source, "title", "")
    interviewee = meta.get("interviewee") or getattr(source, "interviewee", "")
    if not meta.get("editions") and getattr(source, "publisher", None) is not None and "publisher" not in meta:
        meta.update(publisher=source.publisher, published=source.published, url=source.url)
    try:
        editions = sources.editions_from(meta)
    except sources.SourceFormatError:
        editions = ()
    name = names or str
    interviewee = name(interviewee)
    interviewers = tuple(name(n) for n in meta.get("interviewers") or ())
    recorded = sources.parse_date(meta.get("recorded"), "recorded") if meta.get("recorded") else None
    recorded_for = str(meta.get("recorded_for") or "")
    cited = sources.cited_edition(editions)
    # Arabic takes its own comma and semicolon between the parts of a credit.
    comma, semicolon = ("، ", "؛ ") if lang.split("-")[0] == "ar" else (", ", "; ")
    names = gettext(" and ").join(interviewers) if len(interviewers) < 3 else comma.join(interviewers)
    who = interviewee + (comma + gettext("interviewed by %(names)s", names=names) if interviewers else "")

    def when(day):
        """A date in the output's language."""
        return date_text(day, lang)

    def run(name: str) -> str:
        """A publisher's name, isolated in its own direction when asked."""
        return languages.isolate_plain(name, lang) if isolate else name

    if recorded_for:
        cite = gettext("Interview for %(publisher)s", publisher=run(recorded_for))
        brief = cite + (f" ({recorded.year})" if recorded else "")
        cite += f"{comma}{when(recorded)}" if recorded else ""
        if cited is not None and cited.publisher and cited.publisher != recorded_for:
            cite += f"{semicolon}{run(cited.publisher)}" + (f"{comma}{when(cited.date)}" if cited.date else "")
    else:
        publisher = (cited.publisher if cited else "") or title
        cite = gettext("%(publisher)s interview", publisher=run(publisher)) if interviewers else run(publisher)
        day = cited.date if cited else None
        brief = cite + (f" ({day.year})" if day else "")
        cite += f"{comma}{when(day)}" if day else ""

    lines: list[Line] = []
    if recorded:
        announced = next((e for e in editions if e.status == "announced" and e.publisher == recorded_for), None)
        if announced is not None:
            lines.append(Line(gettext("Recorded on %(date)s for %(publisher)s (announced there in %(language)s)",
                                      date=when(recorded), publisher=recorded_for,
                                      language=_language_name(announced.language, lang))))
        elif recorded_for:
            lines.append(Line(gettext("Recorded on %(date)s for %(publisher)s", date=when(recorded),
                                      publisher=recorded_for)))
        else:
            lines.append(Line(gettext("Recorded on %(date)s", date=when(recorded))))
    for e in editions:
        if e.status == "announced" and e.publisher == recorded_for and recorded:
            continue
        if e.status == "announced":
            lines.append(Line(gettext("Announced by %(publisher)s", publisher=e.publisher)))
        elif e.this_text and not e.publisher:
            text = (gettext("Quoted from the edition of %(date)s, which reprints %(reprints)s; it names no publisher",
                            date=when(e.date), reprints=e.reprints) if e.reprints else
                    gettext("Quoted from the edition of %(date)s", date=when(e.date)))
            lines.append(Line(text, e.url))
        elif e.this_text:
            lines.append(Line(gettext("Quoted from %(publisher)s, %(date)s", publisher=e.publisher,
                                      date=when(e.date)) if e.date else
                              gettext("Quoted from %(publisher)s", publisher=e.publisher), e.url))
        elif e.date:
            lines.append(Line(gettext("Published by %(publisher)s, %(date)s", publisher=e.publisher or title,
                                      date=when(e.date)), e.url))
        else:
            lines.append(Line(gettext("Published by %(publisher)s", publisher=e.publisher), e.url))
    return Credit(slug=slug, title=title, interviewee=interviewee, interviewers=interviewers, who=who, cite=cite,
                  brief=brief, lines=tuple(lines), url=cited.url if cited else str(meta.get("url") or ""),
                  lang=str(meta.get("language") or "en"), recorded=recorded.isoformat() if recorded else "",
                  publisher=cited.publisher if cited else "",
                  published=cited.date.isoformat() if cited and cited.date else "")


def catalog_gettext(translations) -> callable:
    """A ``gettext(message, **kw)`` from a message catalogue (``None``: English)."""
    if translations is None:
        return _plain

    def translate(message, **kw):
        """The catalogue's words for ``message``, with its values filled in."""
        return _plain(translations.ugettext(message), **kw)
    return translate
