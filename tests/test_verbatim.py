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


def test_bracket_between_words_is_an_insertion_or_a_marked_replacement(src):
    inserted = verbatim.verify("He [Trump] obviously admires strongmen", LEILA, src)
    assert [(p.kind, p.text, p.source) for p in inserted.parts if p.kind != "text"] == [("insertion", "[Trump]", "")]
    replaced = verbatim.verify("I think [Trump] is going to keep Assad in power.", LEILA, src)
    assert replaced.anchor == "p12"
    part = next(p for p in replaced.parts if p.kind == "replacement")
    assert (part.text, part.source, src.text[part.start:part.end]) == ("[Trump]", "he", "he")
    with pytest.raises(verbatim.NotVerbatim):  # a bracket stands for at most four words
        verbatim.verify("So [the people of East Aleppo] prison.", LEILA, src)
    with pytest.raises(verbatim.NotVerbatim):  # the words around a replacement still match exactly
        verbatim.verify("I think [Trump] is going to keep Putin in power.", LEILA, src)


def test_bracket_at_the_start_replaces_the_words_of_its_clause(src):
    match = verbatim.verify("[Russia] is intervening to crush the democratic opposition to Assad", LEILA, src)
    part = match.parts[0]
    assert (part.kind, part.text, part.source) == ("replacement", "[Russia]", "It")
    assert src.text[match.start:match.end].startswith("It is intervening")
    # the quoted words begin their clause: the bracket adds and replaces nothing
    match = verbatim.verify("[In East Aleppo] The grand advance is being led by Shia militias", LEILA, src)
    assert (match.parts[0].kind, match.parts[0].source) == ("insertion", "")


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


# -- sense: a cut or a bracket may not reverse what was said ------------------------------------

@pytest.mark.parametrize("quote,named", [
    ("Putin was aware that Trump is […] going to intervene.", "'not'"),  # issue 10: "is not going to"
    ("Putin was aware that […] going to intervene.", "'not'"),
    ("Fuels are running out, there is […] water.", "'no'"),
    ("It means that the refugees will […] return and the prisoners will stay in jail.", "'never'"),
    ("Al-Nusra has a small presence and certainly […] control the city.", '"doesn\'t"'),
    ("We […] know whether he gave him the green light", '"don\'t"'),
    ("Nobody, neither Arabs […] Kurds, will benefit from that.", "'nor'"),
])
def test_elision_that_leaves_out_a_negation_is_refused(src, quote, named):
    with pytest.raises(verbatim.ChangesSense) as err:
        verbatim.verify(quote, LEILA, src)
    message = str(err.value)
    assert message.startswith("the elision […] after ") and f"leaves out {named}" in message, message
    assert "reverses the sense" in message


def test_elision_message_names_the_words_before_it(src):
    with pytest.raises(verbatim.ChangesSense, match=r"^the elision \[…\] after 'that Trump is' leaves out 'not',"):
        verbatim.verify("Putin was aware that Trump is […] going to intervene.", LEILA, src)


@pytest.mark.parametrize("quote,named", [
    ("Trump is [not] going to continue the isolationist position", "'not'"),  # issue 10
    ("I mean the slaughter is [no longer] going to continue.", "'no'"),
    ("and the prisoners will [never] stay in jail.", "'never'"),
    ("Trump is[n't] going to continue the isolationist position", '"n\'t"'),
    ("Trump [won’t] continue the isolationist position", '"won\'t"'),
    ("I think [nobody] is going to keep Assad in power.", "'nobody'"),
])
def test_bracket_that_adds_a_negation_is_refused(src, quote, named):
    with pytest.raises(verbatim.ChangesSense) as err:
        verbatim.verify(quote, LEILA, src)
    assert f"adds {named}" in str(err.value), str(err.value)


def test_bracket_may_not_replace_a_negation(src):
    with pytest.raises(verbatim.ChangesSense) as err:
        verbatim.verify("[We] know whether he gave him the green light", LEILA, src)
    assert "stands for \"We don't\"" in str(err.value) and "leaves out \"don't\"" in str(err.value)


def test_quotation_may_not_start_just_after_a_negation(src):
    with pytest.raises(verbatim.ChangesSense, match="starts just after \"don't\""):
        verbatim.verify("know whether he gave him the green light", LEILA, src)
    with pytest.raises(verbatim.ChangesSense, match="starts just after 'not'"):
        verbatim.verify("[…] going to intervene.", LEILA, src)
    assert verbatim.verify("Trump is going to continue the isolationist position", LEILA, src).anchor == "p12"


