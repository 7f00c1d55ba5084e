"""Translated quotations: curated drafts, staleness, draft gating, export, the translator's page."""
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from campaign import library, quotes, translations
from campaign.db import db
from campaign.models import Question, Quote, QuoteTranslation

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "library"


def _yaml(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _review(app, quote_id, lang, reviewer="Reviewer Name"):
    with app.app_context():
        translations.review(translations.get(quote_id, lang), reviewer)
        db.session.commit()


# -- the shipped files ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["ru", "ar"])
def test_files_translate_every_quote_theme_term_and_question(lang):
    data = _yaml(LIB / "translations" / f"{lang}.yaml")
    originals = {q["id"]: q["text"] for q in _yaml(LIB / "quotes.yaml")}
    entries = {e["quote"]: e for e in data["quotes"]}
    assert list(entries) == list(originals)
    for qid, entry in entries.items():
        assert entry["status"] == "draft" and entry["translator"] == "machine draft", qid
        assert str(entry["translated_on"]) in ("2026-11-25", "2026-11-30")  # first drafts, then corrections
        text, original = entry["text"], originals[qid]
        assert text.strip() and text != original
        # elisions and editorial brackets are carried over, never dropped or added
        assert text.count("[") == original.count("[") and text.count("[…]") == original.count("[…]"), qid
    assert set(data["themes"]) == {t["id"] for t in _yaml(LIB / "themes.yaml")}
    assert all(t["name"] and t["description"] and t["status"] == "draft" for t in data["themes"].values())
    assert set(data["glossary"]) == {g["term"] for g in _yaml(LIB / "glossary.yaml")}
    assert all(g["term"] and g["definition"] and g["status"] == "draft" for g in data["glossary"].values())
    english_questions = _yaml(LIB / "questions.yaml")
    assert list(data["questions"]) == list(english_questions)
    for theme_id, items in english_questions.items():
        assert len(data["questions"][theme_id]["items"]) == len(items)
        assert data["questions"][theme_id]["status"] == "draft"
    script = {"ru": r"[А-Яа-яЁё]", "ar": r"[\u0600-\u06FF]"}[lang]
    assert all(re.search(script, e["text"]) for e in data["quotes"])
    assert "native speaker" in (LIB / "translations" / f"{lang}.yaml").read_text(encoding="utf-8")[:600]


def test_names_use_standard_spellings():
    ru = _yaml(LIB / "translations" / "ru.yaml")
    ar = _yaml(LIB / "translations" / "ar.yaml")
    assert ru["speakers"]["Leila al-Shami"] == "Лейла аш-Шами"
    assert ar["speakers"]["Leila al-Shami"] == "ليلى الشامي"
    ru_text = {e["quote"]: e["text"] for e in ru["quotes"]}
    ar_text = {e["quote"]: e["text"] for e in ar["quotes"]}
    assert "Алеппо" in ru_text["aleppo-absolutely-critical"]
    assert "حلب" in ar_text["aleppo-absolutely-critical"]
    assert "[Трамп]" in ru_text["putin-knew-trump-would-not-intervene"]
    assert "[ترامب]" in ar_text["putin-knew-trump-would-not-intervene"]


# -- loading -----------------------------------------------------------------------------------

@pytest.mark.db
def test_library_load_stores_a_draft_of_every_quote_tied_to_its_original(app):
    with app.app_context():
        all_quotes = db.session.scalars(db.select(Quote)).all()
        for lang in ("ru", "ar"):
            stored = {t.quote_id: t for t in db.session.scalars(
                db.select(QuoteTranslation).where(QuoteTranslation.lang == lang))}
            assert set(stored) == {q.id for q in all_quotes}
            for q in all_quotes:
                t = stored[q.id]
                assert t.status == "draft" and t.translator == "machine draft" and t.curated and not t.edited
                assert t.original_sha256 == translations.digest(q.text)
        texts = translations.library_texts("ar")
        assert texts.theme("aleppo-siege") is None  # drafts are not offered unless allowed
        assert texts.theme("aleppo-siege", allow_drafts=True)["name"] == "حلب تحت الحصار"
        count = db.session.query(Question).filter(Question.theme_id == "revolution").count()
        assert len(texts.theme_questions("revolution", allow_drafts=True)) == count
        assert texts.term("Daesh", allow_drafts=True)["term"] == "داعش"
        assert texts.speaker("Ilya Matveev") == "إيليا ماتفييف"


@pytest.mark.db
def test_reload_is_idempotent_and_never_overwrites_a_web_edit(app):
    with app.app_context():
        quote = db.session.get(Quote, "open-air-prison")
        translations.save(quote, "ru", "Фактически они в тюрьме под открытым небом.", "Анна Петрова")
        db.session.commit()
        before = {(t.quote_id, t.lang): (t.text, t.status, t.original_sha256)
                  for t in db.session.scalars(db.select(QuoteTranslation))}
        report = library.load(app.config["LIBRARY_DIR"])
        assert "translation:open-air-prison/ru" in report.kept_local_edits
        after = {(t.quote_id, t.lang): (t.text, t.status, t.original_sha256)
                 for t in db.session.scalars(db.select(QuoteTranslation))}
        assert after == before
        kept = translations.get("open-air-prison", "ru")
        assert kept.text.startswith("Фактически") and kept.translator == "Анна Петрова" and kept.edited


@pytest.mark.db
def test_load_errors_name_the_file_line_and_field_and_store_nothing(app, tmp_path):
    lib = tmp_path / "library"
    shutil.copytree(LIB, lib)
    (lib / "translations" / "ru.yaml").write_text(
        "quotes:\n"
        "  - quote: no-such-quote\n    text: Текст\n    translator: machine draft\n"
        "  - quote: open-air-prison\n    text: ''\n    translator: machine draft\n"
        "  - quote: morally-obscene\n    text: Текст\n    translator: Анна\n    status: reviewed\n"
        "themes:\n  no-such-theme: {name: Тема}\n"
        "questions:\n  revolution: {status: draft, items: ['Один вопрос?']}\n", encoding="utf-8")
    (lib / "translations" / "de.yaml").write_text("quotes: []\n", encoding="utf-8")
    with app.app_context():
        before = translations.get("open-air-prison", "ru").text
        with pytest.raises(library.LibraryError) as caught:
            library.load(lib)
        errors = caught.value.errors
        assert any(e.startswith("translations/ru.yaml:2: quote: unknown quotation 'no-such-quote'") for e in errors)
        assert any(e.startswith("translations/ru.yaml:5: text: is required") for e in errors)
        assert any(e.startswith("translations/ru.yaml:8: reviewer:") for e in errors)
        assert any("themes: no-such-theme: unknown theme" in e for e in errors)
        assert any("questions: revolution: 1 translated" in e for e in errors)
        assert any(e.startswith("translations/de.yaml: unknown language 'de'") for e in errors)
        assert translations.get("open-air-prison", "ru").text == before


@pytest.mark.db
def test_cli_load_reports_file_errors_with_non_zero_exit(app, tmp_path):
    lib = tmp_path / "library"
    shutil.copytree(LIB, lib)
    (lib / "translations" / "ar.yaml").write_text("quotes:\n  - quote: open-air-prison\n    text: نص\n",
                                                   encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["library", "load", "--dir", str(lib)])
    assert result.exit_code == 1
    assert "translations/ar.yaml:2: translator: is required" in result.output


# -- staleness and gating ----------------------------------------------------------------------

@pytest.mark.db
def test_drafts_are_returned_only_when_allowed(app):
    with app.app_context():
        quote = db.session.get(Quote, "open-air-prison")
        assert translations.for_quote(quote, "ar") is None
        draft = translations.for_quote(quote, "ar", allow_drafts=True)
        assert draft is not None and draft.status == "draft"
        assert translations.credit(draft) == "machine draft — awaiting review"
        assert translations.for_quote(quote, "en", allow_drafts=True) is None
        translations.review(draft, "Reem Haddad")
        db.session.commit()
        reviewed = translations.for_quote(quote, "ar")
        assert reviewed is not None and reviewed.reviewer == "Reem Haddad"
        assert translations.credit(reviewed) == "machine translation, reviewed by Reem Haddad"


@pytest.mark.db
def test_a_changed_original_makes_the_translation_stale(app):
    with app.app_context():
        quote = db.session.get(Quote, "aleppo-absolutely-critical")
        translations.review(translations.get(quote.id, "ru"), "Ivan Ivanov")
        db.session.commit()
        assert translations.for_quote(quote, "ru") is not None
        quotes.save(quotes.QuoteInput(id=quote.id, source="al-shami-2016", speaker="Leila al-Shami",
                                      text="The situation in Aleppo is absolutely critical.",
                                      themes=["aleppo-siege"]), quote)
        db.session.commit()
        assert translations.status(quote, "ru") == "stale"
        assert translations.for_quote(quote, "ru") is None
        assert translations.for_quote(quote, "ru", allow_drafts=True) is None
        with pytest.raises(translations.TranslationError) as caught:
            translations.review(translations.get(quote.id, "ru"), "Ivan Ivanov")
        assert caught.value.field == "text"
        # reloading the same curated words does not pretend they translate the new original
        library.load(app.config["LIBRARY_DIR"])
        assert translations.status(db.session.get(Quote, quote.id), "ru") == "stale"
        translations.save(quote, "ru", "Ситуация в Алеппо абсолютно критическая.", "Ivan Ivanov")
        translations.review(translations.get(quote.id, "ru"), "Olga")
        db.session.commit()
        current = translations.for_quote(quote, "ru")
        assert current is not None and current.original_sha256 == translations.digest(quote.text)
        assert translations.credit(current) == "translated by Ivan Ivanov, reviewed by Olga"


@pytest.mark.db
def test_save_names_the_offending_field(app):
    with app.app_context():
        quote = db.session.get(Quote, "open-air-prison")
        cases = [(dict(lang="de", text="x", translator="A"), "lang"),
                 (dict(lang="ru", text="  ", translator="A"), "text"),
                 (dict(lang="ru", text="x" * 4001, translator="A"), "text"),
                 (dict(lang="ru", text="x", translator=""), "translator")]
        for kwargs, field in cases:
            with pytest.raises(translations.TranslationError) as caught:
                translations.save(quote, **kwargs)
            assert caught.value.field == field


# -- export ------------------------------------------------------------------------------------

@pytest.mark.db
def test_export_includes_reviewed_translations_only_unless_drafts_asked_for(app, client, runner):
    _review(app, "open-air-prison", "ar", "Reem Haddad")
    by_id = {q["id"]: q for q in client.get("/api/quotes").get_json()}
    assert by_id["morally-obscene"]["translations"] == []
    [entry] = by_id["open-air-prison"]["translations"]
    assert entry["lang"] == "ar" and entry["status"] == "reviewed" and entry["reviewer"] == "Reem Haddad"
    assert entry["translator"] == "machine draft" and entry["translated_on"] == "2026-11-25"
    assert entry["text"].startswith("فهم")
    assert sum(len(q["translations"]) for q in by_id.values()) == 1

    with_drafts = client.get("/api/quotes?drafts=1").get_json()
    assert sum(len(q["translations"]) for q in with_drafts) == 2 * len(with_drafts)
    assert {t["status"] for q in with_drafts for t in q["translations"]} == {"draft", "reviewed"}

    result = runner.invoke(args=["quotes", "export"])
    assert result.exit_code == 0, result.output
    exported = {q["id"]: q for q in json.loads(result.output)}
    assert [t["lang"] for t in exported["open-air-prison"]["translations"]] == ["ar"]
    assert exported["morally-obscene"]["translations"] == []
    result = runner.invoke(args=["quotes", "export", "--drafts"])
    assert len(json.loads(result.output)[0]["translations"]) == 2


@pytest.mark.db
def test_export_leaves_out_stale_translations(app, client):
    _review(app, "aleppo-absolutely-critical", "ru")
    with app.app_context():
        quote = db.session.get(Quote, "aleppo-absolutely-critical")
        quotes.save(quotes.QuoteInput(id=quote.id, source="al-shami-2016", speaker="Leila al-Shami",
                                      text="The situation in Aleppo is absolutely critical.",
                                      themes=["aleppo-siege"]), quote)
        db.session.commit()
    by_id = {q["id"]: q for q in client.get("/api/quotes?drafts=1").get_json()}
    assert by_id["aleppo-absolutely-critical"]["translations"] == []  # both translate the old words
    assert [t["lang"] for t in by_id["open-air-prison"]["translations"]] == ["ar", "ru"]


# -- the translator's page ---------------------------------------------------------------------

@pytest.mark.db
def test_index_lists_every_quote_with_its_status_per_language(app, staff):
    _review(app, "open-air-prison", "ru")
    page = staff.get("/translations/").get_data(as_text=True)
    assert page.count('data-lang="ru"') == page.count('data-lang="ar"') == len(_yaml(LIB / "quotes.yaml"))
    row = page.split('id="t-open-air-prison"')[1].split("</tr>")[0]
    assert 'data-lang="ru" data-status="reviewed"' in re.sub(r"\s+", " ", row)
    assert 'data-lang="ar" data-status="draft"' in re.sub(r"\s+", " ", row)
    assert 'href="/translations/"' in staff.get("/").get_data(as_text=True)  # in the navigation


@pytest.mark.db
def test_side_by_side_page_marks_each_text_with_its_language_and_direction(staff):
    page = staff.get("/translations/open-air-prison/ar").get_data(as_text=True)
    assert re.search(r'<figure class="quote original" lang="en" dir="ltr">', page)
    textarea = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'lang="ar"' in textarea and 'dir="rtl"' in textarea
    assert "فهم إذن فعلياً" in page
    assert "machine draft — awaiting review" in page
    ru = staff.get("/translations/open-air-prison/ru").get_data(as_text=True)
    textarea = re.search(r"<textarea[^>]*>", ru).group(0)
    assert 'lang="ru"' in textarea and 'dir="ltr"' in textarea
    assert staff.get("/translations/open-air-prison/de").status_code == 404
    assert staff.get("/translations/no-such-quote/ru").status_code == 404


@pytest.mark.db
def test_edit_errors_name_the_field_and_store_nothing(app, staff):
    url = "/translations/open-air-prison/ru"
    assert 'name="reviewer"' not in staff.get(url).get_data(as_text=True)  # the reviewer is an account
    response = staff.post(url, data={"text": "", "translator": "Анна"})
    assert response.status_code == 422
    assert 'data-field="text"' in response.get_data(as_text=True)
    response = staff.post(url, data={"text": "Новый текст", "translator": ""})
    assert response.status_code == 422 and 'data-field="translator"' in response.get_data(as_text=True)
    with app.app_context():
        stored = translations.get("open-air-prison", "ru")
        assert stored.text.startswith("Так что фактически") and not stored.edited


@pytest.mark.db
def test_edit_saves_a_draft_that_another_translator_reviews(app, signed_in):
    url = "/translations/open-air-prison/ru"
    anna = signed_in("translator:ru", email="anna@example.org")
    response = anna.post(url, data={"text": "Фактически они в тюрьме под открытым небом.", "translator": "Анна",
                                     "translated_on": "2026-11-20", "reviewed": "y", "reviewer": "Олег"})
    assert response.status_code == 302
    with app.app_context():
        stored = translations.get("open-air-prison", "ru")
        assert (stored.status, stored.edited, stored.translator, stored.reviewer) == ("draft", True, "Анна", "")
        assert stored.translated_on.isoformat() == "2026-11-20"
    # a translator cannot review their own translation
    page = anna.get(url).get_data(as_text=True)
    assert "another translator of the language has to review it" in page and "/review" not in page.split("<main")[1]
    assert anna.post(url + "/review").status_code == 403
    with app.app_context():
        assert translations.get("open-air-prison", "ru").status == "draft"
    # a translator of another language cannot either; a second Russian translator can, as their account
    assert signed_in("translator:ar").post(url + "/review").status_code == 403
    oleg = signed_in("translator:ru", email="oleg@example.org")
    assert oleg.post(url + "/review").status_code == 302
    with app.app_context():
        stored = translations.get("open-air-prison", "ru")
        assert (stored.status, stored.reviewer) == ("reviewed", "oleg@example.org")
        assert stored.reviewer_id is not None and stored.reviewer_id != stored.translator_id
    assert "translated by Анна, reviewed by oleg@example.org" in oleg.get(url).get_data(as_text=True)
    # saving changed words puts it back to draft: they need a new review
    oleg.post(url, data={"text": "Они фактически в тюрьме под открытым небом.", "translator": "Анна"})
    with app.app_context():
        stored = translations.get("open-air-prison", "ru")
        assert (stored.status, stored.reviewer, stored.reviewer_id) == ("draft", "", None)
    # now Oleg made the words: Anna may review them, Oleg may not
    assert oleg.post(url + "/review").status_code == 403
    assert anna.post(url + "/review").status_code == 302


@pytest.mark.db
def test_mark_reviewed_button(app, signed_in):
    url = "/translations/morally-obscene/ar/review"
    reem = signed_in("translator:ar", email="reem@example.org")
    response = reem.post(url, data={"review-reviewer": "Someone Else"})  # a typed name is ignored
    assert response.status_code == 302
    with app.app_context():
        stored = translations.get("morally-obscene", "ar")
        assert (stored.status, stored.reviewer, stored.edited) == ("reviewed", "reem@example.org", True)
    page = reem.get("/translations/morally-obscene/ar").get_data(as_text=True)
    assert "machine translation, reviewed by reem@example.org" in page


@pytest.mark.db
def test_quote_page_shows_reviewed_translations_and_marks_drafts(app, client):
    _review(app, "open-air-prison", "ru", "Олег")
    page = client.get("/quotes/open-air-prison").get_data(as_text=True)
    section = page.split('class="quote-translations"')[1].split("</section>")[0]
    ru = section.split('data-lang="ru"')[1].split("</figure>")[0]
    ar = section.split('data-lang="ar"')[1].split("</figure>")[0]
    assert 'data-status="reviewed"' in ru and "draft translation" not in ru
    assert '<blockquote lang="ru" dir="ltr">' in ru and "reviewed by Олег" in ru
    assert 'data-status="draft"' in ar and "draft translation" in ar
    assert '<blockquote lang="ar" dir="rtl">' in ar and "machine draft — awaiting review" in ar


@pytest.mark.db
def test_a_quotation_extended_with_its_drafts_loads_them_as_current(app):
    """Upgrading a library where a quotation was extended and its drafts rewritten to match."""
    old = ("The regime was on the brink of collapse before Iran stepped in, and then it was on the brink of "
           "collapse again before Russia stepped in.")
    with app.app_context():
        quote = db.session.get(Quote, "kept-in-place-by-iran-and-russia")
        new_text = quote.text
        quote.text = old  # as an earlier release stored it, with drafts made against it
        for lang in ("ru", "ar"):
            draft = translations.get(quote.id, lang)
            draft.text, draft.original_sha256 = "an earlier draft", translations.digest(old)
        db.session.commit()
        library.load(app.config["LIBRARY_DIR"])
        quote = db.session.get(Quote, quote.id)
        assert quote.text == new_text
        for lang in ("ru", "ar"):
            assert translations.status(quote, lang) == "draft", lang  # current, awaiting review
            assert translations.get(quote.id, lang).original_sha256 == translations.digest(new_text)
