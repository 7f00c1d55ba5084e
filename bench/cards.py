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


def _organizer_client(app):
    """A test client logged in as an organizer (stored photos are for organizers)."""
    from campaign import accounts
    from campaign.db import db

    with app.app_context():
        accounts.create_user("bench@example.org", "bench-password-123456", roles=("organizer",))
        db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.org", "password": "bench-password-123456"})
    assert response.status_code in (302, 303), response.status_code
    return client


def _app(folder: Path):
    """An app on a fresh SQLite database holding the curated library, with the card cache off."""
    from flask_migrate import upgrade

    from campaign import create_app, library

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "REQUIRE_TWO_FACTOR": [],
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/b.sqlite3", "RENDER_RATE_LIMIT": "",
                      "CACHE_DIR": "", "BASE_URL": "http://127.0.0.1:5000",
                      # no recycling while measuring: CPU time is read from the live render processes
                      "RENDER_MAX_TASKS": 0})
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        library.load(app.config["LIBRARY_DIR"])
    return app


def _bare_png(html: str, width: int, generated=None) -> bytes:
    """The bare pipeline: WeasyPrint → PDF → pypdfium2 → PNG, no fitting, no limits, no cache."""
    import pypdfium2 as pdfium
    from weasyprint import HTML

    from campaign import render

    pdf = HTML(string=html, base_url=render.ASSET_BASE, url_fetcher=render.AssetFetcher(generated)).write_pdf()
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


