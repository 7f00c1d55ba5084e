"""Two-person review: web quotations, questions and translations print only once a second person approved them."""
from __future__ import annotations

import json
import re

import pytest
import yaml
from sqlalchemy import select

from campaign import packs, pamphlets, review, themes, verbatim
from campaign.db import db
from campaign.models import AuditEntry, Question, Quote, Source
from conftest import add_user, login
from groups_support import add_group, add_organizer, gapp, gconfig, sign_up  # noqa: F401 - study-group fixtures

NEW = {"id": "no-water", "source": "al-shami-2016", "speaker": "Leila al-Shami",
       "text": "Fuels are running out, there is no water.", "themes": ["aleppo-siege"],
       "context": "East Aleppo, November 2016."}
LONGER = ("So they are effectively in an open-air prison. They are being subjected to extremely heavy "
          "bombardments and airstrikes.")
ELIDED = "So they are effectively in an open-air prison. They are […] extremely heavy bombardments and airstrikes."


def _ids(response) -> set[str]:
    return set(re.findall(r'id="q-([a-z0-9-]+)"', response.get_data(as_text=True)))


def _api(client) -> dict[str, dict]:
    return {q["id"]: q for q in client.get("/api/quotes").json}


def _prints_nowhere(app, client, organizer, quote_id):
    """Assert the quotation is in no public listing, search, API, card, leaflet or pack."""
    assert quote_id not in _ids(client.get("/quotes/"))
    assert quote_id not in _ids(client.get("/quotes/?q=fuels"))
    assert quote_id not in _api(client)
    assert client.get(f"/quotes/{quote_id}").status_code == 404
    assert client.get(f"/quotes/{quote_id}/card.png").status_code in (404, 409)
    leaflet = organizer.get("/leaflets/leaflet.pdf", query_string={"design": "flyer", "size": "A5",
                                                                    "quotes": quote_id})
    assert leaflet.status_code == 422 and quote_id in leaflet.get_data(as_text=True)
    with app.app_context():
        with pytest.raises(pamphlets.PamphletError) as caught:
            packs.validate({"kind": "reading-pack", "title": "T",
                            "sections": [{"theme": "aleppo-siege", "quotes": [quote_id]}]})
        assert quote_id in str(caught.value)
        assert quote_id not in {q.id for q in themes.library_choices()[0]["quotes"]}


@pytest.mark.db
def test_a_web_quotation_prints_nowhere_until_a_second_editor_approves_it(app, client, signed_in):
    ana = signed_in("editor", email="ana@example.org")
    organizer = signed_in("organizer")
    assert ana.post("/quotes/new", data=NEW).status_code == 302
    _prints_nowhere(app, client, organizer, "no-water")
    page = ana.get("/quotes/no-water").get_data(as_text=True)
    assert "Draft: not yet approved" in page
    desk = ana.get("/review/").get_data(as_text=True)
    assert 'data-quote="no-water"' in desk and "yours" in desk
    # the author cannot approve their own draft
    screen = ana.get("/review/quotes/no-water").get_data(as_text=True)
    assert "another editor has to approve it" in screen and "/review/quotes/no-water/approve" not in screen
    assert ana.post("/review/quotes/no-water/approve").status_code == 403
    with app.app_context():
        assert db.session.get(Quote, "no-water").status == "draft"
    _prints_nowhere(app, client, organizer, "no-water")
    # nor may someone without the editor role
    assert signed_in("translator:ru").post("/review/quotes/no-water/approve").status_code == 403
    bob = signed_in("editor", email="bob@example.org")
    assert "/review/quotes/no-water/approve" in bob.get("/review/quotes/no-water").get_data(as_text=True)
    assert bob.post("/review/quotes/no-water/approve").status_code == 302
    assert "no-water" in _ids(client.get("/quotes/?q=fuels"))
    assert _api(client)["no-water"]["text"] == NEW["text"]
    assert client.get("/quotes/no-water").status_code == 200
    card = client.get("/quotes/no-water/card.png")
    assert card.status_code == 200 and card.mimetype == "image/png"
    leaflet = organizer.get("/leaflets/leaflet.pdf", query_string={"design": "flyer", "size": "A5",
                                                                    "quotes": "no-water"})
    assert leaflet.status_code == 200 and leaflet.data.startswith(b"%PDF")
    with app.app_context():
        quote = db.session.get(Quote, "no-water")
        users = dict(db.session.execute(db.text("SELECT email, id FROM users")).all())
        assert (quote.status, quote.drafted_by_id, quote.reviewed_by_id) == (
            "reviewed", users["ana@example.org"], users["bob@example.org"])
    assert 'data-quote="no-water"' not in bob.get("/review/").get_data(as_text=True)


