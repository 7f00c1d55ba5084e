"""Reading packs: real page numbers, bookmarks, glossary, two voices, booklet imposition, errors, builder."""
from __future__ import annotations

import math
import re
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from werkzeug.datastructures import MultiDict

from campaign import create_app, packs, themes
from campaign.db import db
from campaign.models import Question
from campaign.pamphlets import PamphletError
from conftest import staff_client

ROOT = Path(__file__).resolve().parent.parent
MM = 72 / 25.4
THREE = {"title": "Three themes", "subtitle": "A test pack",
         "sections": [{"theme": "russias-war"}, {"theme": "aleppo-siege"}, {"theme": "kurds-rojava"}]}


# -- one app and a few rendered packs shared by the read-only tests of this module ----------

@pytest.fixture(scope="module")
def pack_app(backend, tmp_path_factory):
    """An app on a private copy of the loaded library, kept for the whole module (rendering is slow)."""
    from tests.conftest import BASE_CONFIG, library_database

    folder = tmp_path_factory.mktemp("packs")
    with library_database(backend, folder, "p") as uri:
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "CACHE_DIR": str(folder / "cache")})
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def build(app, data: dict, imposition: str = "none") -> bytes:
    with app.app_context():
        return packs.build(packs.validate(data), imposition=imposition)


@pytest.fixture(scope="module")
def three(pack_app) -> bytes:
    return build(pack_app, THREE)


@pytest.fixture(scope="module")
def full(pack_app) -> bytes:
    data = yaml.safe_load((ROOT / "pamphlets" / "reading-pack-full.yaml").read_text(encoding="utf-8"))
    return build(pack_app, data)


def page_texts(pdf: bytes, layout: bool = True) -> list[str]:
    """The text of every page (pdftotext), index 0 = page 1."""
    args = ["pdftotext"] + (["-layout"] if layout else []) + ["-", "-"]
    out = subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode("utf-8")
    return out.split("\f")[: len(PdfReader(BytesIO(pdf)).pages)]


def flat(text: str) -> str:
    """Text with line-end hyphenation undone (a real hyphen stays) and white space collapsed."""
    return " ".join(re.sub(r"-\n\s*", "-", re.sub(r"‐\n\s*", "", text)).split())


def body_text(pdf: bytes, heads: tuple[str, ...]) -> str:
    """All pages' text without the page furniture (running heads ``heads``, page numbers), flattened."""
    kept = []
    # layout mode: without it pdftotext joins "anti-" + "immigration" at a line end into "antiimmigration"
    for text in page_texts(pdf):
        lines = [line for line in text.splitlines() if line.strip()]
        while lines and (lines[-1].strip().isdigit()):
            lines.pop()
        if lines and lines[0].strip() in heads:
            lines.pop(0)
        kept.append("\n".join(lines))
    return flat("\n".join(kept))


HEADS = ("Three themes", "Russia\u2019s war", "Aleppo under siege", "Kurds and Rojava", "How to use this pack",
         "Running a meeting", "Contents", "Glossary", "Sources, further reading and credits")


def contents(pdf: bytes) -> dict[str, int]:
    """The contents page as {entry: printed page number}."""
    texts = page_texts(pdf)
    page = next(t for t in texts if re.search(r"^\s*Contents\s*$", t, re.M))
    entries = {}
    for line in page.splitlines():
        m = re.match(r"\s*(?:\d+\s+)?(.+?)\s*\.{3,}\s*(\d+)\s*$", line)
        if m:
            entries[m.group(1).strip()] = int(m.group(2))
    return entries


def section_starts(pdf: bytes) -> dict[int, int]:
    """Section number → the page (1-based) on which its "Section N" opener is printed."""
    starts = {}
    for number, text in enumerate(page_texts(pdf), start=1):
        for m in re.finditer(r"^\s*SECTION (\d+)\s*$", text, re.M):
            starts[int(m.group(1))] = number
    return starts


def outline(pdf: bytes) -> list[tuple[int, str, int]]:
    """Bookmarks as (level, title, 1-based page)."""
    reader = PdfReader(BytesIO(pdf))
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return found


