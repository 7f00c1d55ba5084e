"""Study groups through the public surface: group pages, signups, waitlist, manage links, roster, CSV, ICS."""
from __future__ import annotations

import csv
import io
import logging
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from icalendar import Calendar

from campaign import groups, privacy, retention, roster
from campaign.db import db

from groups_support import (PAMPHLET, READING_PACK, add_group, add_organizer, gapp, gclient, gconfig, login, outbox,  # noqa: F401
                             sign_up, signup_data, statuses, token_of)

pytestmark = pytest.mark.db


@pytest.fixture
def group_key(gapp):
    owner = add_organizer(gapp)
    return add_group(gapp, owner, capacity=2)


# -- the public pages ------------------------------------------------------------------------

def test_listed_groups_show_seats_left_and_unlisted_groups_stay_hidden(gapp, gclient):
    owner = add_organizer(gapp)
    listed = add_group(gapp, owner, capacity=3, title="Listed group")
    hidden = add_group(gapp, owner, title="Secret group", listed=False)
    sign_up(gclient, listed, 1)
    page = gclient.get("/groups/")
    assert page.status_code == 200
    assert "Listed group" in page.text and "Secret group" not in page.text
    row = re.search(r"Listed group(?:</bdi>)?</a></td>.*?</tr>", page.text, re.S).group(0)
    assert re.search(r"<td>2</td>", row)
    assert gclient.get(f"/groups/{hidden}").status_code == 200  # reachable with its link
    assert len(hidden) >= 16  # ~96 bits: not guessable


def test_group_page_shows_schedule_in_the_groups_time_zone_and_the_notice(gapp, gclient):
    owner = add_organizer(gapp)
    key = add_group(gapp, owner, first=datetime(2030, 1, 8, 17, 30), count=1)  # 17:30 UTC = 18:30 Berlin
    page = gclient.get(f"/groups/{key}")
    assert "2030-01-08, 18:30" in page.text and "Europe/Berlin" in page.text
    assert "What happens with your signup" in page.text
    assert "2030-02-07" in page.text  # deletion date: 30 days after the last meeting's end


# -- signing up --------------------------------------------------------------------------------

def test_signup_happy_path_sends_the_manage_link_and_shows_it_to_messenger_signups(gapp, gclient, group_key):
    response = sign_up(gclient, group_key, 1, messenger="@reader1", note="I read Arabic too.")
    assert response.status_code == 303 and response.headers["Location"] == f"/groups/{group_key}/signed-up"
    done = gclient.get(response.headers["Location"])
    assert done.status_code == 200 and "Thank you" in done.text and "/groups/manage/" not in done.text
    [mail] = outbox(gapp)
    assert mail["To"] == "reader1@example.net"
    assert "You have a seat" in mail["Subject"]
    token = token_of(response)
    assert f"http://handbill.test/groups/manage/{token}" in mail.get_content()
    page = gclient.get(f"/groups/manage/{token}")
    assert "reader1@example.net" in page.text and "I read Arabic too." in page.text
    assert page.headers["Cache-Control"] == "no-store"
    with gapp.app_context():
        [row] = db.session.scalars(db.select(groups.Signup)).all()
        assert row.status == groups.CONFIRMED and row.manage_hash == privacy.token_hash(token)
        assert token not in row.manage_hash and b"reader1" not in row.email_enc
        assert token.encode() not in row.manage_enc
    handle_only = sign_up(gclient, group_key, 2, email="", messenger="@reader2")  # no message: the link is shown
    welcome = gclient.get(handle_only.headers["Location"])
    assert "You are signed up" in welcome.text and f"http://handbill.test/groups/manage/{token_of(handle_only)}" in welcome.text


def test_each_confirmation_carries_its_own_link_and_a_readable_subject(gapp, gclient):
    title = "Читаем «Burning Country» — قراءة البلد المحترق معاً ثم نناقشه بالتفصيل"
    key = add_group(gapp, add_organizer(gapp), title=title)
    tokens = [token_of(sign_up(gclient, key, i, language=lang)) for i, lang in enumerate(["en", "ru", "en"])]
    mails = {m["To"]: m for m in outbox(gapp)}
    assert len(mails) == 3
    for i, token in enumerate(tokens):
        mail = mails[f"reader{i}@example.net"]
        body = mail.get_content()
        assert f"http://handbill.test/groups/manage/{token}" in body and title in body
        assert not any(other in body for other in tokens if other != token)
        assert mail["Subject"].endswith(title) and "\x00" not in body


