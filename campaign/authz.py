"""Authorization: every route is declared public or tied to roles, and undeclared routes are refused.

A view is declared with ``@public`` or ``@requires("editor")`` (any of the roles given). A
``before_request`` hook looks the rule up for the matched endpoint, so a route nobody declared
answers 403 instead of being open by accident; ``tests/test_authz.py`` walks ``app.url_map`` and
fails for any route without a rule.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from .accounts import login_manager

# Flask's own static files have no view function of ours to decorate.
PUBLIC_ENDPOINTS = frozenset({"static"})


@dataclass(frozen=True)
class Rule:
    """Who may use a route: anyone (``roles`` empty and ``public``) or an account holding one of ``roles``."""

    public: bool
    roles: tuple[str, ...] = ()
    note: str = ""

    def describe(self) -> str:
        who = "public" if self.public else (" or ".join(self.roles) or "signed in")
        return who + (f" ({self.note})" if self.note else "")


def public(view=None, *, note: str = ""):
    """Declare a view open to anyone (``note`` says what inside it still needs a role)."""

    def mark(fn):
        fn.authz = Rule(public=True, note=note)
        return fn

    return mark(view) if view is not None else mark


def requires(*roles: str, note: str = ""):
    """Declare a view for accounts holding any of ``roles`` (``translator`` counts any language)."""
    if not roles:
        raise ValueError("requires() needs at least one role")

    def mark(fn):
        fn.authz = Rule(public=False, roles=tuple(roles), note=note)
        return fn

    return mark


def signed_in(view):
    """Declare a view for any logged-in account, whatever its roles (logout, the account page)."""
    view.authz = Rule(public=False, note="any account")
    return view


def rule_for(app, endpoint: str) -> Rule | None:
    """The declared rule of an endpoint, or None when it has none."""
    if endpoint in PUBLIC_ENDPOINTS:
        return Rule(public=True)
    return getattr(app.view_functions.get(endpoint), "authz", None)


def allowed(*roles: str) -> bool:
    """Whether the current visitor holds any of ``roles``."""
    return bool(current_user.is_authenticated and current_user.has_role(*roles))


def require(*roles: str):
    """Inside a view: stop unless the visitor holds one of ``roles`` (login first when anonymous).

    With no roles, any logged-in account will do.
    """
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if roles and not current_user.has_role(*roles):
        abort(403, _("This needs the role %(roles)s, which your account does not have.",
                     roles=" / ".join(roles)))


def _check():
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: the 404/405 handlers answer
        return None
    rule = rule_for(current_app, endpoint)
    if rule is None:
        current_app.logger.error("route %s has no authorization rule: refused", endpoint)
        abort(403, _("This page is not open."))
    if rule.public:
        return None
    require(*rule.roles)
    return None


def init_app(app):
    """Check every request against its route's rule."""
    app.before_request(_check)