def test_a_cut_without_a_negation_elsewhere_is_found(src):
    """The guard looks for a placement that keeps the sense before it refuses one."""
    match = verbatim.verify("the slaughter […] continue.", LEILA, src)
    assert [p.source for p in match.parts if p.kind == "elision"] == ["is going to"]


@pytest.mark.parametrize("text,found", [
    ("is not going", ["not"]), ("NOT", ["NOT"]), ("don’t", ["don’t"]), ("isn't", ["isn't"]), ("can't", ["can't"]),
    ("cannot", ["cannot"]), ("no one", ["no"]), ("nothing", ["nothing"]), ("nobody", ["nobody"]), ("none", ["none"]),
    ("neither this nor that", ["neither", "nor"]), ("never", ["never"]), ("without", ["without"]),
    ("hardly", ["hardly"]), ("nowhere", ["nowhere"]),
    ("a no-fly zone", []), ("knot notion nowhereland", []), ("nor'easter", []), ("north", []),
])
def test_negations_are_whole_words(text, found):
    assert [w.replace("’", "'") for w in verbatim.negations(text)] == [w.replace("’", "'") for w in found]


# -- emphasis ---------------------------------------------------------------------------------

ILYA = "Ilya Matveev"


@pytest.mark.parametrize("quote", [
    "even mainstream Western media like the *New York Times* are right",  # the source's own emphasis
    "even mainstream Western media like the New York Times are right",  # left out: allowed
    "like the *New York Times* […] for silence on this issue.",
])
def test_the_sources_emphasis_may_be_kept(src, quote):
    assert verbatim.verify(quote, ILYA, src).anchor == "p57"


@pytest.mark.parametrize("quote,word,speaker", [
    ("So they are *effectively* in an open-air prison.", "effectively", LEILA),
    ("Trump is *not* going to intervene.", "not", LEILA),
    ("like the *New York* Times are right", "York", ILYA),
    ("like the New York *Times* are right", "Times", ILYA),
])
def test_emphasis_the_source_does_not_have_is_refused(src, quote, word, speaker):
    with pytest.raises(verbatim.NotVerbatim) as err:
        verbatim.verify(quote, speaker, src)
    assert f"marks {word!r} with *emphasis*" in str(err.value)


# -- crossing turns ---------------------------------------------------------------------------

def test_elision_across_turns_says_so(src):
    with pytest.raises(verbatim.NotVerbatim) as err:
        verbatim.verify("The situation on the ground is absolutely desperate. […] Of course, there is.", LEILA, src)
    message = str(err.value)
    assert "the words after the elision […] after 'is absolutely desperate.' are not in the same turn" in message
    para = src.paragraph_at(src.text.index("Of course, there is."))
    assert f"'Of course, there is.' is said in #{para.anchor} by {para.speaker}" in message
    with pytest.raises(verbatim.NotVerbatim, match="are not in the same turn: 'What is the situation right now"):
        verbatim.verify("So they are effectively in an open-air prison. […] What is the situation right now?",
                        LEILA, src)


def test_elision_keeps_the_order(src):
    with pytest.raises(verbatim.NotVerbatim, match="come before it in the source"):
        verbatim.verify("So they are effectively in an open-air prison. […] The situation in Aleppo", LEILA, src)


# -- explain ----------------------------------------------------------------------------------

def test_explain_gives_each_part_with_its_source_words(src):
    parts = verbatim.explain("Tyrants across the world […] can maintain their power through mass slaughter.", LEILA, src)
    assert [(p.kind, p.text) for p in parts] == [
        ("text", "Tyrants across the world"), ("elision", "[…]"),
        ("text", "can maintain their power through mass slaughter.")]
    elision = parts[1]
    assert elision.source == "know now that they"
    assert src.text[elision.start:elision.end] == "know now that they"
    for part in (parts[0], parts[2]):
        assert verbatim.normalise(src.text[part.start:part.end]) == verbatim.normalise(part.text)
    trailing = verbatim.explain("You have groups in Raqqqa [sic] and Dier Al Zour", LEILA, src)
    assert [(p.kind, p.text, p.source) for p in trailing][1] == ("insertion", "[sic]", "")
