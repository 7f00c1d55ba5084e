"""The front door: the start page's three ways in, and thumbnails of real outputs served from the cache."""
from __future__ import annotations

import re
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


def test_the_start_page_shows_three_ways_in_to_anyone(client):
    html = client.get("/").get_data(as_text=True)
    for name in ("leaflet-flyer", "card", "pack"):
        assert f'src="/thumbnails/{name}.png"' in html
    assert 'href="/leaflets/new"' in html and "you will be asked to log in first" in html
    assert 'href="/quotes/' in html and '#cards"' in html and 'href="/groups/"' in html
    card_page = re.search(r'href="(/quotes/[a-z0-9-]+)#cards"', html).group(1)
    assert client.get(card_page).status_code == 200  # the card page is public
    assert 'id="cards"' in client.get(card_page).get_data(as_text=True)
    assert client.get("/groups/").status_code == 200
    leaflet = client.get("/leaflets/new")
    assert leaflet.status_code == 302 and "/login" in leaflet.headers["Location"]


def test_organizers_are_not_told_to_log_in(staff):
    html = staff.get("/").get_data(as_text=True)
    assert 'href="/leaflets/new"' in html and "you will be asked to log in first" not in html
