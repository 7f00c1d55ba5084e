"""Redirect targets taken from a request: only a path on this site, never another host."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import abort
from flask_babel import gettext as _

# C0 and C1 control characters, DEL included: browsers drop tabs and newlines from URLs
# ("/\t/evil.example" becomes "//evil.example"), and CR/LF would split a header.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_LENGTH = 2000


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``; control characters are a 400.

    Refused (``default``): anything with a scheme or a host, a protocol-relative ``//host``, a
    backslash (browsers read ``/\\host`` as ``//host``), anything not starting with one ``/``.
    """
    if not target:
        return default
    if CONTROL.search(target):
        abort(400, _("The return address (next) contains control characters."))
    if len(target) > MAX_LENGTH or "\\" in target or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
