"""Reading packs: study booklets of verbatim excerpts in context, questions and a glossary, as PDF.

A pack is described by a :class:`PackSpec` (from a ``pamphlets/*.yaml`` file of kind
``reading-pack`` or from the web builder). Building one has two steps:

- :func:`gather` reads the library (re-verifying every quotation against its source) and
  turns the spec into plain data: sections with the paragraphs around each quotation split
  into runs (quoted / glossary term / emphasis), questions, glossary, credits;
- :func:`render_pack` is pure: that data in, PDF bytes out, through ``campaign.render``.

Contents page numbers, running headers, page numbers and bookmarks are laid out by
WeasyPrint from CSS (``target-counter``, ``string-set``, ``bookmark-level``), so they are
always the real pages of this very PDF.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select

from . import languages, quotes, render, sources, translations, verbatim
from .config import ROOT
from .db import db
from .models import Question, Quote, Source, Theme, quote_themes
from .pamphlets import PamphletError

GLOSSARY_FILE = ROOT / "library" / "glossary.yaml"
TEMPLATE = "print/pack.html"
LANGUAGES = languages.CODES
DATA_LANG = "en"  # the library's themes, notes, questions and glossary are written in English
SIZES = {"A5": (148, 210), "A4": (210, 297), "Letter": (215.9, 279.4), "A6": (105, 148)}
PAGE_SIZES = {"A5": "A5", "A4": "A4", "Letter": "letter", "A6": "A6"}  # CSS page size keywords
IMPOSITIONS = ("none", "booklet", "zine")
GLOSSARY_MODES = ("used", "all", "none")
MIN_QUESTIONS, MAX_QUESTIONS = 3, 6
MAX_SECTIONS = 20
MAX_QUOTES_PER_SECTION = 25
MAX_PROMPT_CHARS = 900  # longer interviewer turns are left out rather than cut
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
FIELDS = {"kind", "name", "title", "subtitle", "editor", "lang", "size", "imposition", "sections",
          "session_minutes", "glossary", "prompts", "draft_questions", "drafts", "ground_rules", "further_reading"}
SECTION_FIELDS = {"theme", "quotes", "questions", "note"}


# -- the spec -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SectionSpec:
    """One section: a theme, its excerpts (quote ids, or None for the theme's own) and questions."""

    theme: str
    quotes: tuple[str, ...] | None = None  # None: the quotations whose earliest theme is this one
    questions: tuple[int, ...] | None = None  # 1-based positions among the theme's questions; None: all
    note: str = ""  # our own introduction; empty: the theme's description


@dataclass(frozen=True)
class PackSpec:
    """Everything that decides what a reading pack contains and how it is printed."""

    title: str
    sections: tuple[SectionSpec, ...]
    subtitle: str = ""
    editor: str = ""
    lang: str = "en"
    size: str = "A5"
    imposition: str = "none"
    session_minutes: int = 90
    glossary: str = "used"
    prompts: bool = True
    draft_questions: bool = False
    drafts: bool = False  # in a Russian or Arabic pack: print draft translations too (marked as drafts)
    ground_rules: tuple[str, ...] = ()
    further_reading: tuple[str, ...] = ()
    name: str | None = None

    def as_data(self) -> dict:
        """The pamphlet file form (``kind: reading-pack``), omitting defaults that need not be written."""
        out: dict = {"kind": "reading-pack", "title": self.title}
        defaults = PackSpec(title="", sections=())
        for key in ("subtitle", "editor", "lang", "size", "imposition", "session_minutes", "glossary",
                    "prompts", "draft_questions", "drafts"):
            value = getattr(self, key)
            if value != getattr(defaults, key) or key in ("lang", "size"):
                out[key] = value
        if self.ground_rules:
            out["ground_rules"] = list(self.ground_rules)
        if self.further_reading:
            out["further_reading"] = list(self.further_reading)
        sections = []
        for s in self.sections:
            item: dict = {"theme": s.theme}
            if s.quotes is not None:
                item["quotes"] = list(s.quotes)
            if s.questions is not None:
                item["questions"] = list(s.questions)
            if s.note:
                item["note"] = s.note
            sections.append(item)
        out["sections"] = sections
        return out


def _text(data: dict, key: str, *, limit: int, required: bool = False, where: str | None = None) -> str:
    """A one-paragraph text field: white space collapsed, length-checked."""
    value = data.get(key, "")
    name = where or key
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise PamphletError(name, "must be text")
    value = " ".join(value.split())
    if required and not value:
        raise PamphletError(name, "is required")
    if len(value) > limit:
        raise PamphletError(name, f"is longer than {limit} characters")
    return value


def _bool(data: dict, key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise PamphletError(key, "must be true or false")
    return value


def _texts(data: dict, key: str, *, limit: int, most: int) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or len(value) > most:
        raise PamphletError(key, f"must be a list of at most {most} short texts")
    return tuple(_text({key: v}, key, limit=limit, required=True, where=f"{key}[{i}]") for i, v in enumerate(value))


def _choice(data: dict, key: str, choices, default):
    value = data.get(key, default)
    if value not in choices:
        raise PamphletError(key, f"{value!r} is not one of {', '.join(map(str, choices))}")
    return value


def validate(data: dict, *, check_library: bool = True) -> PackSpec:
    """Check a pack description field by field; raise :class:`PamphletError` naming the first bad field.

    With ``check_library`` (needs an app context) themes and quotation ids are looked up too.
    """
    if not isinstance(data, dict):
        raise PamphletError("kind", "a reading pack is a mapping of field: value")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise PamphletError(unknown[0], f"unknown field; expected some of {', '.join(sorted(FIELDS))}")
    if data.get("kind", "reading-pack") != "reading-pack":
        raise PamphletError("kind", "must be reading-pack")
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or not SLUG.fullmatch(name) or len(name) > 80):
        raise PamphletError("name", "use lower-case letters, digits and hyphens (at most 80)")
    title = _text(data, "title", limit=120, required=True)
    subtitle = _text(data, "subtitle", limit=200)
    editor = _text(data, "editor", limit=120)
    lang = _choice(data, "lang", LANGUAGES, "en")
    size = _choice(data, "size", tuple(SIZES), "A5")
    imposition = _choice(data, "imposition", IMPOSITIONS, "none")
    if imposition == "zine" and size != "A6":
        raise PamphletError("imposition", "a pocket zine (A6 pages on A4) needs size: A6")
    if imposition == "booklet" and size == "A6":
        raise PamphletError("imposition", "A6 pages are imposed as a pocket zine: use imposition: zine")
    minutes = data.get("session_minutes", 90)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 30 <= minutes <= 240:
        raise PamphletError("session_minutes", "must be a whole number of minutes between 30 and 240")
    glossary = _choice(data, "glossary", GLOSSARY_MODES, "used")
    prompts = _bool(data, "prompts", True)
    draft_questions = _bool(data, "draft_questions", False)
    drafts = _bool(data, "drafts", False)
    ground_rules = _texts(data, "ground_rules", limit=300, most=12)
    further = _texts(data, "further_reading", limit=300, most=12)

    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise PamphletError("sections", "choose at least one theme (a list of {theme: …})")
    if len(raw_sections) > MAX_SECTIONS:
        raise PamphletError("sections", f"at most {MAX_SECTIONS} sections")
    sections = []
    seen_themes: set[str] = set()
    for i, raw in enumerate(raw_sections):
        where = f"sections[{i}]"
        if isinstance(raw, str):
            raw = {"theme": raw}
        if not isinstance(raw, dict):
            raise PamphletError(where, "each section is a theme id or a mapping with theme, quotes, questions")
        extra = sorted(set(raw) - SECTION_FIELDS)
        if extra:
            raise PamphletError(f"{where}.{extra[0]}", f"unknown field; expected some of {', '.join(sorted(SECTION_FIELDS))}")
        theme = raw.get("theme")
        if not isinstance(theme, str) or not SLUG.fullmatch(theme):
            raise PamphletError(f"{where}.theme", "a theme id is required (e.g. aleppo-siege)")
        if theme in seen_themes:
            raise PamphletError(f"{where}.theme", f"theme {theme!r} is already a section of this pack")
        seen_themes.add(theme)
        quote_ids = raw.get("quotes")
        if quote_ids is not None:
            if not isinstance(quote_ids, list) or not all(isinstance(q, str) for q in quote_ids):
                raise PamphletError(f"{where}.quotes", "must be a list of quotation ids")
            if not quote_ids:
                raise PamphletError(f"{where}.quotes", "a section needs at least one quotation")
            if len(quote_ids) > MAX_QUOTES_PER_SECTION:
                raise PamphletError(f"{where}.quotes", f"at most {MAX_QUOTES_PER_SECTION} quotations per section")
            dupes = sorted({q for q in quote_ids if quote_ids.count(q) > 1})
            if dupes:
                raise PamphletError(f"{where}.quotes", f"listed twice: {', '.join(dupes)}")
            quote_ids = tuple(quote_ids)
        questions = raw.get("questions")
        if questions is not None:
            if (not isinstance(questions, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1
                                                           for n in questions)):
                raise PamphletError(f"{where}.questions", "must be a list of question numbers (1 = the theme's first)")
            if not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS or len(set(questions)) != len(questions):
                raise PamphletError(f"{where}.questions",
                                    f"choose {MIN_QUESTIONS} to {MAX_QUESTIONS} different questions")
            questions = tuple(questions)
        note = _text(raw, "note", limit=600, where=f"{where}.note")
        sections.append(SectionSpec(theme=theme, quotes=quote_ids, questions=questions, note=note))
    spec = PackSpec(title=title, subtitle=subtitle, editor=editor, lang=lang, size=size, imposition=imposition,
                    session_minutes=minutes, glossary=glossary, prompts=prompts, draft_questions=draft_questions,
                    drafts=drafts, ground_rules=ground_rules, further_reading=further, sections=tuple(sections), name=name)
    if check_library:
        check_against_library(spec)
    return spec


def check_against_library(spec: PackSpec) -> None:
    """Every theme, quotation and question number the spec names exists (needs an app context)."""
    themes = {t.id: t for t in db.session.scalars(select(Theme))}
    for i, section in enumerate(spec.sections):
        if section.theme not in themes:
            known = ", ".join(sorted(themes))
            raise PamphletError(f"sections[{i}].theme", f"unknown theme {section.theme!r}; known themes: {known}")
        if section.quotes:
            found = set(db.session.scalars(select(Quote.id).where(Quote.id.in_(section.quotes))))
            missing = [q for q in section.quotes if q not in found]
            if missing:
                raise PamphletError(f"sections[{i}].quotes", f"unknown quotation id(s): {', '.join(missing)}")
        _select_questions(spec, i, section)


def pamphlet_validate(data: dict) -> PackSpec:
    """The pamphlets registry's validator for ``kind: reading-pack``."""
    return validate(data)


def pamphlet_key(spec: PackSpec) -> str:
    """What the pamphlets build compares to skip an unchanged pack: its content fingerprint."""
    return fingerprint(spec) + "-" + spec.imposition


def pamphlet_render(spec: PackSpec) -> bytes:
    """The pamphlets registry's renderer: the pack as the spec asks for it (imposed if it says so)."""
    from flask import current_app, has_app_context

    cache_dir = current_app.config.get("CACHE_DIR") if has_app_context() else None
    return build(spec, cache_dir=cache_dir, imposition=spec.imposition)


# -- the glossary ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """A glossary entry we wrote: the term, the spellings the source uses, a short definition."""

    slug: str
    term: str
    aliases: tuple[str, ...]
    definition: str


def slugify(text: str) -> str:
    """An id for anchors: lower-case ASCII letters and digits joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "term"


def load_glossary(path: Path = GLOSSARY_FILE) -> tuple[Term, ...]:
    """Read ``library/glossary.yaml``; errors name the file and the entry."""
    return _load_glossary(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load_glossary(path: str, _mtime: int) -> tuple[Term, ...]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise PamphletError("glossary", f"not valid YAML: {exc}", file=Path(path).name) from None
    if not isinstance(data, list):
        raise PamphletError("glossary", "expected a list of {term, aliases, definition}", file=Path(path).name)
    terms, seen = [], set()
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("term"), str) or not isinstance(
                item.get("definition"), str):
            raise PamphletError(f"[{i}]", "each entry needs a term and a definition", file=Path(path).name)
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise PamphletError(f"[{i}].aliases", "must be a list of spellings", file=Path(path).name)
        slug = slugify(item["term"])
        if slug in seen:
            raise PamphletError(f"[{i}].term", f"duplicate term {item['term']!r}", file=Path(path).name)
        seen.add(slug)
        terms.append(Term(slug, item["term"].strip(), tuple(a.strip() for a in aliases),
                          " ".join(item["definition"].split())))
    return tuple(terms)


def _spelling_pattern(spelling: str) -> str:
    """A regex for one spelling: apostrophes and hyphens match their typographic variants."""
    out = []
    for ch in spelling:
        if ch in "'’":
            out.append("['’]")
        elif ch in "-–‑":
            out.append("[-–‑]")
        elif ch == " ":
            out.append(r"\s+")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=4)
def term_matcher(terms: tuple[Term, ...]):
    """One regex finding any spelling of any term (longest first); acronyms match case-sensitively."""
    spellings = sorted({(s, t.slug) for t in terms for s in (t.term, *t.aliases)}, key=lambda p: -len(p[0]))
    slugs = {}
    parts = []
    for n, (spelling, slug) in enumerate(spellings):
        group = f"t{n}"
        slugs[group] = slug
        body = _spelling_pattern(spelling)
        # All-capitals spellings (ISIS, PYD) are acronyms: "isis" in running text is not them.
        if not (spelling.isupper() or any(c.isdigit() for c in spelling)):
            body = f"(?i:{body})"
        parts.append(f"(?P<{group}>{body})")
    # A plural "s" may follow (campists, Alawites); the term must not be part of a longer word.
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?=s?(?![\w-]))")
    return pattern, slugs


def find_terms(text: str, terms: tuple[Term, ...]) -> list[tuple[int, int, str]]:
    """Every (start, end, slug) where a glossary term occurs in ``text``."""
    if not terms:
        return []
    pattern, slugs = term_matcher(terms)
    return [(m.start(), m.end(), slugs[m.lastgroup]) for m in pattern.finditer(text)]


# -- splitting text into runs (the template escapes each run) -----------------------------

def runs(text: str, *, marks: list[tuple[int, int]] = (), terms: tuple[Term, ...] = (),
         seen: dict[str, str] | None = None, use_prefix: str = "", emphasis: bool = False) -> list[dict]:
    """Split ``text`` into runs ``{t, q, g, id, em}`` for the template.

    ``q``: inside a quoted range (``marks``); ``g``: glossary slug, on the first use of a term
    not yet in ``seen`` (slug -> the spelling found; updated here); ``id``: an anchor for that first use; ``em``: the
    source's ``*emphasis*``. No HTML is built here: the template autoescapes every run.
    """
    cuts = {0, len(text)}
    hidden: set[int] = set()  # positions of emphasis markers, not printed
    em_ranges = []
    if emphasis:
        for m in re.finditer(r"\*([^*\n]+)\*", text):
            em_ranges.append((m.start() + 1, m.end() - 1))
            hidden.update((m.start(), m.end() - 1))
            cuts.update((m.start(), m.start() + 1, m.end() - 1, m.end()))
    for a, b in marks:
        cuts.update((a, b))
    links = []
    if seen is not None:
        for a, b, slug in find_terms(text, terms):
            if slug in seen:
                continue
            seen[slug] = " ".join(text[a:b].split())
            links.append((a, b, slug))
            cuts.update((a, b))
    out: list[dict] = []
    ordered = sorted(c for c in cuts if 0 <= c <= len(text))
    for a, b in zip(ordered, ordered[1:]):
        if a in hidden and b == a + 1:
            continue
        link = next((slug for s, e, slug in links if s <= a and b <= e), None)
        first = link is not None and any(s == a for s, e, slug in links if slug == link)
        run = {"t": text[a:b], "q": any(s <= a and b <= e for s, e in marks),
               "g": link, "id": f"{use_prefix}{link}" if first else None,
               "em": any(s <= a and b <= e for s, e in em_ranges)}
        if out and not run["id"] and all(out[-1][k] == run[k] for k in ("q", "g", "em")):
            out[-1]["t"] += run["t"]
        else:
            out.append(run)
    return out


# -- gathering: the library → plain data --------------------------------------------------

def _select_questions(spec: PackSpec, index: int, section: SectionSpec) -> list[Question]:
    """The questions a section prints: the chosen numbers (or all), reviewed ones unless drafts are allowed."""
    where = f"sections[{index}].questions"
    rows = list(db.session.scalars(select(Question).where(Question.theme_id == section.theme)
                                   .order_by(Question.position, Question.id)))
    if section.questions is not None:
        beyond = [n for n in section.questions if n > len(rows)]
        if beyond:
            raise PamphletError(where, f"theme {section.theme!r} has {len(rows)} questions; there is no "
                                       f"question {', '.join(map(str, beyond))}")
        chosen = [rows[n - 1] for n in section.questions]
    else:
        chosen = rows
    if not spec.draft_questions:
        drafts = [rows.index(q) + 1 for q in chosen if q.status != "reviewed"]
        if section.questions is not None and drafts:
            raise PamphletError(where, f"question(s) {', '.join(map(str, drafts))} of {section.theme!r} are drafts "
                                       "awaiting review; review them or set draft_questions: true")
        chosen = [q for q in chosen if q.status == "reviewed"]
    if len(chosen) < MIN_QUESTIONS:
        raise PamphletError(where, f"theme {section.theme!r} has only {len(chosen)} reviewed question(s); a section "
                                   f"needs {MIN_QUESTIONS} to {MAX_QUESTIONS} (review or add questions)")
    return chosen[:MAX_QUESTIONS]


def own_quotes() -> dict[str, list[str]]:
    """Theme id → the ids of the quotations whose first theme it is, in library order (one query)."""
    rows = db.session.execute(select(quote_themes.c.quote_id, quote_themes.c.theme_id)
                              .join(Theme, Theme.id == quote_themes.c.theme_id)
                              .join(Quote, Quote.id == quote_themes.c.quote_id)
                              .order_by(Quote.position, Quote.id, Theme.position)).all()
    first: dict[str, str] = {}
    for quote_id, theme_id in rows:
        first.setdefault(quote_id, theme_id)
    out: dict[str, list[str]] = {}
    for quote_id, theme_id in first.items():
        out.setdefault(theme_id, []).append(quote_id)
    return out


def _section_quotes(index: int, section: SectionSpec, own: dict[str, list[str]] | None = None) -> list[str]:
    """The quotation ids of a section: as listed, else those whose first theme is this one."""
    if section.quotes is not None:
        return list(section.quotes)
    ids = (own if own is not None else own_quotes()).get(section.theme, [])
    if not ids:
        raise PamphletError(f"sections[{index}].quotes",
                            f"theme {section.theme!r} has no quotations of its own; list quotation ids for it")
    return ids


def _date_text(value, lang: str) -> str:
    """A date from the source's metadata in the pack's language (as written when it is not a date)."""
    from datetime import date

    return languages.format_date(value, lang) if isinstance(value, date) else str(value or "")


def _source_credit(source: Source, lang: str = DATA_LANG) -> dict:
    """What the cover and credits say about a source, its date and people's names in the pack's language."""
    meta = source.meta or {}
    names = translations.library_texts(lang) if lang != DATA_LANG else None
    name = names.speaker if names else str
    return {"slug": source.slug, "title": source.title, "interviewee": name(source.interviewee),
            "interviewers": [name(n) for n in meta.get("interviewers") or []], "publisher": source.publisher,
            "published": source.published.isoformat() if source.published else "",
            "published_text": languages.format_date(source.published, lang) if source.published else "",
            "year": source.published.year if source.published else "", "url": source.url,
            "lang": meta.get("language") or "en",
            "also": [{"publisher": a.get("publisher", ""), "date": str(a.get("date", "")), "url": a.get("url", ""),
                      "date_text": _date_text(a.get("date"), lang)}
                     for a in meta.get("also_published") or [] if isinstance(a, dict)]}


def _excerpts(quote_rows: list[Quote]) -> list[list]:
    """Group quotations whose paragraphs overlap, so each passage is printed once with every mark."""
    groups: list[dict] = []
    for q in quote_rows:
        parsed = quotes.parsed(q.source)
        first = parsed.paragraph(q.anchor)
        last = parsed.paragraph_at(max(q.end - 1, q.start)) or first
        numbers = set(range(first.number, last.number + 1))
        for g in groups:
            if g["source"] == q.source_id and g["numbers"] & numbers:
                g["numbers"] |= numbers
                g["quotes"].append(q)
                break
        else:
            groups.append({"source": q.source_id, "numbers": numbers, "quotes": [q]})
    return [[g["numbers"], g["quotes"]] for g in groups]


def _prompt(parsed: sources.ParsedSource, first: sources.Paragraph, interviewee: str):
    """The interviewer's words an answer responds to: the last paragraph of the turn before it."""
    if first.speaker != interviewee:
        return None
    turn_index = next((i for i, t in enumerate(parsed.turns) if any(p.number == first.number for p in t.paragraphs)), 0)
    if turn_index == 0:
        return None
    before = parsed.turns[turn_index - 1]
    asked = before.paragraphs[-1]
    if asked.speaker == interviewee or len(asked.text) > MAX_PROMPT_CHARS:
        return None
    return asked


def gather(spec: PackSpec, glossary: tuple[Term, ...] | None = None) -> dict:
    """Read and verify everything the pack prints; return the template context (plain data only)."""
    check_against_library(spec)
    glossary = load_glossary() if glossary is None else glossary
    terms = glossary if spec.glossary != "none" else ()
    themes = {t.id: t for t in db.session.scalars(select(Theme))}
    own = own_quotes()
    all_ids = [qid for i, s in enumerate(spec.sections) for qid in _section_quotes(i, s, own)]
    try:
        verified = {q.id: q for q in quotes.get_many_verified(list(dict.fromkeys(all_ids)))}
    except quotes.QuoteError as exc:
        raise PamphletError("sections", exc.message) from None
    except verbatim.NotVerbatim as exc:
        raise PamphletError("sections", f"a quotation no longer matches its source: {exc}") from None

    used: dict[str, list[str]] = {}  # glossary slug -> anchors of its first use in each section
    credits: dict[int, dict] = {}
    sections = []
    # A pack in Russian or Arabic prints the library's translated texts where they may be used
    # (reviewed, or drafts when allowed and then marked); the rest stays in English, marked so.
    texts = translations.library_texts(spec.lang) if spec.lang != DATA_LANG else None
    direction = languages.direction(spec.lang)
    drafts_used = False

    def tie(text: str) -> str:
        """A translated text set for print in the pack's language (Russian: short words tied)."""
        return languages.typeset(text, spec.lang)

    def in_lang(entry) -> dict:
        """lang, dir and draft flag of a text: the pack's language when translated, else English."""
        nonlocal drafts_used
        if entry is None:
            return {"lang": DATA_LANG, "dir": "ltr", "draft": False}
        draft = entry.get("status", "draft") != "reviewed"
        drafts_used = drafts_used or draft
        return {"lang": spec.lang, "dir": direction, "draft": draft}

    for n, section in enumerate(spec.sections, start=1):
        theme = themes[section.theme]
        seen: dict[str, str] = {}
        prefix = f"u{n}-"
        tr_theme = texts.theme(theme.id, spec.drafts) if texts else None
        title_in = in_lang(tr_theme)
        if section.note:  # the organizer's own words, in the pack's language
            intro_runs = runs(section.note, terms=terms, seen=seen, use_prefix=prefix)
            intro_in = {"lang": spec.lang, "dir": direction, "draft": False}
        elif tr_theme and tr_theme.get("description"):
            intro_runs, intro_in = runs(tie(str(tr_theme["description"]))), title_in
        else:
            intro_runs = runs(theme.description or "", terms=terms, seen=seen, use_prefix=prefix)
            intro_in = in_lang(None)
        out = {"n": n, "id": f"s-{theme.id}", "theme": theme.id,
               "title": tie(str(tr_theme["name"])) if tr_theme else theme.name, "title_in": title_in,
               "intro": intro_runs, "intro_in": intro_in, "excerpts": [], "questions": []}
        shown_prompts: set[int] = set()
        for numbers, group in _excerpts([verified[qid] for qid in _section_quotes(n - 1, section, own)]):
            source = group[0].source
            credits.setdefault(source.id, _source_credit(source, spec.lang))
            parsed = quotes.parsed(source)
            paras = [parsed.paragraphs[k - 1] for k in sorted(numbers)]
            prompt = _prompt(parsed, paras[0], source.interviewee) if spec.prompts else None
            if prompt is not None and prompt.number in shown_prompts:
                prompt = None
            excerpt = {"source": source.slug, "speaker": paras[0].speaker,
                       "anchors": f"¶{paras[0].number}" + (f"–{paras[-1].number}" if len(paras) > 1 else ""),
                       "credit": credits[source.id], "prompt": None, "paragraphs": [], "notes": [],
                       "translations": []}
            if prompt is not None:
                shown_prompts.add(prompt.number)
                excerpt["prompt"] = {"speaker": prompt.speaker, "number": prompt.number,
                                     "runs": runs(prompt.text, terms=terms, seen=seen, use_prefix=prefix,
                                                  emphasis=True)}
            for para in paras:
                spans, pos = [], 0
                for text, ids in quotes.highlight(para, group):
                    if ids:
                        spans.append((pos, pos + len(text)))
                    pos += len(text)
                excerpt["paragraphs"].append({"number": para.number, "anchor": para.anchor, "speaker": para.speaker,
                                              "runs": runs(para.text, marks=spans, terms=terms, seen=seen,
                                                           use_prefix=prefix, emphasis=True)})
            for q in group if texts else ():
                # The pack is for study: the original stands above, each translation follows it.
                found = translations.for_quote(q, spec.lang, allow_drafts=spec.drafts)
                if found is None:
                    excerpt["translations"].append({"quote": q.id, "missing": True})
                    continue
                draft = found.status != "reviewed"
                drafts_used = drafts_used or draft
                excerpt["translations"].append({"quote": q.id, "missing": False, "text": tie(found.text), "draft": draft,
                                                "credit": translations.credit(found, spec.lang),
                                                "speaker": texts.speaker(q.speaker)})
            for q in group:
                tr_context = texts.context(q.id, spec.drafts) if texts and q.context else None
                if tr_context:  # translated like the quotations: a draft only when allowed, then marked
                    excerpt["notes"].append({"quote": q.id, "runs": runs(tie(str(tr_context["text"]))),
                                             "in": in_lang(tr_context)})
                elif q.context:
                    excerpt["notes"].append({"quote": q.id, "runs": runs(q.context, terms=terms, seen=seen,
                                                                         use_prefix=prefix), "in": in_lang(None)})
            out["excerpts"].append(excerpt)
        tr_questions = texts.theme_questions(theme.id, spec.drafts) if texts else None
        order = [q.id for q in db.session.scalars(select(Question).where(Question.theme_id == section.theme)
                                                  .order_by(Question.position, Question.id))]
        if tr_questions is not None and len(tr_questions) != len(order):
            tr_questions = None  # out of step with questions.yaml: print the English ones
        tr_in = in_lang(texts.questions.get(theme.id)) if tr_questions else in_lang(None)
        for q in _select_questions(spec, n - 1, section):
            if tr_questions:
                item = {"runs": runs(tie(tr_questions[order.index(q.id)])), "in": tr_in}
            else:
                item = {"runs": runs(q.text, terms=terms, seen=seen, use_prefix=prefix), "in": in_lang(None)}
            out["questions"].append({"draft": q.status != "reviewed", **item})
        by_slug = {t.slug: t for t in terms}
        out["terms"] = []
        for s in seen:
            # In a translated pack the list names each term as its glossary entry does (translated,
            # with the English words the passage uses), in the order of the translated glossary.
            tr_term = texts.term(by_slug[s].term, spec.drafts) if texts else None
            shown = str(tr_term["term"]) if tr_term else by_slug[s].term
            english = seen[s] if tr_term else (seen[s] if seen[s].casefold() != shown.casefold() else "")
            out["terms"].append({"slug": s, "term": shown, "use": prefix + s, "as": english,
                                 "in": in_lang(tr_term) if texts else in_lang(None)})
        out["terms"].sort(key=lambda t: t["term"].casefold())
        for s in seen:
            used.setdefault(s, []).append(prefix + s)
        sections.append(out)

    if spec.glossary == "all":
        listed = list(glossary)
    elif spec.glossary == "used":
        listed = [t for t in glossary if t.slug in used]
    else:
        listed = []
    entries = []
    for t in listed:
        tr_term = texts.term(t.term, spec.drafts) if texts else None
        entries.append({"slug": t.slug, "term": str(tr_term["term"]) if tr_term else t.term,
                        "original": t.term if tr_term else "", "in": in_lang(tr_term),
                        "aliases": [a for a in t.aliases if a != t.term],
                        "definition": tie(str(tr_term["definition"])) if tr_term else t.definition,
                        "uses": used.get(t.slug, [])})
    entries.sort(key=lambda e: e["term"].casefold())
    return {
        "lang": spec.lang, "dir": direction, "size": spec.size,
        "draft_mark": translations.draft_mark(spec.lang) if drafts_used else "",
        "page_size": PAGE_SIZES[spec.size],
        "data_lang": DATA_LANG,
        "title": spec.title, "subtitle": spec.subtitle, "editor": spec.editor,
        "session_minutes": spec.session_minutes, "plan": session_plan(spec.session_minutes),
        "ground_rules": list(spec.ground_rules), "further_reading": list(spec.further_reading),
        "sections": sections, "glossary": entries, "credits": list(credits.values()),
        "quote_count": len(verified), "draft_questions": any(q["draft"] for s in sections for q in s["questions"]),
    }


def session_plan(minutes: int) -> list[tuple[int, str]]:
    """A suggested running order for one meeting, scaled to its length (minutes, step key)."""
    arrive = max(5, round(minutes * 0.1))
    close = max(5, round(minutes * 0.1))
    read = max(10, round(minutes * 0.25))
    return [(arrive, "arrive"), (read, "read"), (minutes - arrive - read - close, "discuss"), (close, "close")]


# -- rendering: plain data → PDF bytes ---------------------------------------------------

PRINT_TEMPLATES = ("print/base.html", "print/pack.html", "print/_pack_macros.html", "print/pack_front.html", "print/pack_section.html",
                   "print/pack_back.html")


def pdf_options(context: dict) -> render.PdfOptions:
    """The PDF's metadata: title, language, subject and the themes as keywords."""
    subject = context["subtitle"] or "Reading pack"
    if context.get("draft_mark"):
        subject = f"{context['draft_mark']} ({context['lang']}) — {subject}"
    return render.PdfOptions(title=context["title"], author=context["editor"] or "Handbill",
                             subject=subject, lang=context["lang"],
                             keywords=tuple(s["title"] for s in context["sections"]), tagged=True)


def render_html(context: dict) -> str:
    """The pack's HTML, exactly as WeasyPrint will see it."""
    return render.render_html(TEMPLATE, context, translations=_translations(context["lang"]))


def render_pack(context: dict) -> bytes:
    """Pure: the gathered data in, the pack's PDF bytes out."""
    return render.write_pdf(render_html(context), options=pdf_options(context))


@lru_cache(maxsize=8)
def _translations(lang: str):
    """Message catalogues for the pack's own words, when the language has them (else English)."""
    folder = ROOT / "campaign" / "translations"
    if lang == "en" or not (folder / lang).is_dir():
        return None
    from babel.support import Translations

    return Translations.load(str(folder), [lang])


def fingerprint(spec: PackSpec, glossary_path: Path = GLOSSARY_FILE) -> str:
    """A cheap content hash of everything a pack's PDF depends on, without rendering it.

    It covers each quotation's text and speaker and its source's digest: verification is a
    pure function of those, so a cached PDF made under the same fingerprint was verified
    against exactly the same words (and a changed word makes a new key).
    """
    h = hashlib.sha256()
    h.update(json.dumps(asdict(spec), sort_keys=True, default=str).encode())
    ids: set[str] = set()
    own = own_quotes()
    for i, s in enumerate(spec.sections):
        ids.update(_section_quotes(i, s, own))
    rows = db.session.execute(select(Quote.id, Quote.text, Quote.speaker, Quote.context, Quote.position, Source.sha256)
                              .join(Source, Quote.source_id == Source.id).where(Quote.id.in_(ids))
                              .order_by(Quote.id)).all()
    h.update(json.dumps([list(r) for r in rows]).encode())
    themes = [s.theme for s in spec.sections]
    h.update(json.dumps([list(r) for r in db.session.execute(
        select(Theme.id, Theme.name, Theme.description).where(Theme.id.in_(themes)).order_by(Theme.id)).all()]).encode())
    h.update(json.dumps([list(r) for r in db.session.execute(
        select(Question.theme_id, Question.position, Question.id, Question.text, Question.status)
        .where(Question.theme_id.in_(themes)).order_by(Question.theme_id, Question.position, Question.id)).all()]).encode())
    h.update(glossary_path.read_bytes())
    if spec.lang != DATA_LANG:
        # the translated library texts and the quotations' translations (text, status, translator)
        texts = glossary_path.parent / "translations" / f"{spec.lang}.yaml"
        h.update(texts.read_bytes() if texts.exists() else b"")
        h.update(json.dumps([[t.quote_id, t.text, t.status, t.translator, t.reviewer, t.original_sha256]
                             for t in db.session.scalars(select(translations.QuoteTranslation).where(
                                 translations.QuoteTranslation.quote_id.in_(ids),
                                 translations.QuoteTranslation.lang == spec.lang)
                                 .order_by(translations.QuoteTranslation.quote_id))]).encode())
    for name in PRINT_TEMPLATES:
        path = render.TEMPLATES / name
        if path.exists():
            h.update(path.read_bytes())
    h.update(_code_digest())
    h.update(render.asset_versions().encode())
    return h.hexdigest()


@lru_cache(maxsize=1)
def _code_digest() -> bytes:
    """The verbatim guard and this module shape the output: a new version is a new cache key."""
    return hashlib.sha256(Path(verbatim.__file__).read_bytes() + Path(__file__).read_bytes()).digest()


def build(spec: PackSpec, *, cache_dir=None, imposition: str = "none") -> bytes:
    """The pack's PDF (``imposition``: none, booklet or zine), cached by content when ``cache_dir`` is set."""
    from . import impose

    if imposition not in IMPOSITIONS:
        raise PamphletError("imposition", f"{imposition!r} is not one of {', '.join(IMPOSITIONS)}")
    if imposition == "zine" and spec.size != "A6":
        raise PamphletError("imposition", "a pocket zine needs A6 pages (size: A6)")
    key = fingerprint(spec) + "-" + imposition

    def produce() -> bytes:
        pdf = render_pack(gather(spec))
        # A right-to-left pack opens on the right: its sheets are imposed mirrored.
        binding = "right" if languages.direction(spec.lang) == "rtl" else "left"
        if imposition == "booklet":
            return impose.booklet(pdf, binding)
        if imposition == "zine":
            return impose.zine(pdf, binding)
        return pdf

    data, _hit = render.cached_bytes(cache_dir, key, produce, suffix=".pdf")
    return data


# -- what the builder offers ----------------------------------------------------------------

def library_choices() -> list[dict]:
    """Every theme with its quotations and questions, for the builder and the question editor."""
    out = []
    all_quotes = quotes.located(list(db.session.scalars(select(Quote).order_by(Quote.position, Quote.id))))
    for theme in db.session.scalars(select(Theme).order_by(Theme.position)):
        tagged = [q for q in all_quotes if theme.id in q.theme_ids]
        rows = list(db.session.scalars(select(Question).where(Question.theme_id == theme.id)
                                       .order_by(Question.position, Question.id)))
        out.append({"theme": theme, "quotes": tagged,
                    "own": [q.id for q in tagged if q.theme_ids[0] == theme.id],
                    "questions": rows})
    return out
