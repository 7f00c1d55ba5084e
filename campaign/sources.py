"""Source texts: parse an interview transcript into speakers, turns and anchored paragraphs.

The stored original is never changed. The parsed view repairs extraction artefacts
(paragraphs split at former page breaks, empty link residue in the byline) and keeps,
for every paragraph, the character spans of the original it was built from, so any
paragraph or quotation maps back to exact characters of the original.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

Span = tuple[int, int]

# "Gabriel Levy (G): text" declares an initial; "G: text" uses one.
DECLARED_TURN = re.compile(r"(?P<name>[^\s():][^():\n]{0,78}?) \((?P<initial>[A-Z]{1,3})\):\s+")
SHORT_TURN = re.compile(r"(?P<initial>[A-Z]{1,3}):\s+")
EMPTY_TURN = re.compile(r"(?:[^():\n]{1,79} \()?[A-Z]{1,3}\)?:\s*$")
TRAILER = re.compile(r"P\.\s?S\.?")
LINK_RESIDUE = re.compile(r"\[([^\]\n]+)\]\(#?\)")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class SourceFormatError(ValueError):
    """A source text or its metadata cannot be parsed; names the line or field."""

    def __init__(self, message: str, line: int | None = None, field_name: str | None = None):
        self.line = line
        self.field_name = field_name
        where = f"line {line}: " if line else (f"{field_name}: " if field_name else "")
        super().__init__(f"{where}{message}")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the parsed view, with the spans of the original it comes from."""

    number: int
    speaker: str
    initial: str
    turn: int
    text: str
    spans: tuple[Span, ...]
    line: int
    repaired: bool = False

    @property
    def anchor(self) -> str:
        return f"p{self.number}"

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


@dataclass(frozen=True)
class Turn:
    """Consecutive paragraphs spoken by one person."""

    index: int
    speaker: str
    initial: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class ParsedSource:
    """A transcript as structured data: front matter, turns, paragraphs, trailer."""

    text: str
    title: str
    byline: str
    front_matter: tuple[str, ...]
    speakers: dict[str, str]
    turns: tuple[Turn, ...]
    trailer: tuple[str, ...]
    repairs: tuple[int, ...] = field(default=())

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [p for t in self.turns for p in t.paragraphs]

    def paragraph(self, anchor: str) -> Paragraph | None:
        for p in self.paragraphs:
            if p.anchor == anchor:
                return p
        return None

    def paragraph_at(self, offset: int) -> Paragraph | None:
        """The paragraph whose original spans contain this character offset."""
        for p in self.paragraphs:
            if p.start <= offset < p.end:
                return p
        return None


def _blocks(text: str):
    """Yield (first line number, [(start, end) of each stripped line]) for blank-line separated blocks."""
    block: list[Span] = []
    first = 0
    pos = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        body = line.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            if not block:
                first = number
            block.append((pos + lead, pos + lead + len(stripped)))
        elif block:
            yield first, block
            block = []
        pos += len(line)
    if block:
        yield first, block


def _join(text: str, spans) -> str:
    return " ".join(text[s:e] for s, e in spans)


def clean_residue(line: str) -> str:
    """Remove empty link residue such as ``[AL-SHAMI Leila](#)`` from a display line."""
    return LINK_RESIDUE.sub(r"\1", line)


