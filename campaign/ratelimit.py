"""Rate limits (Flask-Limiter's storage and strategies): Redis when ``REDIS_URL`` is set, memory otherwise.

Each app gets its own limiter, so limits never leak between apps in one process. Views call
:func:`check` / :func:`hit` with a limit string and the parts of the key; client addresses are
keyed through an HMAC, so the limit storage never holds a raw IP address. Behind reverse proxies the
address is the client's only when ``TRUSTED_PROXIES`` says how many proxies to believe (see security.py).

Renders (cards, previews, PDFs) are limited per client by ``RENDER_RATE_LIMIT``, in one place: the
endpoints in :data:`RENDER_ENDPOINTS` are counted before their view runs.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import os
import time
from functools import lru_cache

from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

EXTENSION = "handbill.limiter"

# Endpoints (and methods) that may start a render: a cache miss lays out pages and rasterises them.
RENDER_ENDPOINTS = {
    "cards.card_png": "GET", "cards.download": "GET", "cards.layout_thumbnail": "GET", "leaflets.preview_json": "GET",
    "leaflets.preview_png": "GET", "leaflets.pdf": "GET", "leaflets.new": "POST", "packs.new": "POST",
    "packs.preview": "POST", "groups.pack_pdf": "GET",
}


def client_key() -> str:
    """The requesting client, as a keyed hash of its address."""
    address = request.remote_addr or "unknown"
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret, address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def limiter() -> Limiter:
    return current_app.extensions[EXTENSION]


@lru_cache(maxsize=64)
def _items(limit: str):
    return tuple(parse_many(limit))


def _key(key: tuple[str, ...]) -> tuple[str, ...]:
    return (current_app.config["RATELIMIT_KEY_PREFIX"], *key)


def allowed(limit: str, *key: str) -> bool:
    """Would one more hit stay within every part of ``limit`` (e.g. ``"5/minute;20/hour"``)?"""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    strategy = limiter().limiter
    return all(strategy.test(item, *_key(key)) for item in _items(limit))


def hit(limit: str, *key: str) -> bool:
    """Count one hit against ``limit``; False when it went over."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    strategy = limiter().limiter
    return all([strategy.hit(item, *_key(key)) for item in _items(limit)])


def clear(limit: str, *key: str) -> None:
    """Forget the hits counted against ``limit`` for this key."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    strategy = limiter().limiter
    for item in _items(limit):
        strategy.clear(item, *_key(key))


def retry_after(limit: str, *key: str) -> int:
    """Seconds until every exhausted part of ``limit`` has room again (at least 1)."""
    strategy = limiter().limiter
    resets = [strategy.get_window_stats(item, *_key(key)).reset_time for item in _items(limit)
              if not strategy.test(item, *_key(key))]
    return max(1, math.ceil(max(resets, default=time.time()) - time.time()))


def enforce(limit: str, *key: str) -> None:
    """Count a hit and answer 429 (with ``Retry-After``) and a readable page once the limit is passed."""
    if not hit(limit, *key):
        raise TooManyRequests(_("Too many requests from your connection. Please wait a few minutes and try again."),
                              retry_after=retry_after(limit, *key))


def limit_renders() -> None:
    """Count a request to a rendering endpoint against the client's ``RENDER_RATE_LIMIT``."""
    if RENDER_ENDPOINTS.get(request.endpoint or "") == request.method:
        limit = current_app.config.get("RENDER_RATE_LIMIT")
        if limit:
            enforce(limit, "render", client_key())


def init_app(app):
    """A limiter per app, on Redis when ``REDIS_URL`` is configured."""
    redis_url = app.config.get("REDIS_URL") or os.environ.get("REDIS_URL", "")
    storage = redis_url if redis_url else "memory://"
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "handbill")
    app.config.setdefault("RATELIMIT_STRATEGY", "sliding-window-counter")
    hooks = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    before = [{scope: list(funcs) for scope, funcs in hook.items()} for hook in hooks]
    limiter_ = Limiter(key_func=client_key, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                       key_prefix=app.config["RATELIMIT_KEY_PREFIX"], strategy=app.config["RATELIMIT_STRATEGY"])
    # Limits are applied explicitly where they belong (signups, logins) through the limiter's
    # storage and strategy, so its per-request hooks would only find nothing to do on every
    # request: exempt everything, and take the hooks it added out of the request cycle again.
    limiter_.request_filter(lambda: True)
    for hook, known in zip(hooks, before):
        for scope, funcs in hook.items():
            funcs[:] = [f for f in funcs if f in known.get(scope, ())]
    app.extensions[EXTENSION] = limiter_
    app.before_request(limit_renders)
