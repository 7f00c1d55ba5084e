"""Importing another source, by CLI and by the upload form; errors name the line or field."""
import io

import pytest
from sqlalchemy import func, select

from campaign.db import db
from campaign.models import Source

pytestmark = pytest.mark.db

GOOD = """A conversation on Idlib

Interview with Rana Example.

Sam Jones (S): What do the local councils do?

Rana Example (R): They keep the bakeries open and the water running.

When the bombing stops, people go back to
the councils.

S: Thank you.
"""
META = "slug: idlib-talk\ntitle: A conversation on Idlib\ninterviewee: Rana Example\npublished: 2020-02-01\n"


def count_sources(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Source.id)))


def test_cli_import(app, runner, tmp_path):
    (tmp_path / "talk.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "talk.yaml").write_text(META, encoding="utf-8")
    result = runner.invoke(args=["sources", "import", str(tmp_path / "talk.txt"), "--meta", str(tmp_path / "talk.yaml")])
    assert result.exit_code == 0, result.output
    assert "3 turns" in result.output and "Rana Example" in result.output
    page = app.test_client().get("/sources/idlib-talk")
    assert page.status_code == 200 and b"the water running" in page.data
    # the repaired page break: a lower-case continuation joins the paragraph before
    assert b"When the bombing stops, people go back to the councils." in page.data


def test_cli_import_with_options_and_speakers(app, runner, tmp_path):
    (tmp_path / "t.txt").write_text("Talk\n\nQ: Why?\n\nA: Because.\n", encoding="utf-8")
    result = runner.invoke(args=["sources", "import", str(tmp_path / "t.txt"), "--slug", "why", "--title", "Why",
                                 "--interviewee", "Ann", "--speaker", "Q=Quinn", "--speaker", "A=Ann"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("text,args,message", [
    ("Talk\n\nNo turns.\n", [], "line 1: no speaker turns"),
    ("Talk\n\nSam Jones (S): Hi.\n\nX: Who?\n", [], "line 5: unknown speaker initial 'X'"),
    (GOOD, ["--slug", "Bad Slug"], "slug: must be lower-case"),
    (GOOD, ["--interviewee", "Nobody"], "interviewee: 'Nobody' does not speak"),
    (GOOD, ["--published", "yesterday"], "published: 'yesterday' is not a date"),
    (GOOD, ["--slug", "al-shami-2016"], "a different text is already stored as 'al-shami-2016'"),
])
def test_cli_import_errors(app, runner, tmp_path, text, args, message):
    (tmp_path / "talk.txt").write_text(text, encoding="utf-8")
    (tmp_path / "talk.yaml").write_text(META, encoding="utf-8")
    before = count_sources(app)
    result = runner.invoke(args=["sources", "import", str(tmp_path / "talk.txt"),
                                 "--meta", str(tmp_path / "talk.yaml"), *args])
    assert result.exit_code == 1
    assert message in result.output
    assert count_sources(app) == before


def test_cli_import_rejects_binary(app, runner, tmp_path):
    (tmp_path / "x.txt").write_bytes(b"Talk\n\n\xff\xfe\x00binary")
    result = runner.invoke(args=["sources", "import", str(tmp_path / "x.txt"), "--slug", "x", "--title", "x",
                                 "--interviewee", "x"])
    assert result.exit_code == 1 and "line 3: not UTF-8 text" in result.output


def form(text: str, **fields):
    data = {"slug": "idlib-talk", "title": "A conversation on Idlib", "interviewee": "Rana Example",
            "interviewers": "Sam Jones", "publisher": "", "published": "2020-02-01", "url": "", "speakers": ""}
    data.update(fields)
    data["file"] = (io.BytesIO(text.encode("utf-8")), "talk.txt")
    return data


def test_upload_form(app, staff):
    assert staff.get("/sources/import").status_code == 200
    response = staff.post("/sources/import", data=form(GOOD), content_type="multipart/form-data")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sources/idlib-talk")


@pytest.mark.parametrize("text,fields,message", [
    ("Talk\n\nSam Jones (S): Hi.\n\nX: Who?\n", {}, "line 5: unknown speaker initial"),
    (GOOD, {"interviewee": "Nobody"}, "does not speak"),
    (GOOD, {"speakers": "nonsense"}, "line 1: write"),
    (GOOD, {"slug": "Bad Slug"}, "Lower-case letters"),
])
def test_upload_errors_name_the_line_or_field(app, staff, text, fields, message):
    before = count_sources(app)
    response = staff.post("/sources/import", data=form(text, **fields), content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.data.decode().replace("&#39;", "'")
    assert count_sources(app) == before