def test_no_message_is_written_to_disk(gapp, gclient, group_key, tmp_path):
    """Messages wait encrypted in the database, never as files."""
    sign_up(gclient, group_key, 1)
    assert len(outbox(gapp)) == 1
    for folder in (Path(gapp.instance_path), tmp_path):
        assert not list(folder.rglob("*.eml"))


def test_messenger_handle_alone_is_enough_and_sends_no_message(gapp, gclient, group_key):
    response = sign_up(gclient, group_key, 2, email="", messenger="signal: reader.02")
    assert response.status_code == 303
    assert outbox(gapp) == []


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": ""}, "name", "Give a name or a pseudonym."),
    ({"name": "x" * 81}, "name", "longer than 80"),
    ({"email": "", "messenger": ""}, "email", "Give an email address or a messenger handle"),
    ({"email": "not-an-address"}, "email", "This is not an email address."),
    ({"messenger": "m" * 101}, "messenger", "longer than 100"),
    ({"messenger": "bad\x07handle"}, "messenger", "control characters"),
    ({"note": "n" * 501}, "note", "longer than 500"),
    ({"consent": None}, "consent", "Please tick the box"),
    ({"language": "xx"}, "language", "Not a valid choice"),
])
def test_every_invalid_field_is_named_and_nothing_is_stored(gapp, gclient, group_key, overrides, field, message):
    response = sign_up(gclient, group_key, 3, **overrides)
    assert response.status_code == 422
    errors = re.findall(rf'data-field="{field}">([^<]*)<', response.text)
    assert errors and message in errors[0]
    assert statuses(gapp, group_key) == {}
    if field != "name" and "name" not in overrides:
        assert 'value="Reader 3"' in response.text  # what was typed is kept


def test_honeypot_signup_looks_received_but_stores_nothing(gapp, gclient, group_key):
    response = sign_up(gclient, group_key, 4, website="http://spam.example")
    assert response.status_code == 200 and "Thank you" in response.text
    assert statuses(gapp, group_key) == {} and outbox(gapp) == []


