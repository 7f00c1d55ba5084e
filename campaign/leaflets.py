"""Leaflets and posters: a spec (design, size, quotation ids, texts, options) → print-ready PDF.

The print-output contract, shared with cards and packs: :func:`validate` turns plain data (a
pamphlet file or the web form) into a :class:`LeafletSpec`, naming the field of any problem;
:func:`gather` fetches the quotations through the verbatim guard with their attribution;
:func:`render` is pure (plain data in, bytes out) and fits the text to the design, shrinking type
within the design's limits or failing with :class:`LeafletOverflow` naming the block that does not
fit; :func:`key` is the cache key (the one :func:`campaign.render.cache_key`).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from urllib.parse import urlsplit

import segno

from . import brand as brand_kit, credits, highlight, images, languages, palettes, quotes, render as renderer, \
    translations, verbatim
from .designs import DESIGNS, ORIENTATIONS, SIZES, Design, Size, TypeScale, colours  # noqa: F401 - the design table
from .leaflet_fit import (DEFAULT_AUTHOR, LANGUAGES, QR_BORDER, Describe, Html, columns, geometry,  # noqa: F401
                          pdf_options, qr_caption, qr_svg, qr_symbol_mm, template_context)
from .pamphlets import PamphletError

# Bump when code here changes what a PDF looks like, so cached PDFs are not reused.
VERSION = "4"

# How quotations are printed in a leaflet whose language is not theirs: translated into it (the
# default), in the original language, or both side by side. Translations must be reviewed unless
# the organizer allows drafts, which are then marked "draft translation" on the page.
QUOTATIONS = ("translated", "original", "bilingual")

# Field limits (characters). The layout decides what fits; these only stop absurd input early.
LIMITS = {"headline": 140, "intro": 900, "call_to_action": 400, "qr_url": 400, "qr_label": 100,
          "contact": 160, "title": 200}
FIELDS = ("kind", "design", "size", "orientation", "quotes", "title", "headline", "intro", "call_to_action",
          "qr_url", "qr_label", "contact", "bleed", "lang", "quotations", "drafts", "palette", "image", "group",
          "highlight", "pdf_x")
BLOCK_FIELDS = {"headline": "headline", "intro": "intro", "call_to_action": "call_to_action", "qr": "qr_label",
                "contact": "contact", "group": "group"}


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
    palette: str = ""        # a palette name; "" = the brand kit's default palette
    image: int | None = None  # the photo poster's stored image
    group: str = ""          # the study group an event poster announces (its key)
    highlight: str = ""      # "start-end": a phrase of a single quotation set in the accent
    pdf_x: bool = False      # written as PDF/X-4 for a print shop (with bleed and crop marks)

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
        if self.pdf_x:
            data["pdf_x"] = True
        for name in ("palette", "image", "group", "highlight"):
            if getattr(self, name) not in ("", None):
                data[name] = getattr(self, name)
        if self.group:
            data.pop("qr_url", None)  # the group's signup page, on this site's address when it is printed
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
        if design in DESIGNS and DESIGNS[design].min_quotes == 0:
            return None
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
    ids = data.get("quotes", [] if DESIGNS[design].min_quotes == 0 else None)
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
    pdf_x = data.get("pdf_x", False)
    if not isinstance(pdf_x, bool):
        raise PamphletError("pdf_x", "must be true or false")
    if pdf_x and not bleed:
        raise PamphletError("pdf_x", "a print-shop PDF/X has a bleed and crop marks: keep bleed on")
    if problem := translation_problem(ids, lang, quotations, drafts):
        raise PamphletError("quotes", problem)
    d = DESIGNS[design]
    extra = {"palette": _palette(data), "image": _image(d, data.get("image")), "group": _group(d, data.get("group"))}
    if extra["group"]:
        texts["qr_url"] = signup_url(extra["group"])
    extra["highlight"] = _highlight(d, data.get("highlight"), ids, lang, quotations, drafts)
    return LeafletSpec(design=design, size=size, orientation=orientation, quotes=tuple(ids), bleed=bleed,
                       lang=lang, quotations=quotations, drafts=drafts, pdf_x=pdf_x, **texts, **extra)


def _palette(data: dict) -> str:
    """The palette named (checked against the palettes on offer, the brand kit's included) or "" for the default."""
    name = data.get("palette") or ""
    if name and name not in palettes.names(brand_kit.current()):
        offered = ", ".join(palettes.names(brand_kit.current()))
        raise PamphletError("palette", f"unknown palette {name!r}; expected one of {offered}")
    return name


def _image(design: Design, value) -> int | None:
    """The photo poster's stored image id (it must exist); other designs take no image."""
    if value in (None, ""):
        if design.photo:
            raise PamphletError("image", "choose a photo for the photo poster (upload one on the Photos page first)")
        return None
    if not design.photo:
        raise PamphletError("image", f"the {design.noun} prints no photo; choose the photo poster")
    try:
        image_id = int(value)
        images.load(image_id)
    except (TypeError, ValueError):
        raise PamphletError("image", "must be the number of a stored image") from None
    except LookupError:
        raise PamphletError("image", f"there is no stored image {value}; choose one from the list") from None
    return image_id


def _group(design: Design, value) -> str:
    """The study group an event poster announces (it must exist); other designs take no group."""
    key = str(value or "").strip()
    if not key:
        if design.group:
            raise PamphletError("group", "choose the study group the poster announces")
        return ""
    if not design.group:
        raise PamphletError("group", f"the {design.noun} announces no study group; choose the study group poster")
    from . import groups

    if groups.by_key(key) is None:
        raise PamphletError("group", f"there is no study group {key[:30]!r}")
    return key


def signup_url(key: str) -> str:
    """The group's short signup address on this site (``BASE_URL/g/<key>``), as its QR code carries it."""
    from flask import current_app, has_app_context

    base = current_app.config.get("BASE_URL", "") if has_app_context() else ""
    return (base or "http://localhost").rstrip("/") + "/g/" + key


def _highlight(design: Design, value, ids: list[str], lang: str, quotations: str, drafts: bool) -> str:
    """The highlighted phrase as ``"start-end"``, checked against the quotation as it will be printed.

    The builder also takes the phrase itself, typed or pasted word for word, and finds its range."""
    if value in (None, "", (), []):
        return ""
    if not design.single_quote:
        raise PamphletError("highlight", f"the {design.noun} sets no highlight; choose a poster with one quotation")
    quote = quotes.get_many_verified(list(ids))[0]
    tr = None if quotations == "original" else translations.output_quote(quote, lang, drafts)
    printed = (tr or {}).get("text") or quote.text
    try:
        if isinstance(value, str) and not re.fullmatch(r"[\s\d-]+", value):
            return highlight.as_value(highlight.find(printed, value))
        return highlight.as_value(highlight.check(printed, highlight.parse(value)))
    except highlight.HighlightError as exc:
        raise PamphletError("highlight", exc.message) from None


# -- data → HTML → PDF ------------------------------------------------------------------------

def _credit(source, lang: str = "en") -> dict:
    """The source credit in the leaflet's language (see ``credits.credit``), people's names as it writes them."""
    names = translations.library_texts(lang).speaker if lang != "en" else None
    found = credits.credit(source, lang, credits.catalog_gettext(catalog(lang)), names=names)
    return {**found.as_dict(), "interviewers": list(found.interviewers),
            "speaker": source.interviewee}  # as the source spells it, for the PDF's metadata


def gather(spec: LeafletSpec, *, photo: images.StoredImage | None = None, group: dict | None = None) -> dict:
    """The plain data a leaflet shows: the spec's texts and each quotation, re-verified, with attribution;
    the brand kit, the palette's colours, the photo and the study group. ``photo`` and ``group`` stand in
    for the stored ones (the contact sheet's samples)."""
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
    if spec.highlight and items:  # re-verified against the quotation as it prints today
        printed = (items[0]["tr"] or items[0])["text"]
        try:
            highlight.check(printed, highlight.parse(spec.highlight))
        except highlight.HighlightError as exc:
            raise PamphletError("highlight", exc.message) from None
    kit = brand_kit.current()
    data["brand"] = kit.as_data()
    data["colours"] = colours(_resolve_palette(spec.palette, kit))
    photo = photo or (images.load(spec.image) if spec.image is not None else None)
    data["image_info"] = photo.as_data() if photo else None
    data["group_info"] = group or (group_info(spec.group, spec.lang) if spec.group else None)
    # The logo's and the photo's bytes travel as generated assets (the cache key covers their digests).
    data["assets"] = {**brand_kit.print_assets(kit), **(images.print_asset(photo) if photo else {})}
    return data


def _resolve_palette(name: str, kit) -> palettes.Palette:
    """The spec's palette, or the brand kit's default (the paper palette if that cannot be had)."""
    for candidate in (name, kit.palette, palettes.DEFAULT_PALETTE):
        if candidate:
            try:
                return palettes.resolve(candidate, kit)
            except KeyError:
                continue
    return palettes.PALETTES[palettes.DEFAULT_PALETTE]


def group_info(key: str, lang: str) -> dict:
    """What an event poster prints about a study group: title, meetings in words, place. Never who signed up."""
    from . import groups

    group = groups.by_key(key)
    if group is None:
        raise PamphletError("group", f"there is no study group {key[:30]!r}")
    meetings = []
    for meeting in group.meetings:
        starts, ends = meeting.local(group.zone)
        if lang == "en":
            from babel.dates import format_datetime

            day = format_datetime(starts, "EEEE d MMMM y", locale="en")
        else:
            day = languages.format_date(starts, lang, "weekday")
        times = f"{languages.format_date(starts, lang, 'time')}–{languages.format_date(ends, lang, 'time')}"
        meetings.append({"day": day, "time": times})
    return {"key": group.key, "title": group.title, "place": group.place, "online": bool(group.online),
            "meetings": meetings, "language": group.language}


def catalog(lang: str):
    """The message catalogue for a leaflet's own words (credits, draft marks) in its language."""
    return renderer.catalog(lang)


def render_pdf(spec: LeafletSpec, data: dict, *, limits: renderer.Limits | None = None) -> renderer.Fitted:
    """Pure render: validated spec + plain data (with its generated assets) → the PDF at the largest type
    scale that fits."""
    design = DESIGNS[spec.design]
    generated = dict(data.get("assets") or {})
    if spec.qr_url:
        generated["qr.svg"] = (qr_svg(spec.qr_url), "image/svg+xml")
    try:
        return renderer.fit_pdf(Html(spec, data), scales=design.scales, pages=1, generated=generated,
                              options=pdf_options(spec, data), limits=limits, describe=Describe(spec, data),
                                fill=0.06)
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
    data = {k: v for k, v in data.items() if k != "assets"}  # bytes: their digests are in brand and image_info
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
    values = {f.name: context[f.name] for f in fields(LeafletSpec) if f.name != "quotes" and f.name in context}
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
