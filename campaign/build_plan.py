"""What every kind of batch build shares: its plan (content key, file name, size), its error, ZIP writing."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Plan:
    """Worked out by the web request before a build starts: the content key, the file's name, how many files."""

    key: str
    filename: str
    total: int
    suffix: str = ".zip"
    mimetype: str = "application/zip"


class BuildError(Exception):
    """A build cannot be finished; ``message`` names what failed, ``kind`` is input, render or disk."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message


def composite_key(kind: str, version: str, parts) -> str:
    """The content key of a build made of parts: a digest of its kind, code version and the parts' own keys
    (each from :func:`campaign.render.cache_key`) and texts."""
    h = hashlib.sha256()
    h.update(json.dumps({"kind": kind, "version": version, "parts": parts}, sort_keys=True, default=str).encode())
    return h.hexdigest()


def render_cached(cache_dir: str | None, key: str, suffix: str) -> bool:
    """Whether the render cache already holds the output with this key (as ``render.cached_bytes`` stores it)."""
    return bool(cache_dir) and (Path(cache_dir) / key[:2] / f"{key}{suffix}").is_file()


def zip_bytes(files: list[tuple[str, bytes]]) -> bytes:
    """A ZIP of ``(name, bytes)``: PNGs and PDFs stored as they are (already compressed), text deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files:
            packed = name.endswith((".png", ".pdf", ".zip"))
            archive.writestr(name, body, compress_type=zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