def test_signup_rate_limit_answers_429_per_client(make_app, gconfig):
    app = make_app(**{**gconfig, "SIGNUP_RATE_LIMIT": "3/minute"})
    key = add_group(app, add_organizer(app))
    client = app.test_client()
    codes = [sign_up(client, key, i).status_code for i in range(4)]
    assert codes == [303, 303, 303, 429]
    refused = sign_up(client, key, 9)
    assert "Too many requests" in refused.text and "try again" in refused.text
    assert client.post(f"/groups/{key}", data=signup_data(11),
                       environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 303  # another client
    assert statuses(app, key) == {"confirmed": 4}


def test_closed_group_refuses_signups(gapp, gclient):
    key = add_group(gapp, add_organizer(gapp), signups_open=False)
    assert "Signups for this group are closed." in gclient.get(f"/groups/{key}").text
    response = sign_up(gclient, key, 1)
    assert response.status_code == 409 and statuses(gapp, key) == {}


def test_a_group_edited_closed_or_deleted_between_signups_is_read_again(gapp, gclient):
    key = add_group(gapp, add_organizer(gapp), capacity=1)
    assert sign_up(gclient, key, 0).status_code == 303

    def edit(**changes):
        with gapp.app_context():
            group = groups.by_key(key)
            data = groups.GroupInput(title=group.title, description="", pamphlet=None, language="en",
                                     city=group.city, online=False, timezone=group.timezone,
                                     meetings=[(m.starts_at, m.ends_at) for m in group.meetings],
                                     capacity=group.capacity, listed=True, signups_open=True)
            for name, value in changes.items():
                setattr(data, name, value)
            groups.update_group(group.id, data)

    edit(city="Leipzig")
    assert sign_up(gclient, key, 1).status_code == 303
    [mail] = [m for m in outbox(gapp) if m["To"] == "reader1@example.net"]
    assert "In Leipzig." in mail.get_content()  # the group as it is now, not as it was read before
    edit(capacity=3)  # promotes reader 1
    assert sign_up(gclient, key, 2).status_code == 303
    assert statuses(gapp, key) == {"confirmed": 3}  # the new capacity, not the one read before
    edit(signups_open=False)
    assert sign_up(gclient, key, 4).status_code == 409
    with gapp.app_context():
        groups.delete_group(groups.by_key(key).id)
    assert sign_up(gclient, key, 5).status_code == 404


def test_pamphlet_source_is_recorded_only_when_it_names_a_pamphlet(gapp, gclient, group_key):
    page = gclient.get(f"/groups/{group_key}?src={PAMPHLET}")
    assert f'value="{PAMPHLET}"' in page.text
    assert not any("src" in c or PAMPHLET in c for c in page.headers.getlist("Set-Cookie"))
    sign_up(gclient, group_key, 1, src=PAMPHLET)
    sign_up(gclient, group_key, 2, src="someone-s-personal-id")
    sign_up(gclient, group_key, 3, src="<script>")
    bogus = gclient.get(f"/groups/{group_key}?src=../../etc/passwd")
    assert 'name="src" type="hidden" value=""' in bogus.text
    with gapp.app_context():
        counts = dict(roster.source_counts(groups.by_key(group_key)))
    assert counts == {PAMPHLET: 1, "": 2}


def test_a_repeat_signup_takes_no_second_seat_and_gets_the_existing_link(gapp, gclient):
    owner = add_organizer(gapp)
    key = add_group(gapp, owner, capacity=5)
    first = sign_up(gclient, key, 1)
    token = token_of(first)
    again = sign_up(gclient, key, 1, email="Reader1@Example.NET ", name="Someone else")
    other = sign_up(gclient, key, 2)
    # The same answer and the same page as for a new signup: nothing tells who is on the list.
    assert first.status_code == again.status_code == other.status_code == 303
    assert first.headers["Location"] == again.headers["Location"] == other.headers["Location"]
    assert gclient.get(again.headers["Location"]).text == gclient.get(other.headers["Location"]).text
    assert statuses(gapp, key) == {"confirmed": 2}
    repeat = [m for m in outbox(gapp) if m["To"] == "Reader1@Example.NET"]
    assert [m["Subject"] for m in repeat] == ["Your signup: Reading Burning Country"]
    assert f"http://handbill.test/groups/manage/{token}" in repeat[0].get_content()  # the existing link
    assert "Reader 1" in gclient.get(f"/groups/manage/{token}").text  # the first signup is unchanged
    sign_up(gclient, key, 1)
    assert len([m for m in outbox(gapp) if "Reader1" in m["To"] or "reader1" in m["To"]]) == 2  # not again within the hour
    gclient.post(f"/groups/manage/{token}/cancel")
    assert sign_up(gclient, key, 1).status_code == 303  # after cancelling, the email may sign up anew
    assert statuses(gapp, key) == {"confirmed": 2, "cancelled": 1}


def test_repeated_messenger_contact_is_flagged_on_the_roster(gapp, gclient):
    key = add_group(gapp, add_organizer(gapp), capacity=5)
    sign_up(gclient, key, 1, email="", messenger="@reader1")
    sign_up(gclient, key, 2, email="", messenger="reader1")
    login(gclient)
    assert "same contact as confirmed #1" in gclient.get(f"/groups/{key}/roster").text


def test_no_contact_detail_reaches_the_logs(gapp, gclient, group_key, caplog):
    caplog.set_level(logging.DEBUG)
    sign_up(gclient, group_key, 1, email="very-private@example.net", messenger="@privatehandle",
            name="Private Person")
    sign_up(gclient, group_key, 2)
    sign_up(gclient, group_key, 3)
    login(gclient)
    gclient.get(f"/groups/{group_key}/roster")
    assert len(outbox(gapp)) == 3
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records, "expected the outbox to log something"
    for secret in ("very-private", "privatehandle", "Private Person"):
        assert secret not in text


# -- capacity, waitlist, promotion ------------------------------------------------------------

def test_full_group_waitlists_in_order_and_promotes_when_a_seat_frees(gapp, gclient, group_key):
    tokens = [token_of(sign_up(gclient, group_key, i)) for i in range(4)]
    assert statuses(gapp, group_key) == {"confirmed": 2, "waitlisted": 2}
    waiting = gclient.get(f"/groups/manage/{tokens[3]}").text
    assert "waitlist, number 2" in waiting
    subjects = [m["Subject"] for m in outbox(gapp)]
    assert sum("waitlist" in s for s in subjects) == 2
    assert gclient.post(f"/groups/manage/{tokens[0]}/cancel").status_code == 303
    assert "you have a seat" in gclient.get(f"/groups/manage/{tokens[2]}").text
    assert "waitlist, number 1" in gclient.get(f"/groups/manage/{tokens[3]}").text
    promoted = [m for m in outbox(gapp) if "A seat is free" in m["Subject"]]
    assert [m["To"] for m in promoted] == ["reader2@example.net"]
    gclient.post(f"/groups/manage/{tokens[1]}/delete")
    assert "you have a seat" in gclient.get(f"/groups/manage/{tokens[3]}").text
    assert statuses(gapp, group_key) == {"confirmed": 2, "cancelled": 1}


def test_cancel_erases_contact_details_and_delete_removes_everything(gapp, gclient, group_key):
    token = token_of(sign_up(gclient, group_key, 1, note="see you"))
    assert len(outbox(gapp)) == 1
    gclient.post(f"/groups/manage/{token}/cancel")
    page = gclient.get(f"/groups/manage/{token}").text
    assert "you cancelled" in page and "reader1@example.net" not in page
    assert outbox(gapp) == []  # its unsent copy went with it
    with gapp.app_context():
        [row] = db.session.scalars(db.select(groups.Signup)).all()
        assert (row.name_enc, row.email_enc, row.note_enc, row.contact_hash) == (None, None, None, "")
    deleted = gclient.post(f"/groups/manage/{token}/delete")
    assert deleted.status_code == 200 and "Your data is deleted" in deleted.text
    assert gclient.get(f"/groups/manage/{token}").status_code == 404
    assert statuses(gapp, group_key) == {}


def test_unknown_manage_token_is_404(gclient, group_key):
    assert gclient.get("/groups/manage/" + "A" * 43).status_code == 404
    assert gclient.post("/groups/manage/" + "A" * 43 + "/delete").status_code == 404


# -- organizers ----------------------------------------------------------------------------------

def test_organizer_creates_a_group_through_the_form(gapp, gclient):
    add_organizer(gapp)
    login(gclient)
    form = {"title": "Aleppo reading circle", "description": "", "pamphlet": READING_PACK, "language": "ru",
            "online": "y", "city": "", "timezone": "Europe/Moscow", "capacity": "8", "listed": "y",
            "signups_open": "y", "meetings": "2030-03-01 19:00-21:00\n2030-03-08 19:00-21:00"}
    response = gclient.post("/groups/new", data=form)
    assert response.status_code == 303
    key = response.headers["Location"].split("/")[2]
    page = gclient.get(f"/groups/{key}").text
    assert "2030-03-01, 19:00" in page and "Online." in page and "8 seats left of 8" in page
    bad = gclient.post("/groups/new", data={**form, "online": "", "meetings": "2030-03-01 19:00-21:00\n1 March"})
    assert bad.status_code == 422
    assert "line 2: write it as YYYY-MM-DD HH:MM-HH:MM" in bad.text
    assert "Give a city, or tick" in bad.text
    worse = gclient.post("/groups/new", data={**form, "meetings": "2030-02-30 19:00-21:00", "capacity": "0"})
    assert "line 1" in worse.text and "not a real date" in worse.text
    assert re.search(r'data-field="capacity">[^<]*1', worse.text)


def test_organizer_pages_need_a_login(gclient, group_key):
    for url in ("/groups/mine", "/groups/new", f"/groups/{group_key}/roster", f"/groups/{group_key}/edit"):
        response = gclient.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_organizer_sees_only_own_groups_and_admin_sees_all(gapp):
    ana = add_organizer(gapp, "ana@example.org")
    add_organizer(gapp, "ben@example.org")
    add_organizer(gapp, "root@example.org", admin=True)
    key = add_group(gapp, ana, title="Ana's group")
    sign_up(gapp.test_client(), key, 1)
    ben = gapp.test_client()
    login(ben, "ben@example.org")
    for method, url in (("get", f"/groups/{key}/roster"), ("get", f"/groups/{key}/edit"),
                        ("post", f"/groups/{key}/roster.csv"), ("post", f"/groups/{key}/delete"),
                        ("post", f"/groups/{key}/roster/1/remove")):
        assert getattr(ben, method)(url).status_code == 404, url
    assert "Ana&#39;s group" not in ben.get("/groups/mine").text
    admin = gapp.test_client()
    login(admin, "root@example.org")
    assert admin.get(f"/groups/{key}/roster").status_code == 200
    assert "Ana&#39;s group" in admin.get("/groups/mine").text
    assert statuses(gapp, key) == {"confirmed": 1}


def test_roster_lists_people_in_order_and_moves_and_removes_them(gapp, gclient, group_key):
    tokens = [token_of(sign_up(gclient, group_key, i)) for i in range(3)]
    org = gapp.test_client()
    login(org)
    roster = org.get(f"/groups/{group_key}/roster").text
    assert roster.index("reader0@") < roster.index("reader1@") < roster.index("reader2@")
    with gapp.app_context():
        ids = [groups.by_token(t).id for t in tokens]
    full = org.post(f"/groups/{group_key}/roster/{ids[2]}/move", data={"to": "confirmed"}, follow_redirects=True)
    assert "the group is full" in full.text
    org.post(f"/groups/{group_key}/roster/{ids[0]}/move", data={"to": "waitlisted"})
    assert statuses(gapp, group_key) == {"confirmed": 1, "waitlisted": 2}
    org.post(f"/groups/{group_key}/roster/{ids[2]}/move", data={"to": "confirmed"})
    assert "you have a seat" in gclient.get(f"/groups/manage/{tokens[2]}").text
    org.post(f"/groups/{group_key}/roster/{ids[1]}/remove")
    assert gclient.get(f"/groups/manage/{tokens[1]}").status_code == 404
    assert "you have a seat" in gclient.get(f"/groups/manage/{tokens[0]}").text  # promoted into the freed seat


def test_raising_capacity_promotes_and_schedule_changes_are_announced(gapp, gclient, group_key):
    for i in range(3):
        sign_up(gclient, group_key, i)
    org = gapp.test_client()
    login(org)
    form = {"title": "Reading Burning Country", "description": "", "pamphlet": "", "language": "en", "city": "Leipzig",
            "timezone": "Europe/Berlin", "capacity": "3", "listed": "y", "signups_open": "y",
            "meetings": "2030-05-05 18:00-20:00"}
    assert org.post(f"/groups/{group_key}/edit", data=form).status_code == 303
    assert statuses(gapp, group_key) == {"confirmed": 3}
    subjects = {(m["To"], m["Subject"].split(":")[0]) for m in outbox(gapp)}
    assert ("reader2@example.net", "A seat is free for you") in subjects
    assert ("reader0@example.net", "Changed") in subjects and ("reader2@example.net", "Changed") not in subjects


def test_roster_csv_is_rfc4180_neutralised_and_every_export_is_logged(gapp, gclient, group_key):
    nasty = ["=HYPERLINK(\"http://x\")", "  +1 555", "-2+3", "@SUM(A1)", "\tTab", "\rCR", 'a "quoted", name\nx']
    for i, text in enumerate(nasty[:5]):
        sign_up(gclient, group_key, i, name=text, note=nasty[(i + 5) % len(nasty)])
    org = gapp.test_client()
    login(org)
    response = org.post(f"/groups/{group_key}/roster.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data.decode("utf-8-sig")
    assert body.endswith("\r\n") and "\r\n" in body.split("\n")[0] + "\n"
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0][:3] == ["list", "position", "name"]
    cells = [cell for row in rows[1:] for cell in row]
    for cell in cells:
        assert not cell.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@") or cell.startswith("'"), cell
        assert cell[:1] not in ("\t", "\r"), repr(cell)
    assert "'=HYPERLINK(\"http://x\")" in cells and "'+1 555" in cells and 'a "quoted", name\nx' in cells
    assert '"a ""quoted"", name\nx"' in body  # RFC 4180 quoting of quotes, commas and line breaks
    page = org.get(f"/groups/{group_key}/roster").text
    assert re.search(r"<td>ana@example.org</td><td>[25]</td>", page)
    with gapp.app_context():
        [log] = db.session.scalars(db.select(roster.RosterExport)).all()
        assert log.rows in (2, 5) and log.organizer.email == "ana@example.org"
        assert log.group_title == "Reading Burning Country"
        assert not hasattr(log, "data")


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("   =cmd", "'   =cmd"), (" \t-x", "' \t-x"), ("＝1", "'＝1"), ("plain", "plain"), ("a=b", "a=b"), ("", ""),
    (3, "3"),
])
def test_safe_cell(value, expected):
    assert roster.safe_cell(value) == expected


