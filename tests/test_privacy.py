"""Privacy at rest: nothing a person typed can be read from the database without the key."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from campaign import groups, privacy
from campaign.db import db

from groups_support import (KEY, add_group, add_organizer, gapp, gclient, gconfig, sign_up,  # noqa: F401
                            token_of)

SECRETS = {
    "email": "maryam.known-address@example.net",
    "messenger": "@signal_handle_4471",
    "name": "Maryam Quietname",
    "note": "I live near the old souk",
}


def _needles() -> list[bytes]:
    """Each secret as UTF-8, UTF-16 and hex (PostgreSQL dumps bytea as hex)."""
    found = []
    for value in SECRETS.values():
        raw = value.encode("utf-8")
        found += [raw, value.encode("utf-16-le"), raw.hex().encode(), value.lower().encode()]
    return found


@pytest.mark.db
def test_contact_details_are_not_in_the_database_at_rest(gapp, gclient):
    key = add_group(gapp, add_organizer(gapp))
    token = token_of(sign_up(gclient, key, 1, **SECRETS))
    page = gclient.get(f"/groups/manage/{token}").text
    assert SECRETS["email"] in page and SECRETS["note"] in page  # the person sees it, decrypted
    uri = make_url(gapp.config["SQLALCHEMY_DATABASE_URI"])
    with gapp.app_context():
        db.session.remove()
        db.engine.dispose()  # everything written and checkpointed
    if uri.get_backend_name() == "sqlite":
        files = [Path(uri.database + suffix) for suffix in ("", "-wal", "-journal") if
                 Path(uri.database + suffix).exists()]
        raw = b"".join(p.read_bytes() for p in files)
        assert b"study_groups" in raw and len(raw) > 10000  # we really are reading the database
    else:
        raw = _postgres_dump(uri)
        assert b"signups" in raw
    assert token.encode() not in raw  # the manage link is stored only as a hash
    for needle in _needles():
        assert needle not in raw, needle


def _postgres_dump(uri) -> bytes:
    """``pg_dump`` of the test database, or every text-ish column if pg_dump is missing."""
    plain = uri.set(drivername="postgresql").render_as_string(hide_password=False)
    if shutil.which("pg_dump"):
        return subprocess.run(["pg_dump", "--no-owner", plain], check=True, capture_output=True,
                              timeout=120).stdout
    import psycopg

    out = []
    with psycopg.connect(plain) as conn:
        columns = conn.execute("SELECT table_name, column_name FROM information_schema.columns "
                               "WHERE table_schema = 'public'").fetchall()
        for table, column in columns:
            for (value,) in conn.execute(f'SELECT "{column}"::text FROM "{table}"'):
                out.append((value or "").encode())
    return b"\n".join(out)


def test_fields_round_trip_and_are_bound_to_their_column(gapp):
    with gapp.app_context():
        blob = privacy.encrypt("reader@example.net", "email")
        assert privacy.decrypt(blob, "email") == "reader@example.net"
        assert privacy.encrypt("reader@example.net", "email") != blob  # random nonce each time
        with pytest.raises(privacy.DecryptionError):
            privacy.decrypt(blob, "note")  # moved to another column: refused
        tampered = blob[:-1] + bytes([blob[-1] ^ 1])
        with pytest.raises(privacy.DecryptionError):
            privacy.decrypt(tampered, "email")
        assert privacy.encrypt("", "email") is None and privacy.decrypt(None, "email") == ""


def test_another_key_cannot_read_the_data(make_app, gconfig):
    first = make_app(**gconfig)
    with first.app_context():
        blob = privacy.encrypt("secret", "name")
        digest = privacy.keyed_hash("contact", "1", "email:a@b.c")
    other = make_app(**{**gconfig, "ENCRYPTION_KEY": privacy.new_key_text()})
    with other.app_context():
        with pytest.raises(privacy.DecryptionError):
            privacy.decrypt(blob, "name")
        assert privacy.keyed_hash("contact", "1", "email:a@b.c") != digest


def test_key_file_is_created_once_with_mode_0600_outside_the_database(make_app, gconfig, tmp_path):
    path = tmp_path / "keys" / "encryption_key"
    config = {**gconfig, "ENCRYPTION_KEY": "", "ENCRYPTION_KEY_FILE": str(path)}
    app = make_app(**config)
    with app.app_context():
        blob = privacy.encrypt("hello", "note")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text().strip()
    assert len(privacy.decode_key(text)) == 32
    again = make_app(**config)
    with again.app_context():
        assert privacy.decrypt(blob, "note") == "hello"
    assert path.read_text().strip() == text


def test_key_file_defaults_to_the_instance_folder(make_app, gconfig):
    app = make_app(**{**gconfig, "ENCRYPTION_KEY": ""})
    assert privacy.key_file(app) == Path(app.instance_path) / "encryption_key"


def test_malformed_key_is_refused_with_a_clear_message(make_app, gconfig):
    app = make_app(**{**gconfig, "ENCRYPTION_KEY": "c2hvcnQ"})  # base64 of 5 bytes
    with app.app_context(), pytest.raises(privacy.EncryptionKeyError, match="32 bytes, not 5"):
        privacy.encrypt("x", "name")
    garbled = make_app(**{**gconfig, "ENCRYPTION_KEY": "not base64 at all!"})
    with garbled.app_context(), pytest.raises(privacy.EncryptionKeyError, match="base64"):
        privacy.encrypt("x", "name")


def test_contact_hash_finds_duplicates_within_a_group_only(gapp):
    with gapp.app_context():
        a = groups.contact_hash(1, groups.SignupInput(name="x", email="Reader@Example.net "))
        b = groups.contact_hash(1, groups.SignupInput(name="y", email="reader@example.net"))
        c = groups.contact_hash(2, groups.SignupInput(name="x", email="reader@example.net"))
        d = groups.contact_hash(1, groups.SignupInput(name="x", messenger=" @Reader "))
        e = groups.contact_hash(1, groups.SignupInput(name="x", messenger="reader"))
    assert a == b and a != c and d == e and "reader" not in a


def test_the_key_never_reaches_the_database(gapp, gclient):
    key = add_group(gapp, add_organizer(gapp))
    sign_up(gclient, key, 1)
    uri = make_url(gapp.config["SQLALCHEMY_DATABASE_URI"])
    if uri.get_backend_name() != "sqlite":
        pytest.skip("checked on the SQLite file")
    with gapp.app_context():
        db.session.remove()
        db.engine.dispose()
    raw = Path(uri.database).read_bytes() + (Path(uri.database + "-wal").read_bytes()
                                             if Path(uri.database + "-wal").exists() else b"")
    assert KEY.encode() not in raw and privacy.decode_key(KEY) not in raw


def test_waiting_messages_are_encrypted_and_a_sent_one_keeps_no_text(gapp, gclient):
    from campaign import messages

    key = add_group(gapp, add_organizer(gapp))
    sign_up(gclient, key, 1, email=SECRETS["email"])
    with gapp.app_context():
        [row] = db.session.scalars(db.select(messages.OutboxMessage)).all()
        assert row.payload_enc and SECRETS["email"].encode() not in row.payload_enc
        assert messages.letter(row).to == SECRETS["email"]
        assert messages.mark_sent(row.id)
        db.session.expire_all()
        [row] = db.session.scalars(db.select(messages.OutboxMessage)).all()
        assert (row.status, row.payload_enc) == (messages.SENT, None) and row.sent_at is not None