def footer_number(text: str) -> int | None:
    """The page number printed at the foot of a page (last non-empty line, digits only)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return int(lines[-1]) if lines and lines[-1].isdigit() else None


# -- contents, page numbers, running heads, bookmarks --------------------------------------

def test_contents_page_numbers_are_the_real_pages(three):
    toc = contents(three)
    starts = section_starts(three)
    assert [toc["Russia's war"], toc["Aleppo under siege"], toc["Kurds and Rojava"]] == [starts[1], starts[2], starts[3]]
    texts = page_texts(three)
    # front and back matter too: the first page that opens with the heading is the one listed
    for title in ("How to use this pack", "Running a meeting", "Glossary", "Sources, further reading and credits"):
        opening = [n for n, t in enumerate(texts, start=1)
                   if title in [line.strip() for line in t.splitlines() if line.strip()][:3]]
        assert opening and opening[0] == toc[title], (title, opening, toc[title])
    assert starts[1] < starts[2] < starts[3] < toc["Glossary"] < toc["Sources, further reading and credits"]


@pytest.mark.parametrize("size,box", [("A4", (210, 297)), ("Letter", (215.9, 279.4))])
def test_page_sizes_and_contents_follow_the_layout(pack_app, size, box):
    pdf = build(pack_app, {**THREE, "size": size})
    page = PdfReader(BytesIO(pdf)).pages[0]
    assert float(page.mediabox.width) == pytest.approx(box[0] * MM, abs=0.5)
    assert float(page.mediabox.height) == pytest.approx(box[1] * MM, abs=0.5)
    toc, starts = contents(pdf), section_starts(pdf)
    assert [toc["Russia's war"], toc["Aleppo under siege"], toc["Kurds and Rojava"]] == [starts[1], starts[2], starts[3]]


def test_default_pages_are_a5(three):
    page = PdfReader(BytesIO(three)).pages[0]
    assert float(page.mediabox.width) == pytest.approx(148 * MM, abs=0.5)
    assert float(page.mediabox.height) == pytest.approx(210 * MM, abs=0.5)


def test_full_pack_contents_match_every_section(full):
    toc, starts = contents(full), section_starts(full)
    spec = yaml.safe_load((ROOT / "pamphlets" / "reading-pack-full.yaml").read_text(encoding="utf-8"))
    assert len(starts) == len(spec["sections"]) == 10
    numbered = [(title, n) for title, n in toc.items()
                if title not in ("How to use this pack", "Running a meeting", "Glossary",
                                 "Sources, further reading and credits")]
    assert [n for _, n in numbered] == [starts[i] for i in range(1, 11)]


def test_every_page_after_the_cover_prints_its_number(three):
    texts = page_texts(three)
    assert footer_number(texts[0]) is None and footer_number(texts[-1]) is None  # nor has the back cover
    assert [footer_number(t) for t in texts[1:-1]] == list(range(2, len(texts)))


def test_running_heads(three):
    """Left pages carry the pack's title; right pages the current section (not on its opening page)."""
    texts = page_texts(three)
    starts = section_starts(three)
    titles = {1: "Russia\u2019s war", 2: "Aleppo under siege", 3: "Kurds and Rojava"}
    for n in range(starts[1], contents(three)["Glossary"]):
        head = texts[n - 1].splitlines()[0].strip()
        current = max(s for s, p in starts.items() if p <= n)
        if n % 2 == 0:
            assert head == "Three themes", (n, head)
        elif n not in starts.values():
            assert head == titles[current], (n, head)
        else:
            assert head == "SECTION %d" % current, (n, head)


def test_bookmarks_point_at_the_right_pages(three):
    marks = outline(three)
    toc, starts = contents(three), section_starts(three)
    top = [(title, page) for level, title, page in marks if level == 1]
    assert top == [("How to use this pack", toc["How to use this pack"]),
                   ("Running a meeting", toc["Running a meeting"]),
                   ("Contents", 4),
                   ("Russia\u2019s war", starts[1]), ("Aleppo under siege", starts[2]), ("Kurds and Rojava", starts[3]),
                   ("Glossary", toc["Glossary"]),
                   ("Sources, further reading and credits", toc["Sources, further reading and credits"])]
    assert "Contents" in page_texts(three)[3]
    questions = [page for level, title, page in marks if level == 2 and title == "Questions for discussion"]
    texts = page_texts(three)
    assert len(questions) == 3
    for page, (section, start) in zip(questions, sorted(starts.items())):
        assert "Questions for discussion" in texts[page - 1]
        assert start <= page


def test_metadata(three):
    reader = PdfReader(BytesIO(three))
    assert reader.metadata.title == "Three themes"
    assert "Russia's war" in (reader.metadata.get("/Keywords") or "")
    root = reader.trailer["/Root"]
    assert root.get("/Lang") == "en"


# -- content: excerpts, attribution, questions, glossary ------------------------------------

def test_every_excerpt_is_printed_with_its_speaker_and_source(pack_app, three):
    text = body_text(three, HEADS)
    with pack_app.app_context():
        spec = packs.validate(THREE)
        context = packs.gather(spec)
        ids = [qid for i, s in enumerate(spec.sections) for qid in packs._section_quotes(i, s)]
        from campaign import quotes
        for quote in quotes.get_many_verified(ids):
            pieces = [p.strip() for p in quote.text.split("[…]")]
            for piece in pieces:
                if "[" not in piece:
                    assert flat(piece.replace("’", "'")) in text.replace("’", "'"), quote.id
    excerpts = sum(len(s["excerpts"]) for s in context["sections"])
    # each excerpt, and the call to action the back cover quotes when the brand kit gives no address
    assert sum(text.count(f"— {name}, Interview for Open Left (2016)")
               for name in ("Leila al-Shami", "Ilya Matveev", "Gabriel Levy")) == excerpts + 1
    assert "Leila al-Shami, interviewed by Gabriel Levy and Ilya Matveev." in text  # the credits, inside
    assert "Interview for Open Left, 29 November 2016; LeftEast, 16 December 2016" in text  # and on the cover


