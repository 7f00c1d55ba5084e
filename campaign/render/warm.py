"""Preloaded by the render pool's fork server: load the renderer's libraries and lay out a sample page
once, so every render process forked from the server starts with WeasyPrint, Pango and the fonts warm."""
from __future__ import annotations

import pypdfium2  # noqa: F401 - loaded here once, so no render process loads it for itself
from PIL import Image  # noqa: F401 - the same, for PNG encoding
from weasyprint import HTML

from .fetcher import ASSET_BASE, AssetFetcher
from .templates import warm as warm_templates

SAMPLE = ('<html lang="en"><head><link rel="stylesheet" href="css/base.css"></head>'
          '<body><p>Aa <b>Bb</b> <i>Cc</i> <span class="sans">Dd</span> \u0639\u0631\u0628\u064a '
          '\u0420\u0443\u0441\u0441\u043a\u0438\u0439</p></body></html>')
_warm = False


def warm_up() -> None:
    """Lay out and write the sample page (fontconfig, Pango, the fonts) and compile the print templates."""
    global _warm
    if not _warm:
        HTML(string=SAMPLE, base_url=ASSET_BASE, url_fetcher=AssetFetcher()).write_pdf()
        warm_templates()
        _warm = True


warm_up()
