"""Reading packs: study booklets of verbatim excerpts in context, questions and a glossary, as PDF.

A pack is described by a :class:`PackSpec` (from a ``pamphlets/*.yaml`` file of kind
``reading-pack`` or from the web builder). Building one has two steps:

- :func:`gather` reads the library (re-verifying every quotation against its source) and
  turns the spec into plain data: sections with the paragraphs around each quotation split
  into runs (quoted / glossary term / emphasis), questions, glossary, credits;
- :func:`render` is pure: that data in, PDF bytes out, through ``campaign.render``;
- :func:`key` is its cache key, from the one :func:`campaign.render.cache_key`.

:func:`validate` (plain data → :class:`PackSpec`, errors naming the field) comes first: the same
four steps as leaflets and cards.

Contents page numbers, running headers, page numbers and bookmarks are laid out by
WeasyPrint from CSS (``target-counter``, ``string-set``, ``bookmark-level``), so they are
always the real pages of this very PDF.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from . import (credits, languages, library, pack_covers, passages, quotes, render as renderer, sources, translations,
               verbatim)
from .db import db
from .models import Question, Quote, Source, Theme
from .glossary import Term, load_glossary, runs
from .themes import own_quotes
from .pamphlets import PamphletError

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
          "session_minutes", "glossary", "prompts", "draft_questions", "drafts", "ground_rules", "further_reading", "palette", "image", "url"}
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
    palette: str = ""  # the cover's colours; empty: the brand kit's palette
    image: int | None = None  # a stored photo for the cover
    url: str = ""  # the back cover's QR code; empty: the brand kit's address

    def as_data(self) -> dict:
        """The pamphlet file form (``kind: reading-pack``), omitting defaults that need not be written."""
        out: dict = {"kind": "reading-pack", "title": self.title}
        defaults = PackSpec(title="", sections=())
        for key in ("subtitle", "editor", "lang", "size", "imposition", "session_minutes", "glossary",
                    "prompts", "draft_questions", "drafts", "palette", "image", "url"):
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
    cover = pack_covers.cover_fields(data)

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
                    drafts=drafts, ground_rules=ground_rules, further_reading=further, sections=tuple(sections), name=name,
                    **cover)
    if check_library:
        check_against_library(spec)
    return spec


def check_against_library(spec: PackSpec) -> None:
    """Every theme, quotation, question number, palette and image the spec names exists (needs an app context)."""
    pack_covers.check(spec)
    themes = {t.id: t for t in db.session.scalars(select(Theme))}
    for i, section in enumerate(spec.sections):
        if section.theme not in themes:
            known = ", ".join(sorted(themes))
            raise PamphletError(f"sections[{i}].theme", f"unknown theme {section.theme!r}; known themes: {known}")
        if section.quotes:
            found = dict(db.session.execute(select(Quote.id, Quote.status).where(Quote.id.in_(section.quotes))).all())
            missing = [q for q in section.quotes if q not in found]
            if missing:
                raise PamphletError(f"sections[{i}].quotes", f"unknown quotation id(s): {', '.join(missing)}")
            drafts = [q for q in section.quotes if found[q] != "reviewed"]
            if drafts:
                raise PamphletError(f"sections[{i}].quotes", f"quotation(s) {', '.join(drafts)} not yet approved "
                                                             "by a second editor: drafts print nowhere")
        _select_questions(spec, i, section)


def pamphlet_validate(data: dict) -> PackSpec:
    """The pamphlets registry's validator for ``kind: reading-pack``."""
    return validate(data)


def pamphlet_key(spec: PackSpec) -> str:
    """What the pamphlets build compares to skip an unchanged pack: its cache key."""
    return key(spec)


def pamphlet_render(spec: PackSpec) -> bytes:
    """The pamphlets registry's renderer: the pack as the spec asks for it (imposed if it says so)."""
    return pamphlet_imposed(spec, spec.imposition)


def pamphlet_imposed(spec: PackSpec, imposition: str) -> bytes:
    """The pamphlets build's ``--booklet`` / ``--zine``: the pack imposed for folding."""
    from flask import current_app, has_app_context

    cache_dir = current_app.config.get("CACHE_DIR") if has_app_context() else None
    return build(spec, cache_dir=cache_dir, imposition=imposition)


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


