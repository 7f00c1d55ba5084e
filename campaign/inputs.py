"""Request input checks for every form at once: file parts only where uploads belong, text that is text.

A browser sends text fields as text; a script can send any field as a file part, with NUL bytes or
with bytes that are not UTF-8. Forms expect strings, so those requests are refused here, before any
view runs, with a 400 naming the field. One-line text fields also lose the invisible controls that
reorder how text is displayed (:func:`one_line`).
"""
from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _

# The only form fields that are real uploads, by endpoint (templates with <input type="file">).
UPLOAD_FIELDS = {
    "sources.import_source": frozenset({"file"}),
}

# Embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): in a name or title they
# reverse how the following text is shown, so "Ana\u202eNEMO" can pose as someone else.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# What a multipart body decoded from bytes that are not UTF-8 turns into.
REPLACEMENT = "\ufffd"


def one_line(value):
    """A one-line text field's value without bidirectional embedding, override and isolate controls."""
    return value.translate(BIDI_CONTROLS) if isinstance(value, str) else value


def _field_label(name: str) -> str:
    """A field name as it can be shown (truncated and printable)."""
    shown = "".join(c if c.isprintable() else "?" for c in name[:60])
    return shown + ("…" if len(name) > 60 else "")


def check_request() -> None:
    """400 naming the field for a file part where text belongs, a NUL byte, or text that is not UTF-8."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.mimetype == "multipart/form-data":
        allowed = UPLOAD_FIELDS.get(request.endpoint or "", frozenset())
        for name in request.files:
            if name not in allowed:
                abort(400, _("The field %(field)s was sent as a file; it takes text.", field=_field_label(name)))
    for name, value in request.form.items(multi=True):
        if "\x00" in name or "\x00" in value:
            abort(400, _("The field %(field)s contains a NUL byte; send plain text.", field=_field_label(name)))
        if REPLACEMENT in name or REPLACEMENT in value:
            abort(400, _("The field %(field)s is not UTF-8 text.", field=_field_label(name)))


def init_app(app):
    """Check every request before its view."""
    app.before_request(check_request)