LEFTEAST = "http://www.criticatac.ro/lefteast/interview-with-leila-al-shami-for-open-left/"


def test_credits_page_names_each_edition_with_its_own_date_and_address(three):
    texts = page_texts(three, layout=False)
    start = contents(three)["Sources, further reading and credits"]
    credits = bare("\n".join(texts[start - 1:]))
    assert bare("Recorded on 29 November 2016 for Open Left (announced there in Russian).") in credits
    assert bare(f"Published by LeftEast, 16 December 2016: {LEFTEAST}") in credits
    assert bare("Quoted from the edition of 18 December 2016, which reprints LeftEast; it names no publisher.") in credits
    # the LeftEast address is LeftEast's: it stands after LeftEast's edition, never after Open Left
    assert bare(f"Open Left, 29 November 2016: {LEFTEAST}") not in credits
    assert bare("Also published by") not in credits


def bare(text: str) -> str:
    """Text without white space or hyphens, so words and addresses broken at a line end still match."""
    return re.sub(r"[\s\-‐\u00ad]", "", text.replace("’", "'"))


def _section_texts(pdf: bytes) -> dict[int, str]:
    """Section number → the flattened text of its pages (from its opener to the next one)."""
    texts, starts = page_texts(pdf, layout=False), section_starts(pdf)
    ends = sorted(starts.values()) + [contents(pdf)["Glossary"]]
    return {n: bare("\n".join(texts[start - 1:ends[ends.index(start) + 1] - 1])) for n, start in starts.items()}


def test_each_section_prints_every_passage_its_questions_are_about_in_source_order(pack_app, full):
    data = yaml.safe_load((ROOT / "pamphlets" / "reading-pack-full.yaml").read_text(encoding="utf-8"))
    with pack_app.app_context():
        context = packs.gather(packs.validate(data))
        from campaign import quotes
        from campaign.models import Source
        parsed = quotes.parsed(db.session.scalar(db.select(Source)))
    printed_pdf = _section_texts(full)
    assert len(printed_pdf) == len(context["sections"]) == 10
    for section in context["sections"]:
        printed = [p["number"] for e in section["excerpts"] for p in e["paragraphs"]]
        assert printed == sorted(printed), (section["theme"], "passages out of source order")
        for question in section["questions"]:
            assert question["passages"], (section["theme"], "a question names the passage it is about")
            for anchor in question["passages"]:
                number = int(anchor[1:])
                assert number in printed, (section["theme"], anchor)
                # and on the page: the paragraph's opening words stand in that section of the PDF
                opening = " ".join(parsed.paragraph(anchor).text.split()[:12]).replace("*", "")
                assert bare(opening) in printed_pdf[section["n"]], (section["theme"], anchor)
    russian_left = next(s for s in context["sections"] if s["theme"] == "russian-left")
    speakers = [e["speaker"] for e in russian_left["excerpts"]]
    assert speakers[0] == "Leila al-Shami" and 54 in [p["number"] for e in russian_left["excerpts"]
                                                        for p in e["paragraphs"]]


def test_every_theme_is_led_by_the_interviewees_words():
    library = yaml.safe_load((ROOT / "library" / "quotes.yaml").read_text(encoding="utf-8"))
    for theme in yaml.safe_load((ROOT / "library" / "themes.yaml").read_text(encoding="utf-8")):
        speakers = [q["speaker"] for q in library if theme["id"] in q["themes"]]
        hers = speakers.count("Leila al-Shami")
        assert hers > len(speakers) - hers, (theme["id"], hers, len(speakers))


def test_three_to_six_reviewed_questions_per_section(pack_app, three):
    with pack_app.app_context():
        context = packs.gather(packs.validate(THREE))
    text = body_text(three, HEADS)
    for section in context["sections"]:
        assert 3 <= len(section["questions"]) <= 6
        for q in section["questions"]:
            assert flat("".join(r["t"] for r in q["runs"])).replace("'", "\u2019") in text  # printed curly


def test_glossary_terms_present(full):
    terms = packs.load_glossary()
    assert len(terms) >= 15
    texts = page_texts(full, layout=False)
    start = contents(full)["Glossary"]
    glossary = flat("\n".join(texts[start - 1:contents(full)["Sources, further reading and credits"] - 1]))
    for term in terms:
        assert term.term in glossary, term.term
        assert flat(term.definition)[:60] in glossary, term.term


