"""Benchmark section "kit": the campaign kit and a carousel as build jobs, cold and when reused.

Rows are ``(label, measured, baseline, ratio, target)``. Run alone with ``python bench/run.py kit``.
The kit is made through the web route (the job runs inline: ``JOBS_IMMEDIATE``) on an empty render
cache; the baseline renders the same seven files directly, one after the other, also uncached.
"""
from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUOTE = "aleppo-absolutely-critical"  # a median-length quotation (362 characters)


def _app(folder: Path):
    """A throw-away app: fresh database with the curated library, its own empty cache and builds folder."""
    from flask_migrate import upgrade

    from campaign import create_app, library

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/k.sqlite3", "CACHE_DIR": str(folder / "cache"),
                      "BUILDS_DIR": str(folder / "builds"), "JOBS_IMMEDIATE": True, "REDIS_URL": "",
                      "BASE_URL": "http://127.0.0.1:5000", "REQUIRE_TWO_FACTOR": []})
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        library.load(app.config["LIBRARY_DIR"])
        from campaign import accounts
        from campaign.db import db

        accounts.create_user("bench@example.org", "bench-password-long-enough-42", roles=("organizer",))
        db.session.commit()
    return app


def _client(app):
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.org", "password": "bench-password-long-enough-42"})
    assert response.status_code == 302, response.status_code
    return client


def _direct(app) -> float:
    """The kit's eight images and PDFs rendered directly, uncached: the work without the job, the ZIP and the texts."""
    from campaign import cards, kit, leaflets, quotes, render

    with app.app_context():
        spec = kit.validate({"quote": QUOTE, "lang": "en", "source_url": f"http://127.0.0.1:5000/quotes/{QUOTE}"})
        context = kit.gather(spec)
        start = time.perf_counter()
        poster = leaflets.build(context.poster, None).pdf
        render.bounded(kit._preview_here, poster, "alt")
        leaflets.build(context.flyer, None)
        data = cards.card_quote(quotes.get_verified(QUOTE))
        for fmt in kit.FORMATS:
            cards.render_card(data, fmt, "paper", "", source_url=spec["source_url"])
        return time.perf_counter() - start


def section() -> list[tuple]:
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app = _app(folder)
        client = _client(app)
        client.get(f"/quotes/{QUOTE}/card.png?format=og&palette=night")  # start and warm the render pool
        _direct(app)  # warm every render process the same way (fonts, templates) before either is timed
        start = time.perf_counter()
        response = client.post(f"/quotes/{QUOTE}/kit")
        cold = time.perf_counter() - start
        assert response.status_code == 303, response.status_code
        direct = _direct(app)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Ready." in page, page[:2000]
        files = len(__import__("zipfile").ZipFile(__import__("io").BytesIO(
            client.get(response.headers["Location"] + "/download").data)).namelist())
        rows.append((f"kit: campaign kit of {QUOTE} ({files} files), web request with the job inline, cold cache, "
                     "vs its 8 images and PDFs rendered directly (wall time)", f"{cold:.2f} s", f"{direct:.2f} s",
                     round(cold / direct, 2), "≤ 1.25×"))
        start = time.perf_counter()
        again = client.post(f"/quotes/{QUOTE}/kit")
        reused = time.perf_counter() - start
        assert again.status_code == 303
        rows.append(("kit: the same kit asked again (the finished ZIP is reused) vs cold (wall time)",
                     f"{reused * 1000:.0f} ms", f"{cold:.2f} s", round(cold / reused, 1), "≥ 20×"))
        start = time.perf_counter()
        carousel = client.post("/carousel", data={"theme": "aleppo-siege", "palette": "paper"})
        slides = time.perf_counter() - start
        assert carousel.status_code == 303, carousel.status_code
        rows.append(("kit: carousel of the theme aleppo-siege (13 slides), cold cache (wall time)",
                     f"{slides:.2f} s", "-", "-", "info"))
        with app.app_context():
            from campaign.db import db

            db.session.remove()
            db.engine.dispose()
    return rows


if __name__ == "__main__":
    from run import print_table

    print_table(section())
