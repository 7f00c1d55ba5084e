"""Carousels: a theme's quotations (or a chosen list) as numbered 1080×1350 slides, with their alt text.

A carousel is a cover slide (the theme and the campaign's name), one slide per quotation marked
"n / N", and a credits slide (the sources, through :mod:`campaign.credits`, and the translators).
Every slide is one page of ``templates/print/carousel_slide.html`` (autoescaped, on the print base),
its type fitted to the slide by :func:`campaign.render.fit_pdf` and rasterised in the render pool.
The ZIP holds ``01-cover.png`` … and ``alt-text.txt``. :func:`plan` runs in the web request,
:func:`produce` is the build job.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from . import brand as brand_module, cards, credits, languages, palettes, quotes, render as renderer, translations
from .build_plan import BuildError, Plan, composite_key, zip_bytes
from .localized import Localized, gettext_for, localize, ngettext_for, theme_name
from .models import Theme

TEMPLATE = "print/carousel_slide.html"
VERSION = "1"
WIDTH, HEIGHT = 1080, 1350  # the portrait card format: Instagram's and Facebook's tallest feed image
MAX_QUOTES = 18  # with the cover and the credits: 20 slides, the most a carousel post takes
SCALES = tuple(round(1.6 - 0.05 * i, 2) for i in range(23))  # 1.6 down to 0.5
OPTIONS = renderer.PdfOptions(tagged=False)


def N_(message: str) -> str:
    """Mark a text for translation (the slides translate it in their own language)."""
    return message


@dataclass(frozen=True)
class SlideHtml:
    """One slide's HTML at a type scale (a class, not a closure, so it travels to a render process)."""

    context: dict
    lang: str

    def __call__(self, scale: float) -> str:
        return renderer.render_html(TEMPLATE, {**self.context, "scale": scale}, translations=renderer.catalog(self.lang))


def _slide_png(html: SlideHtml, alt: str, title: str) -> bytes:
    """Fit the slide, write it and rasterise it to exactly 1080×1350 (runs in a render process)."""
    fitted = renderer.fit_pdf(html, scales=SCALES, pages=1, options=OPTIONS, start=1.0)
    return cards.rasterise(fitted.pdf, WIDTH, HEIGHT, {"Title": title, "Description": alt, "Alt": alt})


def validate(data: dict) -> dict:
    """A carousel's plain data: ``theme`` or ``quotes`` (ids), ``lang``, ``palette``; errors name the field."""
    if not isinstance(data, dict):
        raise BuildError("input", "carousel: expected a mapping of field: value")
    theme, ids = data.get("theme") or "", list(data.get("quotes") or [])
    if bool(theme) == bool(ids):
        raise BuildError("input", "quotes: choose a theme or quotations (not both)")
    if len(ids) > MAX_QUOTES:
        raise BuildError("input", f"quotes: a carousel holds at most {MAX_QUOTES} quotations, not {len(ids)}")
    lang = data.get("lang") or "en"
    if lang not in languages.CODES:
        raise BuildError("input", f"lang: unknown language {lang!r}")
    palette = data.get("palette") or palettes.DEFAULT_PALETTE
    if palette not in palettes.names(brand_module.current()):
        raise BuildError("input", f"palette: unknown palette {palette!r}")
    return {"theme": theme, "quotes": ids, "lang": lang, "palette": palette}


def _chosen(spec: dict) -> tuple[list, str]:
    """The quotations (re-verified) and the carousel's title."""
    from .db import db

    gettext = gettext_for(spec["lang"])
    if spec["theme"]:
        theme = db.session.get(Theme, spec["theme"])
        if theme is None:
            raise BuildError("input", f"theme: unknown theme {spec['theme']!r}")
        found = quotes.search(theme=theme.id)
        if not found:
            raise BuildError("input", f"theme: theme {theme.id!r} has no quotations")
        if len(found) > MAX_QUOTES:
            raise BuildError("input", f"theme: the theme {theme.id!r} has {len(found)} quotations and a carousel "
                                      f"holds at most {MAX_QUOTES}: choose up to {MAX_QUOTES} of its quotations instead")
        for q in found:
            quotes.verify(q)
        return found, theme_name(theme, spec["lang"])
    try:
        return quotes.get_many_verified(spec["quotes"]), gettext("Quotations")
    except quotes.QuoteError as exc:
        raise BuildError("input", f"quotes: {exc.message}") from None


