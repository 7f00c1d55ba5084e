"""Leaflets and posters: a spec (design, size, quotation ids, texts, options) → print-ready PDF.

The print-output contract, shared with cards and packs: :func:`validate` turns plain data (a
pamphlet file or the web form) into a :class:`LeafletSpec`, naming the field of any problem;
:func:`gather` fetches the quotations through the verbatim guard with their attribution;
:func:`render` is pure (plain data in, bytes out) and fits the text to the design, shrinking type
within the design's limits or failing with :class:`LeafletOverflow` naming the block that does not
fit; :func:`key` is the cache key (the one :func:`campaign.render.cache_key`).
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import asdict, dataclass, field, fields
from urllib.parse import urlsplit

import segno

from . import credits, languages, quotes, render as renderer, translations, verbatim
from .pamphlets import PamphletError

# Bump when code here changes what a PDF looks like, so cached PDFs are not reused.
VERSION = "3"


@dataclass(frozen=True)
class Size:
    """A paper size (portrait width × height in millimetres) and its CSS name."""

    label: str
    css: str
    width: float
    height: float


SIZES = {
    "A3": Size("A3 (297 × 420 mm)", "A3", 297, 420),
    "A4": Size("A4 (210 × 297 mm)", "A4", 210, 297),
    "A5": Size("A5 (148 × 210 mm)", "A5", 148, 210),
    "Letter": Size("US Letter (8.5 × 11 in)", "letter", 215.9, 279.4),
}
ORIENTATIONS = ("portrait", "landscape")


@dataclass(frozen=True)
class Design:
    """One leaflet layout: which sizes and orientations it allows, how many quotations, type limits."""

    id: str
    label: str
    description: str
    template: str
    sizes: tuple[str, ...]
    orientations: tuple[str, ...]
    min_quotes: int
    max_quotes: int
    base_pt: float            # root type size at scale 1 on the reference width below
    reference_width: float    # mm; larger paper scales type up proportionally
    scales: tuple[float, ...]  # type scales allowed, largest first: below 1 to fit long text, above to fill
    margin: float = 12.0      # mm, the safe area inside the trim
    two_up: bool = False      # two copies side by side on a landscape sheet, cut in half
    noun: str = "leaflet"     # what organizers call it, for messages ("the flyer comes in …")


def _steps(low: float, high: float) -> tuple[float, ...]:
    """Type scales from ``high`` down to ``low`` in 5 % steps (1 is the design's own size)."""
    count = round((high - low) / 0.05)
    return tuple(round(high - i * 0.05, 2) for i in range(count + 1))


DESIGNS = {
    "poster": Design("poster", "Single-quote poster",
                     "One quotation set large, with its speaker and source; for walls and noticeboards.",
                     "print/leaflet_poster.html", ("A3", "A4", "Letter"), ORIENTATIONS, 1, 1,
                     base_pt=13, reference_width=210, scales=_steps(0.5, 2.5), margin=15, noun="poster"),
    "flyer": Design("flyer", "Flyer: headline, quotations, call to action",
                    "A headline, two or three quotations and what to do next; to hand out.",
                    "print/leaflet_flyer.html", ("A5", "A4", "Letter"), ("portrait",), 1, 3,
                    base_pt=9.5, reference_width=148, scales=_steps(0.85, 2.2), margin=10, noun="flyer"),
    "handout": Design("handout", "Two-column handout with context",
                      "A headline, an introduction and up to four quotations with their context, in two columns.",
                      "print/leaflet_handout.html", ("A4", "Letter"), ("portrait",), 1, 4,
                      base_pt=10, reference_width=210, scales=_steps(0.85, 1.4), margin=14, noun="handout"),
    "two-up": Design("two-up", "Two A5 flyers on one sheet (cut in half)",
                     "The flyer printed twice on a landscape sheet, to cut in half: half the paper.",
                     "print/leaflet_twoup.html", ("A4", "Letter"), ("portrait",), 1, 2,
                     base_pt=9, reference_width=148, scales=_steps(0.85, 2.2), margin=9, two_up=True,
                     noun="two-up sheet"),
}
LANGUAGES = {code: lang.dir for code, lang in languages.LANGUAGES.items()}
# How quotations are printed in a leaflet whose language is not theirs: translated into it (the
# default), in the original language, or both side by side. Translations must be reviewed unless
# the organizer allows drafts, which are then marked "draft translation" on the page.
QUOTATIONS = ("translated", "original", "bilingual")

# Field limits (characters). The layout decides what fits; these only stop absurd input early.
LIMITS = {"headline": 140, "intro": 900, "call_to_action": 400, "qr_url": 400, "qr_label": 100,
          "contact": 160, "title": 200}
FIELDS = ("kind", "design", "size", "orientation", "quotes", "title", "headline", "intro", "call_to_action",
          "qr_url", "qr_label", "contact", "bleed", "lang", "quotations", "drafts")
BLOCK_FIELDS = {"headline": "headline", "intro": "intro", "call_to_action": "call_to_action", "qr": "qr_label",
                "contact": "contact"}


class LeafletOverflow(renderer.RenderError):
    """The chosen text does not fit the design even at the smallest type size allowed."""


@dataclass(frozen=True)
class LeafletSpec:
    """Everything that determines a leaflet, validated."""

    design: str
    size: str
    orientation: str
    quotes: tuple[str, ...]
    headline: str = ""
    intro: str = ""
    call_to_action: str = ""
    qr_url: str = ""
    qr_label: str = ""
    contact: str = ""
    title: str = ""
    bleed: bool = True
    lang: str = "en"
    quotations: str = "translated"
    drafts: bool = False

    def as_data(self) -> dict:
        """The pamphlet-file form of this spec (defaults left out, so files stay short)."""
        data = {"kind": "leaflet", "design": self.design, "size": self.size, "orientation": self.orientation,
                "quotes": list(self.quotes)}
        for name in ("title", "headline", "intro", "call_to_action", "qr_url", "qr_label", "contact"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        if not self.bleed:
            data["bleed"] = False
        if self.lang != "en":
            data["lang"] = self.lang
        if self.quotations != "translated":
            data["quotations"] = self.quotations
        if self.drafts:
            data["drafts"] = True
        return data


# -- validation ------------------------------------------------------------------------------

def size_problem(design: str, size: str) -> str | None:
    """Why ``size`` cannot be used for ``design`` (None if it can)."""
    if size not in SIZES:
        return f"unknown size {size!r}; expected one of {', '.join(SIZES)}"
    if design in DESIGNS and size not in DESIGNS[design].sizes:
        return f"the {DESIGNS[design].noun} comes in {', '.join(DESIGNS[design].sizes)}, not {size}"
    return None


def orientation_problem(design: str, orientation: str) -> str | None:
    """Why ``orientation`` cannot be used for ``design`` (None if it can)."""
    if orientation not in ORIENTATIONS:
        return f"unknown orientation {orientation!r}; expected portrait or landscape"
    if design in DESIGNS and orientation not in DESIGNS[design].orientations:
        return f"the {DESIGNS[design].noun} is {' or '.join(DESIGNS[design].orientations)} only"
    return None


def quotes_problem(design: str, ids: list[str]) -> str | None:
    """Why these quotation ids cannot be used (count for the design, unknown or no longer verbatim)."""
    if not ids:
        return "choose at least one quotation"
    if len(set(ids)) != len(ids):
        return "a quotation is chosen twice"
    if design in DESIGNS:
        d = DESIGNS[design]
        if not d.min_quotes <= len(ids) <= d.max_quotes:
            wanted = str(d.max_quotes) if d.min_quotes == d.max_quotes else f"{d.min_quotes} to {d.max_quotes}"
            return f"the {d.noun} takes {wanted} quotation(s), not {len(ids)}"
    try:
        quotes.get_many_verified(list(ids))
    except quotes.QuoteError as exc:
        return exc.message
    except verbatim.NotVerbatim as exc:
        return f"a quotation no longer matches its source: {exc}"
    return None


def translation_problem(ids: list[str], lang: str, quotations: str = "translated", drafts: bool = False) -> str | None:
    """Why the chosen quotations cannot be printed in ``lang`` as asked (None if they can)."""
    if quotations == "original" or not ids:
        return None
    try:
        for quote in quotes.get_many_verified(list(ids)):
            translations.output_quote(quote, lang, allow_drafts=drafts)
    except translations.MissingTranslation as exc:
        return f"{exc.message}; or print the quotations in the original (quotations: original)"
    except (quotes.QuoteError, verbatim.NotVerbatim):
        return None  # reported by quotes_problem
    return None


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a web address a QR code should point to (None if it is)."""
    if not url:
        return None
    if len(url) > LIMITS["qr_url"]:
        return f"is longer than {LIMITS['qr_url']} characters"
    if any(c.isspace() or ord(c) < 32 for c in url) or any(c in url for c in '<>"\'`{}|\\^'):
        return "must be a single web address without spaces or quotes, e.g. https://example.org/join"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a valid web address"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must start with https:// (or http://) and name a site"
    return None


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise PamphletError(name, "must be text")
    text = str(value).strip()
    # One paragraph per blank line; inner line breaks and runs of spaces become single spaces.
    text = "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip())
    if len(text) > LIMITS[name]:
        raise PamphletError(name, f"is longer than {LIMITS[name]} characters ({len(text)})")
    if any(ord(c) < 32 and c != "\n" for c in text):
        raise PamphletError(name, "contains control characters")
    return text


def validate(data: dict) -> LeafletSpec:
    """Check a leaflet's plain data; raise :class:`PamphletError` naming the first bad field."""
    if not isinstance(data, dict):
        raise PamphletError("leaflet", "expected a mapping of field: value")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise PamphletError(unknown[0], f"unknown field; expected some of {', '.join(FIELDS[1:])}")
    design = data.get("design")
    if design not in DESIGNS:
        raise PamphletError("design", f"unknown design {design!r}; expected one of {', '.join(DESIGNS)}")
    size = str(data.get("size") or DESIGNS[design].sizes[0])
    if problem := size_problem(design, size):
        raise PamphletError("size", problem)
    orientation = str(data.get("orientation") or "portrait")
    if problem := orientation_problem(design, orientation):
        raise PamphletError("orientation", problem)
    ids = data.get("quotes")
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise PamphletError("quotes", "must be a list of quotation ids")
    if problem := quotes_problem(design, ids):
        raise PamphletError("quotes", problem)
    texts = {name: _text(data, name) for name in LIMITS}
    if problem := url_problem(texts["qr_url"]):
        raise PamphletError("qr_url", problem)
    if texts["qr_label"] and not texts["qr_url"]:
        raise PamphletError("qr_label", "give the web address (qr_url) the QR code should point to")
    bleed = data.get("bleed", True)
    if not isinstance(bleed, bool):
        raise PamphletError("bleed", "must be true or false")
    lang = data.get("lang") or "en"
    if lang not in LANGUAGES:
        raise PamphletError("lang", f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    quotations = data.get("quotations") or "translated"
    if quotations not in QUOTATIONS:
        raise PamphletError("quotations", f"unknown choice {quotations!r}; expected one of {', '.join(QUOTATIONS)}")
    if quotations == "bilingual" and lang == "en":
        raise PamphletError("quotations", "a bilingual leaflet prints the quotations in the original and in the "
                                          "leaflet's language: choose lang: ru or ar")
    drafts = data.get("drafts", False)
    if not isinstance(drafts, bool):
        raise PamphletError("drafts", "must be true or false")
    if problem := translation_problem(ids, lang, quotations, drafts):
        raise PamphletError("quotes", problem)
    return LeafletSpec(design=design, size=size, orientation=orientation, quotes=tuple(ids), bleed=bleed,
                       lang=lang, quotations=quotations, drafts=drafts, **texts)


DEFAULT_AUTHOR = "Handbill"  # a leaflet without a contact line is signed by the toolkit, as packs are

# -- data → HTML → PDF ------------------------------------------------------------------------

def _credit(source, lang: str = "en") -> dict:
    """The source credit in the leaflet's language (see ``credits.credit``), people's names as it writes them."""
    names = translations.library_texts(lang).speaker if lang != "en" else None
    found = credits.credit(source, lang, credits.catalog_gettext(catalog(lang)), names=names)
    return {**found.as_dict(), "interviewers": list(found.interviewers),
            "speaker": source.interviewee}  # as the source spells it, for the PDF's metadata


def gather(spec: LeafletSpec) -> dict:
    """The plain data a leaflet shows: the spec's texts and each quotation, re-verified, with attribution."""
    found = quotes.get_many_verified(list(spec.quotes))
    by_source: dict[str, dict] = {}
    items = []
    for q in found:
        credit = by_source.setdefault(q.source.slug, _credit(q.source, spec.lang))
        # A quotation's translation travels with it (raises MissingTranslation naming the quotation).
        tr = None if spec.quotations == "original" else translations.output_quote(q, spec.lang, spec.drafts)
        items.append({"id": q.id, "text": q.text, "speaker": q.speaker, "context": q.context,
                      "anchor": q.anchor, "source": credit["slug"], "tr": tr})
    data = asdict(spec)
    data["quotes"] = items
    data["sources"] = list(by_source.values())
    data["bilingual"] = spec.quotations == "bilingual" and any(q["tr"] for q in items)
    with_context = DESIGNS[spec.design].id == "handout"  # the one design that prints context lines
    drafts = any(q["tr"] and (q["tr"]["draft"] or (with_context and q["tr"]["context_draft"])) for q in items)
    data["draft_mark"] = translations.draft_mark(spec.lang) if drafts else ""
    return data


def qr_svg(url: str) -> bytes:
    """A vector QR code for ``url`` (error correction M, the standard quiet zone of 4 modules)."""
    buf = io.BytesIO()
    segno.make(url, error="m", micro=False, boost_error=False).save(
        buf, kind="svg", xmldecl=False, border=QR_BORDER, dark="#000", light="#fff", omitsize=False,
        title=None, desc=None)
    return buf.getvalue()


QR_BORDER = 4  # modules of quiet zone around the symbol, the standard's minimum


def qr_symbol_mm(design: Design, width: float, height: float) -> float:
    """The printed size of the QR symbol (without its quiet zone) for a piece of ``width`` × ``height`` mm:
    a fifth of the short side on a poster, to scan from across a corridor; at hand's reach at least
    25 mm (15 % of the short side on larger paper). One millimetre more than the minimum, so that the
    printed symbol meets it whatever the rounding of the printer and the scanner."""
    short = min(width, height)
    return float(math.ceil(0.2 * short if design.id == "poster" else max(25.0, 0.15 * short)) + 1)


def qr_caption(url: str) -> str:
    """The address as a reader would type it: no scheme, no query or fragment, no trailing slash
    (``https://handbill.example.org/g/abc?ref=x`` → ``handbill.example.org/g/abc``)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return (host + parts.path).rstrip("/") or host


def geometry(spec: LeafletSpec) -> dict:
    """Page size, bleed and the fixed areas (mm) the design's text must fit into."""
    design, size = DESIGNS[spec.design], SIZES[spec.size]
    width, height = size.width, size.height
    if spec.orientation == "landscape" or design.two_up:
        width, height = height, width
    flyer_width = width / 2 if design.two_up else width
    symbol = qr_symbol_mm(design, flyer_width, height)
    modules = segno.make(spec.qr_url, error="m", micro=False, boost_error=False).symbol_size(border=0)[0] \
        if spec.qr_url else 21
    return {
        "page_size": f"{size.css} {'landscape' if (spec.orientation == 'landscape' or design.two_up) else 'portrait'}",
        "page_bleed": "3mm" if spec.bleed else "0",
        # Crop marks are drawn outside the bleed after writing (renderer.PdfOptions.crop_marks), not by WeasyPrint.
        "page_marks": "none",
        "page_margin": "0" if design.two_up else f"{design.margin}mm",
        "width_mm": width, "height_mm": height, "margin_mm": design.margin,
        "area_width_mm": round(flyer_width - (0 if design.two_up else 2 * design.margin), 2),
        "area_height_mm": round(height - (0 if design.two_up else 2 * design.margin), 2),
        "base_pt": design.base_pt * min(flyer_width, height) / design.reference_width,
        "qr_symbol_mm": symbol,
        "qr_mm": round(symbol * (modules + 2 * QR_BORDER) / modules, 1),  # the image, quiet zone included
    }


def _subject(source: dict) -> str:
    """A source's full credit for the PDF's subject; where the leaflet's language writes the speaker's name
    otherwise ("Лейла аш-Шами"), the name as the source spells it follows in brackets, so it can be found."""
    full, named, spelled = source["full"], source["interviewee"], source.get("speaker") or ""
    if spelled and spelled not in full and named in full:
        return full.replace(named, f"{named} ({spelled})", 1)
    return full


def pdf_options(spec: LeafletSpec, data: dict) -> renderer.PdfOptions:
    """Title, author, subject, language and keywords of the PDF."""
    speakers = sorted({q["speaker"] for q in data["quotes"]})
    first = data["quotes"][0]
    title = spec.title or spec.headline or _first_words((first.get("tr") or first)["text"])
    subject = "; ".join(_subject(s) for s in data["sources"])
    keywords = ["leaflet", spec.design] + speakers
    if data.get("draft_mark"):
        # Whoever opens the file learns it holds unreviewed translations, even without printing it.
        subject = f"{data['draft_mark']} ({spec.lang}) — {subject}"
        keywords.append(data["draft_mark"])
    # The author is whoever made the leaflet: the organizer's contact line, else the campaign —
    # never a speaker, who did not write it (and least of all an interviewer).
    return renderer.PdfOptions(title=title, author=spec.contact or DEFAULT_AUTHOR, subject=subject,
                             lang=spec.lang, keywords=tuple(keywords), tagged=True,
                             crop_marks=spec.bleed, cuts=(0.5,) if DESIGNS[spec.design].two_up else ())


def _first_words(text: str, n: int = 8) -> str:
    words = text.split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


@dataclass(frozen=True)
class Describe:
    """Words an overflow as an organizer would want to read it: which block, and what to do.

    A plain class rather than a closure so a render job can be sent to a warm render worker.
    """

    spec: LeafletSpec
    data: dict

    def __call__(self, overflow: renderer.Overflow, scale: float) -> str:
        design, block = DESIGNS[self.spec.design], overflow.block
        if block.startswith("quote-"):
            n = int(block.split("-", 1)[1])
            items = self.data["quotes"]
            what = f"quotation {n} ({items[n - 1]['id']})" if 0 < n <= len(items) else "a quotation"
            advice = "choose a shorter quotation, fewer quotations or a larger size"
        else:
            what = {"headline": "the headline", "intro": "the introduction", "call_to_action": "the call to action",
                    "qr": "the QR caption", "contact": "the contact line", "credits": "the source credits"}.get(
                block, f"the {block}")
            advice = "shorten it, choose fewer quotations or a larger size"
        return (f"{what[0].upper() + what[1:]} does not fit the {design.noun} on {self.spec.size} even with "
                f"the type reduced to {scale:.0%}: {advice}.")


@dataclass(frozen=True)
class Html:
    """The leaflet's HTML at a given type scale (a class, not a closure, for the same reason)."""

    spec: LeafletSpec
    data: dict

    def __call__(self, scale: float) -> str:
        return renderer.render_html(DESIGNS[self.spec.design].template, template_context(self.spec, self.data, scale),
                                  translations=catalog(self.spec.lang))


def catalog(lang: str):
    """The message catalogue for a leaflet's own words (credits, draft marks) in its language."""
    return renderer.catalog(lang)


def columns(items: list[dict], bilingual: bool = False) -> list[list[int]]:
    """Split quotations (1-based numbers, in order) into two columns of about equal length.

    Bilingual quotations already stand in two columns (original and translation): one column of them.
    """
    if bilingual:
        return [list(range(1, len(items) + 1))]
    sizes = [len(q["text"]) + len(q.get("context", "")) // 2 + 80 for q in items]
    total, running, cut = sum(sizes), 0, len(items)
    for i, size in enumerate(sizes):
        if running + size / 2 > total / 2:
            cut = max(i, 1)
            break
        running += size
    numbers = list(range(1, len(items) + 1))
    return [numbers[:cut], numbers[cut:]]


def template_context(spec: LeafletSpec, data: dict, scale: float) -> dict:
    """Everything the print template sees for one attempt at a given type scale."""
    geo = geometry(spec)
    return {**data, **geo, "columns": columns(data["quotes"], data.get("bilingual", False)), "scale": scale, "root_pt": round(geo["base_pt"] * scale, 3),
            "dir": LANGUAGES[spec.lang], "lang": spec.lang, "design": DESIGNS[spec.design],
            "title": pdf_options(spec, data).title, "has_qr": bool(spec.qr_url),
            "qr_caption": qr_caption(spec.qr_url) if spec.qr_url else ""}


def render_pdf(spec: LeafletSpec, data: dict, *, limits: renderer.Limits | None = None) -> renderer.Fitted:
    """Pure render: validated spec + plain data → the PDF at the largest type scale that fits."""
    design = DESIGNS[spec.design]
    generated = {"qr.svg": (qr_svg(spec.qr_url), "image/svg+xml")} if spec.qr_url else {}
    try:
        return renderer.fit_pdf(Html(spec, data), scales=design.scales, pages=1, generated=generated,
                              options=pdf_options(spec, data), limits=limits, describe=Describe(spec, data))
    except renderer.RenderError as exc:
        if exc.block and not isinstance(exc, LeafletOverflow):
            raise LeafletOverflow(exc.message, exc.block) from None
        raise


def field_for_block(block: str | None) -> str | None:
    """The form/pamphlet field an overflowing block comes from."""
    if not block:
        return None
    if block.startswith("quote-"):
        return "quotes"
    return BLOCK_FIELDS.get(block)


def key(spec: LeafletSpec, context: dict | None = None) -> str:
    """The cache key of a leaflet (:func:`campaign.render.cache_key`): template and what it extends,
    the gathered data, options, assets, code version. ``context`` saves gathering it again."""
    data = context if context is not None else gather(spec)
    design = DESIGNS[spec.design]
    return renderer.cache_key(design.template, data, {"kind": "leaflet", "version": VERSION,
                                                      "geometry": geometry(spec), "scales": design.scales,
                                                      "pdf": asdict(pdf_options(spec, data)),
                                                      "segno": segno.__version__})


@dataclass
class Rendered:
    """A leaflet PDF with its cache key (the HTTP ETag) and whether it came from the cache."""

    pdf: bytes
    key: str
    cached: bool
    pages: int = field(default=1)


def render(context: dict, *, limits: renderer.Limits | None = None) -> bytes:
    """Pure: the gathered data in, the fitted leaflet's PDF out."""
    return render_pdf(spec_of(context), context, limits=limits).pdf


def spec_of(context: dict) -> LeafletSpec:
    """The spec a gathered context was made from (it carries every field, quotations as data)."""
    values = {f.name: context[f.name] for f in fields(LeafletSpec) if f.name != "quotes"}
    return LeafletSpec(quotes=tuple(q["id"] for q in context["quotes"]), **values)


def build(spec: LeafletSpec, cache_dir=None, *, limits: renderer.Limits | None = None) -> Rendered:
    """Quotations re-verified, then the cached PDF for identical input or a fresh render."""
    data = gather(spec)
    k = key(spec, data)
    pdf, hit = renderer.cached_bytes(cache_dir, k, lambda: render(data, limits=limits), ".pdf")
    return Rendered(pdf, k, hit)


# -- the pamphlet kind ---------------------------------------------------------------------

def pamphlet_validate(data: dict) -> LeafletSpec:
    """Pamphlet kind ``leaflet``: validate a file's data."""
    return validate(data)


def pamphlet_render(spec: LeafletSpec) -> bytes:
    """Pamphlet kind ``leaflet``: the PDF, through the app's render cache when an app is active."""
    return build(spec, _cache_dir()).pdf


def pamphlet_key(spec: LeafletSpec) -> str:
    """Pamphlet kind ``leaflet``: what decides the output, so unchanged pamphlets are skipped."""
    return key(spec)


def _cache_dir():
    from flask import current_app, has_app_context

    return current_app.config.get("CACHE_DIR") if has_app_context() else None
