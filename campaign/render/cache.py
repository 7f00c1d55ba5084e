"""Render cache: one content key for every printed output, and files written atomically under CACHE_DIR."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path

from .ceiling import after_write as trim_cache_after_write
from .fetcher import ASSETS
from .templates import _ENV, TEMPLATES

log = logging.getLogger(__name__)

_asset_digest: tuple[tuple, str] | None = None


def asset_versions() -> str:
    """A digest of every print asset, so a changed stylesheet or font invalidates cached output.

    File contents are hashed only when a name, size or modification time changed since last time.
    """
    global _asset_digest
    files = sorted(p for p in ASSETS.rglob("*") if p.is_file())
    stamp = tuple((str(p), st.st_size, st.st_mtime_ns) for p in files for st in (p.stat(),))
    if _asset_digest is not None and _asset_digest[0] == stamp:
        return _asset_digest[1]
    h = hashlib.sha256()
    for path in files:
        h.update(str(path.relative_to(ASSETS)).encode())
        h.update(path.read_bytes())
    _asset_digest = (stamp, h.hexdigest())
    return _asset_digest[1]


_template_refs: dict[str, tuple[tuple[int, int], str, tuple[str, ...]]] = {}


def _template_info(name: str) -> tuple[str, tuple[str, ...]]:
    """A template's content digest and the templates it names, re-read only when the file changes."""
    path = TEMPLATES / name
    st = path.stat()
    stamp = (st.st_mtime_ns, st.st_size)
    known = _template_refs.get(name)
    if known is None or known[0] != stamp:
        from jinja2 import meta

        source = path.read_text(encoding="utf-8")
        refs = tuple(ref for ref in meta.find_referenced_templates(_ENV.parse(source)) if ref)
        known = (stamp, hashlib.sha256(source.encode("utf-8")).hexdigest(), refs)
        _template_refs[name] = known
    return known[1], known[2]


def template_sources(template: str) -> list[str]:
    """``template`` and every template it extends, includes or imports, transitively (sorted)."""
    seen: set[str] = set()
    todo = [template]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_template_info(name)[1])
    return sorted(seen)


def cache_key(template: str, context: dict, options: dict) -> str:
    """Content hash of what determines the output: template sources, data, options, assets."""
    h = hashlib.sha256()
    for name in template_sources(template):
        h.update(name.encode() + b"\0")
        h.update(_template_info(name)[0].encode())
    h.update(json.dumps(context, sort_keys=True, default=str).encode())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    h.update(asset_versions().encode())
    return h.hexdigest()


def cached_bytes(cache_dir: str | Path | None, key: str, produce, suffix: str = ".bin") -> tuple[bytes, bool]:
    """Return ``(bytes, hit)``: the cached output for ``key``, or ``produce()`` stored under it.

    Files are written atomically (temp file + rename) so concurrent workers never read half a file.
    A cache that cannot be read or written (read-only, full, not a folder) is passed by: the output
    is served uncached and one line is logged. A hit marks the file as just used (its mtime); after a
    write the cache is trimmed to its ceiling, least recently used files first (:mod:`.ceiling`).
    """
    if cache_dir is None:
        return produce(), False
    folder = Path(cache_dir) / key[:2]
    path = folder / (key + suffix)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("render cache %s cannot be read (%s); serving uncached", cache_dir, exc.strerror or exc)
        return produce(), False
    else:
        try:
            os.utime(path)
        except OSError:  # a read-only cache still serves what it holds
            pass
        return data, True
    data = produce()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
        trim_cache_after_write(cache_dir, path)
    except OSError as exc:
        log.warning("render cache %s cannot be written (%s); serving uncached", cache_dir, exc.strerror or exc)
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    return data, False