@pytest.mark.db
def test_an_edit_of_a_published_quotation_keeps_the_published_words_until_approved(app, client, signed_in):
    ana = signed_in("editor", email="ana@example.org")
    published = _api(client)["open-air-prison"]["text"]
    edit = {**NEW, "id": "open-air-prison", "text": LONGER, "themes": ["aleppo-siege"], "context": "Longer."}
    assert ana.post("/quotes/open-air-prison/edit", data=edit).status_code == 302
    # the approved words keep printing, on every output
    assert _api(client)["open-air-prison"]["text"] == published
    assert "Longer." not in client.get("/quotes/open-air-prison").get_data(as_text=True)
    assert client.get("/quotes/open-air-prison/card.png").status_code == 200
    organizer = signed_in("organizer")
    leaflet = organizer.get("/leaflets/leaflet.pdf", query_string={"design": "flyer", "size": "A5",
                                                                    "quotes": "open-air-prison"})
    assert leaflet.status_code == 200
    assert "open-air-prison" in _ids(client.get("/quotes/"))
    # the review screen shows both versions
    bob = signed_in("editor", email="bob@example.org")
    screen = bob.get("/review/quotes/open-air-prison").get_data(as_text=True)
    assert "airstrikes" in screen and published in screen and "Published now" in screen
    assert ana.post("/review/quotes/open-air-prison/approve").status_code == 403
    assert _api(client)["open-air-prison"]["text"] == published
    assert bob.post("/review/quotes/open-air-prison/approve").status_code == 302
    assert _api(client)["open-air-prison"]["text"] == LONGER
    assert _api(client)["open-air-prison"]["context"] == "Longer."
    with app.app_context():
        assert db.session.get(Quote, "open-air-prison").pending is None


@pytest.mark.db
def test_an_edit_that_breaks_fidelity_is_refused_before_it_is_kept(app, signed_in):
    ana = signed_in("editor")
    response = ana.post("/quotes/open-air-prison/edit", data={**NEW, "id": "open-air-prison",
                                                              "text": "So they are effectively in a prison."})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Quote, "open-air-prison").pending is None


@pytest.mark.db
def test_the_review_screen_expands_every_elision_beside_its_paragraph(signed_in):
    ana = signed_in("editor")
    edit = {**NEW, "id": "open-air-prison", "text": ELIDED}
    assert ana.post("/quotes/open-air-prison/edit", data=edit).status_code == 302
    screen = signed_in("editor").get("/review/quotes/open-air-prison").get_data(as_text=True)
    parts = re.findall(r'<li class="part part-(\w+)" data-kind="\w+">(.*?)</li>', screen, re.S)
    assert [kind for kind, _ in parts] == ["text", "elision", "text"]
    assert re.search(r"leaves out:\s*<del class=\"omitted\">being subjected to</del>", parts[1][1])
    # the source paragraph, with the quoted range marked, so the left-out words can be read in place
    assert re.search(r"<mark>[^<]*being subjected to[^<]*</mark>", screen)