def test_glossary_page_references_lead_to_the_term(full):
    """'See page N' under an entry: the term (or a spelling of it) is on page N."""
    texts = page_texts(full, layout=False)
    toc = contents(full)
    terms = {t.term: t for t in packs.load_glossary()}
    current, checked = None, 0
    for text in texts[toc["Glossary"] - 1:toc["Sources, further reading and credits"] - 1]:
        for line in text.splitlines():
            if line.strip() in terms:
                current = terms[line.strip()]
            m = re.match(r"See page ([\d, ]+)$", line.strip())
            if m and current:
                for page in map(int, m.group(1).split(",")):
                    on_page = flat(texts[page - 1]).casefold().replace("’", "'")
                    assert any(s.casefold() in on_page for s in (current.term, *current.aliases)), (current.term, page)
                    checked += 1
    assert checked >= 20


def test_words_to_know_list_glossary_pages(three):
    texts = page_texts(three, layout=False)
    start = section_starts(three)[2]  # Aleppo under siege
    box = flat(texts[start - 1]).split("WORDS TO KNOW, WITH THEIR PAGE IN THE GLOSSARY", 1)[1]
    m = re.search(r"Free Syrian Army (\d+)", box)
    assert m, box[:300]
    assert "Free Syrian Army" in texts[int(m.group(1)) - 1] and int(m.group(1)) >= contents(three)["Glossary"]


def test_glossary_terms_linked_at_first_use_in_each_section(pack_app):
    with pack_app.app_context():
        html = packs.render_html(packs.gather(packs.validate(THREE)))
    for section in re.split(r'<section class="theme-section"', html)[1:]:
        body = section.split('<section class="questions', 1)[0]
        ids = re.findall(r'<a class="term" href="#g-([a-z0-9-]+)" id="u\d+-\1"', body)
        assert ids and len(ids) == len(set(ids))  # each term linked once per section
    assert html.count('id="u1-free-syrian-army"') == 1 and html.count('id="u2-free-syrian-army"') == 1


def test_runs_link_first_use_only_and_keep_acronyms_exact():
    terms = packs.load_glossary()
    seen: dict[str, str] = {}
    out = packs.runs("ISIS and the YPG; then isis, ISIS and the People's Protection Units.", terms=terms, seen=seen,
                     use_prefix="u1-")
    linked = [(r["t"], r["g"], r["id"]) for r in out if r["g"]]
    assert linked == [("ISIS", "daesh", "u1-daesh"), ("YPG", "ypg", "u1-ypg")]
    assert "".join(r["t"] for r in out) == "ISIS and the YPG; then isis, ISIS and the People's Protection Units."


def test_runs_split_marks_and_emphasis():
    out = packs.runs("co-author of *Burning Country*, a writer", marks=[(0, 9)], emphasis=True)
    assert [(r["t"], r["q"], r["em"]) for r in out] == [
        ("co-author", True, False), (" of ", False, False), ("Burning Country", False, True), (", a writer", False, False)]


def test_two_voices_are_typographically_distinct(three):
    """The speakers' words are set in a serif face; context notes and questions in a sans face."""
    reader = PdfReader(BytesIO(three))
    fonts: dict[str, set[str]] = {}

    def visit(text, cm, tm, font, size):
        if font and text.strip():
            fonts.setdefault(text.strip(), set()).add(str(font.get("/BaseFont", "")))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)

    def face(fragment: str) -> set[str]:
        return {f for t, fs in fonts.items() if fragment in t for f in fs}

    assert face("The situation in Aleppo is absolutely critical") and all(
        "Serif" in f for f in face("The situation in Aleppo is absolutely critical"))
    assert face("Her opening answer") and all("Sans" in f for f in face("Her opening answer"))
    assert face("What does al-Shami say Russia has targeted") and all(
        "Sans" in f for f in face("What does al-Shami say Russia has targeted"))


def test_user_text_is_printed_literally_not_as_markup(pack_app):
    data = {**THREE, "title": "<b>Bold</b> & co", "sections": [
        {"theme": "aleppo-siege", "note": '<img src="file:///etc/passwd"> <a rel="attachment" href="x">x</a>'}]}
    with pack_app.app_context():
        html = packs.render_html(packs.gather(packs.validate(data)))
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html
    assert '<img src="file' not in html
    pdf = build(pack_app, data)
    text = flat("\n".join(page_texts(pdf, layout=False)))
    assert "<b>Bold</b> & co" in text and '<img src="file:///etc/passwd">' in text
    assert "/EmbeddedFile" not in pdf.decode("latin-1")


# -- booklet ------------------------------------------------------------------------------

