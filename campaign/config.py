"""Configuration: code defaults, then the instance folder, then ``CAMPAIGN_*`` environment, then tests."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"


def defaults(instance_path: str) -> dict:
    """The settings a fresh install starts with."""
    return {
        "SECRET_KEY": DEFAULT_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "handbill.sqlite3"),
        "LIBRARY_DIR": str(ROOT / "library"),
        "PAMPHLETS_DIR": str(ROOT / "pamphlets"),
        "CACHE_DIR": os.path.join(instance_path, "cache"),
        "CACHE_MAX_MB": 500,  # rendered files beyond this are evicted, least recently used first
        "TRUSTED_PROXIES": 0,  # reverse proxies in front that set X-Forwarded-For/-Proto (0: none)
        "RENDER_RATE_LIMIT": "120/minute;1000/hour",  # renders (cards, previews, PDFs) per client
        "BASE_URL": "http://127.0.0.1:5000",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "MAX_SOURCE_BYTES": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": 3600,
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ["en", "ru", "ar"],
        # Roles that must sign in with a second factor (a list, or "admin editor" from the environment).
        "REQUIRE_TWO_FACTOR": ["admin"],
        **render_defaults(),
    }


def render_defaults(environ=os.environ) -> dict:
    """The render pool's settings; ``HANDBILL_RENDER_*`` in the environment (read when asked) overrides them.

    ``RENDER_SECONDS``: time limit of one render; ``RENDER_MEMORY_MB``: memory a render process may use
    above its own start-up size; ``RENDER_SLOTS``: render processes (renders at once); ``RENDER_MAX_TASKS``:
    renders a process does before it is replaced.
    """
    return {
        "RENDER_SECONDS": float(environ.get("HANDBILL_RENDER_SECONDS", 30)),
        "RENDER_MEMORY_MB": int(environ.get("HANDBILL_RENDER_MEMORY_MB", 1024)),
        "RENDER_SLOTS": int(environ.get("HANDBILL_RENDER_SLOTS", max(2, os.cpu_count() or 1))),
        "RENDER_MAX_TASKS": int(environ.get("HANDBILL_RENDER_MAX_TASKS", 100)),
    }


def from_instance(instance_path: str) -> dict:
    """Secrets generated on first setup live in the instance folder, never in the repository."""
    found = {}
    key_file = Path(instance_path) / "secret_key"
    if key_file.is_file():
        found["SECRET_KEY"] = key_file.read_text().strip()
    return found


def database_url(url: str) -> str:
    """Accept the usual ``postgres://`` spellings and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(environ=os.environ) -> dict:
    """``CAMPAIGN_FOO=bar`` sets ``FOO``; ``DATABASE_URL`` selects the database."""
    found = {}
    for name, value in environ.items():
        if name.startswith("CAMPAIGN_") and len(name) > 9:
            key = name[9:]
            if value.isdigit():
                value = int(value)
            elif value.lower() in ("true", "false"):
                value = value.lower() == "true"
            found[key] = value
    if environ.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = database_url(environ["DATABASE_URL"])
    return found
