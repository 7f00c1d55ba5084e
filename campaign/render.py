"""The one PDF renderer: autoescaped Jinja2 templates → WeasyPrint → bytes.

Every PDF and PNG in Handbill goes through here. Rendering is pure: plain data in,
bytes out, no request or app. WeasyPrint only ever sees HTML built by autoescaped
templates, and every URL it asks for goes through :class:`AssetFetcher`, which serves
the project's own print assets (and resources generated for this render, such as a
QR code) and refuses everything else.
"""
from __future__ import annotations

import hashlib
import os
import json
import posixpath
import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from .config import ROOT
from .filters import emphasis

TEMPLATES = ROOT / "templates"
ASSETS = ROOT / "static" / "print"
ASSET_BASE = "https://assets.handbill.invalid/"
GENERATED = ASSET_BASE + "generated/"
MAX_DATA_URI = 64 * 1024


class RenderError(ValueError):
    """A render could not finish; the message says why (overflow, time limit, bad option)."""


class RefusedURL(URLFetchingError):
    """A URL the renderer will not fetch."""


class AssetFetcher(URLFetcher):
    """Serves only files under ``static/print`` and this render's generated resources."""

    def __init__(self, generated: dict[str, tuple[bytes, str]] | None = None):
        super().__init__(timeout=1, allowed_protocols={"https", "data"}, allow_redirects=False)
        self.generated = generated or {}
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            if len(url) > MAX_DATA_URI:
                return self._refuse(url[:40] + "…", "data: URI too large")
            return super().fetch(url, headers)
        if not url.startswith(ASSET_BASE):
            return self._refuse(url, "not a project asset")
        parts = urlsplit(url)
        if parts.query or parts.fragment and not parts.path:
            return self._refuse(url, "query strings are not served")
        raw = parts.path
        path = unquote(unquote(raw))
        if "\\" in path or "\x00" in path:
            return self._refuse(url, "bad path")
        clean = posixpath.normpath(path)
        if clean != path.rstrip("/") or ".." in path.split("/") or not clean.startswith("/"):
            return self._refuse(url, "path traversal")
        if clean.startswith("/generated/"):
            key = clean[len("/generated/"):]
            if key not in self.generated:
                return self._refuse(url, "unknown generated resource")
            body, mime = self.generated[key]
            return URLFetcherResponse(url, body, {"Content-Type": mime})
        target = (ASSETS / clean.lstrip("/")).resolve()
        if not target.is_relative_to(ASSETS.resolve()) or not target.is_file():
            return self._refuse(url, "no such asset")
        mime = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
                ".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2"}.get(target.suffix, "")
        if not mime:
            return self._refuse(url, "asset type not served")
        return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime})

    def _refuse(self, url: str, why: str):
        self.refused.append(url)
        raise RefusedURL(f"refused {url!r}: {why}")


PAGE_VALUE = re.compile(r"[A-Za-z0-9 .%-]{1,40}")


def page_value(value) -> Markup:
    """A CSS page size/bleed/marks/margin value: plain words and lengths only, never free text."""
    text = str(value).strip()
    if not PAGE_VALUE.fullmatch(text):
        raise RenderError(f"not a page geometry value: {text[:40]!r}")
    return Markup(text)


def environment(translations=None) -> jinja2.Environment:
    """The print templates' Jinja environment: autoescaped, strict about undefined names."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"])
    env.filters["emphasis"] = emphasis
    env.filters["page_value"] = page_value
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


@dataclass(frozen=True)
class PdfOptions:
    """What goes into the PDF besides the page content."""

    title: str = ""
    author: str = ""
    subject: str = ""
    lang: str = "en"
    keywords: tuple[str, ...] = ()
    tagged: bool = True
    stylesheets: tuple[str, ...] = field(default=())


def write_pdf(html: str, *, generated: dict[str, tuple[bytes, str]] | None = None,
              options: PdfOptions = PdfOptions()) -> bytes:
    """Lay out HTML with WeasyPrint through the asset-only fetcher; return the PDF bytes."""
    fetcher = AssetFetcher(generated)
    document = HTML(string=html, base_url=ASSET_BASE, url_fetcher=fetcher)
    stylesheets = [CSS(string=css, base_url=ASSET_BASE, url_fetcher=fetcher) for css in options.stylesheets]
    out = BytesIO()
    document.write_pdf(out, stylesheets=stylesheets, pdf_variant="pdf/ua-1" if options.tagged else None,
                       uncompressed_pdf=False, custom_metadata=False)
    return out.getvalue()


def asset_versions() -> str:
    """A digest of every print asset, so a changed stylesheet or font invalidates cached output."""
    h = hashlib.sha256()
    for path in sorted(ASSETS.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(ASSETS)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def cache_key(template: str, context: dict, options: dict) -> str:
    """Content hash of what determines the output: template source, data, options, assets."""
    h = hashlib.sha256()
    h.update((TEMPLATES / template).read_bytes())
    h.update(json.dumps(context, sort_keys=True, default=str).encode())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    h.update(asset_versions().encode())
    return h.hexdigest()


def pdf_to_png(pdf: bytes, page: int = 0, *, width: int | None = None, scale: float = 1.0) -> bytes:
    """Rasterise one page of a PDF to PNG with pdfium (``width`` in pixels, else ``scale`` × 72 dpi)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        pdf_page = doc[page]
        if width:
            scale = width / pdf_page.get_width()
        image = pdf_page.render(scale=scale).to_pil()
        out = BytesIO()
        image.save(out, format="PNG", optimize=False)
        return out.getvalue()
    finally:
        doc.close()


def cached_bytes(cache_dir: str | Path | None, key: str, produce, suffix: str = ".bin") -> tuple[bytes, bool]:
    """Return ``(bytes, hit)``: the cached output for ``key``, or ``produce()`` stored under it.

    Files are written atomically (temp file + rename) so concurrent workers never read half a file.
    """
    if cache_dir is None:
        return produce(), False
    folder = Path(cache_dir) / key[:2]
    path = folder / (key + suffix)
    try:
        return path.read_bytes(), True
    except FileNotFoundError:
        pass
    data = produce()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return data, False
