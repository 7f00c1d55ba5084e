"""Transport and request safety: proxies trusted as configured, login throttling, redirects, cookies, HSTS."""
from __future__ import annotations

import re

import pytest

from campaign import authz

from groups_support import PASSWORD, add_organizer, gapp, gconfig, login  # noqa: F401

ATTACKER = "203.0.113.5"
REAL_USER = "198.51.100.7"
PROXY = "10.0.0.2"


def via_proxy(client_address: str) -> dict:
    """What a request looks like when a reverse proxy on PROXY forwards it for client_address."""
    return {"environ_base": {"REMOTE_ADDR": PROXY}, "headers": {"X-Forwarded-For": client_address,
                                                                 "X-Forwarded-Proto": "https"}}


def _report_scheme(app) -> None:
    """A page answering the scheme the app believes the request came by."""
    from flask import request

    app.add_url_rule("/test-scheme", "test_scheme", authz.public(lambda: request.scheme))


def _wrong(client, address: str, i: int):
    return login(client, password=f"guess-number-{i}-xx", **via_proxy(address))


# -- proxies -----------------------------------------------------------------------------------

def test_without_trusted_proxies_a_forwarded_header_is_ignored(make_app, gconfig):
    app = make_app(**gconfig)
    assert app.config["TRUSTED_PROXIES"] == 0
    _report_scheme(app)
    add_organizer(app)
    client = app.test_client()
    codes = [_wrong(client, f"192.0.2.{i}", i).status_code for i in range(7)]
    # Everyone is the proxy: the header cannot buy an attacker fresh allowances...
    assert codes == [401] * 5 + [429] * 2
    # ...and the forwarded scheme is not believed either.
    assert client.get("/test-scheme", **via_proxy(REAL_USER)).text == "http"


def test_with_one_trusted_proxy_each_forwarded_client_has_its_own_limits(make_app, gconfig):
    app = make_app(**gconfig, TRUSTED_PROXIES=1)
    _report_scheme(app)
    add_organizer(app)
    client = app.test_client()
    codes = [_wrong(client, ATTACKER, i).status_code for i in range(7)]
    assert codes == [401] * 5 + [429] * 2
    # Another client behind the same proxy is not touched by the attacker's limit.
    assert _wrong(client, "192.0.2.44", 99).status_code == 401
    assert login(app.test_client(), **via_proxy(REAL_USER)).status_code == 302
    assert client.get("/test-scheme", **via_proxy(REAL_USER)).text == "https"


def test_only_the_last_proxy_is_believed(make_app, gconfig):
    """A client cannot prepend its own X-Forwarded-For entries to escape its limit."""
    app = make_app(**gconfig, TRUSTED_PROXIES=1)
    add_organizer(app)
    client = app.test_client()
    codes = []
    for i in range(7):
        spoofed = {"environ_base": {"REMOTE_ADDR": PROXY},
                   "headers": {"X-Forwarded-For": f"192.0.2.{i}, {ATTACKER}"}}
        codes.append(login(client, password=f"guess-{i}-wrong-xx", **spoofed).status_code)
    assert codes == [401] * 5 + [429] * 2


def test_forty_wrong_passwords_do_not_lock_the_real_user_out(make_app, gconfig):
    app = make_app(**gconfig, TRUSTED_PROXIES=1)
    add_organizer(app)
    attacker = app.test_client()
    codes = [_wrong(attacker, ATTACKER, i).status_code for i in range(40)]
    assert codes.count(401) == 5 and codes.count(429) == 35
    refused = _wrong(attacker, ATTACKER, 41)
    assert "Please wait 15 minutes" in refused.get_data(as_text=True) and int(refused.headers["Retry-After"]) >= 1
    assert login(app.test_client(), **via_proxy(REAL_USER)).status_code == 302


def test_an_account_attacked_from_many_addresses_is_slowed_not_locked(make_app, gconfig):
    app = make_app(**gconfig, TRUSTED_PROXIES=1, LOGIN_FAILURES_PER_ACCOUNT="20/15minutes",
                   LOGIN_SLOW_PER_ACCOUNT_AND_CLIENT="1/hour")
    add_organizer(app)
    client = app.test_client()
    # 40 wrong passwords from 8 addresses, 5 each: every one is a counted failure.
    codes = [_wrong(client, f"192.0.2.{i // 5}", i).status_code for i in range(40)]
    assert codes[:20] == [401] * 20
    # Past the account's ceiling every client gets one try per interval, not five.
    assert codes[20:25] == [401, 429, 429, 429, 429]
    fresh = "192.0.2.200"
    assert _wrong(client, fresh, 100).status_code == 401
    slowed = _wrong(client, fresh, 101)
    assert slowed.status_code == 429 and 1 <= int(slowed.headers["Retry-After"]) <= 3600
    assert "only once every few seconds" in slowed.get_data(as_text=True)
    # The real user, from their own address, still gets in at the first try.
    assert login(app.test_client(), **via_proxy(REAL_USER)).status_code == 302


