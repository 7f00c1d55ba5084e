"""Fidelity through the public surface: cuts and brackets that would reverse the sense are refused on the
form, the page shows what each […] leaves out, and a hand-edited anchor is never shown or printed."""
import html
import re
import subprocess
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import text as sql
from werkzeug.datastructures import MultiDict

from campaign.db import db
from campaign.models import Quote

pytestmark = pytest.mark.db

BASE = {"id": "test-quote", "source": "al-shami-2016", "speaker": "Leila al-Shami", "themes": ["great-powers"],
        "context": "A test."}


def field_errors(response) -> list[tuple[str, str]]:
    """The (field, message) pairs the form shows."""
    found = re.findall(r'<p class="error" role="alert" data-field="(\w+)">(.*?)</p>', response.get_data(as_text=True),
                       re.S)
    return [(f, html.unescape(m)) for f, m in found]


@pytest.mark.parametrize("text,message", [
    # issue 10: the source says "Trump is not going to intervene" and "Trump is going to continue…"
    ("Putin was aware that Trump is […] going to intervene.",
     "the elision […] after 'that Trump is' leaves out 'not', which reverses the sense"),
    ("Trump is [not] going to continue the isolationist position which Obama has followed.",
     "the bracket '[not]' adds 'not'"),
    ("Fuels are running out, there is […] water.", "leaves out 'no'"),
    ("It means that the refugees will […] return and the prisoners will stay in jail.", "leaves out 'never'"),
    ("Al-Nusra has a small presence and certainly […] control the city.", "leaves out \"doesn't\""),
    ("The situation on the ground is [no longer] absolutely desperate.", "the bracket '[no longer]' adds 'no'"),
    ("and the prisoners will [never] stay in jail.", "adds 'never'"),
    ("Trump is[n't] going to continue the isolationist position", "adds \"n't\""),
    ("[We] know whether he gave him the green light", "stands for \"We don't\" in the source"),
    ("So they are *effectively* in an open-air prison.", "marks 'effectively' with *emphasis*"),
    ("The situation on the ground is absolutely desperate. […] Of course, there is.",
     "the words after the elision […] after 'is absolutely desperate.' are not in the same turn"),
])
def test_form_refuses_a_quotation_that_changes_the_sense(app, staff, text, message):
    response = staff.post("/quotes/new", data={**BASE, "text": text})
    assert response.status_code == 422
    errors = field_errors(response)
    assert any(f == "text" and message in m for f, m in errors), errors
    with app.app_context():
        assert db.session.get(Quote, "test-quote") is None


def test_edit_cannot_cut_a_negation_out_of_a_stored_quotation(app, staff):
    with app.app_context():
        before = db.session.get(Quote, "putin-knew-trump-would-not-intervene").as_dict()
    response = staff.post("/quotes/putin-knew-trump-would-not-intervene/edit", data={
        **BASE, "id": "putin-knew-trump-would-not-intervene", "themes": ["great-powers"],
        "text": "certainly Putin was aware that Trump is […] going to intervene."})
    assert response.status_code == 422
    assert any("leaves out 'not'" in m for _f, m in field_errors(response))
    with app.app_context():
        assert db.session.get(Quote, "putin-knew-trump-would-not-intervene").as_dict() == before


def _omitted_view(page: str) -> str:
    match = re.search(r'<details class="omitted-words" id="omitted"( open)?>(.*?)</details>', page, re.S)
    assert match, "no omitted-words view"
    return match.group(0)


def test_a_replacement_is_accepted_and_shown_against_the_original_words(app, staff):
    response = staff.post("/quotes/new", data={
        **BASE, "text": "[Russia] is intervening to crush the democratic opposition to Assad and keep Assad in power."})
    assert response.status_code == 302
    with app.app_context():
        quote = db.session.get(Quote, "test-quote")
        assert quote.anchor == "p44"
        assert quote.source.text[quote.start:quote.end].startswith("It is intervening to crush")
    view = _omitted_view(staff.get("/quotes/test-quote").get_data(as_text=True))
    assert ('<span class="replaced"><ins>[Russia]</ins> <del class="omitted"><span class="visually-hidden" lang="en" dir="ltr">'
            'in the source: </span>It</del></span> is intervening to crush') in view


def test_the_sources_own_emphasis_may_be_quoted(staff):
    response = staff.post("/quotes/new", data={
        **BASE, "id": "nyt", "speaker": "Ilya Matveev",
        "text": "even mainstream Western media like the *New York Times* are right"})
    assert response.status_code == 302


def test_show_omitted_words_without_script(client):
    page = client.get("/quotes/a-third-option").get_data(as_text=True)
    view = _omitted_view(page)
    assert " open>" not in view.split("\n")[0]  # closed until asked for
    assert "<summary>Show omitted words</summary>" in view
    omitted = re.search(r'<span class="cut">\[…\] <del class="omitted"><span class="visually-hidden" lang="en" dir="ltr">left out: '
                        r'</span>(.*?)</del></span>', view, re.S).group(1)
    assert omitted.startswith("There is the White Helmet Civil Defense Force.")
    assert omitted.endswith("activists who are struggling against Daesh occupation there.")
    assert "functioning. <span class=\"cut\">" in view and "</del></span> These people and groups" in view
    opened = _omitted_view(client.get("/quotes/a-third-option?omitted=1").get_data(as_text=True))
    assert opened.startswith('<details class="omitted-words" id="omitted" open>')
    assert "style=" not in page and "<script>" not in page
    # an insertion is marked as ours and replaces nothing
    inserted = _omitted_view(client.get("/quotes/crush-the-democratic-opposition").get_data(as_text=True))
    assert ('It <ins class="inserted"><span class="visually-hidden" lang="en" dir="ltr">added: </span>[Russia]</ins> is intervening'
            in inserted)
    # in Arabic the labels are translated and marked as such; the quotation stays English, left to right
    client.set_cookie("lang", "ar")
    arabic = _omitted_view(client.get("/quotes/a-third-option").get_data(as_text=True))
    assert "<summary>أظهر الكلمات المحذوفة</summary>" in arabic
    assert '<span class="visually-hidden" lang="ar" dir="rtl">محذوف: </span>There is the White Helmet' in arabic
    assert '<p class="explained" lang="en" dir="ltr">' in arabic
    client.delete_cookie("lang")
    # a continuous quotation has nothing to show
    assert 'class="omitted-words"' not in client.get("/quotes/open-air-prison").get_data(as_text=True)


