"""Benchmark section "leaflet": the app's renderer vs bare WeasyPrint on the same HTML; cached vs cold.

Rows are ``(label, measured, baseline, ratio, target)``. Run alone with ``python bench/leaflet.py``.
Timings are wall-clock medians of interleaved runs (app, bare, app, bare, …), so a busy neighbour
on a shared machine slows both sides alike (CPU time would miss the work done in the render worker).
"""
from __future__ import annotations

import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REPEAT = int(os.environ.get("BENCH_LEAFLET_REPEAT", 11))
CACHED_REPEAT = int(os.environ.get("BENCH_LEAFLET_CACHED_REPEAT", 50))
PAMPHLET = ROOT / "pamphlets" / "talk-to-syrians-flyer.yaml"


def _interleaved(*fns, repeat: int = REPEAT) -> list[float]:
    """Median seconds of each function, run in turn ``repeat`` times after one warm-up each."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _bare_fetcher(generated):
    """A plain fetcher for the baseline: maps asset URLs to files, no checks (WeasyPrint alone)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from campaign import render

    class Plain(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(render.GENERATED):
                body, mime = generated[url[len(render.GENERATED):]]
                return URLFetcherResponse(url, body, {"Content-Type": mime})
            path = render.ASSETS / url[len(render.ASSET_BASE):]
            return URLFetcherResponse(url, path.read_bytes(),
                                      {"Content-Type": render.ASSET_TYPES[path.suffix]})

    return Plain()


def _bare_pdf(html: str, generated) -> bytes:
    """Bare WeasyPrint: the same HTML, the same PDF/UA variant, in this process, no limits."""
    from weasyprint import HTML

    from campaign import render

    return HTML(string=html, base_url=render.ASSET_BASE, url_fetcher=_bare_fetcher(generated)).write_pdf(
        pdf_variant="pdf/ua-1")


def _app(folder: Path):
    """The installed app when it has the library, else a throw-away one on a fresh SQLite database."""
    from flask import current_app, has_app_context
    from flask_migrate import upgrade

    from campaign import create_app, library
    from campaign.db import db
    from campaign.models import Quote

    if has_app_context():
        try:
            if db.session.get(Quote, "talking-to-syrians") is not None:
                return current_app._get_current_object()
        except Exception:  # noqa: BLE001 - an unmigrated instance database: fall back to a fresh one
            db.session.rollback()
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'b.db'}",
                      "CACHE_DIR": str(folder / "cache")})
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        library.load(app.config["LIBRARY_DIR"])
    return app


def _organizer_client(folder: Path):
    """A test client logged in as an organizer of a throw-away app (never an account in a real instance)."""
    from flask_migrate import upgrade

    from campaign import accounts, create_app, library
    from campaign.db import db

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "REQUIRE_TWO_FACTOR": [],
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'web.db'}", "CACHE_DIR": str(folder / "web")})
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        library.load(app.config["LIBRARY_DIR"])
        if accounts.find("bench@example.org") is None:
            accounts.create_user("bench@example.org", "bench-organizer-passphrase", roles=("organizer",))
            db.session.commit()
    client = app.test_client()
    login = client.post("/login", data={"email": "bench@example.org", "password": "bench-organizer-passphrase"})
    assert login.status_code == 302, login.status_code
    return client


def section() -> list[tuple]:
    """The "leaflet" section's rows."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from campaign import leaflets, pamphlets, render

    folder = Path(tempfile.mkdtemp(prefix="handbill-bench-leaflet-"))
    try:
        app = _app(folder)
        with app.app_context():
            spec = pamphlets.load(PAMPHLET).spec
            data = leaflets.gather(spec)
            fitted = leaflets.render_pdf(spec, data)
            html = render.render_html(leaflets.DESIGNS[spec.design].template,
                                      leaflets.template_context(spec, data, fitted.scale))
            generated = {"qr.svg": (leaflets.qr_svg(spec.qr_url), "image/svg+xml")}
            options = leaflets.pdf_options(spec, data)

            app_s, bare_s = _interleaved(lambda: render.write_pdf(html, generated=generated, options=options),
                                         lambda: _bare_pdf(html, generated))
            rows = [(f"leaflet: {spec.design} {spec.size}, 3 quotations + QR: app renderer (warm pool process, "
                     "time/memory-bounded, asset-only fetcher, metadata) vs bare WeasyPrint, same HTML",
                     _ms(app_s), _ms(bare_s), round(app_s / bare_s, 2), "≤ 1.2×")]

            cold_s, = _interleaved(lambda: leaflets.build(spec, None), repeat=max(3, REPEAT // 2))
            rows.append((f"leaflet: whole build cold (verify quotations, QR, fit type: {fitted.layouts} layout(s) "
                         f"to reach {fitted.scale:.0%}) vs bare WeasyPrint, one layout",
                         _ms(cold_s), _ms(bare_s), round(cold_s / bare_s, 2), "info"))

            cache = folder / "cache-bench"
            leaflets.build(spec, cache)
            cached_s, = _interleaved(lambda: leaflets.build(spec, cache), repeat=CACHED_REPEAT)
            assert leaflets.build(spec, cache).cached
            rows.append(("leaflet: identical request again, cached (quotations re-verified, content hash, read "
                         "file) — ratio is cold ÷ cached", _ms(cached_s), _ms(cold_s), round(cold_s / cached_s, 1),
                         "≥ 20×"))

            client = _organizer_client(folder)  # custom leaflets are organizers' to render
            query = {k: v for k, v in spec.as_data().items() if k != "kind"}
            query["bleed"] = "y"
            etag = client.get("/leaflets/leaflet.pdf", query_string=query).headers["ETag"]
            revalidate_s, = _interleaved(
                lambda: client.get("/leaflets/leaflet.pdf", query_string=query, headers={"If-None-Match": etag}),
                repeat=CACHED_REPEAT)
            rows.append(("leaflet: web PDF revalidation (If-None-Match → 304, nothing rendered or sent)",
                         _ms(revalidate_s), "-", "-", "info"))
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    for row in section():
        print(" | ".join(str(x) for x in row))