def section_contents(spec: PackSpec, index: int, section: SectionSpec,
                     own: dict[str, list[str]] | None = None) -> tuple[list[str], list[Question], list]:
    """What a section prints: quotation ids, questions, and the paragraphs those questions are about.

    Beside its own quotations, a section prints the theme's quotations that cover a paragraph its
    questions name (and the paragraph itself when no quotation covers it), so every question can
    be discussed from the page it stands on.
    """
    chosen = _select_questions(spec, index, section)
    paragraphs = passages.referred(chosen)
    ids = _section_quotes(index, section, own)
    if section.quotes is None:
        ids += [qid for qid in passages.covering(section.theme, paragraphs) if qid not in ids]
    return ids, chosen, paragraphs


def _section_quotes(index: int, section: SectionSpec, own: dict[str, list[str]] | None = None) -> list[str]:
    """The quotation ids of a section: as listed, else those whose first theme is this one."""
    if section.quotes is not None:
        return list(section.quotes)
    ids = (own if own is not None else own_quotes()).get(section.theme, [])
    if not ids:
        raise PamphletError(f"sections[{index}].quotes",
                            f"theme {section.theme!r} has no quotations of its own; list quotation ids for it")
    return ids


def _source_credit(source: Source, lang: str = DATA_LANG) -> dict:
    """What the cover, the attributions and the credits page say about a source (``credits.credit``), people's
    names as the pack's language writes them."""
    names = translations.library_texts(lang).speaker if lang != DATA_LANG else None
    found = credits.credit(source, lang, credits.catalog_gettext(renderer.catalog(lang)), names=names)
    return {**found.as_dict(), "interviewers": list(found.interviewers)}


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
    contents = [section_contents(spec, i, s, own) for i, s in enumerate(spec.sections)]
    all_ids = [qid for ids, _, _ in contents for qid in ids]
    try:
        verified = {q.id: q for q in quotes.get_many_verified(list(dict.fromkeys(all_ids)))}
    except quotes.QuoteError as exc:
        raise PamphletError("sections", exc.message) from None
    except verbatim.NotVerbatim as exc:
        raise PamphletError("sections", f"a quotation no longer matches its source: {exc}") from None

    used: dict[str, list[str]] = {}  # glossary slug -> anchors of its first use in each section
    credited: dict[int, dict] = {}
    used_sources: dict[int, Source] = {}
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
        ids, chosen, paragraphs = contents[n - 1]
        for source, numbers, group in passages.excerpts([verified[qid] for qid in ids], paragraphs):
            credited.setdefault(source.id, _source_credit(source, spec.lang))
            used_sources.setdefault(source.id, source)
            parsed = quotes.parsed(source)
            paras = [parsed.paragraphs[k - 1] for k in numbers]
            prompt = _prompt(parsed, paras[0], source.interviewee) if spec.prompts else None
            if prompt is not None and prompt.number in shown_prompts:
                prompt = None
            excerpt = {"source": source.slug, "speaker": paras[0].speaker,
                       "anchors": f"¶{paras[0].number}" + (f"–{paras[-1].number}" if len(paras) > 1 else ""),
                       "credit": credited[source.id], "prompt": None, "paragraphs": [], "notes": [],
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
        for q in chosen:
            if tr_questions:
                item = {"runs": runs(tie(tr_questions[order.index(q.id)])), "in": tr_in}
            else:
                item = {"runs": runs(q.text, terms=terms, seen=seen, use_prefix=prefix), "in": in_lang(None)}
            out["questions"].append({"draft": q.status != "reviewed", "passages": list(q.passages or []), **item})
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
        "lang": spec.lang, "dir": direction, "size": spec.size, "imposition": spec.imposition,
        "draft_mark": translations.draft_mark(spec.lang) if drafts_used else "",
        "page_size": PAGE_SIZES[spec.size],
        "data_lang": DATA_LANG,
        "title": spec.title, "subtitle": spec.subtitle, "editor": spec.editor,
        "session_minutes": spec.session_minutes, "plan": session_plan(spec.session_minutes),
        "ground_rules": list(spec.ground_rules), "further_reading": list(spec.further_reading),
        "sections": sections, "glossary": entries, "credits": list(credited.values()),
        "quote_count": len(verified), "draft_questions": any(q["draft"] for s in sections for q in s["questions"]),
        **pack_covers.gather_cover(spec, [(s, credited[i]) for i, s in used_sources.items()], SIZES[spec.size]),
    }


