"""Response headers and transport: pages load nothing from elsewhere, cookies stay on https, proxies are trusted as configured."""
from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
HSTS = "max-age=63072000; includeSubDomains"


def https(app) -> bool:
    """Is the public address (``BASE_URL``) an https one?"""
    return str(app.config.get("BASE_URL", "")).lower().startswith("https://")


def trust_proxies(app) -> None:
    """Take the client address and scheme from the last ``TRUSTED_PROXIES`` proxies' forwarded headers.

    With 0 (the default) the headers are ignored: anyone can send them, so only the count of
    proxies you run in front may be believed. The host is never taken from a header.
    """
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0)


def secure_cookies(app) -> None:
    """On an https address the session cookie is ``Secure`` and ``__Host-``-prefixed (this host, path /)."""
    if not https(app):
        return
    app.config["SESSION_COOKIE_SECURE"] = True
    app.config["SESSION_COOKIE_NAME"] = "__Host-session"
    app.config["SESSION_COOKIE_PATH"] = "/"
    app.config["SESSION_COOKIE_DOMAIN"] = None  # a __Host- cookie must not name a domain
    app.config["REMEMBER_COOKIE_SECURE"] = True


def init_app(app):
    """Trust the configured proxies, secure the cookies and add the headers to every response."""
    trust_proxies(app)
    secure_cookies(app)
    strict_transport = https(app)

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "interest-cohort=(), camera=(), microphone=(), geolocation=()")
        if strict_transport:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
