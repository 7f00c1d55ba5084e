"""Russian and Arabic outputs: translated quotations in leaflets, cards and reading packs, draft gating,
bilingual layouts, logical text order in the PDF and glyph coverage of the print fonts."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from campaign import cards, leaflets, packs, quotes, render, translations
from campaign.db import db
from campaign.pamphlets import PamphletError

ROOT = Path(__file__).resolve().parent.parent
FLYER = {"design": "flyer", "size": "A5", "quotes": ["open-air-prison", "tyrants-mass-slaughter"],
         "headline": "Aleppo", "call_to_action": "Join us."}
LANGS = ("ru", "ar")


def pdf_text(pdf: bytes) -> str:
    """The PDF's text in logical (reading) order, as pypdf extracts it."""
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


def norm(text: str) -> str:
    """Text compared across extraction: presentation forms folded (NFKC), letters, marks and digits only.

    Spaces fall anywhere on a laid-out page, and neutral punctuation at a change of direction may be
    extracted on either side of its run: the words, in their order, are what must survive.
    """
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c)[0] in "LMN")


def has(text: str, source: str) -> bool:
    """The PDF text holds ``source``: verbatim (normalised) for Latin and Cyrillic; for Arabic the first
    words in reading order and nearly all the words (text extraction may split a ligature or take a
    wrapped line's pieces out of order, which is no fault of the PDF's logical structure)."""
    if norm(source) in norm(text):
        return True
    if not any("\u0600" <= c <= "\u06ff" for c in source):
        return False
    got, want = words(text), words(source)
    first = want[:4]
    in_order = any(got[i:i + len(first)] == first for i in range(len(got)))
    return in_order and sum(w in set(got) for w in want) >= 0.9 * len(want)


ALEF_AND_HAMZA = re.compile("[\u0621-\u0627\u0654\u0655]")


def words(text: str) -> list[str]:
    """The words of a text, punctuation dropped (neutral punctuation may move at direction changes).

    Alef and hamza forms are dropped: pypdf reads the composed alef-with-hamza glyphs of Noto Naskh
    Arabic inconsistently (sometimes as nothing), which says nothing about the order of the text.
    """
    folded = ALEF_AND_HAMZA.sub("", unicodedata.normalize("NFKC", text))
    folded = "".join(c for c in folded if unicodedata.category(c) != "Mn")
    return [w for w in re.findall(r"\w+", folded) if w]


def review(app, quote_id: str, lang: str) -> str:
    """Mark the shipped draft translation reviewed; its text."""
    with app.app_context():
        t = translations.review(translations.get(quote_id, lang), "Test Reviewer")
        db.session.commit()
        return t.text


def draft_text(app, quote_id: str, lang: str) -> str:
    with app.app_context():
        return translations.get(quote_id, lang).text


def build_leaflet(app, **data) -> bytes:
    with app.app_context():
        return leaflets.build(leaflets.validate({**FLYER, **data})).pdf


# -- leaflets -------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_leaflet_prints_reviewed_translations_with_credit_and_attribution(app, lang):
    texts = [review(app, q, lang) for q in FLYER["quotes"]]
    pdf = build_leaflet(app, lang=lang)
    raw = pdf_text(pdf)
    text = norm(raw)
    for t in texts:
        assert has(raw, t)
    with app.app_context():
        credit = translations.credit(translations.get("open-air-prison", lang), lang)
        mark = translations.draft_mark(lang)
        speaker = translations.library_texts(lang).speaker("Leila al-Shami")
    assert has(raw, credit.replace("Test Reviewer", "")) and "TestReviewer" in text
    assert norm(speaker) in text and "LeilaalShami" in text and "OpenLeft" in text
    assert norm(mark).casefold() not in text.casefold()
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == lang
    assert mark not in reader.metadata.subject