def parse(text: str, speakers: dict[str, str] | None = None) -> ParsedSource:
    """Parse a transcript whose turns start with a speaker initial (``L: …``).

    ``speakers`` maps initials to full names; a turn written ``Full Name (X): …``
    declares one in the text itself. Raises :class:`SourceFormatError` naming the line.
    """
    if not text.strip():
        raise SourceFormatError("the source text is empty", line=1)
    if "\x00" in text:
        raise SourceFormatError("the source contains a NUL byte: is it a text file?", line=text[: text.index("\x00")].count("\n") + 1)
    names = dict(speakers or {})
    front: list[str] = []
    trailer: list[str] = []
    turns: list[dict] = []
    repairs: list[int] = []
    in_trailer = False
    for line_no, spans in _blocks(text):
        joined = _join(text, spans)
        if in_trailer:
            trailer.append(joined)
            continue
        if turns and TRAILER.fullmatch(joined):
            in_trailer = True
            trailer.append(joined)
            continue
        start = spans[0][0]
        declared = DECLARED_TURN.match(joined)
        short = SHORT_TURN.match(joined)
        if declared and len(declared.group("initial")) <= 3:
            initial, name = declared.group("initial"), declared.group("name").strip()
            known = names.get(initial)
            if known and known != name:
                raise SourceFormatError(
                    f"initial {initial!r} is declared as {name!r} but already means {known!r}", line=line_no)
            names[initial] = name
            prefix = declared.end()
        elif short:
            initial = short.group("initial")
            if initial not in names:
                raise SourceFormatError(
                    f"unknown speaker initial {initial!r}: declare it at first use as "
                    f"'Full Name ({initial}): …' or in the metadata's speakers", line=line_no)
            prefix = short.end()
        elif EMPTY_TURN.fullmatch(joined):
            raise SourceFormatError(f"turn {joined!r} has no text", line=line_no)
        else:
            prefix = None
        if prefix is not None:
            body_spans = _spans_after(text, spans, start + prefix)
            turns.append({"initial": initial, "speaker": names[initial], "paras": [[line_no, body_spans, False]]})
            continue
        if not turns:
            front.append(joined)
            continue
        paras = turns[-1]["paras"]
        if joined[:1].islower():
            # A paragraph cut in two at a former page break: the second half starts lower-case.
            paras[-1][1] = paras[-1][1] + spans
            paras[-1][2] = True
            repairs.append(line_no)
        else:
            paras.append([line_no, spans, False])
    if not turns:
        raise SourceFormatError(
            "no speaker turns found: each turn must start with the speaker's initial, e.g. 'L: …' "
            "(declare it once as 'Full Name (L): …')", line=1)
    built: list[Turn] = []
    number = 0
    for index, t in enumerate(turns, start=1):
        paragraphs = []
        for line_no, spans, repaired in t["paras"]:
            number += 1
            paragraphs.append(Paragraph(number=number, speaker=t["speaker"], initial=t["initial"], turn=index,
                                        text=_join(text, spans), spans=tuple(spans), line=line_no,
                                        repaired=repaired))
        built.append(Turn(index=index, speaker=t["speaker"], initial=t["initial"], paragraphs=tuple(paragraphs)))
    title = front[0] if front else ""
    byline = clean_residue(front[1]) if len(front) > 1 else ""
    return ParsedSource(text=text, title=title, byline=byline,
                        front_matter=tuple(clean_residue(f) for f in front[2:]), speakers=names,
                        turns=tuple(built), trailer=tuple(trailer), repairs=tuple(repairs))


def _spans_after(text: str, spans: list[Span], cut: int) -> list[Span]:
    """Drop the characters before ``cut`` (the speaker prefix) from a block's spans."""
    out = []
    for s, e in spans:
        if e <= cut:
            continue
        s = max(s, cut)
        while s < e and text[s].isspace():
            s += 1
        if s < e:
            out.append((s, e))
    return out


@lru_cache(maxsize=32)
def parse_cached(text: str, speakers: tuple[tuple[str, str], ...] = ()) -> ParsedSource:
    """Parse once per distinct text; sources are immutable once stored."""
    return parse(text, dict(speakers))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- metadata -----------------------------------------------------------------

META_FIELDS = ("slug", "title", "interviewee", "interviewers", "published", "edition", "url", "publisher",
               "also_published", "speakers", "language", "recorded", "recorded_for", "editions")
EDITION_FIELDS = ("publisher", "date", "url", "language", "status", "this_text", "reprints", "note")
EDITION_STATUSES = ("published", "announced")


@dataclass(frozen=True)
class Edition:
    """One appearance of a source: who published it (or announced it), when, where, in which language.

    ``this_text`` marks the edition the stored text was taken from; ``status: announced`` an edition
    the source only says is coming (so it has no date or address we could cite).
    """

    publisher: str = ""
    date: date | None = None
    url: str = ""
    language: str = "en"
    status: str = "published"
    this_text: bool = False
    reprints: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        """The edition as stored in ``Source.meta``."""
        return {"publisher": self.publisher, "date": self.date.isoformat() if self.date else None, "url": self.url,
                "language": self.language, "status": self.status, "this_text": self.this_text,
                "reprints": self.reprints, "note": self.note}


