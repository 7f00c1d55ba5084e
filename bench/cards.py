"""Benchmark section "cards": one card through the app vs the bare pipeline; batch speed-up on 2 cores.

Rows are ``(label, measured, baseline, ratio, target)``. Run alone with ``python bench/cards.py``.
"""
from __future__ import annotations

import io
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REPEAT = int(os.environ.get("BENCH_CARDS_REPEAT", 10))
BATCH = int(os.environ.get("BENCH_CARDS_BATCH", 108))
CHROMIUM = "/usr/bin/chromium"


_TICK = os.sysconf("SC_CLK_TCK")


def _descendants_cpu() -> float:
    """CPU seconds of the live processes below this one (the renderer keeps warm worker processes)."""
    parents, times = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    me, total = os.getpid(), 0.0
    for pid in times:
        ancestor = parents.get(pid)
        while ancestor and ancestor != me:
            ancestor = parents.get(ancestor)
        if ancestor == me:
            total += times[pid]
    return total


def _cpu() -> float:
    """CPU seconds used by this process and everything below it, live or finished."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime + _descendants_cpu()


def _mean_seconds(fn, repeat: int = REPEAT, clock=_cpu) -> float:
    """Mean time of ``fn()`` over ``repeat`` calls, after one warm-up call.

    Single renders are timed in CPU seconds of this process and its render processes: on a shared
    two-core machine wall time mostly measures the neighbours, CPU time measures the work. (The
    kernel counts other processes' CPU in 10 ms ticks, hence one reading around all the calls.)
    """
    fn()
    start = clock()
    for _ in range(repeat):
        fn()
    return (clock() - start) / repeat


def _app(folder: Path):
    """An app on a fresh SQLite database holding the curated library, with the card cache off."""
    from flask_migrate import upgrade

    from campaign import create_app, library

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/b.sqlite3",
                      "CACHE_DIR": "", "BASE_URL": "http://127.0.0.1:5000",
                      # no recycling while measuring: CPU time is read from the live render processes
                      "RENDER_MAX_TASKS": 0})
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        library.load(app.config["LIBRARY_DIR"])
    return app


def _bare_png(html: str, width: int) -> bytes:
    """The bare pipeline: WeasyPrint → PDF → pypdfium2 → PNG, no fitting, no limits, no cache."""
    import pypdfium2 as pdfium
    from weasyprint import HTML

    from campaign import render

    pdf = HTML(string=html, base_url=render.ASSET_BASE, url_fetcher=render.AssetFetcher()).write_pdf()
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        image = page.render(scale=width / page.get_width()).to_pil()
    finally:
        doc.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _one_card_rows(app, client) -> list[tuple]:
    """Through the app (HTTP handler, verbatim re-check, fitting, bounded render, metadata) vs bare."""
    from campaign import cards, quotes
    from campaign.db import db
    from campaign.models import Quote

    rows = []
    with app.app_context():
        by_length = sorted(db.session.scalars(db.select(Quote)), key=lambda q: len(q.text))
        picks = {"longest quote": by_length[-1], "median quote": by_length[len(by_length) // 2]}
        picked = {label: cards.card_quote(quotes.get_verified(q.id)) for label, q in picks.items()}
    for label, data in picked.items():
        for fmt in ("square", "og"):
            url = f"/quotes/{data.id}/card.png?format={fmt}"

            def through_app():
                response = client.get(url)
                assert response.status_code == 200, response.status_code

            html = cards.card_html(data, fmt)
            width = cards.FORMATS[fmt].width
            app_s = _mean_seconds(through_app)
            bare_s = _mean_seconds(lambda: _bare_png(html, width))
            rows.append((f"cards: one {fmt} card, {label} ({len(data.text)} chars), app vs bare WeasyPrint→pdfium "
                         "(CPU time)", _ms(app_s), _ms(bare_s), round(app_s / bare_s, 2), "≤ 1.3×"))
            # the same work in this process, outside the render pool: what fitting itself costs
            inline_s = _mean_seconds(lambda: cards._render_png(data, fmt, "paper", "", ""))
            rows.append(("cards:   … fit + render in-process, outside the render pool (CPU time)",
                         _ms(inline_s), _ms(bare_s), round(inline_s / bare_s, 2), "info"))
    return rows


def _library_rows(app) -> list[tuple]:
    """Every quotation of the library, one format at a time: the typical card, not a chosen one."""
    from campaign import cards
    from campaign.db import db
    from campaign.models import Quote

    rows = []
    # inside the app, so renders use its pool (no recycling: CPU is read from the live render processes)
    with app.app_context():
        data = [cards.card_quote(q) for q in db.session.scalars(db.select(Quote).order_by(Quote.id))]
        for fmt in ("square", "og"):
            width = cards.FORMATS[fmt].width
            htmls = [cards.card_html(d, fmt) for d in data]
            app_s = _mean_seconds(lambda: [cards.render_card(d, fmt) for d in data], repeat=1) / len(data)
            bare_s = _mean_seconds(lambda: [_bare_png(h, width) for h in htmls], repeat=1) / len(data)
            rows.append((f"cards: all {len(data)} {fmt} cards of the library (fitting, limits, metadata) vs bare, "
                         "mean CPU per card", _ms(app_s), _ms(bare_s), round(app_s / bare_s, 2), "≤ 1.3×"))
    return rows


def _batch_rows(app) -> list[tuple]:
    """The CLI's parallel build: the same cards one at a time and two at a time (render pool of 2 processes)."""
    from campaign import cards, cards_batch
    from campaign.db import db
    from campaign.models import Quote

    with app.app_context():
        chosen = list(db.session.scalars(db.select(Quote).order_by(Quote.position, Quote.id)))
        data = [cards.card_quote(q) for q in chosen]
    formats = ["square", "og"]
    jobs = [cards_batch.Job(d, f, "paper") for d in data for f in formats][:BATCH]

    def run(workers: int) -> float:
        start = time.perf_counter()
        with app.app_context():
            results = list(cards_batch.build(jobs, workers))
        assert all(r.png for r in results), [r.error for r in results if not r.png]
        return time.perf_counter() - start

    run(1)  # warm the renderer's caches the same way for both
    one = min(run(1) for _ in range(2))
    two = min(run(2) for _ in range(2))
    load = os.getloadavg()[0]
    return [(f"cards: batch of {len(jobs)} cards, 2 at a time vs 1, wall time (load average {load:.1f} "
             f"on {os.cpu_count()} cores)", f"{two:.2f} s", f"{one:.2f} s", round(one / two, 2), "≥ 1.7×")]


def _chromium_rows(app) -> list[tuple]:
    """A warm headless Chromium screenshot of the same HTML, for comparison with the bare pipeline."""
    if not os.path.exists(CHROMIUM):
        return [("cards: Chromium screenshot (not run: /usr/bin/chromium missing)", "-", "-", "-", "info")]
    from playwright.sync_api import sync_playwright

    from campaign import cards, quotes, render

    with app.app_context():
        data = cards.card_quote(quotes.get_verified("open-air-prison"))
    fmt = cards.FORMATS["square"]
    html = cards.card_html(data, fmt.name)

    def serve_asset(route):
        # the card's stylesheet comes from the same asset folder WeasyPrint reads (nothing leaves the machine)
        name = route.request.url[len(render.ASSET_BASE):]
        target = (render.ASSETS / name).resolve()
        if target.is_relative_to(render.ASSETS.resolve()) and target.is_file():
            route.fulfill(body=target.read_bytes(), content_type="text/css")
        else:
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": fmt.width, "height": fmt.height})
            page.route(render.ASSET_BASE + "**", serve_asset)
            page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(
                (render.ASSET_BASE, "data:", "about:")) else route.fallback())

            def shot():
                page.set_content(html, wait_until="load")
                page.screenshot(type="png")

            # wall time: the browser renders in its own processes, whose CPU time is not ours to read
            chromium_s = _mean_seconds(shot, clock=time.perf_counter)
        finally:
            browser.close()
    bare_s = _mean_seconds(lambda: _bare_png(html, fmt.width), clock=time.perf_counter)
    return [("cards: warm headless Chromium screenshot vs bare WeasyPrint→pdfium, same HTML (wall time)",
             _ms(chromium_s), _ms(bare_s), round(chromium_s / bare_s, 2), "info")]


def section() -> list[tuple]:
    """The "cards" section's rows."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    folder = Path(tempfile.mkdtemp(prefix="handbill-bench-cards-"))
    try:
        app = _app(folder)
        client = app.test_client()
        rows = _one_card_rows(app, client)
        rows += _library_rows(app)
        rows += _batch_rows(app)
        rows += _chromium_rows(app)
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    for row in section():
        print(" | ".join(str(x) for x in row))
