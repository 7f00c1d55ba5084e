"""The reading packs' glossary (``library/glossary.yaml``) and the split of text into runs for print templates."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .config import ROOT
from .pamphlets import PamphletError

GLOSSARY_FILE = ROOT / "library" / "glossary.yaml"


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