@dataclass(frozen=True)
class SourceMeta:
    """What a source is: who speaks, who asked, when it was recorded, and each edition it appeared in.

    ``publisher``, ``published`` and ``url`` are the edition a citation points to (the first
    published edition with a publisher); they are derived from ``editions`` when those are given.
    """

    slug: str
    title: str
    interviewee: str
    interviewers: tuple[str, ...] = ()
    publisher: str = ""
    published: date | None = None
    edition: date | None = None
    url: str = ""
    also_published: tuple[dict, ...] = ()
    speakers: dict[str, str] = field(default_factory=dict)
    language: str = "en"
    recorded: date | None = None
    recorded_for: str = ""
    editions: tuple[Edition, ...] = ()

    def as_dict(self) -> dict:
        return {"slug": self.slug, "title": self.title, "interviewee": self.interviewee,
                "interviewers": list(self.interviewers), "publisher": self.publisher,
                "published": self.published.isoformat() if self.published else None,
                "edition": self.edition.isoformat() if self.edition else None,
                "url": self.url, "also_published": [dict(a) for a in self.also_published],
                "speakers": dict(self.speakers), "language": self.language,
                "recorded": self.recorded.isoformat() if self.recorded else None,
                "recorded_for": self.recorded_for, "editions": [e.as_dict() for e in self.editions]}