# -- stored anchors cannot lie ------------------------------------------------------------------

def _tamper(app, quote_id: str, anchor: str, start: int = 0, end: int = 5) -> None:
    with app.app_context():
        db.session.execute(sql('UPDATE quotes SET anchor = :a, start = :s, "end" = :e WHERE id = :id'),
                           {"a": anchor, "s": start, "e": end, "id": quote_id})
        db.session.commit()


def _pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(out.stdout.decode("utf-8").split())


@pytest.mark.parametrize("anchor", ["p40", "zzz"])
def test_a_hand_edited_anchor_is_never_shown_or_printed(app, staff, anchor):
    card_before = staff.get("/quotes/open-air-prison/card.png?format=square")
    _tamper(app, "open-air-prison", anchor)

    page = staff.get("/quotes/open-air-prison")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'href="/sources/al-shami-2016#p2"' in body and "(¶2)" in body
    assert f"#{anchor}" not in body and "(¶40)" not in body
    assert "<mark>So they are effectively in an open-air prison.</mark>" in body

    listing = staff.get("/quotes/?q=open-air").get_data(as_text=True)
    assert 'href="/sources/al-shami-2016#p2"' in listing and f"#{anchor}" not in listing
    reader = staff.get("/sources/al-shami-2016").get_data(as_text=True)
    assert 'href="/quotes/open-air-prison"' in reader
    api = {q["id"]: q for q in staff.get("/api/quotes").get_json()}["open-air-prison"]
    assert api["anchor"] == "p2" and api["start"] > 5

    card = staff.get("/quotes/open-air-prison/card.png?format=square")
    assert card.status_code == 200 and card.data == card_before.data

    builder = staff.get("/packs/new")
    assert builder.status_code == 200
    line = next(x for x in builder.get_data(as_text=True).splitlines() if "So they are effectively in an open-air" in x)
    assert "¶2<" in line or "¶2 " in line, line

    from tests.test_packs import builder_form, only_theme
    pack = staff.post("/packs/new", data=MultiDict(only_theme(builder_form(staff), 0) + [("action", "download")]))
    assert pack.status_code == 200 and pack.mimetype == "application/pdf"
    printed = _pdf_text(pack.data)
    assert "So they are effectively in an open-air prison." in printed
    assert "¶40" not in printed

    from tests.test_leaflets import FLYER, _form
    leaflet = staff.post("/leaflets/new", data={**_form(FLYER), "action": "download"})
    assert leaflet.status_code == 200 and PdfReader(BytesIO(leaflet.data)).pages


def test_quotes_check_reports_and_library_load_corrects_a_hand_edited_anchor(app, staff, runner):
    staff.post("/quotes/new", data={**BASE, "text": "I think [Trump] is going to keep Assad in power."})
    _tamper(app, "open-air-prison", "p40", 10, 20)
    _tamper(app, "test-quote", "p1", 0, 3)  # a quotation made on the web: the library files do not hold it

    check = runner.invoke(args=["quotes", "check"])
    assert check.exit_code == 1
    assert "FAIL open-air-prison: stored position p40 [10:20] disagrees with where the quotation stands, p2 [" \
        in check.output
    assert "FAIL test-quote: stored position p1 [0:3]" in check.output

    load = runner.invoke(args=["library", "load"])
    assert load.exit_code == 0, load.output
    assert "Corrected the stored anchor and offsets of: test-quote" in load.output
    with app.app_context():
        quote = db.session.get(Quote, "test-quote")
        assert quote.anchor == "p12"
        assert quote.source.text[quote.start:quote.end] == "I think he is going to keep Assad in power."
        assert db.session.get(Quote, "open-air-prison").anchor == "p2"
    check = runner.invoke(args=["quotes", "check"])
    assert check.exit_code == 0, check.output


def test_a_declared_anchor_that_disagrees_is_refused_with_its_line(app, runner, tmp_path):
    import shutil

    from tests.conftest import ROOT

    library = tmp_path / "library"
    shutil.copytree(ROOT / "library", library)
    quotes_file = library / "quotes.yaml"
    lines = quotes_file.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.strip() == "anchor: p2")
    lines[number] = lines[number].replace("p2", "p9")
    quotes_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["library", "load", "--dir", str(library)])
    assert result.exit_code == 1
    assert re.search(r"error: quotes\.yaml:\d+: quote '[a-z-]+': anchor: the quotation starts in paragraph p2, not p9",
                     result.output), result.output


def test_the_curated_library_keeps_its_sense(runner):
    result = runner.invoke(args=["quotes", "check"])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
