"""The transcript parser: turns, speakers, anchors, page-break repairs, offsets, errors."""
from collections import Counter
from pathlib import Path

import pytest

from campaign import sources

ROOT = Path(__file__).resolve().parent.parent
TEXT_PATH = ROOT / "library" / "sources" / "al-shami-2016.txt"


@pytest.fixture(scope="module")
def parsed():
    meta, text = sources.read_source_files(TEXT_PATH)
    return sources.parse(text, meta.speakers)


def test_stored_original_is_the_file_as_received():
    shared = ROOT.parent / "shared" / "sources" / "000_801f1aefdffb9670.txt"
    digest = "6135cce7190d2585ceff3efcdcaa577041822f859029666f71e827e45f4243d0"
    assert sources.digest(TEXT_PATH.read_text(encoding="utf-8")) == digest
    if shared.exists():
        assert shared.read_bytes() == TEXT_PATH.read_bytes()


def test_turns_and_speakers(parsed):
    assert len(parsed.turns) == 43
    assert parsed.speakers == {"G": "Gabriel Levy", "I": "Ilya Matveev", "L": "Leila al-Shami"}
    assert Counter(t.speaker for t in parsed.turns) == {
        "Leila al-Shami": 21, "Gabriel Levy": 11, "Ilya Matveev": 11}
    assert parsed.turns[0].speaker == "Gabriel Levy"
    assert parsed.turns[0].paragraphs[0].text == "What is the situation right now?"
    assert parsed.turns[1].paragraphs[0].text.startswith("The situation in Aleppo is absolutely critical.")


def test_page_break_splits_are_repaired(parsed):
    assert len(parsed.repairs) == 5
    repaired = [p for p in parsed.paragraphs if p.repaired]
    assert len(repaired) == 5
    joined = parsed.paragraph("p4").text
    assert "this absolute slaughter of the people is only going to increase extremism." in joined
    assert "committed to the democratic ideals of the revolution." in parsed.paragraph("p26").text
    assert all(not p.text[0].islower() for p in parsed.paragraphs)


def test_offsets_map_back_to_the_original(parsed):
    for p in parsed.paragraphs:
        assert " ".join(parsed.text[s:e] for s, e in p.spans) == p.text
    assert parsed.paragraph_at(parsed.paragraph("p12").start + 5).anchor == "p12"


def test_anchors_are_stable_and_sequential(parsed):
    anchors = [p.anchor for p in parsed.paragraphs]
    assert anchors == [f"p{i}" for i in range(1, len(anchors) + 1)]
    assert len(anchors) == 63


def test_front_matter_and_trailer(parsed):
    assert parsed.title.startswith("Alep, the West, Russia & Syria")
    assert "(#)" not in parsed.byline and "AL-SHAMI Leila" in parsed.byline
    assert parsed.trailer[0] == "P.S."
    assert any("criticatac.ro" in line for line in parsed.trailer)


@pytest.mark.parametrize("text,line,words", [
    ("", 1, "empty"),
    ("Title\n\nNo turns here at all.\n", 1, "no speaker turns"),
    ("Title\n\nAnn Smith (A): Hello.\n\nB: Who is B?\n", 5, "unknown speaker initial 'B'"),
    ("Title\n\nAnn Smith (A): Hello.\n\nA:\n", 5, "has no text"),
    ("Title\n\nAnn Smith (A): Hi.\n\nBob Jones (A): Clash.\n", 5, "already means"),
])
def test_malformed_input_names_the_line(text, line, words):
    with pytest.raises(sources.SourceFormatError) as err:
        sources.parse(text)
    assert err.value.line == line
    assert words in str(err.value)
    assert str(err.value).startswith(f"line {line}:")


def test_speakers_from_metadata_and_hard_wrapped_paragraphs():
    text = "A talk\n\nQ: First question\nwrapped on two lines?\n\nA: An answer.\n\nA second paragraph.\n"
    parsed = sources.parse(text, {"Q": "Quinn", "A": "Ada"})
    assert [t.speaker for t in parsed.turns] == ["Quinn", "Ada"]
    assert parsed.paragraph("p1").text == "First question wrapped on two lines?"
    assert parsed.paragraph("p3").text == "A second paragraph."


@pytest.mark.parametrize("data,field_name", [
    ({"slug": "Bad Slug", "title": "t", "interviewee": "x"}, "slug"),
    ({"slug": "ok", "title": "", "interviewee": "x"}, "title"),
    ({"slug": "ok", "title": "t", "interviewee": "x", "published": "29/11/2016"}, "published"),
    ({"slug": "ok", "title": "t", "interviewee": "x", "url": "ftp://x"}, "url"),
    ({"slug": "ok", "title": "t", "interviewee": "x", "speakers": {"l": "lower"}}, "speakers"),
    ({"slug": "ok", "title": "t", "interviewee": "x", "colour": "red"}, "colour"),
])
def test_metadata_errors_name_the_field(data, field_name):
    with pytest.raises(sources.SourceFormatError) as err:
        sources.meta_from_dict(data)
    assert err.value.field_name == field_name
