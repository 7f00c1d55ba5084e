"""Bad input on every form: file parts where text belongs, NUL bytes, bytes that are not UTF-8, bidi controls."""
from __future__ import annotations

import io
import re

import pytest

from campaign.db import db
from campaign.groups import Signup

from groups_support import (add_group, add_organizer, gapp, gclient, gconfig, login, sign_up,  # noqa: F401
                            token_of)

QUOTE = "open-air-prison"


@pytest.fixture
def admin(gapp):
    """A logged-in admin's client, a group of theirs with one signup, and that signup's manage token."""
    owner = add_organizer(gapp, admin=True)
    key = add_group(gapp, owner)
    client = gapp.test_client()
    token = token_of(sign_up(client, key))
    assert login(client).status_code == 302
    return client, key, token


# The endpoints the report saw answer 500 with a text field sent as a file part, and a field of each.
FILE_AS_TEXT = [
    ("/groups/{key}", "name"), ("/login", "email"), ("/quotes/new", "text"),
    (f"/quotes/{QUOTE}/edit", "text"), ("/sources/import", "slug"), (f"/translations/{QUOTE}/ru", "text"),
    ("/packs/new", "title"), ("/packs/preview", "title"), ("/packs/questions/new", "text"),
    ("/leaflets/new", "headline"), ("/groups/new", "title"), ("/groups/{key}/edit", "title"),
    ("/language", "next"), ("/packs/questions/1/edit", "text"),
]


@pytest.mark.parametrize("path,field", FILE_AS_TEXT)
def test_a_text_field_sent_as_a_file_is_a_400_naming_it(admin, path, field):
    client, key, _token = admin
    data = {field: (io.BytesIO(b"hello"), "x.txt"), "other": "text"}
    response = client.post(path.format(key=key), data=data, content_type="multipart/form-data")
    assert response.status_code == 400, response.status_code
    assert f"The field {field} was sent as a file" in response.get_data(as_text=True)


def test_the_transcript_upload_still_takes_a_file(app, client):
    data = {"file": (io.BytesIO("S: A short interview.\n\nQ: Is it?\n".encode()), "t.txt"),
            "slug": "short-talk", "title": "A short talk", "interviewee": "Sam"}
    response = client.post("/sources/import", data=data, content_type="multipart/form-data")
    assert response.status_code in (302, 422), response.status_code  # imported, or refused naming a line
    assert "was sent as a file" not in response.get_data(as_text=True)


@pytest.mark.parametrize("body,content_type,field", [
    (b"email=a%00b%40example.org&password=x", "application/x-www-form-urlencoded", "email"),
    (b'--B\r\nContent-Disposition: form-data; name="email"\r\n\r\n\xff\xfe@x.org\r\n--B--\r\n',
     "multipart/form-data; boundary=B", "email"),
])
def test_nul_bytes_and_broken_utf8_are_a_400_naming_the_field(client, body, content_type, field):
    response = client.post("/login", data=body, content_type=content_type)
    assert response.status_code == 400 and f"The field {field}" in response.get_data(as_text=True)


def test_a_nul_byte_in_a_signup_stores_nothing(gapp, gclient):
    key = add_group(gapp, add_organizer(gapp))
    response = sign_up(gclient, key, name="Ana\x00")
    assert response.status_code == 400 and "The field name" in response.get_data(as_text=True)
    with gapp.app_context():
        assert db.session.query(Signup).count() == 0


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_controls_are_stripped_from_names_and_the_roster_isolates_them(gapp):
    add_organizer(gapp)
    client = gapp.test_client()
    login(client)
    response = client.post("/groups/new", data={
        "title": "Reading\u202e group", "description": "", "pamphlet": "", "language": "en", "city": "Ber\u2067lin",
        "timezone": "Europe/Berlin", "meetings": "2031-05-06 18:00-20:00", "capacity": "5", "listed": "y",
        "signups_open": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)
    key = re.fullmatch(r"/groups/([^/]+)/roster", response.headers["Location"]).group(1)
    public = gapp.test_client()
    assert sign_up(public, key, name="Ana\u202eNEMO", messenger="@ana\u2066x").status_code == 303
    roster = client.get(f"/groups/{key}/roster").get_data(as_text=True)
    assert not any(c in roster for c in BIDI)
    assert "<bdi>AnaNEMO</bdi>" in roster and ">@anax</bdi>" in roster
    assert "<bdi>Reading group</bdi>" in roster
    page = public.get(f"/groups/{key}").get_data(as_text=True)
    # the title is a block of its own direction (dir="auto": isolated as <bdi> is, and aligned by its script)
    assert '<h1 dir="auto">Reading group</h1>' in page and "<bdi>Berlin</bdi>" in page
    assert not any(c in page for c in BIDI)


def test_passwords_and_long_texts_keep_what_was_typed(gapp):
    from campaign.forms import Form
    from wtforms import PasswordField, TextAreaField

    class Sample(Form):
        secret = PasswordField()
        text = TextAreaField()

    with gapp.test_request_context("/", method="POST", data={"secret": "a\u202eb", "text": "x\u2066y"}):
        form = Sample(meta={"csrf": False})
        assert form.secret.data == "a\u202eb" and form.text.data == "x\u2066y"


def test_every_upload_field_in_the_templates_is_allowed(app):
    """The allow-list matches the templates: each <input type=file> posts to an endpoint that accepts it."""
    from pathlib import Path

    from campaign import inputs

    found = set()
    for template in Path(app.template_folder).rglob("*.html"):
        if re.search(r'enctype="multipart/form-data"', template.read_text(encoding="utf-8")):
            found.add(template.relative_to(app.template_folder).as_posix())
    assert found == {"sources/import.html", "images/new.html", "brand/index.html"}
    assert inputs.UPLOAD_FIELDS == {"sources.import_source": frozenset({"file"}), "images.new": frozenset({"file"}),
                                    "brand.save": frozenset({"logo"})}
    assert set(inputs.UPLOAD_FIELDS) <= set(app.view_functions)
    assert set(inputs.PICTURE_UPLOADS) <= set(inputs.UPLOAD_FIELDS)


def test_bidi_controls_are_stripped_from_every_forms_one_line_fields(app, staff):
    """Not only the study-group forms: a quotation's context line (an editor's form) loses them too."""
    from campaign.models import QuoteDraft

    response = staff.post("/quotes/open-air-prison/edit", data={
        "id": "open-air-prison", "source": "al-shami-2016", "speaker": "Leila al-Shami",
        "text": "So they are effectively in an open-air prison.", "themes": ["aleppo-siege"],
        "context": "Our \u202enote\u202c, \u2066isolated\u2069."})
    assert response.status_code == 302, response.get_data(as_text=True)[-500:]
    with app.app_context():
        stored = db.session.scalars(db.select(QuoteDraft)).all()
        assert [d.data["context"] for d in stored] == ["Our note, isolated."]
