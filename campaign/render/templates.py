"""The print templates' Jinja environment: autoescaped, strict, with the few filters print needs."""
from __future__ import annotations

import re
from functools import lru_cache

import jinja2
from markupsafe import Markup

from .. import languages
from ..config import ROOT
from ..filters import emphasis
from .errors import RenderError
from .fetcher import ASSET_BASE, GENERATED

TEMPLATES = ROOT / "templates"

PAGE_VALUE = re.compile(r"[A-Za-z0-9 .%-]{1,40}")


def page_value(value) -> Markup:
    """A CSS page size/bleed/marks/margin value: plain words and lengths only, never free text."""
    text = str(value).strip()
    if not PAGE_VALUE.fullmatch(text):
        raise RenderError(f"not a page geometry value: {text[:40]!r}")
    return Markup(text)


URL_BREAK = re.compile(r"(?<=[/?&=#])(?=.)")


def url_parts(url: str) -> Markup:
    """A URL to print: it may wrap only after ``/ ? & = #`` (never at a hyphen a reader would
    take for part of the address); pieces longer than a line may still break anywhere."""
    pieces = []
    for piece in URL_BREAK.split(str(url)):
        cls = "url-part" if len(piece) <= 28 else "url-part long"
        pieces.append(Markup('<span class="{}">{}</span>').format(cls, piece))
    return Markup("").join(pieces)


def environment(translations=None) -> jinja2.Environment:
    """The print templates' Jinja environment: autoescaped, strict about undefined names."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"])
    env.filters["emphasis"] = emphasis
    env.filters["page_value"] = page_value
    env.filters["url_parts"] = url_parts
    env.filters.update(languages.PRINT_FILTERS)
    if translations is None:
        env.install_null_translations(newstyle=True)
    else:
        env.install_gettext_translations(translations, newstyle=True)
    env.globals["asset"] = lambda name: ASSET_BASE + name
    env.globals["generated"] = lambda key: GENERATED + key
    return env


_ENV = environment()


def render_html(template: str, context: dict, translations=None) -> str:
    """Fill a print template (autoescaped)."""
    env = _ENV if translations is None else environment(translations)
    return env.get_template(template).render(**context)


@lru_cache(maxsize=8)
def catalog(lang: str):
    """The message catalogue for print's own words (credits, headings, draft marks) in ``lang``; None for English."""
    folder = ROOT / "campaign" / "translations"
    if lang == "en" or not (folder / lang).is_dir():
        return None
    from babel.support import Translations

    return Translations.load(str(folder), [lang])


def warm() -> None:
    """Compile every print template once (a render process does this before its first job)."""
    for path in sorted((TEMPLATES / "print").glob("*.html")):
        _ENV.get_template(f"print/{path.name}")