@pytest.mark.parametrize("lang", LANGS)
def test_leaflet_refuses_unreviewed_translations_unless_drafts_are_allowed(app, lang):
    with app.app_context(), pytest.raises(PamphletError) as caught:
        leaflets.validate({**FLYER, "lang": lang})
    assert caught.value.field == "quotes"
    assert "open-air-prison" in caught.value.message and f"({lang})" in caught.value.message
    assert "draft" in caught.value.message

    pdf = build_leaflet(app, lang=lang, drafts=True)
    text = pdf_text(pdf)
    with app.app_context():
        mark = translations.draft_mark(lang)
    # the mark stands by each quotation (upper-cased by the stylesheet in Russian)
    assert text.casefold().count(mark.casefold()) == 2
    assert has(text, draft_text(app, "tyrants-mass-slaughter", lang))
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert mark in meta.subject and "Leila al-Shami" in meta.subject


def test_leaflet_in_the_original_keeps_english_quotations(app):
    pdf = build_leaflet(app, lang="ar", quotations="original")
    with app.app_context():
        originals = [q.text for q in quotes.get_many_verified(FLYER["quotes"])]
    text = norm(pdf_text(pdf))
    assert all(norm(o) in text for o in originals)
    assert norm(draft_text(app, "open-air-prison", "ar")) not in text


def test_arabic_leaflet_text_is_extracted_in_logical_order(app):
    source = review(app, "tyrants-mass-slaughter", "ar")
    review(app, "open-air-prison", "ar")
    pdf = build_leaflet(app, lang="ar")
    extracted = words(pdf_text(pdf))
    first = words(source)[:5]
    assert any(extracted[i:i + 5] == first for i in range(len(extracted))), (first, extracted[:40])
    # and not merely present in visual (reversed) order
    assert not any(extracted[i:i + 5] == first[::-1] for i in range(len(extracted)))


def test_bilingual_leaflet_sets_both_texts_side_by_side_each_in_its_direction(app):
    with app.app_context():
        spec = leaflets.validate({**FLYER, "design": "handout", "size": "A4", "lang": "ar", "drafts": True,
                                  "quotations": "bilingual"})
        data = leaflets.gather(spec)
        html = leaflets.Html(spec, data)(1.0)
        pdf = leaflets.build(spec).pdf
        originals = [q.text for q in quotes.get_many_verified(FLYER["quotes"])]
    assert re.search(r'<figure class="quote translated bilingual draft"[^>]*lang="ar" dir="rtl"', html)
    assert '<blockquote class="original" lang="en" dir="ltr">' in html
    raw = pdf_text(pdf)
    for qid, original in zip(FLYER["quotes"], originals):
        assert norm(original) in norm(raw)
        assert has(raw, draft_text(app, qid, "ar"))


def test_bilingual_needs_a_translation_language(app):
    with app.app_context(), pytest.raises(PamphletError) as caught:
        leaflets.validate({**FLYER, "quotations": "bilingual"})
    assert caught.value.field == "quotations"


def test_leaflet_builder_answers_422_naming_the_quotation(staff):
    form = {"design": "flyer", "size": "A5", "orientation": "portrait", "quotes": ["open-air-prison"],
            "lang": "ar", "quotations": "translated", "action": "preview"}
    response = staff.post("/leaflets/new", data=form)
    assert response.status_code == 422
    assert "open-air-prison" in response.get_data(as_text=True)
    response = staff.post("/leaflets/new", data={**form, "drafts": "y"})
    assert response.status_code == 200


# -- cards ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_card_prints_the_translation_with_credit(app, lang):
    translated = review(app, "open-air-prison", lang)
    with app.app_context():
        quote = quotes.get_verified("open-air-prison")
        data = cards.card_quote(quote, lang=lang)
    assert data.lang == lang and data.dir == ("rtl" if lang == "ar" else "ltr")
    assert data.credit and "Test Reviewer" in data.credit and not data.draft_mark
    raw = pdf_text(cards.card_pdf(data))
    text = norm(raw)
    assert has(raw, translated) and has(raw, data.credit.replace("Test Reviewer", "")) and "LeilaalShami" in text
    assert translated in data.alt


