"""The curated library: loading, the verbatim check over everything, export."""
import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, text

from campaign import library
from campaign.db import db
from campaign.models import Quote

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parent.parent


def curated():
    return yaml.safe_load((ROOT / "library" / "quotes.yaml").read_text(encoding="utf-8"))


def test_curated_library_is_complete_and_varied():
    quotes = curated()
    themes = {t["id"] for t in yaml.safe_load((ROOT / "library" / "themes.yaml").read_text(encoding="utf-8"))}
    assert len(quotes) >= 40
    assert len(themes) >= 8
    assert {t for q in quotes for t in q["themes"]} == themes
    assert all(1 <= len(q["themes"]) <= 3 for q in quotes)
    assert all(q["context"] and "\n" not in q["context"] for q in quotes)
    assert {q["speaker"] for q in quotes} >= {"Leila al-Shami", "Ilya Matveev"}
    texts = " ".join(q["text"] for q in quotes)
    assert "no one is actually talking to Syrians" in texts


def test_every_curated_quote_is_verbatim(runner):
    result = runner.invoke(args=["quotes", "check"])
    assert result.exit_code == 0, result.output
    assert f"{len(curated())} of {len(curated())} quotation(s) verbatim" in result.output


def test_load_is_idempotent(app, runner):
    result = runner.invoke(args=["library", "load"])
    assert result.exit_code == 0, result.output
    assert "0 new, 0 updated" in result.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Quote.id))) == len(curated())


def test_check_fails_on_a_tampered_quote(app, runner):
    with app.app_context():
        db.session.execute(text("UPDATE quotes SET text = replace(text, 'open-air prison', 'open-air jail') "
                                "WHERE id = 'open-air-prison'"))
        db.session.commit()
    result = runner.invoke(args=["quotes", "check"])
    assert result.exit_code == 1
    assert "FAIL open-air-prison" in result.output and "'jail.'" in result.output


def test_tampered_quote_is_not_shown_or_exported(app, client):
    with app.app_context():
        db.session.execute(text("UPDATE quotes SET speaker = 'Gabriel Levy' WHERE id = 'open-air-prison'"))
        db.session.commit()
    response = client.get("/quotes/open-air-prison")
    assert response.status_code == 409
    assert b"no longer matches its source" in response.data
    assert client.get("/api/quotes").status_code == 409


