"""Every page a person can open, public and logged-in, for the outside validators (Nu HTML Checker, axe-core)."""
from __future__ import annotations

import re
from pathlib import Path

from campaign import groups
from campaign.db import db
from campaign.models import Source
from conftest import EVERY_ROLE, PASSWORD, add_user, browser_login
from groups_support import READING_PACK, add_group

LANGUAGES = ("en", "ru", "ar")
STAFF_EMAIL = "staff@example.org"

# (name, path) read by anyone: checked as an anonymous visitor and again logged in (the header changes)
PUBLIC = [
    ("home", "/"),
    ("quotes", "/quotes/"),
    ("quotes-search", "/quotes/?q=prison"),
    ("quote", "/quotes/open-air-prison"),
    ("sources", "/sources/"),
    ("reader", "/sources/{source}"),
    ("groups", "/groups/"),
    ("group", "/groups/{group}"),
    ("manage", "/groups/manage/{token}"),
    ("manage-welcome", "/groups/manage/{token}?welcome=1"),
    ("build-done", "/builds/{build_done}"),
    ("build-running", "/builds/{build_running}"),
    ("build-failed", "/builds/{build_failed}"),
    ("login", "/login"),
    ("not-found", "/quotes/no-such-quote"),
    ("method-not-allowed", "/logout"),
]
# (name, path) behind a role: checked logged in as an account holding every role
STAFF = [
    ("quote-new", "/quotes/new"),
    ("quote-edit", "/quotes/open-air-prison/edit"),
    ("sources-import", "/sources/import"),
    ("leaflet-builder", "/leaflets/new"),
    ("leaflet-builder-quote", "/leaflets/new?quote=open-air-prison"),
    ("pack-builder", "/packs/new"),
    ("cards", "/cards"),
    ("cards-batch", "/cards?quotes=open-air-prison&formats=square"),
    ("carousel", "/carousel"),
    ("thread", "/thread"),
    ("thread-x", "/thread?theme=aleppo-siege&platform=x"),
    ("questions", "/packs/questions"),
    ("question-new", "/packs/questions/new"),
    ("translations", "/translations/"),
    ("translation-ar", "/translations/open-air-prison/ar"),
    ("translation-ru", "/translations/open-air-prison/ru"),
    ("groups-mine", "/groups/mine"),
    ("group-new", "/groups/new"),
    ("group-edit", "/groups/{group}/edit"),
    ("roster", "/groups/{group}/roster"),
    ("brand", "/brand"),
    ("photos", "/images/"),
    ("photo-upload", "/images/new"),
]


def prepare(app) -> dict[str, str]:
    """An account with every role, a group with a confirmed and a waitlisted reader; the names the paths use."""
    owner = add_user(app, STAFF_EMAIL, *EVERY_ROLE)
    group = add_group(app, owner, capacity=1, title="Reading Burning Country")
    with app.app_context():
        groups.by_key(group).pamphlet = READING_PACK  # the group page names it (where the pamphlets folder has it)
        db.session.commit()
        token = groups.join(group, groups.SignupInput(**_reader(0))).token
        groups.join(group, groups.SignupInput(**_reader(1)))  # on the waiting list: the roster shows both lists
        source = db.session.scalars(db.select(Source.slug).order_by(Source.slug)).first()
    _brand_and_photo(app, owner)
    return {"group": group, "token": token, "source": source, **_builds(app)}


def _builds(app) -> dict[str, str]:
    """A finished, a running and a failed build (their records only), for the build pages."""
    from campaign import builds, jobs

    found = {}
    with app.app_context():
        huey = jobs.jobs(app).huey
        for state, done, error in (("done", 12, ""), ("running", 3, ""), ("failed", 5, "the og card: too long")):
            status = builds.Status(f"{state}-build-page-0000000", "kit", "0" * 64, "kit-open-air-prison-en.zip",
                                   ".zip", state, done, 12, step="open-air-prison-square.png" if done < 12 else "",
                                   error=error, error_kind="render" if error else "")
            builds.record(huey, status)
            found[f"build_{state}"] = status.id
    return found