def test_card_draft_gating_over_http(staff, app):
    assert staff.get("/quotes/open-air-prison/card.png?lang=ar").status_code == 422
    response = staff.get("/quotes/open-air-prison/card.png?lang=ar")
    assert "open-air-prison" in response.get_data(as_text=True)
    assert staff.get("/quotes/open-air-prison/card.png?lang=de").status_code == 400
    assert staff.get("/quotes/open-air-prison/card.png?bilingual=1").status_code == 400
    response = staff.get("/quotes/open-air-prison/card.png?lang=ar&drafts=1&format=og")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    with app.app_context():
        data = cards.card_quote(quotes.get_verified("open-air-prison"), lang="ar", drafts=True)
        mark = translations.draft_mark("ar")
    assert data.draft_mark == mark and norm(mark) in norm(pdf_text(cards.card_pdf(data)))


def test_bilingual_card_stacks_both_texts_each_in_its_direction(app):
    with app.app_context():
        quote = quotes.get_verified("open-air-prison")
        data = cards.card_quote(quote, lang="ar", drafts=True, bilingual=True)
    html = cards.card_html(data, "square", px=40)
    assert '<html lang="ar" dir="rtl">' in html
    assert '<p class="original" lang="en" dir="ltr">' in html
    raw = pdf_text(cards.card_pdf(data))
    assert norm(quote.text) in norm(raw) and has(raw, data.text)


# -- reading packs ------------------------------------------------------------------------------

def _pack(app, lang, **extra) -> tuple[bytes, dict]:
    with app.app_context():
        spec = packs.validate({"title": "Aleppo", "lang": lang, "sections": ["aleppo-siege"], **extra})
        context = packs.gather(spec)
        return packs.render_pack(context), context


@pytest.mark.parametrize("lang", LANGS)
def test_pack_with_drafts_translates_headings_themes_questions_glossary_and_quotations(app, lang):
    pdf, context = _pack(app, lang, drafts=True)
    raw = pdf_text(pdf)
    text = norm(raw)
    with app.app_context():
        texts = translations.library_texts(lang)
        theme = texts.theme("aleppo-siege", allow_drafts=True)
        questions = texts.theme_questions("aleppo-siege", allow_drafts=True)
        mark = translations.draft_mark(lang)
        ids = [t["quote"] for s in context["sections"] for e in s["excerpts"] for t in e["translations"]]
        originals = {q.id: q.text for q in quotes.get_many_verified(ids)}
    assert ids
    for qid in ids:  # the translation, and the original it translates, both printed
        assert has(raw, draft_text(app, qid, lang)), qid
    assert any(norm(o)[:60] in text for o in originals.values())
    assert has(raw, theme["name"])
    assert has(raw, questions[0])
    assert has(raw, context["glossary"][0]["definition"]) and context["glossary"][0]["in"]["lang"] == lang
    heading = norm(render.catalog(lang).gettext("How to use this pack"))
    assert heading != norm("How to use this pack")
    assert norm(mark).casefold() in text.casefold()
    assert mark in PdfReader(io.BytesIO(pdf)).metadata.subject
    html = packs.render_html(context)
    assert f'<h2 class="section-title bm1" lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}"' in html
    assert heading in text or heading.casefold() in text.casefold()


@pytest.mark.parametrize("lang", LANGS)
def test_pack_without_drafts_keeps_the_originals_and_says_translations_are_missing(app, lang):
    pdf, context = _pack(app, lang)
    excerpts = [e for s in context["sections"] for e in s["excerpts"]]
    assert all(t["missing"] for e in excerpts for t in e["translations"])
    assert context["sections"][0]["title_in"]["lang"] == "en" and not context["draft_mark"]
    text = norm(pdf_text(pdf))
    assert norm(draft_text(app, "open-air-prison", lang)) not in text
    reviewed = review(app, "open-air-prison", lang)
    pdf, context = _pack(app, lang)
    raw = pdf_text(pdf)
    assert has(raw, reviewed) and "TestReviewer" in norm(raw)


