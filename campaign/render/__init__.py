"""The one renderer: autoescaped Jinja2 templates → WeasyPrint → PDF (and pdfium → PNG), in isolated processes.

Every PDF and PNG in Handbill goes through here. Rendering is pure: plain data in, bytes out.
WeasyPrint only ever sees HTML built by autoescaped templates (:mod:`.templates`), every URL it
asks for goes through :class:`AssetFetcher` (:mod:`.fetcher`), and every layout and rasterisation
runs in a render process with a time limit and a memory ceiling (:mod:`.isolation`, a pebble pool).
:mod:`.fit` sets text as large as it fits, :mod:`.cache` keys and stores output, :mod:`.raster`
turns PDF pages into PNGs.
"""
from __future__ import annotations

from .cache import asset_versions, cache_key, cached_bytes, template_sources
from .errors import RenderError, RenderUnavailable
from .fetcher import ASSET_BASE, ASSET_TYPES, ASSETS, GENERATED, MAX_DATA_URI, AssetFetcher, RefusedURL
from .fit import Fitted, Measure, Overflow, find_overflow, fit_pdf, measure
from .isolation import Limits, bounded, current_limits, default_limits, limits_for
from .pdf import PdfOptions, document_pdf, layout, page_box, write_pdf
from .raster import MAX_PIXELS, page_count, page_image, pdf_to_png
from .templates import TEMPLATES, catalog, environment, page_value, render_html, url_parts

__all__ = [
    "ASSET_BASE", "ASSET_TYPES", "ASSETS", "GENERATED", "MAX_DATA_URI", "MAX_PIXELS", "TEMPLATES",
    "AssetFetcher", "Fitted", "Limits", "Measure", "Overflow", "PdfOptions", "RefusedURL", "RenderError",
    "RenderUnavailable", "asset_versions", "bounded", "catalog", "cache_key", "cached_bytes", "current_limits", "default_limits",
    "document_pdf", "environment", "find_overflow", "fit_pdf", "layout", "limits_for", "measure",
    "page_box", "page_count", "page_image", "page_value", "pdf_to_png", "render_html", "template_sources",
    "url_parts", "write_pdf",
]