def test_each_mark_is_given_with_the_words_it_stands_for(app):
    with app.app_context():
        source = db.session.scalar(select(Source))
        parts = review.parts("[…] are running out, […] no water. […]", "Leila al-Shami", source)
        assert [(p.kind, p.text, p.source) for p in parts] == [
            ("elision", "[…]", ""), ("text", "are running out,", "are running out,"), ("elision", "[…]", "there is"),
            ("text", "no water.", "no water."), ("elision", "[…]", "")]
        quote = db.session.get(Quote, "crush-the-democratic-opposition")
        marks = [p for p in review.parts(quote.text, quote.speaker, quote.source) if p.kind != "text"]
        assert [p.text for p in marks] == ["[Russia]"] and marks[0].kind in ("insertion", "replacement")
        with pytest.raises(verbatim.NotVerbatim):
            review.parts("Fuels are running out, there is no food.", "Leila al-Shami", source)


@pytest.mark.db
def test_send_back_with_a_note_keeps_it_unprinted(app, client, signed_in):
    ana = signed_in("editor", email="ana@example.org")
    assert ana.post("/quotes/new", data=NEW).status_code == 302
    bob = signed_in("editor", email="bob@example.org")
    empty = bob.post("/review/quotes/no-water/send-back", data={"back-note": "  "})
    assert empty.status_code == 422 and 'data-field="back-note"' in empty.get_data(as_text=True)
    assert bob.post("/review/quotes/no-water/send-back",
                    data={"back-note": "Cut the first clause."}).status_code == 302
    assert "Cut the first clause." in ana.get("/review/").get_data(as_text=True)
    assert "no-water" not in _api(client)
    # a new version by its author clears the note and waits for review again
    assert ana.post("/quotes/no-water/edit", data={**NEW, "text": "there is no water."}).status_code == 302
    assert "Cut the first clause." not in ana.get("/review/").get_data(as_text=True)
    assert bob.post("/review/quotes/no-water/approve").status_code == 302
    assert _api(client)["no-water"]["text"] == "there is no water."


@pytest.mark.db
def test_questions_are_drafts_until_another_editor_reviews_them(app, client, signed_in):
    ana = signed_in("editor", email="ana@example.org")
    response = ana.post("/packs/questions/new", data={"theme": "kurds-rojava",
                                                      "text": "What would solidarity with Rojava ask of us?"})
    assert response.status_code == 302
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.text.like("What would solidarity%")))
        qid, position = question.id, question.position
        assert question.status == "draft"
    assert f'data-question="{qid}"' in ana.get("/review/").get_data(as_text=True)
    assert ana.post(f"/packs/questions/{qid}/review").status_code == 403
    # the pack prints only reviewed questions: asking for a draft one by number is refused
    spec = {"kind": "reading-pack", "title": "T", "sections": [{"theme": "kurds-rojava",
                                                                 "questions": [1, 2, position + 1]}]}
    with app.app_context():
        with pytest.raises(pamphlets.PamphletError) as caught:
            packs.validate(spec)
        assert "draft" in str(caught.value)
        packs.validate({**spec, "draft_questions": True})  # allowed, and then marked as drafts
    bob = signed_in("editor", email="bob@example.org")
    assert bob.post(f"/packs/questions/{qid}/send-back", data={"note": " "}).status_code == 422
    assert bob.post(f"/packs/questions/{qid}/send-back", data={"note": "Ask it openly."}).status_code == 302
    assert "Ask it openly." in ana.get("/review/").get_data(as_text=True)
    assert "Ask it openly." not in client.get("/packs/questions").get_data(as_text=True)  # for editors only
    assert bob.post(f"/packs/questions/{qid}/review").status_code == 302
    with app.app_context():
        assert db.session.get(Question, qid).status == "reviewed"
        assert db.session.get(Question, qid).review_note == ""
        packs.validate(spec)
    # editing makes it a draft again, and now its editor may not review it
    assert bob.post(f"/packs/questions/{qid}/edit", data={"theme": "kurds-rojava",
                                                          "text": "What does solidarity with Rojava ask?"}).status_code == 302
    assert bob.post(f"/packs/questions/{qid}/review").status_code == 403
    assert ana.post(f"/packs/questions/{qid}/review").status_code == 302