def session_plan(minutes: int) -> list[tuple[int, str]]:
    """A suggested running order for one meeting, scaled to its length (minutes, step key)."""
    arrive = max(5, round(minutes * 0.1))
    close = max(5, round(minutes * 0.1))
    read = max(10, round(minutes * 0.25))
    return [(arrive, "arrive"), (read, "read"), (minutes - arrive - read - close, "discuss"), (close, "close")]


# -- rendering: plain data → PDF bytes ---------------------------------------------------

# Bump when code here changes what a PDF looks like (templates, assets and data are in the key already).
VERSION = "3"


def pdf_options(context: dict) -> renderer.PdfOptions:
    """The PDF's metadata: title, language, subject and the themes as keywords."""
    subject = context["subtitle"] or "Reading pack"
    if context.get("draft_mark"):
        subject = f"{context['draft_mark']} ({context['lang']}) — {subject}"
    return renderer.PdfOptions(title=context["title"], author=context["editor"] or "Handbill",
                               subject=subject, lang=context["lang"],
                               keywords=tuple(s["title"] for s in context["sections"]), tagged=True)


def render_html(context: dict) -> str:
    """The pack's HTML, exactly as WeasyPrint will see it."""
    return renderer.render_html(TEMPLATE, context, translations=renderer.catalog(context["lang"]))


def render_pages(context: dict) -> bytes:
    """The pack's pages in reading order, filled to whole sheets for ``context["imposition"]``: what is imposed."""
    return pack_covers.write(TEMPLATE, context, pdf_options(context))


def render(context: dict) -> bytes:
    """Pure: the gathered data in, the pack's PDF bytes out (imposed when ``context["imposition"]`` says so,
    the last sheet's spare pages filled before the back cover). A right-to-left pack is imposed mirrored."""
    from . import impose

    pdf = render_pages(context)
    binding = "right" if languages.direction(context["lang"]) == "rtl" else "left"
    fold = {"booklet": impose.booklet, "zine": impose.zine}.get(context.get("imposition"))
    return fold(pdf, binding, back_cover=True) if fold else pdf


def render_pack(context: dict) -> bytes:
    """The pack's PDF pages as read (never imposed), from the gathered data."""
    return render({**context, "imposition": "none"})


def key(spec: PackSpec, context: dict | None = None, imposition: str | None = None) -> str:
    """The pack's cache key (:func:`campaign.render.cache_key`), computed without gathering: the spec,
    the library's version stamp (:func:`campaign.library.version`, which changes with any change to
    what a pack reads), the brand kit and photo, templates, assets and code version. The imposition
    is ``imposition``, else the gathered ``context``'s, else the spec's."""
    if imposition is None:
        imposition = (context or {}).get("imposition") or spec.imposition
    data = {"spec": spec.as_data(), "imposition": imposition,
            "library": library.version(), **pack_covers.key_data(spec)}
    return renderer.cache_key(TEMPLATE, data, {"kind": "reading-pack", "version": VERSION})


def build(spec: PackSpec, *, cache_dir=None, imposition: str | None = None) -> bytes:
    """The pack's PDF (``imposition``: none, booklet or zine; default the spec's), cached by content."""
    return build_keyed(spec, cache_dir=cache_dir, imposition=imposition)[0]


def build_keyed(spec: PackSpec, *, cache_dir=None, imposition: str | None = None) -> tuple[bytes, str]:
    """:func:`build`, with the cache key of the PDF it returns. A cached pack is one key and one file
    read: the library is read and verified only to make a pack not made since it last changed."""
    imposition = spec.imposition if imposition is None else imposition
    if imposition not in IMPOSITIONS:
        raise PamphletError("imposition", f"{imposition!r} is not one of {', '.join(IMPOSITIONS)}")
    if imposition == "zine" and spec.size != "A6":
        raise PamphletError("imposition", "a pocket zine needs A6 pages (size: A6)")
    k = key(spec, imposition=imposition)
    data, _hit = renderer.cached_bytes(cache_dir, k, lambda: render({**gather(spec), "imposition": imposition}),
                                       suffix=".pdf")
    return data, k