def bench_photo():
    """A stored photo for the photo layout (the photo library is not filled in a throw-away app)."""
    from PIL import Image, ImageDraw

    from campaign import images

    image = Image.new("RGB", (1600, 1067), (196, 120, 70))
    draw = ImageDraw.Draw(image)
    for y in range(0, 640, 8):  # an evening sky over a row of roofs
        draw.rectangle((0, y, 1600, y + 8), fill=(40 + y // 4, 70 + y // 5, 120 + y // 8))
    for x in range(0, 1600, 90):
        draw.rectangle((x, 560 + (x * 37) % 180, x + 80, 1067), fill=(30, 28, 36))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return images.StoredImage(id=1, data=out.getvalue(), mime="image/jpeg", width=1600, height=1067,
                              credit="Handbill test pattern", licence="CC0", alt="Roofs against an evening sky")


def _picks(app) -> dict:
    """The median quotation, and per format the longest quotation it takes (the worst case)."""
    from campaign import cards, quotes
    from campaign.db import db
    from campaign.models import Quote

    with app.app_context():
        by_length = sorted(db.session.scalars(db.select(Quote)), key=lambda q: len(q.text))
        median = by_length[len(by_length) // 2]
        picks = {"median": {fmt: median for fmt in cards.FORMATS}}
        picks["longest allowed"] = {name: [q for q in by_length if len(q.text) <= f.max_chars][-1]
                                    for name, f in cards.FORMATS.items()}
        return {label: {fmt: cards.card_quote(quotes.get_verified(q.id)) for fmt, q in chosen.items()}
                for label, chosen in picks.items()}


def _one_card_rows(app, client) -> list[tuple]:
    """Every layout × format, median and longest allowed quotation: through the app (HTTP handler,
    verbatim re-check, fitting, bounded render, metadata) vs one bare render of the same card."""
    from campaign import card_render, cards

    rows, worst = [], (0, "")
    photo = bench_photo()
    # Warm every render process on every layout and format first (each compiles templates and loads the
    # fonts it meets on its own): the rows then compare steady-state cards, as a running server renders them.
    with app.app_context():
        median = _picks(app)["median"]
    for _round in range(2):
        for layout in cards.LAYOUTS:
            for fmt, data in median.items():
                extra = "&image=1" if layout == "photo" else ""
                client.get(f"/quotes/{data.id}/card.png?format={fmt}&layout={layout}{extra}&palette=night")
    for label, by_format in _picks(app).items():
        for layout in cards.LAYOUTS:
            for fmt, data in by_format.items():
                extra = "&image=1" if layout == "photo" else ""
                url = f"/quotes/{data.id}/card.png?format={fmt}&layout={layout}{extra}"

                def through_app():
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.status_code)

                job = cards.design(data, fmt, layout=layout, image=photo if layout == "photo" else None)
                html = cards.card_html(data, fmt, layout=layout, image=job.image)
                width = cards.FORMATS[fmt].width
                app_s = _mean_seconds(through_app)
                bare_s = _mean_seconds(lambda: _bare_png(html, width, job.assets()))
                ratio = round(app_s / bare_s, 2)
                worst = max(worst, (ratio, f"{layout} {fmt} {label}"))
                rows.append((f"cards: {layout} {fmt}, {label} quote ({len(data.text)} chars), app vs bare "
                             "WeasyPrint→pdfium (CPU time)", _ms(app_s), _ms(bare_s), ratio, "≤ 1.2×"))
    # how many layouts a card takes (the first guess landing = 1)
    layouts_before = card_render.LAYOUTS
    count = 0
    for by_format in _picks(app).values():
        for layout in cards.LAYOUTS:
            for fmt, data in by_format.items():
                cards.card_render.fit(cards.design(data, fmt, layout=layout,
                                                   image=photo if layout == "photo" else None))
                count += 1
    rows.append((f"cards: layouts per card over those {count} cards (1 = the first size guess fits and fills)",
                 f"{(card_render.LAYOUTS - layouts_before) / count:.2f}", "1", "-", "info"))
    rows.append((f"cards: worst ratio above: {worst[1]}", f"{worst[0]:.2f}×", "-", worst[0], "≤ 1.2×"))
    return rows


def _preview_rows(app, client, folder: Path) -> list[tuple]:
    """The live preview: one card PNG as the cards page asks for it, uncached and cached (wall time, p50)."""
    import statistics

    from campaign import cards

    cache = folder / "preview-cache"
    app.config["CACHE_DIR"] = str(cache)
    try:
        with app.app_context():
            data = _picks(app)["median"]["square"]
        text = data.text
        words = [m.start() for m in __import__("re").finditer(r"\b\w{5,}\b", text)][:12]
        spans = [f"{i}-{i + len(text[i:].split()[0].rstrip('.,;:'))}" for i in words]
        uncached = []
        for n, span in enumerate(spans):  # each asks for a card not made yet: another phrase or layout
            layout = list(cards.LAYOUTS)[n % 4] if n % 4 != 2 else "minimal"
            url = f"/quotes/{data.id}/card.png?format=square&layout={layout}&highlight={span}"
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            uncached.append(time.perf_counter() - start)
        url = f"/quotes/{data.id}/card.png?format=square&layout=split"
        client.get(url)
        cached = []
        for _ in range(30):
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            cached.append(time.perf_counter() - start)
    finally:
        app.config["CACHE_DIR"] = ""
    return [("cards: live preview PNG, uncached (square, median quote, new phrase or layout), p50 wall time",
             _ms(statistics.median(uncached)), "250 ms", round(statistics.median(uncached) / 0.25, 2), "≤ 1.0×"),
            ("cards: live preview PNG, cached (same card again), p50 wall time",
             f"{statistics.median(cached) * 1000:.1f} ms", "10 ms", round(statistics.median(cached) / 0.01, 2),
             "≤ 1.0×")]


def _library_rows(app) -> list[tuple]:
    """Every quotation of the library a format takes, one format at a time: the typical card, not a chosen one."""
    from campaign import cards
    from campaign.db import db
    from campaign.models import Quote

    rows = []
    # inside the app, so renders use its pool (no recycling: CPU is read from the live render processes)
    with app.app_context():
        every = [cards.card_quote(q) for q in db.session.scalars(db.select(Quote).order_by(Quote.id))]
        for fmt in ("square", "og"):
            data = [d for d in every if d.length <= cards.FORMATS[fmt].max_chars]
            width = cards.FORMATS[fmt].width
            htmls = [cards.card_html(d, fmt) for d in data]
            app_s = _mean_seconds(lambda: [cards.render_card(d, fmt) for d in data], repeat=1) / len(data)
            bare_s = _mean_seconds(lambda: [_bare_png(h, width) for h in htmls], repeat=1) / len(data)
            rows.append((f"cards: all {len(data)} {fmt} cards of the library it takes (fitting, limits, metadata) "
                         "vs bare, mean CPU per card", _ms(app_s), _ms(bare_s), round(app_s / bare_s, 2), "≤ 1.2×"))
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
    jobs = [cards_batch.Job(d, f, "paper") for d in data for f in formats
            if d.length <= cards.FORMATS[f].max_chars][:BATCH]

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
             f"on {os.cpu_count()} cores; through the render pool)", f"{two:.2f} s", f"{one:.2f} s", round(one / two, 2),
             "≥ 1.8×")]


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
        from campaign import images

        photo = bench_photo()
        images.load = lambda image_id: photo  # the throw-away app has no photo library
        client = _organizer_client(app)  # stored photos are for organizers
        rows = _one_card_rows(app, client)
        rows += _preview_rows(app, client, folder)
        rows += _library_rows(app)
        rows += _batch_rows(app)
        rows += _chromium_rows(app)
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    for row in section():
        print(" | ".join(str(x) for x in row))
