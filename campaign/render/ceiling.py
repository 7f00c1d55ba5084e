"""The render cache's size ceiling: past ``CACHE_MAX_MB``, the least recently used files are deleted.

A file's mtime is its last use (the cache touches it on every hit), so trimming deletes the oldest
mtimes first. Trimming runs after a write, in the writing request; there is no background sweeper.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import current_app, has_app_context


def after_write(cache_dir: str | Path, written: Path) -> None:
    """Trim the cache to the running app's ceiling, keeping the file just written."""
    root, max_bytes = ceiling(cache_dir)
    if max_bytes is not None:
        trim_cache(root, max_bytes, keep=written)


def ceiling(cache_dir: str | Path) -> tuple[Path, int | None]:
    """The cache root and its size ceiling in bytes (``CACHE_DIR``, ``CACHE_MAX_MB`` of the running app)."""
    if not has_app_context() or not current_app.config.get("CACHE_MAX_MB"):
        return Path(cache_dir), None
    root = Path(current_app.config.get("CACHE_DIR") or cache_dir)
    if not Path(cache_dir).resolve().is_relative_to(root.resolve()):
        root = Path(cache_dir)
    return root, int(float(current_app.config["CACHE_MAX_MB"]) * 1024 * 1024)


def trim_cache(root: str | Path, max_bytes: int, keep: Path | None = None) -> int:
    """Delete the least recently used files under ``root`` until it holds at most ``max_bytes``.

    Temporary files of writes still under way are left alone. Returns the number of files deleted.
    """
    files = []
    total = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            if name.endswith(".tmp"):
                continue
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:  # deleted by another worker meanwhile
                continue
            files.append((st.st_mtime, path, st.st_size))
            total += st.st_size
    removed = 0
    keep_name = Path(keep).name if keep is not None else None  # names are content hashes: unique
    for _mtime, path, size in sorted(files):
        if total <= max_bytes:
            break
        if os.path.basename(path) == keep_name:
            continue
        try:
            os.remove(path)
        except OSError:
            continue
        total -= size
        removed += 1
    return removed
