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


# -- a group's reading pack ---------------------------------------------------------------------

def _group_with(gapp, pamphlet):
    from groups_support import add_group, add_organizer

    key = add_group(gapp, add_organizer(gapp, email=f"organizer-{pamphlet}@example.org"))
    with gapp.app_context():
        from campaign import groups
        from campaign.db import db

        groups.by_key(key).pamphlet = pamphlet
        db.session.commit()
    return key


def test_the_group_picker_offers_reading_packs_only(gapp, gclient):
    from groups_support import PAMPHLET, READING_PACK, add_organizer, login

    add_organizer(gapp)
    login(gclient)
    form = gclient.get("/groups/new").get_data(as_text=True)
    assert f'value="{READING_PACK}"' in form and "Aleppo under siege, read together" in form
    assert f'value="{PAMPHLET}"' not in form
    data = {"title": "Circle", "description": "", "pamphlet": PAMPHLET, "language": "en", "online": "y",
            "city": "", "timezone": "UTC", "capacity": "8", "listed": "y", "signups_open": "y",
            "meetings": "2030-03-01 19:00-21:00"}
    refused = gclient.post("/groups/new", data=data)
    assert refused.status_code == 422
    assert re.search(r'data-field="pamphlet">[^<]*aleppo-leaflet is not a reading pack', refused.get_data(as_text=True))
    assert gclient.post("/groups/new", data={**data, "pamphlet": READING_PACK}).status_code == 303


def test_a_group_page_names_its_reading_pack_and_offers_its_pdf(gapp, gclient):
    from groups_support import READING_PACK

    key = _group_with(gapp, READING_PACK)
    page = gclient.get(f"/groups/{key}").get_data(as_text=True)
    assert "<cite><bdi>Aleppo under siege, read together</bdi></cite>" in page
    assert f'href="/groups/{key}/pack.pdf"' in page and READING_PACK not in page.replace(f"{key}/pack.pdf", "")
    pdf = gclient.get(f"/groups/{key}/pack.pdf")  # anonymous
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    from pypdf import PdfReader

    assert PdfReader(BytesIO(pdf.data)).metadata.title == "Aleppo under siege, read together"
    again = gclient.get(f"/groups/{key}/pack.pdf", headers={"If-None-Match": pdf.headers["ETag"]})
    assert again.status_code == 304


def test_only_the_chosen_reading_pack_can_be_downloaded(gapp, gclient):
    from groups_support import PAMPHLET

    none = _group_with(gapp, None)
    leaflet = _group_with(gapp, PAMPHLET)  # chosen before only reading packs could be
    assert gclient.get(f"/groups/{none}/pack.pdf").status_code == 404
    assert gclient.get(f"/groups/{leaflet}/pack.pdf").status_code == 404
    assert PAMPHLET not in gclient.get(f"/groups/{leaflet}").get_data(as_text=True)
    assert gclient.get("/groups/no-such-group/pack.pdf").status_code == 404


def test_reading_pack_downloads_count_as_renders(make_app, gconfig):
    from groups_support import READING_PACK

    app = make_app(**gconfig, RENDER_RATE_LIMIT="2/minute")
    key = _group_with(app, READING_PACK)
    client = app.test_client()
    assert [client.get(f"/groups/{key}/pack.pdf").status_code for _ in range(3)] == [200, 200, 429]


def test_the_build_command_renders_every_thumbnail_once(app, runner, client, monkeypatch):
    result = runner.invoke(args=["thumbnails", "build"])
    assert result.exit_code == 0, result.output
    assert all(f"{name}: ready" in result.output for name in thumbnails.names())

    def refuse(*args, **kwargs):
        raise AssertionError("rendered again")

    for module, name in ((thumbnails.renderer, "bounded"), (thumbnails.renderer, "pdf_to_png"),
                         (thumbnails.leaflets, "render"), (thumbnails.packs, "render"), (thumbnails.cards, "render")):
        monkeypatch.setattr(module, name, refuse)
    assert all(client.get(f"/thumbnails/{name}.png").status_code == 200 for name in thumbnails.names())