def test_pack_as_booklet(pack_app, three, tmp_path):
    """Each A4 side carries the right two pages: decoded from the page numbers printed on each half."""
    n = len(PdfReader(BytesIO(three)).pages)
    imposed = build(pack_app, THREE, imposition="booklet")
    reader = PdfReader(BytesIO(imposed))
    assert len(reader.pages) == math.ceil(n / 4) * 2
    assert len(reader.pages) % 2 == 0
    path = tmp_path / "booklet.pdf"
    path.write_bytes(imposed)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (width, height) == (pytest.approx(297 * MM, abs=0.5), pytest.approx(210 * MM, abs=0.5))
    total = math.ceil(n / 4) * 4  # the last sheet's spare pages are filled, before the back cover
    for side, page in enumerate(reader.pages):
        halves = []
        for x in (0, width / 2):
            text = subprocess.run(["pdftotext", "-layout", "-f", str(side + 1), "-l", str(side + 1), "-x", str(int(x)),
                                   "-y", "0", "-W", str(int(width / 2)), "-H", str(int(height)), str(path), "-"],
                                  capture_output=True, text=True, check=True).stdout
            halves.append((footer_number(text), bool(text.strip())))
        sheet, back = divmod(side, 2)
        expected = ((2 * sheet + 2, total - 2 * sheet - 1) if back else (total - 2 * sheet, 2 * sheet + 1))
        for (number, inked), want in zip(halves, expected):
            assert inked  # no blank page
            if want in (1, total):
                assert number is None  # the cover and the back cover
            else:
                assert number == want


def test_pocket_zine_needs_a6(pack_app):
    with pytest.raises(PamphletError) as info:
        build(pack_app, {**THREE, "imposition": "zine"})
    assert info.value.field == "imposition"
    zine = build(pack_app, {**THREE, "size": "A6", "imposition": "zine"}, imposition="zine")
    page = PdfReader(BytesIO(zine)).pages[0]
    assert float(page.mediabox.width) == pytest.approx(210 * MM, abs=0.5)
    assert float(page.mediabox.height) == pytest.approx(297 * MM, abs=0.5)


# -- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("data,field,message", [
    ({"title": "x", "sections": [{"theme": "aleppo-siege", "quotes": []}]}, "sections[0].quotes",
     "at least one quotation"),
    ({"title": "x", "sections": [{"theme": "no-such-theme"}]}, "sections[0].theme", "unknown theme 'no-such-theme'"),
    ({"title": "x", "sections": []}, "sections", "at least one theme"),
    ({"title": "x"}, "sections", "at least one theme"),
    ({"title": "", "sections": ["aleppo-siege"]}, "title", "required"),
    ({"title": "x", "sections": ["aleppo-siege"], "size": "A3"}, "size", "not one of"),
    ({"title": "x", "sections": [{"theme": "aleppo-siege", "quotes": ["nope"]}]}, "sections[0].quotes", "nope"),
    ({"title": "x", "sections": [{"theme": "aleppo-siege", "questions": [1, 2]}]}, "sections[0].questions", "3 to 6"),
    ({"title": "x", "sections": [{"theme": "aleppo-siege", "questions": [1, 2, 9]}]}, "sections[0].questions",
     "no question 9"),
    ({"title": "x", "sections": ["aleppo-siege", "aleppo-siege"]}, "sections[1].theme", "already"),
    ({"title": "x", "sections": ["aleppo-siege"], "colour": "red"}, "colour", "unknown field"),
])
def test_invalid_packs_name_the_field(pack_app, data, field, message):
    with pack_app.app_context(), pytest.raises(PamphletError) as info:
        packs.validate(data)
    assert info.value.field == field
    assert message in info.value.message


