"""The asset-only URL fetcher: WeasyPrint may load the project's print assets and nothing else."""
from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from ..config import ROOT

ASSETS = ROOT / "static" / "print"
ASSET_BASE = "https://assets.handbill.invalid/"
GENERATED = ASSET_BASE + "generated/"
MAX_DATA_URI = 64 * 1024
MAX_ASSET_BYTES = 16 * 1024 * 1024
ASSET_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg", ".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2"}
DATA_TYPES = ("image/", "font/")


class RefusedURL(URLFetchingError):
    """A URL the renderer will not fetch."""


class AssetFetcher(URLFetcher):
    """Serves only files under ``static/print`` and this render's generated resources.

    It never opens a network connection or a ``file://`` URL: anything that is not one of
    our assets (or a small image ``data:`` URI) is refused, so there is nothing to redirect.
    """

    def __init__(self, generated: dict[str, tuple[bytes, str]] | None = None):
        super().__init__(timeout=1, allowed_protocols={"https", "data"}, allow_redirects=False)
        self.generated = generated or {}
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return self._data(url, headers)
        if not url.startswith(ASSET_BASE):
            return self._refuse(url, "not a project asset")
        try:
            parts = urlsplit(url)
        except ValueError:
            return self._refuse(url, "malformed URL")
        if parts.query or parts.fragment or parts.username or parts.password or parts.port:
            return self._refuse(url, "query strings, fragments and credentials are not served")
        # Decode twice so %252e%252e cannot smuggle a traversal past the check below.
        path = unquote(unquote(parts.path))
        if "\\" in path or "\x00" in path or "%" in path:
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
        mime = ASSET_TYPES.get(target.suffix.lower(), "")
        if not mime:
            return self._refuse(url, "asset type not served")
        if target.stat().st_size > MAX_ASSET_BYTES:
            return self._refuse(url, "asset too large")
        return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime})

    def _data(self, url: str, headers):
        """Small image and font ``data:`` URIs only (a data: stylesheet could import anything)."""
        if len(url) > MAX_DATA_URI:
            return self._refuse(url[:40] + "…", "data: URI too large")
        mime = url[5:].split(",", 1)[0].split(";", 1)[0].strip().lower()
        if not mime.startswith(DATA_TYPES):
            return self._refuse(url[:40], "only image and font data: URIs are served")
        return super().fetch(url, headers)

    def _refuse(self, url: str, why: str):
        self.refused.append(url)
        raise RefusedURL(f"refused {url!r}: {why}")
