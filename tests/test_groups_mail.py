"""Messages by SMTP through the delivery job: a small SMTP server on loopback receives them; a dead one means a retry."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from email import message_from_bytes, policy

from campaign import jobs, messages, reminders
from campaign.db import db

from groups_support import add_group, add_organizer, login, outbox, sign_up, token_of


def _dead_port() -> int:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_confirmation_goes_out_by_smtp_through_the_delivery_job(make_app, gconfig, smtp_server):
    app = make_app(**gconfig, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1],
                   MAIL_FROM="Reading groups <groups@handbill.test>")
    key = add_group(app, add_organizer(app), title="Читаем вместе")
    response = sign_up(app.test_client(), key, 1)
    assert response.status_code == 303
    [(recipients, data)] = smtp_server.received
    assert recipients == ["reader1@example.net"]
    mail = message_from_bytes(data, policy=policy.default)
    assert mail["Subject"] == "You have a seat: Читаем вместе"
    assert mail["From"] == "Reading groups <groups@handbill.test>"
    assert "http://handbill.test/groups/manage/" in mail.get_content()
    assert outbox(app) == []  # nothing waits once the server took it
    with app.app_context():
        [row] = db.session.scalars(db.select(messages.OutboxMessage)).all()
        assert (row.status, row.payload_enc, row.attempts) == (messages.SENT, None, 0)  # only the record stays


def test_unreachable_mail_server_schedules_a_retry_and_loses_nothing(make_app, gconfig, smtp_server, caplog):
    app = make_app(**gconfig, MAIL_SERVER="127.0.0.1", MAIL_PORT=_dead_port(), MAIL_TIMEOUT=2)
    key = add_group(app, add_organizer(app))
    assert sign_up(app.test_client(), key, 1).status_code == 303
    [mail] = outbox(app)
    assert mail["To"] == "reader1@example.net"
    with app.app_context():
        [row] = db.session.scalars(db.select(messages.OutboxMessage)).all()
        assert (row.status, row.attempts, row.last_error) == (messages.PENDING, 1, "ConnectionRefusedError")
        assert row.next_attempt_at > messages.utcnow()  # a retry is scheduled, later
        assert messages.due() == []  # not yet due
    assert any("retry in 60 s" in r.getMessage() for r in caplog.records)
    assert not any("reader1" in r.getMessage() for r in caplog.records)
    # The server is back; once the retry is due the periodic sweep delivers the message.
    app.config["MAIL_PORT"] = smtp_server.server_address[1]
    with app.app_context():
        db.session.execute(db.update(messages.OutboxMessage).values(next_attempt_at=messages.utcnow()))
        db.session.commit()
        jobs.jobs(app).sweep()
    assert [to for to, _data in smtp_server.received] == [["reader1@example.net"]]
    assert outbox(app) == []


def test_a_message_that_keeps_failing_waits_on_the_outbox_page(make_app, gconfig):
    app = make_app(**gconfig, MAIL_SERVER="127.0.0.1", MAIL_PORT=_dead_port(), MAIL_TIMEOUT=2, MAIL_MAX_ATTEMPTS=1)
    key = add_group(app, add_organizer(app))
    sign_up(app.test_client(), key, 1)
    assert outbox(app) == [] and [m["To"] for m in outbox(app, messages.FAILED)] == ["reader1@example.net"]
    add_organizer(app, "root@example.org", admin=True)
    admin = app.test_client()
    login(admin, "root@example.org")
    page = admin.get("/outbox/")
    assert "reader1@example.net" in page.text and "1 failed attempt(s)" in page.text


def test_without_a_mail_server_messages_wait_for_an_admin_to_copy_and_mark_sent(gapp, gclient):
    key = add_group(gapp, add_organizer(gapp))
    token = token_of(sign_up(gclient, key, 1))
    add_organizer(gapp, "root@example.org", admin=True)
    organizer, admin = gapp.test_client(), gapp.test_client()
    login(organizer)
    login(admin, "root@example.org")
    assert gclient.get("/outbox/").status_code == 302  # log in first
    assert organizer.get("/outbox/").status_code == 403  # organizers who are not admins see nothing
    page = admin.get("/outbox/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "reader1@example.net" in page.text and "You have a seat: Reading Burning Country" in page.text
    assert f"http://handbill.test/groups/manage/{token}" in page.text  # the text to copy
    message_id = int(re.search(r'id="message-(\d+)"', page.text).group(1))
    assert organizer.post(f"/outbox/{message_id}/sent").status_code == 403
    assert admin.post(f"/outbox/{message_id}/sent").status_code == 303
    assert "reader1@example.net" not in admin.get("/outbox/").text
    assert admin.post(f"/outbox/{message_id}/sent").status_code == 404  # once
    assert outbox(gapp) == []


def test_reminders_go_the_day_before_to_confirmed_people_who_asked_once(make_app, gconfig, smtp_server):
    from icalendar import Calendar

    app = make_app(**gconfig, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    first = datetime(2030, 5, 6, 16, 0)
    key = add_group(app, add_organizer(app), capacity=2, first=first, count=2)
    client = app.test_client()
    sign_up(client, key, 1, reminders="y")
    sign_up(client, key, 2)                     # did not ask
    sign_up(client, key, 3, reminders="y")      # waitlisted
    sign_up(client, key, 4, email="", messenger="@four", reminders="y")  # no email to send it to
    smtp_server.received.clear()
    with app.app_context():
        assert reminders.queue_due(datetime(2030, 5, 5, 15, 0, tzinfo=timezone.utc)) == 0   # 25 hours before
        assert reminders.queue_due(datetime(2030, 5, 5, 16, 30, tzinfo=timezone.utc)) == 1  # 23.5 hours before
        assert reminders.queue_due(datetime(2030, 5, 5, 17, 30, tzinfo=timezone.utc)) == 0  # once per meeting
        assert reminders.queue_due(datetime(2030, 5, 12, 17, 0, tzinfo=timezone.utc)) == 1  # the next meeting
    assert [to for to, _data in smtp_server.received] == [["reader1@example.net"]] * 2
    mail = message_from_bytes(smtp_server.received[0][1], policy=policy.default)
    assert mail["Subject"] == "Reminder: Reading Burning Country"
    assert "Mon 2030-05-06, 18:00–20:00" in mail.get_body(("plain",)).get_content()  # in the group's time zone
    [ics] = [part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert len(list(Calendar.from_ical(ics.get_content()).walk("VEVENT"))) == 2


def test_the_schedule_runs_reminders_hourly_and_the_purge_daily(gapp):
    huey = jobs.jobs(gapp).huey
    names = lambda when: sorted(t.name for t in huey.read_periodic(when))  # noqa: E731
    assert names(datetime(2030, 1, 1, 3, 17)) == ["purge", "sweep"]
    assert names(datetime(2030, 1, 1, 11, 7)) == ["reminders", "sweep"]
    assert names(datetime(2030, 1, 1, 11, 8)) == ["sweep"]