def test_export_json(runner, client):
    result = runner.invoke(args=["quotes", "export"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data) == len(curated())
    first = data[0]
    assert {"id", "speaker", "text", "themes", "source", "anchor"} <= set(first)
    assert first["source"] == "al-shami-2016" and first["anchor"].startswith("p")
    api = client.get("/api/quotes")
    assert api.status_code == 200 and api.is_json
    assert [q["id"] for q in api.get_json()] == [q["id"] for q in data]
    assert api.get_json()[0]["text"] == first["text"]


def write_library(tmp_path, quotes_yaml: str) -> Path:
    lib = tmp_path / "lib"
    (lib / "sources").mkdir(parents=True)
    for name in ("al-shami-2016.txt", "al-shami-2016.yaml"):
        (lib / "sources" / name).write_bytes((ROOT / "library" / "sources" / name).read_bytes())
    (lib / "themes.yaml").write_bytes((ROOT / "library" / "themes.yaml").read_bytes())
    (lib / "quotes.yaml").write_text(quotes_yaml, encoding="utf-8")
    return lib


@pytest.mark.parametrize("body,expected", [
    ("- id: open-air-prison\n  source: al-shami-2016\n  speaker: Leila al-Shami\n  anchor: p2\n"
     "  text: So they are effectively in an open-air jail.\n  themes: [aleppo-siege]\n",
     "quotes.yaml:1: quote 'open-air-prison': text: not verbatim at word 8"),
    ("- id: open-air-prison\n  source: al-shami-2016\n  speaker: Ilya Matveev\n  anchor: p2\n"
     "  text: So they are effectively in an open-air prison.\n  themes: [aleppo-siege]\n",
     "said by Leila al-Shami"),
    ("- id: open-air-prison\n  source: al-shami-2016\n  speaker: Leila al-Shami\n  anchor: p9\n"
     "  text: So they are effectively in an open-air prison.\n  themes: [aleppo-siege]\n",
     "anchor: the quotation starts in paragraph p2, not p9"),
    ("- id: x\n  source: al-shami-2016\n  speaker: Leila al-Shami\n  text: So they\n  themes: [nope]\n",
     "themes: unknown theme(s): nope"),
    ("- id: x\n  speaker: Leila al-Shami\n  text: So they\n  themes: [aleppo-siege]\n",
     "missing field(s) source"),
    ("- id: x\n  text: [unclosed\n", "quotes.yaml:3: not valid YAML"),
])
def test_bad_library_file_is_rejected_and_nothing_changes(app, runner, tmp_path, body, expected):
    with app.app_context():
        before = [q.as_dict() for q in db.session.scalars(select(Quote).order_by(Quote.id))]
    result = runner.invoke(args=["library", "load", "--dir", str(write_library(tmp_path, body))])
    assert result.exit_code == 1
    assert expected in result.output
    with app.app_context():
        assert [q.as_dict() for q in db.session.scalars(select(Quote).order_by(Quote.id))] == before


def test_a_changed_source_text_is_refused(app, runner, tmp_path):
    lib = write_library(tmp_path, "[]\n")
    path = lib / "sources" / "al-shami-2016.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("Raqqqa", "Raqqa"), encoding="utf-8")
    result = runner.invoke(args=["library", "load", "--dir", str(lib)])
    assert result.exit_code == 1
    assert "a different text is already stored" in result.output


def test_local_edits_survive_a_reload(app, staff, signed_in, runner):
    response = staff.post("/quotes/open-air-prison/edit", data={
        "id": "open-air-prison", "source": "al-shami-2016", "speaker": "Leila al-Shami",
        "text": "So they are effectively in an open-air prison.", "themes": ["aleppo-siege", "russias-war"],
        "context": "Our own note."})
    assert response.status_code == 302, response.data
    result = runner.invoke(args=["library", "load"])
    assert "Kept local edits of: open-air-prison" in result.output  # an edit awaiting review counts
    with app.app_context():
        assert db.session.get(Quote, "open-air-prison").pending.data["context"] == "Our own note."
    assert signed_in("editor").post("/review/quotes/open-air-prison/approve").status_code == 302
    result = runner.invoke(args=["library", "load"])
    assert "Kept local edits of: open-air-prison" in result.output
    with app.app_context():
        quote = db.session.get(Quote, "open-air-prison")
        assert quote.context == "Our own note." and quote.theme_ids == ["aleppo-siege", "russias-war"]


# -- the source's editions and the one credit every output prints --------------------------------

LEFTEAST = "http://www.criticatac.ro/lefteast/interview-with-leila-al-shami-for-open-left/"
CITE = "Interview for Open Left, 29 November 2016; LeftEast, 16 December 2016"


def test_the_source_metadata_models_each_edition_truthfully(app):
    from campaign.models import Source
    with app.app_context():
        meta = db.session.scalar(select(Source)).meta
    assert meta["recorded"] == "2016-11-29" and meta["recorded_for"] == "Open Left"
    by_publisher = {e["publisher"]: e for e in meta["editions"]}
    # Open Left: the text only says the interview "will soon appear in Russian" there
    assert by_publisher["Open Left"] == {**by_publisher["Open Left"], "status": "announced", "date": None,
                                         "url": "", "language": "ru"}
    assert by_publisher["LeftEast"]["date"] == "2016-12-16" and by_publisher["LeftEast"]["url"] == LEFTEAST
    [ours] = [e for e in meta["editions"] if e["this_text"]]
    assert ours["date"] == "2016-12-18" and ours["publisher"] == "" and ours["reprints"] == "LeftEast"
    glossary = yaml.safe_load((ROOT / "library" / "glossary.yaml").read_text(encoding="utf-8"))
    open_left = next(g for g in glossary if g["term"] == "Open Left")["definition"]
    assert "published it in Russian" not in open_left and "will soon appear" in open_left


def test_api_and_export_credit_each_publisher_with_its_own_date_and_address(runner, client):
    exported = json.loads(runner.invoke(args=["quotes", "export"]).output)
    api = client.get("/api/quotes").get_json()
    for data in (exported, api):
        credit = data[0]["source_credit"]
        assert credit["cite"] == CITE
        assert credit["url"] == data[0]["source_url"] == LEFTEAST
        lines = [(line["text"], line["url"]) for line in credit["lines"]]
        assert lines == [("Recorded on 29 November 2016 for Open Left (announced there in Russian)", ""),
                         ("Published by LeftEast, 16 December 2016", LEFTEAST),
                         ("Quoted from the edition of 18 December 2016, which reprints LeftEast; "
                          "it names no publisher", "")]
        assert f"Open Left, 29 November 2016: {LEFTEAST}" not in credit["full"]


@pytest.mark.parametrize("editions,field", [
    ([{"publisher": "Open Left", "status": "announced", "date": "2016-11-29"}], "editions[0].status"),
    ([{"publisher": "LeftEast", "date": "16/12/2016"}], "editions[0].date"),
    ([{"publisher": "LeftEast", "url": "criticatac.ro"}], "editions[0].url"),
    ([{"publisher": "LeftEast", "printed": True}], "editions[0].printed"),
    ([{"date": "2016-12-18", "this_text": True}, {"date": "2016-12-19", "this_text": True}], "editions"),
])
def test_bad_editions_are_refused_naming_the_field(editions, field):
    from campaign import sources
    with pytest.raises(sources.SourceFormatError) as caught:
        sources.meta_from_dict({"slug": "x", "title": "t", "interviewee": "Someone", "editions": editions})
    assert caught.value.field_name == field


def test_questions_name_existing_passages(app, runner, tmp_path):
    from campaign.models import Question
    with app.app_context():
        questions = list(db.session.scalars(select(Question)))
        assert questions and all(q.passages for q in questions)
    lib = write_library(tmp_path, (ROOT / "library" / "quotes.yaml").read_text(encoding="utf-8"))
    (lib / "questions.yaml").write_text(
        'aleppo-siege:\n  - text: "What happened?"\n    passages: [p999]\n', encoding="utf-8")
    result = runner.invoke(args=["library", "load", "--dir", str(lib)])
    assert result.exit_code != 0
    assert "question 1: passages: 'p999': the source 'al-shami-2016' has no paragraph p999" in result.output