def test_calendar_files_parse_and_keep_the_time_zone(gapp, gclient):
    key = add_group(gapp, add_organizer(gapp), first=datetime(2030, 6, 3, 16, 0), count=3)
    response = gclient.get(f"/groups/{key}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 3
    start = events[0]["DTSTART"].dt
    assert str(start.tzinfo) == "Europe/Berlin" and (start.hour, start.minute) == (18, 0)
    assert start.astimezone(timezone.utc).replace(tzinfo=None) == datetime(2030, 6, 3, 16, 0)
    assert events[0]["SUMMARY"] == "Reading Burning Country" and events[0]["LOCATION"] == "Berlin"
    assert len({str(e["UID"]) for e in events}) == 3
    assert [c for c in cal.walk("VTIMEZONE")]
    token = token_of(sign_up(gclient, key, 1))
    again = Calendar.from_ical(gclient.get(f"/groups/manage/{token}/calendar.ics").data)
    assert len(list(again.walk("VEVENT"))) == 3


# -- CSRF ----------------------------------------------------------------------------------------

@pytest.fixture
def csrf_app(make_app, gconfig):
    return make_app(**gconfig, WTF_CSRF_ENABLED=True)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_missing_csrf_token_is_a_400_page_with_a_clear_message(csrf_app):
    key = add_group(csrf_app, add_organizer(csrf_app))
    client = csrf_app.test_client()
    client.get(f"/groups/{key}")
    response = sign_up(client, key, 1)
    assert response.status_code == 400
    assert "without a valid security token" in response.text and "Reload the page" in response.text
    forged = client.post(f"/groups/{key}", data={**signup_data(1), "csrf_token": "forged"})
    assert forged.status_code == 400 and "security token" in forged.text
    assert statuses(csrf_app, key) == {}


def test_expired_csrf_token_re_renders_the_form_with_the_data_kept(csrf_app, monkeypatch):
    import itsdangerous.timed

    key = add_group(csrf_app, add_organizer(csrf_app))
    client = csrf_app.test_client()
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: real(self) - 7200)
    old = _token(client.get(f"/groups/{key}").text)
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", real)
    response = client.post(f"/groups/{key}", data={**signup_data(1, note="my note"), "csrf_token": old})
    assert response.status_code == 400
    assert "please check your details and submit again" in response.text
    assert 'value="Reader 1"' in response.text and 'value="reader1@example.net"' in response.text
    assert "my note" in response.text
    fresh = _token(response.text)
    assert fresh != old
    again = client.post(f"/groups/{key}", data={**signup_data(1, note="my note"), "csrf_token": fresh})
    assert again.status_code == 303 and statuses(csrf_app, key) == {"confirmed": 1}


