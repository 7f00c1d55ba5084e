"""The app factory, configuration and error pages."""
import pytest

from campaign import create_app
from campaign.config import database_url, from_environment


def test_refuses_the_default_secret_key_outside_debug_and_test(monkeypatch, tmp_path):
    monkeypatch.delenv("CAMPAIGN_SECRET_KEY", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "0")
    with pytest.raises(RuntimeError, match="default SECRET_KEY"):
        create_app({"SECRET_KEY": "dev-only-not-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert create_app({"SECRET_KEY": "dev-only-not-secret", "TESTING": True,
                       "SQLALCHEMY_DATABASE_URI": "sqlite://"}).testing


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("CAMPAIGN_BASE_URL", "https://example.org")
    monkeypatch.setenv("CAMPAIGN_MAX_SOURCE_BYTES", "1000")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/handbill")
    found = from_environment()
    assert found["BASE_URL"] == "https://example.org" and found["MAX_SOURCE_BYTES"] == 1000
    assert found["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/handbill"
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert app.config["BASE_URL"] == "https://example.org"


def test_test_config_wins(monkeypatch):
    monkeypatch.setenv("CAMPAIGN_BASE_URL", "https://example.org")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "BASE_URL": "http://t"})
    assert app.config["BASE_URL"] == "http://t"


def test_database_url_spellings():
    assert database_url("postgresql://a/b") == "postgresql+psycopg://a/b"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_not_found_page_is_readable(client):
    response = client.get("/nowhere")
    assert response.status_code == 404 and b"Not found" in response.data
    api = client.get("/api/nowhere")
    assert api.status_code == 404 and api.get_json()["status"] == 404


def test_language_cookie_is_only_a_preference(client):
    response = client.post("/language", data={"lang": "ru", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "lang=ru" in response.headers["Set-Cookie"]
    response = client.post("/language", data={"lang": "xx", "next": "/quotes/"})
    assert response.headers["Location"] == "/quotes/" and "Set-Cookie" not in response.headers
