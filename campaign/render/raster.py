"""PDF → PNG with pdfium, in a render process: previews and cards never rasterise in the web process."""
from __future__ import annotations

from io import BytesIO

import pypdfium2 as pdfium

from .errors import RenderError
from .isolation import Limits, bounded

MAX_PIXELS = 16_000_000


def page_image(pdf: bytes, page: int = 0, *, width: int | None = None, scale: float = 1.0):
    """One page of a PDF as a Pillow image, in this process (for work already in a render process).

    ``width`` in pixels, else ``scale`` × 72 dpi; the pixel count is capped so a preview request can
    never ask for a gigantic image.
    """
    doc = pdfium.PdfDocument(pdf)
    try:
        if not 0 <= page < len(doc):
            raise RenderError(f"there is no page {page + 1} (the document has {len(doc)})")
        pdf_page = doc[page]
        w, h = pdf_page.get_width(), pdf_page.get_height()
        if width:
            scale = width / w
        scale = min(scale, (MAX_PIXELS / max(w * h, 1)) ** 0.5)
        return pdf_page.render(scale=scale).to_pil()
    finally:
        doc.close()


def _png_here(pdf: bytes, page: int, width: int | None, scale: float) -> bytes:
    image = page_image(pdf, page, width=width, scale=scale)
    out = BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def pdf_to_png(pdf: bytes, page: int = 0, *, width: int | None = None, scale: float = 1.0,
               limits: Limits | None = None) -> bytes:
    """Rasterise one page of a PDF to PNG in a render process (``width`` in pixels, else ``scale`` × 72 dpi)."""
    return bounded(_png_here, pdf, page, width, scale, limits=limits)


def _count_here(pdf: bytes) -> int:
    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def page_count(pdf: bytes, *, limits: Limits | None = None) -> int:
    """How many pages a PDF has (read by pdfium in a render process)."""
    return bounded(_count_here, pdf, limits=limits)