# -- retention -----------------------------------------------------------------------------------

def test_purge_deletes_signups_retention_days_after_the_last_meeting(gapp, gclient):
    owner = add_organizer(gapp)
    old = add_group(gapp, owner, first=datetime(2030, 1, 1, 18), count=2, title="Old")  # last ends 2030-01-08 20:00
    new = add_group(gapp, owner, first=datetime(2030, 3, 1, 18), count=1, title="New")
    token = token_of(sign_up(gclient, old, 1))
    sign_up(gclient, old, 2)
    sign_up(gclient, new, 3)
    with gapp.test_request_context():
        kept = retention.purge(now=datetime(2030, 2, 7, 19, tzinfo=timezone.utc))  # 29 days 23 hours
        assert kept.signups == 0
        report = retention.purge(now=datetime(2030, 2, 7, 21, tzinfo=timezone.utc))
        assert (report.signups, report.groups) == (2, 1)
    assert statuses(gapp, old) == {} and statuses(gapp, new) == {"confirmed": 1}
    assert gclient.get(f"/groups/manage/{token}").status_code == 404
    assert outbox(gapp) == []  # with their signups, or unsent for longer than OUTBOX_RETENTION_DAYS


def test_purge_command_honours_days_as_of_and_dry_run(gapp, gclient):
    key = add_group(gapp, add_organizer(gapp), first=datetime(2030, 1, 1, 18), count=1)
    sign_up(gclient, key, 1)
    runner = gapp.test_cli_runner()
    result = runner.invoke(args=["privacy", "purge", "--as-of", "2030-01-20", "--dry-run"])
    assert result.exit_code == 0 and "Would delete 0 signup(s)" in result.output
    result = runner.invoke(args=["privacy", "purge", "--as-of", "2030-01-20", "--days", "7", "--dry-run"])
    assert "Would delete 1 signup(s) of 1 group(s)" in result.output
    assert statuses(gapp, key) == {"confirmed": 1}
    result = runner.invoke(args=["privacy", "purge", "--as-of", "2030-01-20", "--days", "7"])
    assert result.exit_code == 0 and "Deleted 1 signup(s)" in result.output
    assert statuses(gapp, key) == {}
    bad = runner.invoke(args=["privacy", "purge", "--as-of", "soon"])
    assert bad.exit_code == 1 and "--as-of" in bad.output