# -- redirects ---------------------------------------------------------------------------------

OFFSITE = [
    "//evil.example/x", "/\\evil.example/x", "\\\\evil.example", "https://evil.example/x", "http:evil.example",
    "evil.example/x", "javascript:alert(1)", "/" + "a" * 3000,
]
CONTROL = ["/\t/evil.example/x", "/\r\nSet-Cookie: x=1", "/\n/evil.example", "/\x00x", "/\x7f/x", "/\x85/x",
           "/%s/evil.example" % "\x0b"]


def _offsite(location: str | None) -> bool:
    location = location or ""
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:|//|\\\\|/\\\\|/\s)", location, re.I)) or "evil" in location


@pytest.mark.parametrize("target", OFFSITE)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post("/language", data={"lang": "ru", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "lang=ru" in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("target", CONTROL)
def test_language_switch_refuses_control_characters(client, target):
    response = client.post("/language", data={"lang": "ru", "next": target})
    assert response.status_code == 400 and "Location" not in response.headers
    assert "next" in response.get_data(as_text=True)  # the message names the field
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_language_switch_keeps_a_same_site_return_path(client):
    response = client.post("/language", data={"lang": "ar", "next": "/quotes/?q=siege"})
    assert response.headers["Location"] == "/quotes/?q=siege"


@pytest.mark.parametrize("target", OFFSITE)
def test_login_never_redirects_off_site(gapp, target):
    add_organizer(gapp)
    response = gapp.test_client().post("/login", query_string={"next": target},
                                       data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/groups/mine"


@pytest.mark.parametrize("target", CONTROL)
def test_login_refuses_control_characters_in_next(gapp, target):
    add_organizer(gapp)
    client = gapp.test_client()
    assert client.get("/login", query_string={"next": target}).status_code == 400
    response = client.post("/login", query_string={"next": target},
                           data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 400 and "Location" not in response.headers


def test_login_with_an_encoded_tab_in_next_is_refused(gapp):
    """The reported payload, spelled as it arrives in a URL."""
    add_organizer(gapp)
    response = gapp.test_client().post("/login?next=/%09/evil.example/p",
                                       data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 400 and not _offsite(response.headers.get("Location"))


def test_language_switch_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    refused = client.post("/language", data={"lang": "ru", "next": "/"})
    assert refused.status_code == 400 and "security token" in refused.get_data(as_text=True)
    assert "lang=" not in refused.headers.get("Set-Cookie", "")
    page = client.get("/sources/").get_data(as_text=True)
    form = re.search(r'<form class="lang".*?</form>', page, re.S).group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    accepted = client.post("/language", data={"lang": "ru", "next": "/sources/", "csrf_token": token})
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/sources/"
    assert "lang=ru" in accepted.headers["Set-Cookie"]
    assert '<html lang="ru"' in client.get("/sources/").get_data(as_text=True)


# -- cookies and transport ---------------------------------------------------------------------

def test_https_base_url_secures_cookies_and_sends_hsts(make_app, gconfig):
    app = make_app(**gconfig, BASE_URL="https://handbill.example.org")
    add_organizer(app)
    client = app.test_client()
    response = login(client, base_url="https://handbill.example.org")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie and "HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert client.get("/", base_url="https://handbill.example.org").headers[
        "Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    lang = client.post("/language", data={"lang": "ru", "next": "/"}, base_url="https://handbill.example.org")
    assert "Secure" in lang.headers["Set-Cookie"]


def test_plain_http_on_loopback_keeps_plain_cookies(make_app, gconfig):
    app = make_app(**gconfig, BASE_URL="http://127.0.0.1:5000")
    add_organizer(app)
    client = app.test_client()
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" not in cookie
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in client.post("/language", data={"lang": "ru", "next": "/"}).headers["Set-Cookie"]
