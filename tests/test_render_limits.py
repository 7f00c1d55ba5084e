"""Renders are bounded: a per-client rate limit, and a render cache that stays under CACHE_MAX_MB."""
from __future__ import annotations

import os
from pathlib import Path

from campaign.render import ceiling as cache
from conftest import staff_client

QUOTE = "open-air-prison"


def _files(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".tmp")}


def test_renders_are_rate_limited_per_client_with_retry_after(make_app, tmp_path):
    app = make_app(RENDER_RATE_LIMIT="3/minute", RATELIMIT_KEY_PREFIX=f"t{id(tmp_path)}")
    client = staff_client(app)
    codes = [client.get(f"/quotes/{QUOTE}/card.png?mark=m{i}", environ_base={"REMOTE_ADDR": "203.0.113.9"})
             .status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get(f"/quotes/{QUOTE}/card.png?mark=m9", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "Too many requests" in refused.get_data(as_text=True)
    # Another client is not held back, and pages that render nothing are not counted.
    assert client.get(f"/quotes/{QUOTE}/card.png", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 200
    assert client.get(f"/quotes/{QUOTE}", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200


def test_every_render_endpoint_named_for_the_limit_exists(app):
    from campaign import ratelimit

    for endpoint, method in ratelimit.RENDER_ENDPOINTS.items():
        rules = list(app.url_map.iter_rules(endpoint))
        assert rules and any(method in r.methods for r in rules), endpoint


def test_the_cache_stays_under_its_ceiling_and_keeps_the_newest(make_app, tmp_path):
    cache_dir = tmp_path / "cache"
    app = make_app(CACHE_DIR=str(cache_dir), CACHE_MAX_MB=0.25, RATELIMIT_ENABLED=False)
    client = staff_client(app)
    sizes, written = [], []
    for i in range(6):
        before = set(_files(cache_dir))
        response = client.get(f"/quotes/{QUOTE}/card.png?mark=edition-{i}")
        assert response.status_code == 200
        sizes.append(len(response.data))
        files = _files(cache_dir)
        written.append((set(files) - before).pop())
        assert sum(files.values()) <= 0.25 * 1024 * 1024, files
    assert max(sizes) < 0.25 * 1024 * 1024 / 2  # the ceiling holds a few cards, not all six
    files = _files(cache_dir)
    assert 1 < len(files) < 6
    assert written[-1] in files and written[0] not in files  # the newest kept, the oldest gone
    # A hit on a cached card is served from the cache and evicts nothing.
    assert client.get(f"/quotes/{QUOTE}/card.png?mark=edition-5").status_code == 200
    assert _files(cache_dir) == files


def test_trimming_deletes_least_recently_used_files_first(tmp_path):
    for i, name in enumerate(["old", "middle", "new"]):
        path = tmp_path / "ab" / f"{name}.png"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    os.utime(tmp_path / "ab" / "old.png")  # used just now
    assert cache.trim_cache(tmp_path, 2000) == 1
    assert sorted(p.name for p in (tmp_path / "ab").iterdir()) == ["new.png", "old.png"]


def test_a_cache_hit_marks_the_file_as_used(make_app, tmp_path):
    cache_dir = tmp_path / "cache"
    app = make_app(CACHE_DIR=str(cache_dir), RATELIMIT_ENABLED=False)
    client = app.test_client()
    assert client.get(f"/quotes/{QUOTE}/card.png").status_code == 200
    (path,) = [p for p in cache_dir.rglob("*.png")]
    os.utime(path, (1_000_000, 1_000_000))
    assert client.get(f"/quotes/{QUOTE}/card.png").status_code == 200
    assert path.stat().st_mtime > 1_000_000