# -- history ---------------------------------------------------------------------------------------

def _history(app, item):
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.item == item).order_by(AuditEntry.id))
        return [(r.action, r.user_email, r.before, r.after) for r in rows]


@pytest.mark.db
def test_every_change_is_recorded_with_who_and_before_and_after(app, signed_in, runner):
    ana = signed_in("editor", "translator:ru", "organizer", email="ana@example.org")
    bob = signed_in("editor", "translator:ru", email="bob@example.org")
    # a quotation: created, approved, edited, approved
    ana.post("/quotes/new", data=NEW)
    bob.post("/review/quotes/no-water/approve")
    ana.post("/quotes/open-air-prison/edit", data={**NEW, "id": "open-air-prison", "text": LONGER})
    bob.post("/review/quotes/open-air-prison/approve")
    created, approved = _history(app, "quote:no-water")
    assert created[:3] == ("create", "ana@example.org", None) and created[3]["text"] == NEW["text"]
    assert approved[0] == "approve" and approved[1] == "bob@example.org"
    assert (approved[2]["status"], approved[3]["status"]) == ("draft", "reviewed")
    proposed, approved = _history(app, "quote:open-air-prison")[-2:]
    assert proposed[:2] == ("propose edit", "ana@example.org")
    assert proposed[2]["text"].endswith("prison.") and proposed[3]["text"] == LONGER
    assert approved[2]["text"].endswith("prison.") and approved[3]["text"] == LONGER
    # a translation: saved, then reviewed by another translator
    ana.post("/translations/open-air-prison/ru", data={"text": "Они в тюрьме.", "translator": "Анна"})
    bob.post("/translations/open-air-prison/ru/review")
    loaded, edit, review = _history(app, "translation:open-air-prison/ru")
    assert loaded[:3] == ("load", "", None) and loaded[3]["translator"] == "machine draft"
    assert edit[:2] == ("edit", "ana@example.org") and edit[3]["text"] == "Они в тюрьме."
    assert edit[2]["text"].startswith("Так что фактически")
    assert review[:2] == ("approve", "bob@example.org") and review[3]["reviewer"] == "bob@example.org"
    # a question
    ana.post("/packs/questions/new", data={"theme": "kurds-rojava", "text": "What would solidarity ask of us?"})
    with app.app_context():
        qid = db.session.scalar(select(Question.id).where(Question.text == "What would solidarity ask of us?"))
    bob.post(f"/packs/questions/{qid}/edit", data={"theme": "kurds-rojava", "text": "What does solidarity ask?"})
    created, edited = _history(app, f"question:{qid}")
    assert created[0] == "create" and created[3]["text"] == "What would solidarity ask of us?"
    assert edited[:2] == ("edit", "bob@example.org")
    assert (edited[2]["text"], edited[3]["text"]) == ("What would solidarity ask of us?", "What does solidarity ask?")
    # a source's metadata, from loading the library (by the command line)
    [(action, who, before, after)] = _history(app, "source:al-shami-2016")[:1]
    assert (action, who, before) == ("create", "", None) and after["title"]
    # shown on each item's page: quotation (editors only), translation, question
    page = ana.get("/quotes/open-air-prison").get_data(as_text=True)
    assert "propose edit" in page and "ana@example.org" in page
    assert "propose edit" not in app.test_client().get("/quotes/open-air-prison").get_data(as_text=True)
    assert "bob@example.org" in ana.get("/translations/open-air-prison/ru").get_data(as_text=True)
    assert "What would solidarity ask of us?" in ana.get(f"/packs/questions/{qid}/edit").get_data(as_text=True)
    # and by `flask audit`
    result = runner.invoke(args=["audit", "--item", "quote:no-water"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2 and "bob@example.org" in lines[0] and "approve" in lines[0] and "create" in lines[1]
    limited = runner.invoke(args=["audit", "--limit", "1", "--json"])
    [row] = [json.loads(line) for line in limited.output.strip().splitlines()]
    assert row["item"] == f"question:{qid}" and row["after"]["text"] == "What does solidarity ask?"
    assert runner.invoke(args=["audit", "--item", "quote:nothing"]).output.startswith("No changes recorded")


@pytest.mark.db
def test_the_history_holds_nothing_about_participants(gapp):
    key = add_group(gapp, add_organizer(gapp))
    client = gapp.test_client()
    assert sign_up(client, key, 3).status_code in (200, 302, 303)
    with gapp.app_context():
        rows = db.session.scalars(select(AuditEntry)).all()
        dumped = json.dumps([[r.item, r.before, r.after, r.user_email] for r in rows], ensure_ascii=False)
    assert rows and "reader3@example.net" not in dumped and "Reader 3" not in dumped
    assert not [r for r in rows if not r.item.split(":")[0] in {"quote", "translation", "question", "source",
                                                                  "pamphlet"}]


# -- pamphlets in the database ----------------------------------------------------------------------

LEAFLET = {"kind": "leaflet", "design": "flyer", "size": "A5", "quotes": ["open-air-prison"],
           "headline": "Aleppo under siege"}


@pytest.fixture
def papp(make_app, tmp_path):
    folder = tmp_path / "pamphlets"
    folder.mkdir()
    (folder / "shipped-flyer.yaml").write_text("kind: leaflet\ndesign: flyer\nsize: A5\ntitle: Shipped\n"
                                               "quotes: [open-air-prison]\n", encoding="utf-8")
    return make_app(PAMPHLETS_DIR=str(folder))


@pytest.mark.db
def test_pamphlets_export_and_import_round_trip(papp, tmp_path):
    runner = papp.test_cli_runner()
    source = tmp_path / "mine.yaml"
    source.write_text(json.dumps(LEAFLET), encoding="utf-8")
    result = runner.invoke(args=["pamphlets", "import", str(source), "--name", "aleppo-flyer"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "pamphlets" / "aleppo-flyer.yaml").exists()
    again = runner.invoke(args=["pamphlets", "import", str(source), "--name", "aleppo-flyer"])
    assert again.exit_code == 1 and "already exists" in again.output
    out = tmp_path / "exported.yaml"
    result = runner.invoke(args=["pamphlets", "export", "aleppo-flyer", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["pamphlets", "import", str(out), "--name", "copy-flyer"]).exit_code == 0
    first = runner.invoke(args=["pamphlets", "export", "aleppo-flyer"]).output
    second = runner.invoke(args=["pamphlets", "export", "copy-flyer"]).output
    assert yaml.safe_load(first) == yaml.safe_load(second) == LEAFLET
    # a shipped example's name cannot be taken; a bad file names its problem; a missing name is an error
    shipped = runner.invoke(args=["pamphlets", "import", str(out), "--name", "shipped-flyer"])
    assert shipped.exit_code == 1 and "reviewed examples" in shipped.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: leaflet\ndesign: banner\nsize: A5\nquotes: [open-air-prison]\n", encoding="utf-8")
    result = runner.invoke(args=["pamphlets", "import", str(bad)])
    assert result.exit_code == 1 and "bad.yaml:2: design" in result.output
    assert runner.invoke(args=["pamphlets", "export", "nothing-here"]).exit_code == 1
    # `flask pamphlets build` renders both kinds of source
    build = runner.invoke(args=["pamphlets", "build", "--out", str(tmp_path / "out")])
    assert build.exit_code == 0, build.output
    assert {p.name for p in (tmp_path / "out").glob("*.pdf")} == {"aleppo-flyer.pdf", "copy-flyer.pdf",
                                                                  "shipped-flyer.pdf"}
    only = runner.invoke(args=["pamphlets", "build", "copy-flyer", "--out", str(tmp_path / "one")])
    assert only.exit_code == 0 and [p.name for p in (tmp_path / "one").glob("*.pdf")] == ["copy-flyer.pdf"]
    [(action, who, before, after)] = _history(papp, "pamphlet:aleppo-flyer")
    assert (action, who, before, after) == ("create", "", None, LEAFLET)


@pytest.mark.db
def test_saved_pamphlets_are_listed_and_shown_with_their_history(papp, tmp_path):
    add_user(papp, "org@example.org", "organizer")
    client = papp.test_client()
    assert login(client, "org@example.org").status_code == 302
    source = tmp_path / "aleppo-flyer.yaml"
    source.write_text(json.dumps(LEAFLET), encoding="utf-8")
    assert papp.test_cli_runner().invoke(args=["pamphlets", "import", str(source)]).exit_code == 0
    listing = client.get("/pamphlets/").get_data(as_text=True)
    assert 'data-name="aleppo-flyer" data-origin="database"' in listing
    assert 'data-name="shipped-flyer" data-origin="file"' in listing
    page = client.get("/pamphlets/aleppo-flyer").get_data(as_text=True)
    assert "headline: Aleppo under siege" in page and 'data-action="create"' in page
    assert client.get("/leaflets/new?pamphlet=aleppo-flyer").status_code == 200
    # saving over it from the builder is recorded with the account
    saved = client.post("/leaflets/new", data={"design": "flyer", "size": "A5", "orientation": "portrait",
                                               "quotes": ["open-air-prison", "tyrants-mass-slaughter"],
                                               "headline": "Aleppo", "name": "aleppo-flyer", "overwrite": "y",
                                               "action": "save"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    [(action, who, before, after)] = _history(papp, "pamphlet:aleppo-flyer")[1:]
    assert (action, who) == ("update", "org@example.org")
    assert before["quotes"] == ["open-air-prison"] and after["quotes"] == ["open-air-prison", "tyrants-mass-slaughter"]
    # the builder never writes into the shipped examples
    taken = client.post("/leaflets/new", data={"design": "flyer", "size": "A5", "orientation": "portrait",
                                               "quotes": ["open-air-prison"], "name": "shipped-flyer",
                                               "overwrite": "y", "action": "save"})
    assert taken.status_code == 422 and "reviewed examples" in taken.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/packs/new?from=" + "x" * 300, "/packs/new?from=" + "a-" * 150,
                                  "/packs/new?from=../../etc/passwd", "/packs/new?from=%00",
                                  "/leaflets/new?pamphlet=" + "x" * 300, "/leaflets/new?pamphlet=../app",
                                  "/pamphlets/" + "x" * 300, "/pamphlets/..%2Fapp", "/pamphlets/Shipped-Flyer"])
def test_odd_pamphlet_names_are_a_404(papp, path):
    add_user(papp, "org@example.org", "organizer")
    client = papp.test_client()
    assert login(client, "org@example.org").status_code == 302
    assert client.get(path).status_code == 404, path


@pytest.mark.db
def test_the_study_group_picker_lists_saved_reading_packs_and_signups_count_every_pamphlet(papp, tmp_path):
    source = tmp_path / "group-pack.yaml"
    source.write_text(json.dumps({"kind": "reading-pack", "title": "Saved on the web",
                                  "sections": [{"theme": "aleppo-siege"}]}), encoding="utf-8")
    assert papp.test_cli_runner().invoke(args=["pamphlets", "import", str(source)]).exit_code == 0
    with papp.test_request_context():
        from campaign.forms.groups import pamphlet_choices, valid_source

        choices = dict(pamphlet_choices())
        assert choices["group-pack"] == "Saved on the web" and "shipped-flyer" not in choices  # packs only
        assert valid_source("group-pack") == "group-pack" and valid_source("x" * 300) is None
        assert valid_source("shipped-flyer") == "shipped-flyer"  # a leaflet that brought a signup still counts
