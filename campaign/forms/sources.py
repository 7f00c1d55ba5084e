"""The source import form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from .. import sources
from . import Form


class SourceImportForm(Form):
    """Upload a transcript (turns start with a speaker initial) with its metadata."""

    file = FileField(_l("Transcript (plain text, UTF-8)"), validators=[FileRequired()])
    slug = StringField(_l("Short name (slug)"), validators=[DataRequired(), Length(max=80),
                       Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Lower-case letters, digits and hyphens."))])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    interviewee = StringField(_l("Interviewee"), validators=[DataRequired(), Length(max=120)])
    interviewers = StringField(_l("Interviewers (comma-separated)"), validators=[Length(max=500)])
    publisher = StringField(_l("Publisher"), validators=[Length(max=200)])
    published = DateField(_l("First published"), validators=[Optional()])
    url = StringField(_l("Original URL"), validators=[Optional(), URL(require_tld=False), Length(max=500)])
    speakers = TextAreaField(_l("Speakers, one per line: L = Full Name (optional when the text declares them)"),
                             validators=[Length(max=2000)])

    def speaker_map(self) -> dict:
        found = {}
        for number, line in enumerate((self.speakers.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            initial, sep, name = line.partition("=")
            if not sep or not name.strip():
                raise sources.SourceFormatError(f"line {number}: write 'X = Full Name'", field_name="speakers")
            found[initial.strip()] = name.strip()
        return found
