"""The verbatim guard: exact words, punctuation and speaker; typographic marks only may differ."""
import pytest

from campaign import verbatim
from campaign.sources import read_source_files, parse
from tests.test_sources import TEXT_PATH

LEILA = "Leila al-Shami"


@pytest.fixture(scope="module")
def src():
    meta, text = read_source_files(TEXT_PATH)
    return parse(text, meta.speakers)


@pytest.mark.parametrize("quote,anchor", [
    ("So they are effectively in an open-air prison.", "p2"),
    ("everyone’s talking about Syria, and no one is actually talking to Syrians.", "p31"),  # curly apostrophe
    ("everyone's   talking about\nSyria,", "p31"),  # white space
    ("Tyrants across the world […] can maintain their power through mass slaughter.", "p13"),
    ("Tyrants across the world [...] can maintain their power through mass slaughter.", "p13"),
    ("You have groups in Raqqqa [sic] and Dier Al Zour", "p29"),  # the source's typo, marked
    ("It is very clear that this blood bath and this absolute slaughter of the people is only going to "
     "increase extremism.", "p4"),  # across a repaired page break
    ("He [Trump] obviously admires strongmen and dictators such as Sisi and Erdogan.", "p12"),
    ("the YPG [i.e. the People's Protection Units led by the Kurdish Democratic Union Party]", "p3"),
])
def test_verbatim_quotes_pass(src, quote, anchor):
    match = verbatim.verify(quote, LEILA, src)
    assert match.anchor == anchor
    assert match.speaker == LEILA
    assert verbatim.normalise(src.text[match.start:match.end]).split()[-1] == verbatim.normalise(quote).split()[-1]


def test_offsets_cover_exactly_the_quoted_words(src):
    match = verbatim.verify("So they are effectively in an open-air prison.", LEILA, src)
    assert src.text[match.start:match.end] == "So they are effectively in an open-air prison."


@pytest.mark.parametrize("quote,word,source_word", [
    ("Tyrants across the world know now that they can keep their power through mass slaughter.", "keep", "maintain"),
    ("So they are effectively in an open-air jail.", "jail.", "prison."),
    ("So they are effectively in an open air prison.", "air", "open-air"),
    ("So they are effectively in an open-air prison!", "prison!", "prison."),  # punctuation counts
    ("Tyrants across the world […] can maintain their power through mass killing.", "killing.", "slaughter."),
])
def test_changed_word_is_named(src, quote, word, source_word):
    with pytest.raises(verbatim.NotVerbatim) as err:
        verbatim.verify(quote, LEILA, src)
    assert err.value.word == word
    assert repr(word) in str(err.value) and repr(source_word) in str(err.value)


def test_title_wording_is_not_what_she_said(src):
    """The headline paraphrases her; the guard holds quotes to the body text."""
    with pytest.raises(verbatim.NotVerbatim) as err:
        verbatim.verify("Tyrants across the world know now they can maintain power through mass slaughter.",
                        LEILA, src)
    assert "'they'" in str(err.value) and "'that'" in str(err.value)


def test_speaker_swap_is_rejected(src):
    with pytest.raises(verbatim.NotVerbatim) as err:
        verbatim.verify("What is the situation right now?", LEILA, src)
    assert "Gabriel Levy" in str(err.value)
    with pytest.raises(verbatim.NotVerbatim):
        verbatim.verify("So they are effectively in an open-air prison.", "Ilya Matveev", src)


def test_elision_cannot_hide_a_changed_word_or_a_partial_word(src):
    with pytest.raises(verbatim.NotVerbatim):
        verbatim.verify("The situation in Aleppo […] is absolutely fine.", LEILA, src)
    with pytest.raises(verbatim.NotVerbatim):
        verbatim.verify("[…] ussia has justified this onslaught", LEILA, src)
    with pytest.raises(verbatim.NotVerbatim):
        verbatim.verify("Russia has justified […] ISI presence", LEILA, src)


def test_elision_stays_within_one_turn(src):
    with pytest.raises(verbatim.NotVerbatim):
        verbatim.verify("The situation on the ground is absolutely desperate. […] Of course, there is.", LEILA, src)


def test_insertion_may_not_replace_a_word(src):
    with pytest.raises(verbatim.NotVerbatim):
        verbatim.verify("I think [Trump] is going to keep Assad in power.", LEILA, src)
    assert verbatim.verify("I think he [Trump] is going to keep Assad in power.", LEILA, src).anchor == "p12"


def test_unknown_speaker(src):
    with pytest.raises(verbatim.NotVerbatim) as err:
        verbatim.verify("So they are effectively in an open-air prison.", "Someone Else", src)
    assert "does not speak" in str(err.value)


def test_elisions_are_matched_run_by_run(src):
    """Many elisions verify in order without backtracking; too many are refused outright."""
    quote = "The situation in Aleppo […] critical. […] And the voices […] from there […] panic […] East Aleppo."
    assert verbatim.verify(quote, LEILA, src).anchor == "p2"
    with pytest.raises(verbatim.NotVerbatim, match="'Damascus.'"):
        verbatim.verify("The situation […] in […] Aleppo […] is […] the […] Damascus.", LEILA, src)
    with pytest.raises(verbatim.NotVerbatim, match="more than 12 elisions"):
        verbatim.verify(" […] ".join(["the"] * 14), LEILA, src)