def write_pamphlet(folder: Path, name: str, data: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.mark.parametrize("section,expected", [
    ({"theme": "aleppo-siege", "quotes": []}, "sections[0].quotes: a section needs at least one quotation"),
    ({"theme": "no-such-theme"}, "sections[0].theme: unknown theme 'no-such-theme'"),
])
def test_cli_refuses_a_bad_pack(make_app, tmp_path, section, expected):
    folder = tmp_path / "pamphlets"
    write_pamphlet(folder, "bad-pack", {"kind": "reading-pack", "title": "Bad", "sections": [section]})
    app = make_app(PAMPHLETS_DIR=str(folder))
    result = app.test_cli_runner().invoke(args=["pamphlets", "build", "bad-pack", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "bad-pack.yaml" in output and expected in output, (output, result.exception, result.exc_info)
    assert not (tmp_path / "out" / "bad-pack.pdf").exists()


def test_cli_builds_the_shipped_pack_and_its_booklet(make_app, tmp_path):
    app = make_app()
    result = app.test_cli_runner().invoke(args=["pamphlets", "build", "reading-pack-full", "--booklet",
                                                "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / "reading-pack-full.pdf").read_bytes()
    booklet = (tmp_path / "reading-pack-full-booklet.pdf").read_bytes()
    n = len(PdfReader(BytesIO(pdf)).pages)
    assert len(PdfReader(BytesIO(booklet)).pages) == math.ceil(n / 4) * 2


@pytest.mark.db
def test_a_quotation_that_drifted_from_its_source_stops_the_pack(app):
    with app.app_context():
        db.session.execute(db.text("UPDATE quotes SET text = :t WHERE id = 'open-air-prison'"),
                           {"t": "So they are effectively in an open-air camp."})
        db.session.commit()
        with pytest.raises(PamphletError) as info:
            packs.build(packs.validate(THREE | {"sections": [{"theme": "aleppo-siege"}]}))
    assert "no longer matches its source" in info.value.message


# -- the builder --------------------------------------------------------------------------

def builder_form(client, **overrides) -> list[tuple[str, str]]:
    """The builder's default form as a browser would submit it."""
    from html.parser import HTMLParser

    page = client.get("/packs/new").get_data(as_text=True)

    class Form(HTMLParser):
        def __init__(self):
            super().__init__()
            self.fields, self.inside, self.select, self.first, self.chosen = [], False, None, None, False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form" and a.get("id") == "pack-form":
                self.inside = True
            if not self.inside:
                return
            if tag == "input" and a.get("name"):
                kind = a.get("type", "text")
                if kind == "checkbox":
                    if "checked" in a:
                        self.fields.append((a["name"], a.get("value", "y")))
                else:
                    self.fields.append((a["name"], a.get("value", "")))
            elif tag == "select":
                self.select, self.first, self.chosen = a["name"], None, False
            elif tag == "option" and self.select:
                self.first = self.first or a["value"]
                if "selected" in a:
                    self.fields.append((self.select, a["value"]))
                    self.chosen = True
            elif tag == "textarea":
                self.fields.append((a["name"], ""))

        def handle_endtag(self, tag):
            if tag == "select" and self.select:
                if not self.chosen:
                    self.fields.append((self.select, self.first))
                self.select = None
            if tag == "form":
                self.inside = False

    parser = Form()
    parser.feed(page)
    fields = [(k, v) for k, v in parser.fields if k not in overrides]
    for key, value in overrides.items():
        fields += [(key, v) for v in (value if isinstance(value, list) else [value])]
    return fields


def only_theme(fields, index: int) -> list[tuple[str, str]]:
    """Keep one theme included (all the others unticked)."""
    return [(k, v) for k, v in fields if not (k.endswith("-include") and k != f"sections-{index}-include")]


def test_builder_page_offers_every_theme(staff):
    response = staff.get("/packs/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="theme-entry') == 10
    assert "Aleppo under siege" in html and 'src="/static/js/packs.js"' in html
    assert "<script>" not in html and "style=" not in html


def test_builder_downloads_a_pdf_and_a_booklet(staff):
    fields = only_theme(builder_form(staff), 0)
    response = staff.post("/packs/new", data=MultiDict(fields + [("action", "download")]))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    n = len(PdfReader(BytesIO(response.data)).pages)
    fields = [(k, v) for k, v in fields if k != "imposition"] + [("imposition", "booklet")]
    booklet = staff.post("/packs/new", data=MultiDict(fields + [("action", "download")]))
    assert booklet.status_code == 200 and booklet.headers["Content-Disposition"].endswith('-booklet.pdf"')
    assert len(PdfReader(BytesIO(booklet.data)).pages) == math.ceil(n / 4) * 2


def test_builder_preview_thumbnails(staff):
    fields = only_theme(builder_form(staff), 1)
    response = staff.post("/packs/preview", data=MultiDict(fields))
    assert response.status_code == 200
    assert response.json["count"] >= 5
    assert len(response.json["pages"]) == 4 and response.json["pages"][0].startswith("data:image/png;base64,")
    page = staff.post("/packs/new", data=MultiDict(fields + [("action", "preview")]))
    assert page.status_code == 200 and page.get_data(as_text=True).count('<img src="data:image/png;base64,') == 4


def test_builder_follows_the_chosen_order(staff):
    fields = [(k, v) for k, v in builder_form(staff) if not k.endswith("-order")]
    fields = [(k, v) for k, v in fields if not k.endswith("-include") or k in ("sections-0-include", "sections-1-include")]
    fields += [("sections-0-order", "2"), ("sections-1-order", "1"), ("action", "download")]
    pdf = staff.post("/packs/new", data=MultiDict(fields)).data
    toc = contents(pdf)
    assert toc["Russia's war"] < toc["Aleppo under siege"]


def test_builder_zero_quotes_is_a_422_naming_the_theme(staff):
    fields = [(k, v) for k, v in only_theme(builder_form(staff), 0) if k != "sections-0-quotes"]
    response = staff.post("/packs/new", data=MultiDict(fields + [("action", "download")]))
    assert response.status_code == 422
    assert "Choose at least one excerpt for this theme." in response.get_data(as_text=True)
    preview = staff.post("/packs/preview", data=MultiDict(fields))
    assert preview.status_code == 422 and any("Aleppo under siege" in e for e in preview.json["errors"])


def test_builder_unknown_theme_is_a_422(staff):
    fields = [(k, "no-such-theme" if k == "sections-0-theme" else v) for k, v in only_theme(builder_form(staff), 0)]
    response = staff.post("/packs/new", data=MultiDict(fields + [("action", "download")]))
    assert response.status_code == 422
    assert "unknown theme &#39;no-such-theme&#39;" in response.get_data(as_text=True)


def test_builder_sets_the_covers_palette_photo_and_address(staff, monkeypatch):
    import pypdfium2
    import zxingcpp
    from campaign import images

    monkeypatch.setattr(images, "choices", lambda: [(7, "Rooftops at dusk — Amal Hussein")])
    html = staff.get("/packs/new").get_data(as_text=True)
    assert '<select id="palette" name="palette"' in html and '<option value="night">' in html
    assert '<option value="7">Rooftops at dusk — Amal Hussein</option>' in html and 'name="url"' in html
    fields = [(k, v) for k, v in only_theme(builder_form(staff), 0) if k not in ("palette", "image", "url")]
    url = "https://reading.example.org/aleppo"
    pdf = staff.post("/packs/new", data=MultiDict(fields + [("palette", "night"), ("url", url),
                                                            ("action", "download")])).data
    document = pypdfium2.PdfDocument(pdf)
    try:
        cover = document[0].render(scale=1).to_pil().convert("RGB")
        back = document[len(document) - 1].render(scale=6 / MM).to_pil().convert("L")
    finally:
        document.close()
    assert cover.getpixel((1, 1)) == (0x14, 0x19, 0x2b)  # the night palette
    assert [code.text for code in zxingcpp.read_barcodes(back)] == [url]
    bad = staff.post("/packs/new", data=MultiDict(fields + [("url", "not a web address"), ("action", "download")]))
    assert bad.status_code == 422
    assert 'data-field="url"' in bad.get_data(as_text=True) or "must be a single web address" in bad.get_data(as_text=True)
    missing = staff.post("/packs/new", data=MultiDict(fields + [("image", "99"), ("action", "download")]))
    assert missing.status_code == 422 and "there is no stored image 99" in missing.get_data(as_text=True)


def test_builder_zine_needs_a6(staff):
    fields = [(k, v) for k, v in only_theme(builder_form(staff), 0) if k != "imposition"]
    response = staff.post("/packs/new", data=MultiDict(fields + [("imposition", "zine"), ("action", "download")]))
    assert response.status_code == 422 and "A pocket zine needs A6 pages" in response.get_data(as_text=True)


def test_save_as_pamphlet_and_reopen(make_app, tmp_path):
    folder = tmp_path / "pamphlets"
    app = make_app(PAMPHLETS_DIR=str(folder))
    staff = staff_client(app)
    nameless = only_theme(builder_form(staff), 6)
    response = staff.post("/packs/new", data=MultiDict(nameless + [("action", "save")]))
    assert response.status_code == 422 and "Give the pamphlet a name" in response.get_data(as_text=True)
    assert not list(folder.glob("*.yaml")) if folder.exists() else True
    fields = only_theme(builder_form(staff, name="kurds-pack"), 6)
    response = staff.post("/packs/new", data=MultiDict(fields + [("action", "save")]))
    assert response.status_code == 302 and "from=kurds-pack" in response.headers["Location"]
    assert not (folder / "kurds-pack.yaml").exists()  # saved in the database, not the code tree
    export = ["pamphlets", "export", "kurds-pack"]
    data = yaml.safe_load(app.test_cli_runner().invoke(args=export).output)
    assert data["kind"] == "reading-pack" and [s["theme"] for s in data["sections"]] == ["kurds-rojava"]
    before = app.test_cli_runner().invoke(args=export).output
    again = staff.post("/packs/new", data=MultiDict(only_theme(builder_form(staff, name="kurds-pack"), 0)
                                                    + [("action", "save")]))
    assert again.status_code == 409 and "exists" in again.get_data(as_text=True)
    assert app.test_cli_runner().invoke(args=export).output == before
    reopened = staff.get("/packs/new?from=kurds-pack").get_data(as_text=True)
    assert re.search(r'name="sections-6-include" type="checkbox" value="y" checked|checked[^>]*name="sections-6-include"',
                     reopened) or 'id="sections-6-include" name="sections-6-include" type="checkbox" value="y" checked' in reopened
    assert staff.get("/packs/new?from=no-such-pack").status_code == 404


def test_reopening_an_invalid_pamphlet_is_a_422(make_app, tmp_path):
    folder = tmp_path / "pamphlets"
    write_pamphlet(folder, "broken", {"kind": "reading-pack", "title": "B", "sections": [{"theme": "nope"}]})
    response = staff_client(make_app(PAMPHLETS_DIR=str(folder))).get("/packs/new?from=broken")
    assert response.status_code == 422 and "sections[0].theme" in response.get_data(as_text=True)


# -- the question editor ----------------------------------------------------------------------

@pytest.mark.db
def test_editing_a_question_makes_it_a_draft_until_reviewed(app, staff, signed_in):
    with app.app_context():
        question = db.session.scalars(db.select(Question).where(Question.theme_id == "kurds-rojava")
                                      .order_by(Question.position)).first()
        qid, text = question.id, question.text
    assert staff.get("/packs/questions").status_code == 200
    response = staff.post(f"/packs/questions/{qid}/edit", data={"theme": "kurds-rojava", "text": text + " Why?"})
    assert response.status_code == 302
    with app.app_context():
        question = db.session.get(Question, qid)
        assert (question.status, question.edited, question.text) == ("draft", True, text + " Why?")
        context = packs.gather(packs.validate({"title": "t", "sections": ["kurds-rojava"]}))
        printed = ["".join(r["t"] for r in q["runs"]) for q in context["sections"][0]["questions"]]
        assert text + " Why?" not in printed and len(printed) == 4  # drafts are left out
        with pytest.raises(PamphletError, match="drafts awaiting review"):
            packs.validate({"title": "t", "sections": [{"theme": "kurds-rojava", "questions": [1, 2, 3]}]})
    # its editor may not review it; another editor may
    assert "Mark reviewed" not in staff.get("/packs/questions").get_data(as_text=True)
    assert staff.post(f"/packs/questions/{qid}/review").status_code == 403
    other = signed_in("editor")
    assert "Mark reviewed" in other.get("/packs/questions").get_data(as_text=True)
    assert other.post(f"/packs/questions/{qid}/review").status_code == 302
    with app.app_context():
        assert db.session.get(Question, qid).status == "reviewed"
        context = packs.gather(packs.validate({"title": "t", "sections": ["kurds-rojava"]}))
        assert text + " Why?" in ["".join(r["t"] for r in q["runs"]) for q in context["sections"][0]["questions"]]


@pytest.mark.db
def test_too_few_reviewed_questions_is_a_clear_error(app, staff):
    with app.app_context():
        ids = list(db.session.scalars(db.select(Question.id).where(Question.theme_id == "kurds-rojava")))
    for qid in ids[:3]:
        staff.post(f"/packs/questions/{qid}/edit", data={"theme": "kurds-rojava", "text": "A changed question?"})
    with app.app_context(), pytest.raises(PamphletError) as info:
        packs.validate({"title": "t", "sections": ["kurds-rojava"]})
    assert info.value.field == "sections[0].questions" and "only 2 reviewed" in info.value.message


@pytest.mark.db
def test_new_question_starts_as_draft(app, staff):
    response = staff.post("/packs/questions/new", data={"theme": "russian-left", "text": "What would you ask Matveev?"})
    assert response.status_code == 302
    with app.app_context():
        question = db.session.scalars(db.select(Question).where(Question.text == "What would you ask Matveev?")).one()
        assert (question.theme_id, question.status, question.edited) == ("russian-left", "draft", True)
    bad = staff.post("/packs/questions/new", data={"theme": "nope", "text": "Too short"})
    assert bad.status_code == 422


# -- documentation ------------------------------------------------------------------------------

def test_every_pack_field_is_documented_and_the_example_is_valid(pack_app):
    doc = (ROOT / "docs" / "packs.md").read_text(encoding="utf-8")
    for name in sorted(packs.FIELDS | packs.SECTION_FIELDS):
        assert re.search(rf"^\s*-?\s*{name}:", doc, re.M), f"{name} is not documented in docs/packs.md"
    example = re.search(r"```yaml\n(kind: reading-pack.*?)```", doc, re.S).group(1)
    with pack_app.app_context():
        spec = packs.validate(yaml.safe_load(example))
    assert [s.theme for s in spec.sections] == ["aleppo-siege", "russias-war"]


def test_a_pack_in_another_language_marks_its_languages(pack_app):
    with pack_app.app_context():
        context = packs.gather(packs.validate({"title": "Алеппо", "lang": "ar", "sections": ["aleppo-siege"]}))
        html = packs.render_html(context)
    assert '<html lang="ar" dir="rtl">' in html
    assert '<h2 class="section-title bm1" lang="en" dir="ltr" data-title="Aleppo under siege">' in html
    assert '<blockquote class="passage source-text" lang="en" dir="ltr">' in html


def test_the_shipped_full_pack_prints_every_quotation_once(pack_app):
    from campaign.models import Quote

    data = yaml.safe_load((ROOT / "pamphlets" / "reading-pack-full.yaml").read_text(encoding="utf-8"))
    with pack_app.app_context():
        spec = packs.validate(data)
        own = themes.own_quotes()
        printed = [q for i, s in enumerate(spec.sections) for q in packs._section_quotes(i, s, own)]
        library = set(db.session.scalars(db.select(Quote.id)))
        theme_ids = {t for t in db.session.scalars(db.select(packs.Theme.id))}
    assert sorted(printed) == sorted(library) and len(printed) == len(set(printed))
    assert {s.theme for s in spec.sections} == theme_ids
