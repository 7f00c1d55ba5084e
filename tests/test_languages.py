"""Language facts and their effect on outputs: local dates and digits, isolated citations in Arabic,
tied short words in Russian, right-bound Arabic booklets, translated messages."""
from __future__ import annotations

import io
from html.parser import HTMLParser
import re
import subprocess
from datetime import date, datetime

import pytest
from groups_support import add_group, add_organizer, gconfig, outbox, sign_up  # noqa: F401
from pypdf import PdfReader

from campaign import cards, impose, languages, leaflets, quotes, render, translations

FLYER = {"design": "flyer", "size": "A5", "quotes": ["open-air-prison", "tyrants-mass-slaughter"],
         "headline": "Aleppo", "call_to_action": "Join us.", "drafts": True}
# An English month or day name next to a number: a date left in English (a quotation may name a month).
ENGLISH_DATES = re.compile(r"(\b(January|February|March|April|May|June|July|August|September|October|November|"
                           r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.? \d)|(\d (January|February|"
                           r"March|April|May|June|July|August|September|October|November|December)\b)|"
                           r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")


def pdftotext(pdf: bytes, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize("lang,expected", [("en", "29 November 2016"), ("ru", "29 ноября 2016\u202fг."),
                                           ("ar", "29 نوفمبر 2016")])
def test_dates_are_written_in_the_output_language(lang, expected):
    assert languages.format_date(date(2016, 11, 29), lang) == expected


def test_arabic_digits_follow_the_setting():
    assert languages.format_date(date(2016, 11, 29), "ar", setting="arabic-indic") == "٢٩ نوفمبر ٢٠١٦"
    assert languages.format_date(date(2016, 11, 29), "ru", setting="arabic-indic").startswith("29 ноября 2016")
    moment = datetime(2026, 12, 1, 18, 30)
    assert languages.format_date(moment, "en", "weekday_time") == "Tue 2026-12-01, 18:30"
    assert not ENGLISH_DATES.search(languages.format_date(moment, "ar", "weekday_time"))
    assert languages.format_date(moment, "ru", "weekday_time").startswith("вт")


def test_unknown_digit_setting_is_refused(make_app):
    with pytest.raises(RuntimeError, match="ARABIC_DIGITS"):
        make_app(ARABIC_DIGITS="hindi")


def test_direction_separator_and_script_detection():
    assert languages.direction("ar-EG") == "rtl" and languages.direction("ru") == "ltr"
    assert languages.join(["Open Left", "29 نوفمبر 2016"], "ar") == "Open Left، 29 نوفمبر 2016"
    assert languages.text_direction("«Aleppo» لنا") == "ltr" and languages.text_direction("حلب Aleppo") == "rtl"
    assert languages.tie_short_words("Я и ты в доме") == "Я\u00a0и\u00a0ты\u00a0в\u00a0доме"


@pytest.mark.parametrize("lang", ["ru", "ar"])
def test_card_alt_text_has_no_english_date(app, lang):
    with app.app_context():
        quote = quotes.get_verified("open-air-prison")
        data = cards.card_quote(quote, lang=lang, drafts=True)
    assert "2016" in data.alt and not ENGLISH_DATES.search(data.alt), data.alt
    if lang == "ar":
        assert "، " in data.alt and "\u2066Open Left\u2069" in data.source_line


def test_arabic_digits_on_cards_when_set(make_app):
    app = make_app(ARABIC_DIGITS="arabic-indic")
    with app.app_context():
        data = cards.card_quote(quotes.get_verified("open-air-prison"), lang="ar", drafts=True)
    assert "٢٠١٦" in data.source_line and "2016" not in data.source_line


def _leaflet(app, **data) -> bytes:
    with app.app_context():
        return leaflets.build(leaflets.validate({**FLYER, **data})).pdf


def test_arabic_leaflet_footer_citation_is_one_line_per_field_in_logical_order(app):
    pdf = _leaflet(app, lang="ar", qr_url="https://example.org/groups/aleppo")
    # pdftotext marks direction changes with embedding controls and, guessing the line's direction
    # from the page, may move a closing quotation mark to the line's start: both are set aside.
    bare = lambda t: re.sub("[\u202a-\u202e\u2066-\u2069‘’]", "", t).strip()  # noqa: E731
    lines = [bare(line) for line in pdftotext(pdf).splitlines()]
    with app.app_context():
        source = quotes.get_verified("open-air-prison").source
    title, url = bare(source.title), source.url
    assert title in lines, lines[-7:]
    at = {name: lines.index(value) for name, value in (("title", title), ("url", url))}

    def line_with(*words):
        """The first line after the title holding all the words."""
        return next(i for i, line in enumerate(lines) if i > at["title"] and all(w in line for w in words))
    # the edition lines as the credit lists them: recorded for Open Left, published by LeftEast (its
    # address on the next line), the edition quoted; English names never split an Arabic line's fields
    recorded, published, quoted = line_with("Open Left", "نوفمبر"), line_with("LeftEast", "ديسمبر"), line_with("الاقتباسات", "18")
    assert at["title"] < recorded < published == at["url"] - 1 < at["url"] < quoted, lines[at["title"] - 2:quoted + 1]
    assert not ENGLISH_DATES.search(pdftotext(pdf))


def test_russian_leaflet_has_no_short_word_at_a_line_end_and_no_english_date(app):
    pdf = _leaflet(app, lang="ru", design="flyer", size="A5",
                   intro="Мы читаем интервью вместе и в каждом разговоре ищем то, что не вошло в новости. " * 4,
                   call_to_action="Приходите на встречу в субботу и приводите с собой друзей, а мы принесём чай.")
    text = pdftotext(pdf, "-layout")
    assert "ноября 2016" in text and not ENGLISH_DATES.search(text)
    assert "Лейла аш-Шами" in text.replace("\u00a0", " ")  # the footer credit names her as Russian writes it
    hanging = [line for line in text.splitlines() for column in re.split(r"\s{3,}", line.strip())
               if re.search(r"(?:^|\s)[А-Яа-яЁё]{1,2}$", column)]
    assert not hanging, hanging


def test_english_headline_on_an_arabic_leaflet_runs_left_to_right(app):
    with app.app_context():
        spec = leaflets.validate({**FLYER, "lang": "ar", "headline": "Aleppo: the people's voice"})
        html = render.render_html(leaflets.DESIGNS[spec.design].template,
                                  leaflets.template_context(spec, leaflets.gather(spec), 1.0))
    assert re.search(r'<h1 class="headline"[^>]*><p dir="ltr">Aleppo', html), html[:2000]
    assert 'class="credits by-field"' in html


def _folio_pdf(pages: int, size: str = "A5") -> bytes:
    """A PDF of pages, each showing its own folio as a word."""
    body = "".join(f'<section style="page-break-after: always">folio{n}</section>' for n in range(1, pages + 1))
    from weasyprint import HTML

    return HTML(string=f"<style>@page {{ size: {size}; margin: 10mm }}</style>{body}").write_pdf()


def _words_x(pdf: bytes, page: int) -> dict[str, float]:
    xml = pdftotext(pdf, "-bbox", "-f", str(page), "-l", str(page))
    return {w: float(x) for x, w in re.findall(r'<word xMin="([\d.]+)"[^>]*>(folio\d+)</word>', xml)}


@pytest.mark.parametrize("binding,outer,inner", [("left", ("folio8", "folio1"), ("folio2", "folio7")),
                                                 ("right", ("folio1", "folio8"), ("folio7", "folio2"))])
def test_booklet_sheet_order_follows_the_binding(binding, outer, inner):
    imposed = impose.booklet(_folio_pdf(8), binding)
    for page, (left, right) in ((1, outer), (2, inner)):
        found = _words_x(imposed, page)
        assert found[left] < found[right], (binding, page, found)


def test_zine_halves_follow_the_binding():
    """The zine's first A4 side: each half is a booklet sheet side, mirrored for right-side binding."""
    left = _words_x(impose.zine(_folio_pdf(8, "A6")), 1)
    right = _words_x(impose.zine(_folio_pdf(8, "A6"), "right"), 1)
    assert left["folio8"] < left["folio1"] and right["folio1"] < right["folio8"], (left, right)


def test_arabic_pack_is_imposed_for_right_side_binding(app):
    from campaign import packs

    with app.app_context():
        spec = packs.validate({"title": "Aleppo", "lang": "ar", "drafts": True, "sections": ["aleppo-siege"]})
        imposed = packs.build(spec, imposition="booklet")
    first_side = pdftotext(imposed, "-bbox", "-f", "1", "-l", "1")
    width = float(re.search(r'<page width="([\d.]+)"', first_side).group(1))
    words = [(float(y1) - float(y0), float(x)) for x, y0, y1, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)</word>', first_side)
        if w == "Aleppo"]
    # the cover (page 1, the title set largest) sits left of the fold on the outer side, the back cover
    # (which names the pack again, smaller) right of it
    assert words, first_side[:2000]
    height, x = max(words)
    assert x < width / 2, (words, width)
    assert any(x > width / 2 for _h, x in words), words


def test_confirmation_email_is_translated_with_local_dates(make_app, gconfig):  # noqa: F811
    app = make_app(**gconfig)
    owner = add_organizer(app)
    key = add_group(app, owner)
    response = sign_up(app.test_client(), key, language="ar")
    assert response.status_code in (302, 303), response.status_code
    [mail] = outbox(app)
    body = mail.get_content()
    assert "سجّلت في" in body and "اللقاءات" in body
    assert not ENGLISH_DATES.search(body), body


def test_arabic_signup_page_dates_and_isolation(make_app, gconfig):  # noqa: F811
    app = make_app(**gconfig)
    key = add_group(app, add_organizer(app))
    client = app.test_client()
    client.set_cookie("lang", "ar")
    html = client.get(f"/groups/{key}").get_data(as_text=True)
    assert 'dir="rtl"' in html
    schedule = re.findall(r"<time [^>]*>([^<]+)</time>", html)
    assert schedule and not any(ENGLISH_DATES.search(s) for s in schedule), schedule


def _context_lines(app, lang: str) -> dict[str, str]:
    import yaml

    path = f"{app.config['LIBRARY_DIR']}/translations/{lang}-context.yaml"
    return {k: v["text"] for k, v in yaml.safe_load(open(path, encoding="utf-8"))["contexts"].items()}


@pytest.mark.parametrize("lang", ["ru", "ar"])
def test_pack_context_lines_are_translated_where_drafts_are_allowed(app, lang):
    from campaign import packs

    from test_outputs_i18n import pdf_text, words

    with app.app_context():
        spec = packs.validate({"title": "Aleppo", "lang": lang, "sections": ["aleppo-siege"], "drafts": True})
        context = packs.gather(spec)
        raw = pdf_text(packs.render_pack(context))
        strict = packs.gather(packs.validate({"title": "Aleppo", "lang": lang, "sections": ["aleppo-siege"]}))
        english = {q.id: q.context for q in quotes.get_many_verified(
            [n["quote"] for s in context["sections"] for ex in s["excerpts"] for n in ex["notes"]])}
    notes = [n for s in context["sections"] for ex in s["excerpts"] for n in ex["notes"]]
    assert notes and all(n["in"] == {"lang": lang, "dir": languages.direction(lang), "draft": True} for n in notes)
    translated = _context_lines(app, lang)
    # words hyphenated at a line end joined; numbers apart (pypdf may glue one to the next word)
    got = set(words(re.sub(r"(\d+)", r" \1 ", re.sub(r"[-\u00ad\u2010]\s*\n", "", raw))))
    for note in notes:  # every word of each translated line (extraction may reorder digits in Arabic)
        want = [w for w in words(translated[note["quote"]]) if not w.isdigit()]
        assert all(w in got for w in want), (note["quote"], [w for w in want if w not in got])
        assert english[note["quote"]] not in raw
    # without drafts the English context lines stay, marked as English
    assert all(n["in"]["lang"] == "en" for s in strict["sections"] for ex in s["excerpts"] for n in ex["notes"])


def test_handout_context_lines_follow_the_leaflet_language_and_are_marked_as_drafts(app):
    for q in FLYER["quotes"]:
        with app.app_context():
            translations.review(translations.get(q, "ar"), "Test Reviewer")
            from campaign.db import db
            db.session.commit()
    pdf = _leaflet(app, lang="ar", design="handout", size="A4", drafts=True)
    from test_outputs_i18n import words

    raw = pdftotext(pdf)
    lines = _context_lines(app, "ar")
    got = set(words(re.sub(r"(\d+)", r" \1 ", raw)))  # pypdf may glue a number to the next word
    missing = [w for w in words(lines["open-air-prison"]) if not w.isdigit() and w not in got]
    assert not missing, (missing, raw)
    assert "besieged since late August" not in raw
    with app.app_context():
        mark = translations.draft_mark("ar")
    assert mark in PdfReader(io.BytesIO(pdf)).metadata.subject  # the reviewed quotations, the draft context lines


def test_cards_batch_page_has_a_language_option(staff, app):
    query = "/cards?quotes=open-air-prison&formats=square&palette=paper&lang=ar"
    refused = staff.get(query)  # only a draft Arabic translation exists
    assert refused.status_code == 422
    assert "open-air-prison" in refused.get_data(as_text=True)
    page = staff.get(query + "&drafts=y")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "lang=ar" in html and "drafts=1" in html
    alt = re.search(r'<img src="[^"]*card\.png[^"]*" alt="([^"]+)" lang="ar"', html)
    assert alt and "نوفمبر" in alt.group(1), html[:3000]
    zipped = staff.get("/cards/cards.zip?quotes=open-air-prison&formats=square&palette=paper&lang=ar&drafts=y")
    assert zipped.status_code == 200 and zipped.mimetype == "application/zip"


class _OutsideEnglish(HTMLParser):
    """The text of an HTML page that is not inside an element marked ``lang="en"``."""

    VOID = {"meta", "link", "img", "br", "hr", "input", "wbr", "source", "col"}

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if any(tag in ("head", "style", "title") for tag, _ in self.stack):
            return
        if next((lang for _, lang in reversed(self.stack) if lang), None) != "en":
            self.text.append(data)


@pytest.mark.parametrize("lang", ["ru", "ar"])
def test_a_translated_pack_has_no_english_words_but_names_titles_and_addresses(app, lang):
    """English in a ru/ar pack is confined to what is marked English (the original passages, notes not yet
    translated) and to names, titles and addresses: measured against an allow-list."""
    import yaml

    from campaign import packs

    with app.app_context():
        spec = packs.validate({"title": "Aleppo", "lang": lang, "sections": ["aleppo-siege"], "drafts": True})
        context = packs.gather(spec)
        html = packs.render_html(context)
        allowed_text = " ".join([context["title"], *[c["title"] for c in context["credits"]],
                                 *[c["url"] or "" for c in context["credits"]],
                                 *[c.get("interviewee", "") for c in context["credits"]],
                                 "Leila al-Shami Handbill LeftEast Burning Country: Syrians in Revolution and War "
                                 "Pluto Press"])
    glossary = yaml.safe_load(open(f"{app.config['LIBRARY_DIR']}/glossary.yaml", encoding="utf-8"))
    allowed_text += " " + " ".join(str(a) for t in glossary for a in [t["term"], *(t.get("aliases") or [])])
    allowed = set(re.findall(r"[A-Za-z][A-Za-z'’-]*", allowed_text)) | {"http", "https", "www", "ro"}
    parser = _OutsideEnglish()
    parser.feed(html)
    english = re.findall(r"[A-Za-z][A-Za-z'’-]*", " ".join(parser.text))
    stray = sorted({w for w in english if w not in allowed})
    assert not stray, stray
    assert len(english) < 120, len(english)  # names and titles only: measured at about 90 words


GUARD_NEW = {"id": "no-water", "source": "al-shami-2016", "speaker": "Leila al-Shami",
             "text": "Fuels are running out, there is no food.", "themes": ["aleppo-siege"], "context": ""}


@pytest.mark.parametrize("lang,fixed", [("ar", "ليس حرفياً عند الكلمة"), ("ru", "не дословно в слове")])
def test_quotation_form_guard_errors_are_translated_with_quoted_words_kept(staff, lang, fixed):
    staff.set_cookie("lang", lang)
    response = staff.post("/quotes/new", data=GUARD_NEW)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="error"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert fixed in error and "not verbatim" not in error
    # the quoted words as they are, each in its own left-to-right run with its quotation marks inside
    assert '<bdi dir="ltr">“food.”</bdi>' in error and '<bdi dir="ltr">“water.”</bdi>' in error


def test_every_guard_message_pattern_matches_what_the_guard_says():
    """Refusals produced by the guard itself are recognised (a reworded message would stay English)."""
    from campaign import guard_text, sources, verbatim

    source = sources.parse("I: What happened?\n\nL: We did not leave. They are not safe. People are trapped in "
                           "the city.\n\nI: Nobody came.\n", {"L": "Leila al-Shami", "I": "Ilya Matveev"})
    refused = []
    for quote, speaker in [("", "Leila al-Shami"), ("We did [leave", "Leila al-Shami"),
                           ("We did leave.", "Leila al-Shami"), ("Nobody came.", "Leila al-Shami"),
                           ("We did not stay.", "Leila al-Shami"), ("Cats are trapped.", "Leila al-Shami"),
                           ("We did […] leave.", "Leila al-Shami"), ("We did not leave.", "Bob"),
                           ("We did not leave. […] They are *not* safe.", "Leila al-Shami"),
                           ("We did [not] leave. They are […] safe.", "Leila al-Shami"),
                           ("People are trapped […] We did not leave.", "Leila al-Shami")]:
        with pytest.raises(verbatim.NotVerbatim) as caught:
            verbatim.verify(quote, speaker, source)
        refused.append(str(caught.value))
    unknown = [m for m in refused if not any(p.fullmatch(m) for p, _ in guard_text.MESSAGES)]
    assert not unknown, unknown


def test_english_runs_are_isolated_on_arabic_pages(client):
    client.set_cookie("lang", "ar")
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/sources/[^"]+" lang="en" dir="ltr">[^<]*mass slaughter', home)


@pytest.mark.parametrize("lang,start", [("ru", "1 дек. 2026"), ("ar", "1 ديسمبر 2026")])
def test_a_date_and_time_is_written_in_russian_and_arabic(lang, start):
    text = languages.format_date(datetime(2026, 12, 1, 18, 30), lang, "datetime")
    assert text.startswith(start) and text.endswith("18:30"), text
