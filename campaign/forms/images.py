"""The photo upload form: the file, who took it, the licence, a description, and the faces to blur."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from . import Form


class ImageUploadForm(Form):
    """One photo with its credit and licence; ``blur`` holds the rectangles drawn (or typed) over faces."""

    file = FileField(_l("Photo (PNG or JPEG)"), validators=[FileRequired()])
    credit = StringField(_l("Credit (who took it)"), validators=[DataRequired(), Length(max=200)])
    licence = StringField(_l("Licence or permission"), validators=[DataRequired(), Length(max=200)])
    alt = TextAreaField(_l("Description (alt text)"), validators=[Length(max=1000)])
    blur = TextAreaField(_l("Areas to blur"), validators=[Length(max=2000)])