def _brand_and_photo(app, owner: int) -> None:
    """A brand kit with colours and a logo, and one stored photo: the brand and photo pages show them."""
    import io

    from PIL import Image

    from campaign import brand, images
    from campaign.models import User

    def picture(size, colour, mode="RGB", fmt="PNG") -> bytes:
        out = io.BytesIO()
        Image.new(mode, size, colour).save(out, fmt)
        return out.getvalue()

    with app.app_context():
        user = db.session.get(User, owner)
        brand.save(name="Aleppo Solidarity", primary="#9e1b1b", secondary="#ffc9b9", palette="brand",
                   contact="Signal: aleppo.example", url="https://aleppo.example.org/",
                   logo=picture((320, 120), (158, 27, 27, 255), "RGBA"), user=user)
        images.accept(picture((640, 420), (90, 110, 130), fmt="JPEG"), credit="Campaign archive",
                      licence="CC BY 4.0", alt="A street in Aleppo", user=user)
        db.session.commit()


def _reader(i: int) -> dict:
    return {"name": f"Reader {i}", "email": f"reader{i}@example.net", "messenger": "", "language": "en",
            "note": "", "src": None}


def pages(names: dict[str, str]) -> list[tuple[str, str, bool]]:
    """(name, path, logged_in) for every page: public ones anonymous and logged in, staff ones logged in."""
    found = [(name, path.format(**names), False) for name, path in PUBLIC]
    found += [(name + "+staff", path.format(**names), True) for name, path in PUBLIC]
    found += [(name, path.format(**names), True) for name, path in STAFF]
    return found


EXPECTED_ERRORS = {"not-found": 404, "method-not-allowed": 405}


def browser_visits(browser, live_server, names: dict[str, str], **context_options):
    """(page, lang, name, path) for every page in every language, for a check in a real browser.

    Public pages are visited anonymously and staff pages logged in; a public page logged in differs only
    by the header bar, so the start page stands for them. The caller navigates (``page.goto(path)``).
    """
    for logged_in in (False, True):
        context = browser.new_context(base_url=live_server, **context_options)
        page = context.new_page()
        if logged_in:
            browser_login(page, STAFF_EMAIL)
        for lang in LANGUAGES:
            context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
            for name, path, staff in pages(names):
                if staff == logged_in and not (name.endswith("+staff") and name != "home+staff"):
                    yield page, lang, name, path
        context.close()


def expected_status(name: str) -> int:
    """200, or the error status a page stands for (the error pages are validated like any other)."""
    return EXPECTED_ERRORS.get(name.removesuffix("+staff"), 200)


def duplicate_ids(html: str) -> list[str]:
    """Every id used more than once in a page."""
    seen: dict[str, int] = {}
    for value in re.findall(r'\sid="([^"]*)"', html):
        seen[value] = seen.get(value, 0) + 1
    return sorted(k for k, n in seen.items() if n > 1)


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on the page at ``path``, for this client's session."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def staff_login(client) -> None:
    """Log ``client`` in through the login form, CSRF token included (these apps check it, as in production)."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": STAFF_EMAIL, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def save_pages(app, folder: Path) -> list[Path]:
    """Every page in every interface language, as served, saved to ``folder`` (one file per page and language)."""
    names = prepare(app)
    anonymous, staff = app.test_client(), app.test_client()
    staff_login(staff)
    saved = []
    for lang in LANGUAGES:
        for name, path, logged_in in pages(names):
            response = (staff if logged_in else anonymous).get(path, headers={"Accept-Language": lang})
            assert response.status_code == expected_status(name), (name, lang, response.status_code)
            assert f'lang="{lang}"' in response.get_data(as_text=True)[:500], (name, lang)
            saved.append(folder / f"{name}.{lang}.html")
            saved[-1].write_bytes(response.data)
        for name, response in _answers_to_forms(app, anonymous, names, lang):
            saved.append(folder / f"{name}.{lang}.html")
            saved[-1].write_bytes(response.data)
    return saved


def _answers_to_forms(app, client, names: dict[str, str], lang: str):
    """The pages a visitor sees after sending a form: errors named, thanks, deletion confirmed."""
    header = {"Accept-Language": lang}
    group = f"/groups/{names['group']}"
    token = csrf_token(client, group)
    refused = client.post(group, data={"csrf_token": token, "name": "", "email": "not-an-address"}, headers=header)
    assert refused.status_code == 422
    yield "signup-refused", refused
    honeypot = client.post(group, data={**_reader(5), "consent": "y", "website": "x", "csrf_token": token},
                           headers=header)
    assert honeypot.status_code == 200
    yield "signup-received", honeypot
    with app.app_context():
        leaving = groups.join(names["group"], groups.SignupInput(**_reader(6))).token
    deleted = client.post(f"/groups/manage/{leaving}/delete", data={"csrf_token": token}, headers=header)
    assert deleted.status_code == 200
    yield "signup-deleted", deleted
