"""Interface translation: complete ru/ar catalogs, right-to-left pages, the language switch and fallback."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "campaign" / "translations"
LANGS = ("ru", "ar")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")


def _compile_catalogs() -> None:
    """What `make translations` does, so the suite also runs straight from pytest (the .mo files are not kept in git)."""
    for lang in LANGS:
        po = CATALOGS / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as f:
                catalog = read_po(f, locale=lang)
            with mo.open("wb") as f:
                write_mo(f, catalog, use_fuzzy=False)


# At collection time, before any app caches its catalogs.
_compile_catalogs()


def _catalog(lang):
    with (CATALOGS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The message template extracted from the current sources, as `make messages` extracts it."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([sys.executable, "-c", "from babel.messages.frontend import main; main()", "-q", "extract",
                    "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return read_po(f)


def test_template_extracts_the_interface(template):
    ids = {m.id for m in template if m.id}
    assert len(ids) > 150
    assert {"Quotations", "Translations", "Skip to content", "Not found", "draft translation"} <= ids


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_and_not_fuzzy(template, lang):
    catalog = _catalog(lang)
    untranslated = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        strings = found.string if found is not None and isinstance(found.string, tuple) else (
            (found.string,) if found is not None else ("",))
        if found is None or found.fuzzy or not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated message(s), run `make messages`: " \
                             f"{untranslated[:10]}"


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_their_placeholders(lang):
    catalog = _catalog(lang)
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            allowed = set(PLACEHOLDER.findall(" ".join(message.id)))
            if any(not set(PLACEHOLDER.findall(s)) <= allowed for s in message.string):
                wrong.append(message.id)
        elif set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string)):
            wrong.append(message.id)
    assert not wrong


def test_script_of_each_catalog():
    assert re.search(r"[А-Яа-я]", _catalog("ru").get("Quotations").string)
    assert re.search(r"[\u0600-\u06FF]", _catalog("ar").get("Quotations").string)
    assert _catalog("ar").num_plurals == 6 and _catalog("ru").num_plurals == 3


# -- pages ---------------------------------------------------------------------------------------

def _html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


@pytest.mark.parametrize("path", ["/", "/quotes/", "/sources/", "/translations/", "/translations/open-air-prison/ar",
                                  "/quotes/new"])
def test_arabic_pages_are_right_to_left(staff, path):
    staff.set_cookie("lang", "ar")
    response = staff.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _html_tag(page) == '<html lang="ar" dir="rtl">'
    assert "الاقتباسات" in page  # the navigation, translated


def test_arabic_error_page(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "ar"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert _html_tag(page) == '<html lang="ar" dir="rtl">' and "غير موجود" in page


def test_russian_pages_are_translated_and_left_to_right(client):
    client.set_cookie("lang", "ru")
    page = client.get("/quotes/").get_data(as_text=True)
    assert _html_tag(page) == '<html lang="ru" dir="ltr">'
    assert "Цитаты" in page and "Все темы" in page
    assert re.search(r"66 цитат\b", page)  # ngettext with the Russian plural rule (66 цитат, not 66 цитаты)


def test_language_switch_sets_a_plain_preference_cookie(client):
    response = client.post("/language", data={"lang": "ru", "next": "/quotes/?q=Aleppo"})
    assert response.status_code == 302 and response.location.endswith("/quotes/?q=Aleppo")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=ru;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/quotes/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert _html_tag(page) == '<html lang="ru" dir="ltr">'  # the choice wins over the browser's header
    response = client.post("/language", data={"lang": "ar", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert _html_tag(page) == '<html lang="ar" dir="rtl">'
    assert '<option value="ar" selected>' in page


def test_language_switch_refuses_unknown_languages_and_foreign_targets(client):
    response = client.post("/language", data={"lang": "xx", "next": "//evil.example/"})
    assert response.status_code == 302 and response.location in ("/", "http://localhost/")
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("header, lang, direction", [
    ("ar,en;q=0.5", "ar", "rtl"), ("ru-RU,ru;q=0.9,en;q=0.8", "ru", "ltr"), ("de-DE,de;q=0.9", "en", "ltr"),
    ("fr;q=0.9,ar;q=0.4", "ar", "rtl"),
])
def test_accept_language_is_the_fallback(client, header, lang, direction):
    page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert _html_tag(page) == f'<html lang="{lang}" dir="{direction}">'


# -- styles --------------------------------------------------------------------------------------

PHYSICAL = re.compile(
    r"(?<![\w-])(?:margin|padding|border)-(?:left|right)(?:-\w+)?\s*:"
    r"|(?<![\w-])(?:left|right)\s*:"
    r"|(?<![\w-])(?:text-align|float|clear)\s*:\s*(?:left|right)\b"
    r"|(?<![\w-])border-(?:top|bottom)-(?:left|right)-radius\s*:")


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "static" / "css").glob("*.css")))
def test_web_css_uses_logical_properties(name):
    css = re.sub(r"/\*.*?\*/", "", (ROOT / "static" / "css" / name).read_text(encoding="utf-8"), flags=re.S)
    found = PHYSICAL.findall(css)
    assert not found, f"{name}: use logical properties (margin-inline-start, inset-inline-end, text-align: start): {found}"


def test_the_physical_property_check_catches_offenders():
    for bad in ["a { margin-left: 1px }", "a{padding-right:0}", "a { left: 0 }", "a { text-align: left }",
                "a { float: right }", "a { border-left-width: 2px }"]:
        assert PHYSICAL.search(bad), bad
    for good in ["a { margin-inline-start: 1px }", "a { inset-inline-start: 0 }", "a { text-align: start }",
                 "a { border-inline-start: 1px solid }", "a { top: 0 }"]:
        assert not PHYSICAL.search(good), good


# -- in a real browser -----------------------------------------------------------------------------

@pytest.mark.browser
def test_arabic_layout_runs_right_to_left_in_the_browser(staff_page, live_server):
    page = staff_page
    from conftest import assert_same_origin

    page.context.add_cookies([{"name": "lang", "value": "ar", "url": live_server}])
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto("/translations/open-air-prison/ar")
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    brand = page.locator("header.site .brand").bounding_box()
    assert brand["x"] > 500  # the first item of the header starts on the right
    textarea = page.locator("textarea.translation-text")
    assert textarea.evaluate("el => getComputedStyle(el).direction") == "rtl"
    original = page.locator("figure.original")
    assert original.evaluate("el => getComputedStyle(el).direction") == "ltr"
    assert_same_origin(page, live_server)
