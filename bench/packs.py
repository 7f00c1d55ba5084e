"""Benchmark section "packs": the whole-interview reading pack through the app vs bare WeasyPrint; cache; memory.

Rows are ``(label, measured, baseline, ratio, target)``. Run alone with ``python bench/packs.py``.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REPEAT = int(os.environ.get("BENCH_PACKS_REPEAT", 3))
CACHED_REPEAT = int(os.environ.get("BENCH_PACKS_CACHED_REPEAT", 30))
PACK = ROOT / "pamphlets" / "reading-pack-full.yaml"


def _median_seconds(fn, repeat: int = REPEAT) -> float:
    """Median wall time of ``fn()`` after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _own_peak_mb() -> float:
    """Peak RSS of the process this runs in (sent to the render process, it reports that one)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _app(folder: Path, database: Path | None = None, **config):
    """An app on a SQLite database holding the curated library (built once, reused by the memory probe)."""
    from flask_migrate import upgrade

    from campaign import create_app, library

    database = database or folder / "b.sqlite3"
    fresh = not database.exists()
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                      "CACHE_DIR": str(folder / "cache"), **config})
    if fresh:
        with app.app_context():
            upgrade(directory=app.config["MIGRATIONS_DIR"])
            library.load(app.config["LIBRARY_DIR"])
    return app


def _spec():
    import yaml

    from campaign import packs

    return packs.validate(yaml.safe_load(PACK.read_text(encoding="utf-8")))


def _bare_pdf(html: str) -> bytes:
    """Bare WeasyPrint on the same HTML: no verification, no limits, no metadata, no cache."""
    from weasyprint import HTML

    from campaign import render

    return HTML(string=html, base_url=render.ASSET_BASE, url_fetcher=render.AssetFetcher()).write_pdf()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def _memory_probe(database: str, folder: str) -> dict:
    """In a fresh process: one uncached build; the render process's and this process's peak RSS."""
    import resource

    from campaign import packs, render

    # one render process, so the process asked for its peak below is the one that rendered
    app = _app(Path(folder), Path(database), RENDER_SLOTS=1)
    with app.app_context():
        spec = _spec()
        pdf = packs.build(spec, cache_dir=None)
        worker_mb = render.bounded(_own_peak_mb)
    return {"pages": pdf.count(b"/Type /Page\n") or None, "children_mb": worker_mb,
            "self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def section() -> list[tuple]:
    """The "packs" section's rows."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    from campaign import impose, packs

    folder = Path(tempfile.mkdtemp(prefix="handbill-bench-packs-"))
    try:
        app = _app(folder)
        rows = []
        with app.app_context():
            spec = _spec()
            html = packs.render_html(packs.gather(spec))
            pages = impose.page_count(packs.build(spec, cache_dir=None))

            app_s = _median_seconds(lambda: packs.build(spec, cache_dir=None))
            bare_s = _median_seconds(lambda: _bare_pdf(html))
            rows.append((f"packs: full pack ({pages} A5 pages, every theme), app (verify, gather, bounded render) "
                         "vs bare WeasyPrint on the same HTML", _ms(app_s), _ms(bare_s), round(app_s / bare_s, 2),
                         "≤ 1.3×"))

            cache = folder / "cache"
            packs.build(spec, cache_dir=cache)  # fill the cache
            cached_s = _median_seconds(lambda: packs.build(spec, cache_dir=cache), repeat=CACHED_REPEAT)
            rows.append(("packs: full pack again, cached (library version stamp, content key, read one file)",
                         _ms(cached_s), _ms(app_s), round(cached_s / app_s, 4), "≤ 10 ms"))

            booklet_s = _median_seconds(lambda: impose.booklet(packs.build(spec, cache_dir=cache)))
            rows.append(("packs: booklet imposition of the cached pack (pypdf, A5 two-up on A4)", _ms(booklet_s),
                         "-", "-", "info"))

            tracemalloc.start()
            _bare_pdf(html)
            _, bare_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        probe = subprocess.run([sys.executable, __file__, "--memory", str(folder / "b.sqlite3"), str(folder)],
                               capture_output=True, text=True, check=True)
        memory = json.loads(probe.stdout.strip().splitlines()[-1])
        rows.append(("packs: peak memory of the render process (max RSS of the pool process that rendered)",
                     f"{memory['children_mb']:.0f} MB", f"{memory['self_mb']:.0f} MB (parent)", "-",
                     "≤ render limit (1024 MB over its start-up size)"))
        rows.append(("packs: Python heap peak while WeasyPrint lays out the pack (tracemalloc)",
                     f"{bare_peak / 2**20:.0f} MB", "-", "-", "info"))
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--memory":
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        print(json.dumps(_memory_probe(sys.argv[2], sys.argv[3])))
    else:
        for row in section():
            print(" | ".join(str(x) for x in row))
