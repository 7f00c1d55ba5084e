"""Every POST endpoint, anonymous and as an admin, under adversarial and random input: never a 5xx.

The endpoints are read from the app's URL map, so a new form is fuzzed without editing this file.
Fixed adversarial payloads run on every endpoint; Hypothesis then draws random requests, derandomized
so a run is reproducible, and bounded so the whole file stays well under a minute.
"""
from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.datastructures import MultiDict

from campaign.db import db
from campaign.models import Question

from conftest import EVERY_ROLE, add_user
from groups_support import add_group, gconfig, login, sign_up, token_of  # noqa: F401

QUOTE = "open-air-prison"
# Field names the forms use, plus names no form has; values below are drawn for them.
FIELDS = ["name", "email", "password", "messenger", "note", "consent", "language", "lang", "next", "title",
          "subtitle", "description", "city", "online", "timezone", "meetings", "capacity", "listed",
          "signups_open", "text", "speaker", "anchor", "context", "theme", "quotes", "design", "size",
          "headline", "action", "slug", "file", "sections-0-theme", "sections-0-include", "to", "csrf_token",
          "format", "palette", "formats", "imposition", "replace", "website", "src", "status", "x"]
NASTY = ["", "\x00", "a\x00b", "\ufffd", "\u202eevil", "/\t/evil.example", "//evil.example", "\r\nX: y",
         "'\"><script>alert(1)</script>", "{{ 7*7 }}", "../../etc/passwd", "-1", "99999999999999999999",
         "1e309", "NaN", "2031-02-30 25:61-99:99", "y", "on", "🙂" * 50, "\xed\xa0\x80", "x" * 70_000]
BROKEN_UTF8 = [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"caf\xe9"]


class Target:
    """The app under fuzz, the URL of every POST endpoint, and clients for each identity."""

    def __init__(self, app):
        self.app = app
        owner = add_user(app, "ana@example.org", *EVERY_ROLE)
        self.key = add_group(app, owner)
        anonymous = app.test_client()
        self.token = token_of(sign_up(anonymous, self.key))
        with app.app_context():
            from campaign.groups import Signup

            self.signup_id = db.session.query(Signup.id).scalar()
            self.question_id = db.session.query(Question.id).order_by(Question.id).limit(1).scalar()
        self.urls = sorted(self._post_urls())
        self.clients = {"anonymous": anonymous, "staff": self._staff()}
        self.codes: Counter = Counter()
        self.failures: list[str] = []

    def _staff(self):
        client = self.app.test_client()
        assert login(client).status_code == 302
        return client

    def _post_urls(self):
        values = {"key": self.key, "token": self.token, "signup_id": self.signup_id, "quote_id": QUOTE,
                  "lang": "ru", "question_id": self.question_id, "message_id": 1, "user_id": 1, "invite_id": 1,
                  "image_id": 1}
        for rule in self.app.url_map.iter_rules():
            if "POST" in rule.methods:
                missing = set(rule.arguments) - set(values)
                assert not missing, f"no fixture value for {rule.rule}: {missing}"
                yield re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)

    def post(self, who: str, url: str, **kwargs) -> int:
        response = self.clients[who].post(url, **kwargs)
        code = response.status_code
        self.codes[code] += 1
        if code >= 500:
            self.failures.append(f"{who} POST {url} -> {code}: {str(kwargs)[:300]}")
        if url == "/logout" and who == "staff":
            self.clients["staff"] = self._staff()
        return code


@pytest.fixture
def target(make_app, gconfig, monkeypatch):
    # Logins are checked as usual, with a cheap argon2 cost: the fuzz logs in again after each /logout.
    from argon2 import PasswordHasher

    from campaign import accounts

    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    accounts._dummy_hash.cache_clear()
    app = make_app(**gconfig, RATELIMIT_ENABLED=False, MAX_CONTENT_LENGTH=256 * 1024)
    yield Target(app)
    accounts._dummy_hash.cache_clear()


def _multipart(parts: list[tuple[str, bytes, bool]]) -> bytes:
    """A multipart body by hand: (name, value, as_file) parts, values as raw bytes."""
    body = b""
    for name, value, as_file in parts:
        disposition = f'form-data; name="{name}"' + ('; filename="f.bin"' if as_file else "")
        body += b"--BOUNDARY\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" + value + b"\r\n"
    return body + b"--BOUNDARY--\r\n"


