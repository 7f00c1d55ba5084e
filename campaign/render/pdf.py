"""HTML → WeasyPrint → PDF bytes, through the asset-only fetcher and inside the render pool."""
from __future__ import annotations

from dataclasses import dataclass, field

from weasyprint import CSS, HTML

from .errors import RenderError
from .fetcher import ASSET_BASE, AssetFetcher
from .isolation import Limits, bounded
from .marks import add_marks


@dataclass(frozen=True)
class PdfOptions:
    """What goes into the PDF besides the page content (non-empty values override the HTML head)."""

    title: str = ""
    author: str = ""
    subject: str = ""
    lang: str = "en"
    keywords: tuple[str, ...] = ()
    tagged: bool = True
    stylesheets: tuple[str, ...] = field(default=())
    # Pages laid out with a bleed get a slug with crop marks outside it (see :mod:`.marks`), and cut
    # marks at these fractions of the trim width (0.5: a sheet cut in half).
    crop_marks: bool = False
    cuts: tuple[float, ...] = ()
    # A PDF variant WeasyPrint writes instead of tagged PDF/UA-1, e.g. "pdf/x-4" for print shops.
    variant: str = ""


def _defang(document: HTML) -> None:
    """Drop what would embed files in the PDF: ``rel=attachment`` on links and anchors.

    Our templates never use it and user text is escaped, so this only matters if a template
    ever lets markup through; it keeps the promise "no attachments" true regardless.
    """
    for element in document.etree_element.iter():
        rel = element.get("rel") if isinstance(element.tag, str) else None
        if rel and "attachment" in rel.lower().split():
            if element.tag == "link":
                element.attrib.pop("href", None)
            element.attrib.pop("rel", None)


def layout(html: str, *, generated: dict[str, tuple[bytes, str]] | None = None,
           options: PdfOptions = PdfOptions()):
    """Lay out HTML (no PDF yet) and return WeasyPrint's Document; runs in the calling process,
    so call it from work sent through :func:`bounded`."""
    fetcher = AssetFetcher(generated)
    document = HTML(string=html, base_url=ASSET_BASE, url_fetcher=fetcher)
    _defang(document)
    stylesheets = [CSS(string=css, base_url=ASSET_BASE, url_fetcher=fetcher) for css in options.stylesheets]
    # PDF/X carries an output intent: the sRGB profile WeasyPrint ships (PDF/X-4 allows an RGB
    # intent; the print shop converts to its press's CMYK).
    intent = "srgb" if options.variant.startswith("pdf/x") else None
    rendered = document.render(stylesheets=stylesheets, pdf_tags=options.tagged, output_intent=intent)
    meta = rendered.metadata
    meta.attachments = []
    if options.title:
        meta.title = options.title
    if options.author:
        meta.authors = [options.author]
    if options.subject:
        meta.description = options.subject
    if options.keywords:
        meta.keywords = list(options.keywords)
    if options.lang and not meta.lang:
        meta.lang = options.lang
    meta.authors = [a for a in meta.authors if a]
    meta.keywords = [k for k in meta.keywords if k]
    return rendered


def page_box(page):
    """The laid-out box tree of one page of a Document from :func:`layout`, to measure what fits.

    WeasyPrint's public ``Page`` (``Document.pages[i]``) offers ``width``, ``height``, ``bleed``,
    ``bookmarks``, ``links``, ``anchors``, ``forms`` and ``paint()``; none of them reaches the boxes,
    which only the private ``Page._page_box`` holds (WeasyPrint 70, pinned in requirements.txt).
    This is the one place Handbill reads a private WeasyPrint name: check it first when upgrading
    (the fitting tests in tests/test_render.py fail if it moves).
    """
    try:
        return page._page_box
    except AttributeError:
        raise RenderError("this WeasyPrint version no longer exposes a page's boxes; "
                          "campaign/render/pdf.py:page_box needs updating") from None


def document_pdf(document, options: PdfOptions = PdfOptions()) -> bytes:
    """Write a laid-out Document as PDF (tagged PDF/UA-1 unless ``options.tagged`` is off or another
    ``options.variant`` is asked for), with crop
    marks in a slug around the bleed when ``options.crop_marks`` is on."""
    pdf = document.write_pdf(pdf_variant=options.variant or ("pdf/ua-1" if options.tagged else None),
                             pdf_tags=options.tagged, uncompressed_pdf=False, custom_metadata=False,
                             output_intent="srgb" if options.variant.startswith("pdf/x") else None,
                             attachments=[])
    return add_marks(pdf, options.cuts) if options.crop_marks else pdf


def _write_pdf_here(html: str, generated, options: PdfOptions) -> bytes:
    """Lay out and write, in this process (the render process runs this for :func:`write_pdf`)."""
    return document_pdf(layout(html, generated=generated, options=options), options)


def write_pdf(html: str, *, generated: dict[str, tuple[bytes, str]] | None = None,
              options: PdfOptions = PdfOptions(), limits: Limits | None = None) -> bytes:
    """Lay out HTML with WeasyPrint through the asset-only fetcher, bounded; return the PDF bytes."""
    return bounded(_write_pdf_here, html, generated, options, limits=limits)
