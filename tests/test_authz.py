"""Authorization: every route declares who may use it, and nobody else gets through."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, inspect, select, table

from campaign import authz
from campaign.db import db
from conftest import EVERY_ROLE, add_user, login
from groups_support import add_group, add_organizer, gapp, gconfig  # noqa: F401 - study-group fixtures

ROLES = ("admin", "editor", "translator:ru", "translator:ar", "organizer")


def _values(app, group_key: str) -> dict:
    """Real values for every URL parameter, so a request reaches the view rather than a 404."""
    return {"quote_id": "open-air-prison", "lang": "ru", "key": group_key, "token": "x" * 43, "signup_id": 1,
            "question_id": 1, "slug": "al-shami-2016", "page": 1, "message_id": 1, "filename": "css/site.css",
            "name": "x", "user_id": 1, "invite_id": 1, "image_id": 1, "ext": "jpg", "build_id": "x" * 24}


def _routes(app, group_key: str):
    """(endpoint, method, path) for every route and method of the app."""
    values = _values(app, group_key)
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for arg in rule.arguments:
            path = re.sub(rf"<(?:[^:<>]+:)?{arg}>", str(values[arg]), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def _counts(app) -> dict[str, int]:
    """Rows per table: what a refused request must leave as it was."""
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        return {name: db.session.scalar(select(func.count()).select_from(table(name))) for name in names}


def test_every_route_declares_a_rule(app):
    missing = [rule.rule for rule in app.url_map.iter_rules() if authz.rule_for(app, rule.endpoint) is None]
    assert not missing, f"routes without an authorization rule: {missing}"


def test_an_undeclared_route_is_refused(make_app):
    app = make_app()

    @app.get("/forgotten")
    def forgotten():
        return "open by accident"

    response = app.test_client().get("/forgotten")
    assert response.status_code == 403 and b"open by accident" not in response.data


def test_the_route_table_is_printed_by_the_cli(app):
    result = app.test_cli_runner().invoke(args=["users", "routes"])
    assert result.exit_code == 0, result.output
    assert re.search(r"POST\s+/quotes/new\s+editor", result.output)
    assert re.search(r"GET\s+/quotes/<quote_id>\s+public", result.output)
    assert re.search(r"POST\s+/groups/<key>/roster\.csv\s+organizer", result.output)


def test_anonymous_writes_are_refused_and_store_nothing(gapp, tmp_path):
    owner = add_organizer(gapp)
    key = add_group(gapp, owner)
    before = _counts(gapp)
    pamphlets = sorted(p.name for p in (tmp_path / "pamphlets").iterdir())
    client = gapp.test_client()
    checked = 0
    for endpoint, method, path in _routes(gapp, key):
        rule = authz.rule_for(gapp, endpoint)
        if method != "POST" or rule.public:
            continue
        response = client.post(path, data={"text": "Trump is not going to intervene.", "name": "evil",
                                           "reviewed": "y", "reviewer": "Anyone", "action": "save"})
        assert response.status_code in (302, 401, 403), (path, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], (path, response.headers["Location"])
        checked += 1
    assert checked >= 15
    assert _counts(gapp) == before
    assert sorted(p.name for p in (tmp_path / "pamphlets").iterdir()) == pamphlets


def test_anonymous_visitors_read_the_library_but_not_the_workrooms(client):
    for path in ("/", "/quotes/", "/quotes/open-air-prison", "/sources/", "/sources/al-shami-2016", "/api/quotes",
                 "/quotes/open-air-prison/card.png", "/groups/", "/packs/questions"):
        assert client.get(path).status_code == 200, path
    for path in ("/quotes/new", "/quotes/open-air-prison/edit", "/sources/import", "/translations/",
                 "/translations/open-air-prison/ru", "/leaflets/new", "/packs/new", "/cards", "/groups/mine",
                 "/leaflets/leaflet.pdf?design=flyer&size=A5&quotes=open-air-prison"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_custom_card_renders_need_a_role(client, signed_in):
    assert client.get("/quotes/open-air-prison/card.png?mark=my+own+words").status_code == 302
    assert client.get("/quotes/open-air-prison/card.png?lang=ru&drafts=1").status_code == 302
    organizer = signed_in("organizer")
    assert organizer.get("/quotes/open-air-prison/card.png?mark=my+own+words").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_what_it_does_not_hold(gapp, role):
    owner = add_organizer(gapp, "owner@example.org")
    key = add_group(gapp, owner)
    add_user(gapp, "someone@example.org", role)
    client = gapp.test_client()
    assert login(client, "someone@example.org").status_code == 302
    before = _counts(gapp)
    refused = 0
    for endpoint, method, path in _routes(gapp, key):
        rule = authz.rule_for(gapp, endpoint)
        if rule.public or not rule.roles:
            continue
        held = role.split(":")[0]
        if held in rule.roles or role in rule.roles:
            continue
        response = client.open(path, method=method, data={"text": "x", "action": "save", "name": "evil"})
        assert response.status_code == 403, (role, method, path, response.status_code)
        refused += 1
    assert refused > 0
    counts = _counts(gapp)
    counts.pop("user_sessions"), before.pop("user_sessions")
    assert counts == before


def test_a_translator_works_only_in_their_own_languages(signed_in):
    russian = signed_in("translator:ru")
    assert russian.get("/translations/open-air-prison/ru").status_code == 200
    assert russian.get("/translations/open-air-prison/ar").status_code == 403


def test_everyone_with_every_role_reaches_every_page(app, staff):
    for path in ("/quotes/new", "/sources/import", "/translations/", "/leaflets/new", "/packs/new", "/cards",
                 "/groups/mine"):
        assert staff.get(path).status_code == 200, path


@pytest.mark.parametrize("roles,landing", [(("organizer",), "/groups/mine"), (("editor",), "/quotes/"),
                                           (("translator:ar",), "/translations/"), (("admin",), "/account/")])
def test_each_account_lands_after_login_on_a_page_its_roles_open(app, roles, landing):
    add_user(app, "someone@example.org", *roles)
    client = app.test_client()
    response = login(client, "someone@example.org")
    assert response.status_code == 302 and response.headers["Location"] == landing
    assert client.get(landing).status_code == 200