def adversarial() -> list[dict]:
    """Fixed payloads every endpoint gets, as test-client keyword arguments."""
    cases = [
        {},  # empty body
        {"data": b"", "content_type": "application/x-www-form-urlencoded"},
        {"data": b'{"name": "x"}', "content_type": "application/json"},
        {"data": b"\x00\xff" * 100, "content_type": "text/plain"},
        {"data": b"name=x", "content_type": "multipart/form-data"},  # no boundary
        {"data": b"--nope\r\n\r\n", "content_type": "multipart/form-data; boundary=BOUNDARY"},
        {"data": b"%zz=%%&&==&" + b"a=" * 500, "content_type": "application/x-www-form-urlencoded"},
        {"data": MultiDict([(f, "1") for f in FIELDS] + [(f, "2") for f in FIELDS])},  # every key twice
        {"data": {f: "x" * 70_000 for f in FIELDS[:6]}},  # huge strings
        {"data": b"a=" + b"x" * 400_000, "content_type": "application/x-www-form-urlencoded"},  # too large
        {"data": {f: (io.BytesIO(b"text"), "f.txt") for f in FIELDS}, "content_type": "multipart/form-data"},
        {"data": {f: "a\x00b" for f in FIELDS}},
    ]
    for raw in BROKEN_UTF8[:3]:
        cases.append({"data": _multipart([(f, raw, False) for f in FIELDS]),
                      "content_type": "multipart/form-data; boundary=BOUNDARY"})
        cases.append({"data": b"&".join(f.encode() + b"=" + raw for f in FIELDS),
                      "content_type": "application/x-www-form-urlencoded"})
    for shift in range(4):  # every field gets another nasty value each time (the huge one is above)
        cases.append({"data": {f: NASTY[(i + shift) % (len(NASTY) - 1)] for i, f in enumerate(FIELDS)}})
    return cases


def test_adversarial_payloads_never_give_a_server_error(target, record_property):
    for who in ("anonymous", "staff"):
        for url in target.urls:
            for kwargs in adversarial():
                target.post(who, url, **kwargs)
    counts = dict(sorted(target.codes.items()))
    record_property("codes", counts)
    print(f"\nadversarial: {sum(counts.values())} requests to {len(target.urls)} POST endpoints: {counts}")
    assert len(target.urls) >= 20
    assert not target.failures, "\n".join(target.failures[:20])


value = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), st.binary(max_size=40).map(
    lambda b: b.decode("latin-1")))
field = st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=12))


@st.composite
def requests(draw, urls):
    """One random POST: an endpoint, an identity and a body of one of several shapes."""
    url = draw(st.sampled_from(urls))
    who = draw(st.sampled_from(["anonymous", "staff"]))
    shape = draw(st.sampled_from(["form", "multipart", "raw"]))
    if shape == "form":
        kwargs = {"data": MultiDict(draw(st.lists(st.tuples(field, value), max_size=12)))}
    elif shape == "multipart":
        parts = draw(st.lists(st.tuples(field.map(lambda f: f.replace('"', "").replace("\r", "").replace(
            "\n", "")), st.binary(max_size=60), st.booleans()), max_size=8))
        kwargs = {"data": _multipart([(n.encode("utf-8", "replace").decode("latin-1"), v, f)
                                      for n, v, f in parts]),
                  "content_type": "multipart/form-data; boundary=BOUNDARY"}
    else:
        kwargs = {"data": draw(st.binary(max_size=200)),
                  "content_type": draw(st.sampled_from(["application/x-www-form-urlencoded", "text/plain",
                                                        "application/json", "multipart/form-data",
                                                        "application/octet-stream"]))}
    query = draw(st.one_of(st.just(""), st.builds(lambda v: "?next=" + v, st.sampled_from(
        ["/%09/evil.example", "%0d%0a", "//evil", "/ok", "%00", "%ff"]))))
    return who, url + query, kwargs


def test_random_requests_never_give_a_server_error(target, record_property):
    @settings(max_examples=250, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(requests(target.urls))
    def fuzz(request):
        who, url, kwargs = request
        target.post(who, url, **kwargs)

    fuzz()
    counts = dict(sorted(target.codes.items()))
    record_property("codes", counts)
    print(f"\nrandom: {sum(counts.values())} requests to {len(target.urls)} POST endpoints: {counts}")
    assert not target.failures, "\n".join(target.failures[:20])
