"""Browsing, searching, creating and editing quotations through the web pages."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from campaign.db import db
from campaign.models import Quote

pytestmark = pytest.mark.db


def quote_ids(html: bytes) -> list[str]:
    return re.findall(r'id="q-([a-z0-9-]+)"', html.decode())


@pytest.mark.parametrize("query,expected", [
    ("q=open-air", "open-air-prison"),
    ("q=prison", "open-air-prison"),
    ("q=Sputnik", None),
    ("q=talking+Syrians", None),
    ("q=bombing", None),  # stemmed: bombing ~ bombs, bombarded
])
def test_search_finds_words(client, query, expected):
    response = client.get(f"/quotes/?{query}")
    assert response.status_code == 200
    ids = quote_ids(response.data)
    assert ids, f"nothing found for {query}"
    if expected:
        assert expected in ids
    words = query[2:].replace("-", "+").split("+")
    library = {q["id"]: (q["text"] + " " + q["context"]).lower() for q in client.get("/api/quotes").get_json()}
    for qid in ids:  # every hit holds every word (or its stem)
        assert all(w.lower()[:4] in library[qid] for w in words), (qid, words)


def test_search_with_every_word_required(client):
    both = quote_ids(client.get("/quotes/?q=Putin+Trump").data)
    putin = set(quote_ids(client.get("/quotes/?q=Putin").data))
    trump = set(quote_ids(client.get("/quotes/?q=Trump").data))
    assert both and set(both) <= putin & trump


def test_search_nonsense_and_syntax_is_safe(client):
    for q in ['"', "AND OR NOT", "*", "prison)", "NEAR(", "'; DROP TABLE quotes; --"]:
        response = client.get("/quotes/", query_string={"q": q})
        assert response.status_code == 200
    assert quote_ids(client.get("/quotes/?q=zzzzqqq").data) == []
    assert b"Nothing matches" in client.get("/quotes/?q=zzzzqqq").data


def test_filters_by_theme_and_speaker(client):
    api = client.get("/api/quotes").get_json()
    rojava = quote_ids(client.get("/quotes/?theme=kurds-rojava").data)
    assert sorted(rojava) == sorted(q["id"] for q in api if "kurds-rojava" in q["themes"])
    ilya = quote_ids(client.get("/quotes/?speaker=Ilya+Matveev").data)
    assert ilya and sorted(ilya) == sorted(q["id"] for q in api if q["speaker"] == "Ilya Matveev")
    combined = quote_ids(client.get("/quotes/?theme=russian-left&speaker=Ilya+Matveev&q=Putin").data)
    assert set(combined) <= set(ilya)


def test_permalink_page(client):
    response = client.get("/quotes/open-air-prison")
    assert response.status_code == 200
    html = response.data.decode()
    assert "So they are effectively in an open-air prison." in html
    assert "Leila al-Shami" in html
    assert 'href="/sources/al-shami-2016#p2"' in html
    assert "<mark>So they are effectively in an open-air prison.</mark>" in html
    assert "People have been trapped in East Aleppo since late August." in html  # the paragraph around it


def test_unknown_quote_is_404(client):
    response = client.get("/quotes/no-such-quote")
    assert response.status_code == 404
    assert b"Not found" in response.data


def test_reader_page(client):
    response = client.get("/sources/al-shami-2016")
    assert response.status_code == 200
    html = response.data.decode()
    assert html.count('class="para"') == 63
    assert 'id="p4"' in html and "slaughter of the people is only going to increase extremism" in html
    assert "Leila al-Shami:" in html and "Ilya Matveev:" in html and "Gabriel Levy:" in html
    assert 'href="/quotes/open-air-prison"' in html
    assert "[AL-SHAMI Leila](#)" not in html
    assert "<em>Burning Country</em>" in html
    assert client.get("/sources/nope").status_code == 404


NEW = {"id": "no-water", "source": "al-shami-2016", "speaker": "Leila al-Shami",
       "text": "Fuels are running out, there is no water.", "themes": ["aleppo-siege"],
       "context": "East Aleppo, November 2016."}


def test_create_a_verbatim_quote(app, staff):
    response = staff.post("/quotes/new", data=NEW)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/quotes/no-water")
    with app.app_context():
        quote = db.session.get(Quote, "no-water")
        assert quote.anchor == "p2" and quote.speaker == "Leila al-Shami"
        assert quote.source.text[quote.start:quote.end] == "Fuels are running out, there is no water."
        assert quote.status == "draft"
    # a draft is not in the library until a second editor approves it (tests/test_review.py)
    assert "no-water" not in quote_ids(staff.get("/quotes/?q=fuels").data)


@pytest.mark.parametrize("change,field,message", [
    ({"text": "Fuels are running out, there is no food."}, "text", "'food.'"),
    ({"speaker": "Gabriel Levy"}, "speaker", "said by Leila al-Shami"),
    ({"text": "Fuels are running out, […] there is no food."}, "text", "'food.'"),
    ({"id": "Not A Slug"}, "id", "lower-case"),
    ({"id": "open-air-prison"}, "id", "already exists"),
    ({"themes": []}, "themes", "one to three"),
    ({"themes": ["aleppo-siege", "russias-war", "revolution", "kurds-rojava"]}, "themes", "one to three"),
])
def test_create_rejects_with_a_message_on_the_field(app, staff, change, field, message):
    response = staff.post("/quotes/new", data={**NEW, **change})
    assert response.status_code == 422
    html = response.data.decode()
    errors = re.findall(r'<p class="error" role="alert" data-field="(\w+)">(.*?)</p>', html, re.S)
    assert any(f == field and message in HTMLUnescape(text) for f, text in errors), errors
    with app.app_context():
        if change.get("id") != "open-air-prison":
            assert db.session.get(Quote, NEW["id"]) is None


def HTMLUnescape(text):
    import html
    return html.unescape(text)


def test_edit_that_breaks_fidelity_keeps_the_stored_quote(app, staff):
    with app.app_context():
        before = db.session.get(Quote, "open-air-prison").as_dict()
    response = staff.post("/quotes/open-air-prison/edit", data={
        "id": "open-air-prison", "source": "al-shami-2016", "speaker": "Leila al-Shami",
        "text": "So they are effectively in a prison.", "themes": ["aleppo-siege"], "context": "x"})
    assert response.status_code == 422
    assert "the quotation has &#39;a&#39; where the source reads &#39;an&#39;" in response.data.decode()
    with app.app_context():
        assert db.session.get(Quote, "open-air-prison").as_dict() == before


def test_edit_prefills_and_saves(app, staff):
    page = staff.get("/quotes/open-air-prison/edit")
    assert page.status_code == 200 and b"open-air prison" in page.data
    response = staff.post("/quotes/open-air-prison/edit", data={
        "id": "open-air-prison", "source": "al-shami-2016", "speaker": "Leila al-Shami",
        "text": "So they are effectively in an open-air prison. They are being subjected to extremely heavy "
                "bombardments and airstrikes.", "themes": ["aleppo-siege"], "context": "Longer."})
    assert response.status_code == 302
    with app.app_context():
        quote = db.session.get(Quote, "open-air-prison")
        assert quote.pending.data["text"].endswith("airstrikes.") and quote.text.endswith("prison.")
    assert b"airstrikes." in staff.get("/quotes/open-air-prison/edit").data  # the edit continues from the draft
    assert staff.get("/quotes/nope/edit").status_code == 404


def test_reader_selection_prefills_the_new_quote_form(staff):
    response = staff.get("/quotes/new", query_string={
        "source": "al-shami-2016", "speaker": "Leila al-Shami", "text": "Gas has been fired at people."})
    html = response.data.decode()
    assert "Gas has been fired at people." in html
    assert '<option selected value="Leila al-Shami">' in html or 'value="Leila al-Shami" selected' in html


def test_pages_set_privacy_headers(client):
    response = client.get("/quotes/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value and tag in ("script", "link", "img", "iframe"):
                self.refs.append(value)


@pytest.mark.parametrize("path", ["/", "/quotes/", "/quotes/open-air-prison", "/sources/al-shami-2016",
                                  "/quotes/new", "/sources/import"])
def test_pages_reference_only_their_own_assets(staff, path):
    response = staff.get(path)
    assert response.status_code == 200
    parser = _Refs()
    parser.feed(response.data.decode())
    assert parser.refs and all(r.startswith("/") and not r.startswith("//") for r in parser.refs), parser.refs
