"""Request input checks for every form at once: file parts only where uploads belong, text that is text.

A browser sends text fields as text; a script can send any field as a file part, with NUL bytes or
with bytes that are not UTF-8. Forms expect strings, so those requests are refused here, before any
view runs, with a 400 naming the field. One-line text fields also lose the invisible controls that
reorder how text is displayed (:func:`one_line`).
"""
from __future__ import annotations

import io

from flask import Request, abort, request
from flask_babel import gettext as _

from . import brand, images

# The only form fields that are real uploads, by endpoint (templates with <input type="file">).
UPLOAD_FIELDS = {
    "sources.import_source": frozenset({"file"}),
    "images.new": frozenset({"file"}),
    "brand.save": frozenset({"logo"}),
}
# Endpoints taking pictures: a larger body than MAX_CONTENT_LENGTH, and the upload held in memory only,
# never spooled to a temporary file (a photo may show people: its original must not touch the disk).
# The margin covers the form's other fields and the multipart framing.
PICTURE_UPLOADS = {
    "images.new": images.MAX_BYTES + 1024 * 1024,
    "brand.save": brand.MAX_LOGO_BYTES + 1024 * 1024,
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


def _in_memory(total_content_length, content_type, filename, content_length=None):
    """Where an uploaded picture is parsed to: memory (the body is bounded by PICTURE_UPLOADS)."""
    return io.BytesIO()


class UploadRequest(Request):
    """Flask's request, with the body limit and file storage of the picture uploads (PICTURE_UPLOADS)."""

    @property
    def max_content_length(self):
        limit = PICTURE_UPLOADS.get(self.endpoint or "")
        return limit if limit is not None else Request.max_content_length.fget(self)

    @max_content_length.setter
    def max_content_length(self, value):
        Request.max_content_length.fset(self, value)

    def make_form_data_parser(self):
        parser = super().make_form_data_parser()
        if (self.endpoint or "") in PICTURE_UPLOADS:
            parser.stream_factory = _in_memory
        return parser


def init_app(app):
    """Check every request before its view; picture uploads stay in memory."""
    app.request_class = UploadRequest
    app.before_request(check_request)