def test_retention_days_is_configurable(make_app, gconfig):
    app = make_app(**gconfig, RETENTION_DAYS=3)
    key = add_group(app, add_organizer(app), first=datetime(2030, 1, 1, 18), count=1)
    client = app.test_client()
    sign_up(client, key, 1)
    assert "2030-01-04" in client.get(f"/groups/{key}").text
    with app.test_request_context():
        assert retention.purge(now=datetime(2030, 1, 4, 21, tzinfo=timezone.utc)).signups == 1


def test_delete_group_removes_its_signups(gapp, gclient, group_key):
    sign_up(gclient, group_key, 1)
    org = gapp.test_client()
    login(org)
    assert org.post(f"/groups/{group_key}/delete").status_code == 303
    assert gclient.get(f"/groups/{group_key}").status_code == 404
    with gapp.app_context():
        assert db.session.scalar(db.select(db.func.count(groups.Signup.id))) == 0


def test_schedule_parser_names_the_line():
    with pytest.raises(groups.ScheduleError, match="line 2"):
        groups.parse_schedule("2030-01-01 10:00-11:00\n2030-01-02 12:00-11:00", "UTC")
    assert groups.parse_schedule("\n2030-01-01 9:00 – 11:00\n", "Asia/Tokyo") == [
        (datetime(2030, 1, 1, 0, 0), datetime(2030, 1, 1, 2, 0))]
    assert groups.parse_schedule("2030-01-01 10:00-11:00", "Not/AZone")[0][0] == datetime(2030, 1, 1, 10)
    with pytest.raises(groups.ScheduleError, match="at least one"):
        groups.parse_schedule("  \n", "UTC")


def test_a_replaced_key_gives_a_clear_error_not_garbage(make_app, gconfig, gapp, gclient, group_key):
    from campaign import privacy as privacy_module

    sign_up(gclient, group_key, 1)
    other = make_app(**{**gconfig, "ENCRYPTION_KEY": privacy_module.new_key_text()})
    client = other.test_client()
    login(client)
    response = client.get(f"/groups/{group_key}/roster")
    assert response.status_code == 500
    assert "Restore the original key" in response.text and "encryption key" in response.text
    assert "reader1@example.net" not in response.text


def test_deleting_a_group_deletes_its_unsent_messages(gapp, gclient, group_key):
    sign_up(gclient, group_key, 1)
    assert len(outbox(gapp)) == 1
    org = gapp.test_client()
    login(org)
    org.post(f"/groups/{group_key}/delete")
    assert outbox(gapp) == []