def parse_date(value, name: str) -> date | None:
    """A date written YYYY-MM-DD (or already a date), None when empty, or an error naming the field."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SourceFormatError(f"{value!r} is not a date (YYYY-MM-DD)", field_name=name) from None


def _url(value, name: str) -> str:
    """An address (http or https), or an error naming the field."""
    url = str(value or "").strip()
    if url and not re.match(r"https?://", url):
        raise SourceFormatError("must start with http:// or https://", field_name=name)
    return url


def editions_from(data: dict) -> tuple[Edition, ...]:
    """The editions of a source: as listed, or built from the older publisher/published/also_published fields."""
    listed = data.get("editions")
    if listed is None:
        out = []
        if data.get("publisher") or data.get("published") or data.get("url"):
            out.append(Edition(publisher=str(data.get("publisher") or "").strip(),
                               date=parse_date(data.get("published"), "published"), url=_url(data.get("url"), "url")))
        for i, a in enumerate(data.get("also_published") or []):
            out.append(Edition(publisher=str(a.get("publisher") or "").strip(),
                               date=parse_date(a.get("date"), f"also_published[{i}].date"),
                               url=_url(a.get("url"), f"also_published[{i}].url")))
        if data.get("edition"):
            out.append(Edition(date=parse_date(data.get("edition"), "edition"), this_text=True))
        return tuple(out)
    if not isinstance(listed, list) or not all(isinstance(e, dict) for e in listed):
        raise SourceFormatError("must be a list of {publisher, date, url, language, status, this_text, reprints, "
                                "note}", field_name="editions")
    out = []
    for i, e in enumerate(listed):
        where = f"editions[{i}]"
        unknown = sorted(set(e) - set(EDITION_FIELDS))
        if unknown:
            raise SourceFormatError(f"unknown field(s) {', '.join(unknown)}; expected some of "
                                    f"{', '.join(EDITION_FIELDS)}", field_name=f"{where}.{unknown[0]}")
        status = str(e.get("status") or "published")
        if status not in EDITION_STATUSES:
            raise SourceFormatError(f"must be one of {', '.join(EDITION_STATUSES)}", field_name=f"{where}.status")
        edition = Edition(publisher=str(e.get("publisher") or "").strip(), date=parse_date(e.get("date"), f"{where}.date"),
                          url=_url(e.get("url"), f"{where}.url"), language=str(e.get("language") or "en"),
                          status=status, this_text=bool(e.get("this_text")),
                          reprints=str(e.get("reprints") or "").strip(), note=str(e.get("note") or "").strip())
        if status == "announced" and (edition.date or edition.url):
            raise SourceFormatError("an announced edition has no date or address yet; list it as published "
                                    "once it has appeared", field_name=f"{where}.status")
        if not (edition.publisher or edition.date):
            raise SourceFormatError("needs a publisher or a date", field_name=where)
        out.append(edition)
    if sum(e.this_text for e in out) > 1:
        raise SourceFormatError("only one edition can be the one this text comes from", field_name="editions")
    return tuple(out)


def cited_edition(editions) -> Edition | None:
    """The edition a short citation names: the first published one with a publisher (else the first)."""
    published = [e for e in editions if e.status == "published"]
    return next((e for e in published if e.publisher), published[0] if published else None)


def meta_from_dict(data: dict) -> SourceMeta:
    """Validate source metadata (from YAML, a form or CLI options)."""
    if not isinstance(data, dict):
        raise SourceFormatError("metadata must be a mapping of field: value", field_name="metadata")
    unknown = sorted(set(data) - set(META_FIELDS))
    if unknown:
        raise SourceFormatError(f"unknown field(s) {', '.join(unknown)}; expected some of {', '.join(META_FIELDS)}",
                                field_name=unknown[0])
    slug = str(data.get("slug") or "").strip()
    if not SLUG.fullmatch(slug):
        raise SourceFormatError("must be lower-case letters, digits and hyphens, e.g. 'al-shami-2016'",
                                field_name="slug")
    for required in ("title", "interviewee"):
        if not str(data.get(required) or "").strip():
            raise SourceFormatError("is required", field_name=required)
    interviewers = data.get("interviewers") or []
    if isinstance(interviewers, str):
        interviewers = [n.strip() for n in interviewers.split(",") if n.strip()]
    speakers = data.get("speakers") or {}
    if not isinstance(speakers, dict) or not all(
            isinstance(k, str) and re.fullmatch(r"[A-Z]{1,3}", k) and str(v).strip() for k, v in speakers.items()):
        raise SourceFormatError("must map initials (A–Z) to full names, e.g. {L: Leila al-Shami}",
                                field_name="speakers")
    url = _url(data.get("url"), "url")
    also = data.get("also_published") or []
    if not isinstance(also, list) or not all(isinstance(a, dict) for a in also):
        raise SourceFormatError("must be a list of {publisher, date, url}", field_name="also_published")
    published = parse_date(data.get("published"), "published")
    edition = parse_date(data.get("edition"), "edition")
    editions = editions_from(data)
    publisher = str(data.get("publisher") or "").strip()
    if data.get("editions") is not None:
        cited = cited_edition(editions)
        this = next((e for e in editions if e.this_text), None)
        publisher = publisher or (cited.publisher if cited else "")
        published = published or (cited.date if cited else None)
        url = url or (cited.url if cited else "")
        edition = edition or (this.date if this else None)
    return SourceMeta(slug=slug, title=str(data["title"]).strip(), interviewee=str(data["interviewee"]).strip(),
                      interviewers=tuple(interviewers), publisher=publisher, published=published,
                      edition=edition, url=url,
                      also_published=tuple({str(k): str(v) for k, v in a.items()} for a in also),
                      speakers={k: str(v).strip() for k, v in speakers.items()},
                      language=str(data.get("language") or "en"),
                      recorded=parse_date(data.get("recorded"), "recorded"),
                      recorded_for=str(data.get("recorded_for") or "").strip(), editions=editions)


def read_source_files(text_path: Path) -> tuple[SourceMeta, str]:
    """Read a source text and its ``.yaml`` metadata beside it."""
    meta_path = text_path.with_suffix(".yaml")
    try:
        data = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourceFormatError(f"{meta_path.name}: not valid YAML: {exc}") from None
    return meta_from_dict(data), text_path.read_text(encoding="utf-8")


def check_speakers(meta: SourceMeta, parsed: ParsedSource) -> None:
    """The interviewee must be one of the speakers found in the text."""
    if meta.interviewee not in parsed.speakers.values():
        raise SourceFormatError(
            f"{meta.interviewee!r} does not speak in the text; speakers found: "
            f"{', '.join(sorted(parsed.speakers.values()))}", field_name="interviewee")