def test_arabic_pack_text_is_extracted_in_logical_order(app):
    source = review(app, "open-air-prison", "ar")
    pdf, _context = _pack(app, "ar")
    extracted = words(pdf_text(pdf))
    first = words(source)[:4]
    assert any(extracted[i:i + 4] == first for i in range(len(extracted))), first


# -- fonts cover every character of the library ---------------------------------------------------

def _library_characters() -> set[str]:
    """Every distinct character of the library's texts and their translations."""
    chunks = []
    for name in ("quotes.yaml", "glossary.yaml", "questions.yaml", "themes.yaml",
                 "translations/ru.yaml", "translations/ar.yaml"):
        chunks.append(yaml.safe_load((ROOT / "library" / name).read_text(encoding="utf-8")))

    def strings(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for k, v in node.items():
                yield from strings(k)
                yield from strings(v)
        elif isinstance(node, list):
            for v in node:
                yield from strings(v)
    chars = set("".join(s for c in chunks for s in strings(c)))
    # Characters the templates add around translations (quotation marks, dashes, separators).
    chars |= set("«»“”—·…¶")
    return {c for c in chars if not c.isspace() and unicodedata.category(c)[0] != "C"}


def _charset(family: str) -> set[int]:
    """The code points fontconfig says the regular face of ``family`` covers."""
    out = subprocess.run(["fc-list", f"{family}:style=Regular", "--format", "%{family[0]}|%{charset}\n"],
                         capture_output=True, text=True, check=True).stdout
    covered: set[int] = set()
    for line in out.splitlines():
        name, _sep, ranges = line.partition("|")
        if name != family:
            continue
        for part in ranges.split():
            lo, _dash, hi = part.partition("-")
            covered.update(range(int(lo, 16), int(hi or lo, 16) + 1))
    assert covered, f"font {family!r} is not installed (scripts/system-deps.sh installs fonts-noto-core)"
    return covered


def _stacks() -> dict[str, list[str]]:
    """The font stacks the print stylesheet declares (serif, sans, arabic), Noto families only."""
    css = (ROOT / "static" / "print" / "css" / "base.css").read_text(encoding="utf-8")
    stacks = {}
    for name in ("serif", "sans", "arabic"):
        value = re.search(rf"--{name}:\s*([^;]+);", css).group(1)
        stacks[name] = [f for f in re.findall(r'"([^"]+)"', value) if f.startswith("Noto")]
    return stacks


@pytest.mark.skipif(not shutil.which("fc-list"), reason="fontconfig's fc-list is needed")
def test_print_fonts_cover_every_character_of_the_library():
    chars = _library_characters()
    assert any("\u0600" <= c <= "\u06ff" for c in chars) and any("\u0400" <= c <= "\u04ff" for c in chars)
    for name, families in _stacks().items():
        covered = set().union(*(_charset(f) for f in families))
        missing = sorted(c for c in chars if ord(c) not in covered)
        if name == "arabic":  # the Arabic stack falls back to Noto Sans for Latin and Cyrillic
            missing = [c for c in missing if "\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufeff"]
        assert not missing, f"--{name} ({', '.join(families)}) lacks " + ", ".join(
            f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in missing)


def test_russian_source_credit_ends_with_one_full_stop(app):
    """"29 ноября 2016 г." already ends the sentence: the credit line adds no second stop."""
    for q in FLYER["quotes"]:
        review(app, q, "ru")
    raw = pdf_text(build_leaflet(app, lang="ru")).replace("\u202f", " ")
    assert "2016 г." in raw
    assert "г.." not in raw.replace(" ", "")