def slides(spec: dict) -> list[dict]:
    """Every slide as plain data: ``name`` (file), ``alt`` and ``context`` (what the template sees)."""
    found, title = _chosen(spec)
    lang = spec["lang"]
    gettext = gettext_for(lang)
    items: list[Localized] = [localize(q, lang) for q in found]
    current = brand_module.current()
    palette = palettes.resolve(spec["palette"], current).as_data()
    campaign = current.name
    total = len(items)
    base = {"palette": palette, "campaign": campaign, "width": WIDTH, "height": HEIGHT, "total": total,
            "lang": lang, "dir": languages.direction(lang)}
    count = ngettext_for(lang)("%(num)d quotation", "%(num)d quotations", total)
    names = translations.library_texts(lang).speaker if lang != "en" else str
    speakers = languages.join(dict.fromkeys(names(q.speaker) for q in found), lang)
    out = [{"name": "01-cover.png",
            "alt": f"{title} — {campaign}. {count}: {speakers}",
            "context": {**base, "kind": "cover", "title": title, "count": count, "speakers": speakers}}]
    for n, item in enumerate(items, start=1):
        out.append({"name": f"{n + 1:02d}-{item.id}.png",
                    "alt": f"{n}/{total}. {item.alt}",
                    "context": {**base, "kind": "quote", "n": n,
                                "quote": {"id": item.id, "lang": item.lang, "dir": item.dir, "text": item.text, "speaker": item.speaker,
                                          "brief": item.brief, "credit": item.translation_credit}}})
    sources = {}
    for q in found:
        sources.setdefault(q.source.slug, credits.credit(q.source, lang, gettext,
                                                         names=None if lang == "en" else names).as_dict())
    translators = sorted({i.translation_credit for i in items if i.translation_credit})
    untranslated = lang != "en" and any(not i.translated for i in items)
    lines = [s["full"] for s in sources.values()]
    out.append({"name": f"{total + 2:02d}-credits.png",
                "alt": " ".join([gettext("Sources:")] + lines + translators),
                "context": {**base, "kind": "credits", "sources": list(sources.values()), "translators": translators,
                            "untranslated": untranslated}})
    return out


def slide_key(slide: dict) -> str:
    """A slide's cache key (:func:`campaign.render.cache_key`: template, data, scales, assets)."""
    return renderer.cache_key(TEMPLATE, slide["context"], {"kind": "carousel-slide", "version": VERSION,
                                                          "scales": SCALES, "alt": slide["alt"]})


def alt_text(found: list[dict]) -> str:
    """``alt-text.txt``: each slide's file name and alt text."""
    return "\n".join(f"{s['name']}\n{s['alt']}\n" for s in found)


def filename(spec: dict) -> str:
    return f"carousel-{spec['theme'] or 'selection'}-{spec['lang']}.zip"


def plan(spec: dict) -> Plan:
    """The carousel's content key, file name and number of files (in the web request)."""
    found = slides(spec)
    return Plan(composite_key("carousel", VERSION, [[slide_key(s) for s in found], alt_text(found)]),
                filename(spec), len(found) + 1)


def produce(spec: dict, progress) -> bytes:
    """The build job: every slide (cached by content), then the ZIP with ``alt-text.txt``."""
    spec = validate(spec)
    found = slides(spec)
    total = len(found) + 1
    cache = current_app.config.get("CACHE_DIR")
    folder = f"{cache}/carousel" if cache else None
    out = []
    for slide in found:
        progress(len(out), total, slide["name"])
        html = SlideHtml(slide["context"], spec["lang"])
        title = slide["name"]
        try:
            png, _hit = renderer.cached_bytes(folder, slide_key(slide),
                                              lambda: renderer.bounded(_slide_png, html, slide["alt"], title), ".png")
        except renderer.RenderError as exc:
            what = (f"quotation {slide['context']['quote']['id']!r} is too long for a carousel slide "
                    f"({WIDTH}×{HEIGHT}); choose a shorter one (mark cuts with […])"
                    if slide["context"]["kind"] == "quote" and exc.block else exc.message)
            raise BuildError("render", f"slide {slide['name']}: {what}") from None
        out.append((slide["name"], png))
    out.append(("alt-text.txt", alt_text(found).encode("utf-8")))
    progress(total, total, filename(spec))
    return zip_bytes(out)

