"""Thumbnails of real outputs: a fixed set of public PNGs, rendered once into CACHE_DIR, then served from it."""
from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from campaign import thumbnails


@pytest.mark.parametrize("name", thumbnails.names())
def test_each_thumbnail_is_a_png_of_a_real_output_cached_with_an_etag(client, app, tmp_path, name):
    response = client.get(f"/thumbnails/{name}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(BytesIO(response.data))
    assert image.width == thumbnails.WIDTH and image.height > 100
    assert len(image.convert("L").getcolors(maxcolors=65536) or ()) > 8  # something is printed on it, not a blank page
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    etag = response.headers["ETag"]
    assert client.get(f"/thumbnails/{name}.png", headers={"If-None-Match": etag}).status_code == 304
    stored = [p for p in (tmp_path / "cache").rglob("*.png") if p.stem == etag.strip('"')]
    assert stored, "the thumbnail is kept in CACHE_DIR"


def test_a_thumbnail_is_rendered_once_then_read_from_the_cache(client, app, monkeypatch):
    first = client.get("/thumbnails/leaflet-flyer.png")
    assert first.status_code == 200

    def refuse(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(thumbnails.renderer, "pdf_to_png", refuse)
    monkeypatch.setattr(thumbnails.leaflets, "render", refuse)
    again = client.get("/thumbnails/leaflet-flyer.png")
    assert again.status_code == 200 and again.data == first.data


@pytest.mark.parametrize("name", ["poster", "leaflet-nope", "..%2Fsecret", "card.png"])
def test_unknown_thumbnails_are_404(client, name):
    assert client.get(f"/thumbnails/{name}.png").status_code == 404
