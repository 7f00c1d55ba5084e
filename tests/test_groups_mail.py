"""Messages by SMTP: a small SMTP server on loopback receives them; a dead server leaves them in the outbox."""
from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes, policy

import pytest

from groups_support import (add_group, add_organizer, gconfig, outbox, sign_up, token_of)  # noqa: F401


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept messages: EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 test SMTP")
        envelope = {"to": []}
        while True:
            line = self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if not line or verb == "QUIT":
                self.reply("221 bye")
                return
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "MAIL":
                self.reply("250 ok")
            elif verb == "RCPT":
                envelope["to"].append(line.split(":", 1)[1].strip(" <>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.received.append((list(envelope["to"]), data))
                envelope["to"].clear()
                self.reply("250 queued")
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_confirmation_goes_out_by_smtp_from_the_mail_thread(make_app, gconfig, smtp_server):
    from campaign import messages

    app = make_app(**gconfig, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1],
                   MAIL_FROM="Reading groups <groups@handbill.test>")
    key = add_group(app, add_organizer(app), title="Читаем вместе")
    client = app.test_client()
    response = sign_up(client, key, 1)
    assert response.status_code == 303
    token = token_of(response)
    assert messages.flush(app)
    [(recipients, data)] = smtp_server.received
    assert recipients == ["reader1@example.net"]
    mail = message_from_bytes(data, policy=policy.default)
    assert mail["Subject"] == "You have a seat: Читаем вместе"
    assert mail["From"] == "Reading groups <groups@handbill.test>"
    assert f"http://handbill.test/groups/manage/{token}" in mail.get_content()
    assert outbox(app) == []  # nothing left on disk when the server took it


def test_unreachable_mail_server_keeps_the_message_in_the_outbox(make_app, gconfig, caplog):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = make_app(**gconfig, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    key = add_group(app, add_organizer(app))
    assert sign_up(app.test_client(), key, 1).status_code == 303
    [mail] = outbox(app)
    assert mail["To"] == "reader1@example.net"
    assert any("kept in the outbox" in r.getMessage() for r in caplog.records)
    assert not any("reader1" in r.getMessage() for r in caplog.records)
