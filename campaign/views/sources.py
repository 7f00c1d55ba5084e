"""The source reader and source import."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from .. import authz, library, quotes, sources
from ..forms import Form
from ..db import db
from ..models import Quote, Source

bp = Blueprint("sources", __name__, url_prefix="/sources")


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


@bp.get("/")
@authz.public
def index():
    """Every source in the library."""
    return render_template("sources/index.html",
                           sources=db.session.scalars(select(Source).order_by(Source.slug)).all())


@bp.route("/import", methods=["GET", "POST"])
@authz.requires("editor")
def import_source():
    """Upload a transcript; errors name the line or field and nothing stored is touched."""
    form = SourceImportForm()
    status = 200
    if form.validate_on_submit():
        raw = form.file.data.read(current_app.config["MAX_SOURCE_BYTES"] + 1)
        try:
            if len(raw) > current_app.config["MAX_SOURCE_BYTES"]:
                raise sources.SourceFormatError(_("the file is too large"), field_name="file")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise sources.SourceFormatError(_("not UTF-8 text"), line=raw[: exc.start].count(b"\n") + 1) from None
            meta = sources.meta_from_dict({
                "slug": form.slug.data, "title": form.title.data, "interviewee": form.interviewee.data,
                "interviewers": form.interviewers.data or "", "publisher": form.publisher.data or "",
                "published": form.published.data, "url": form.url.data or "", "speakers": form.speaker_map()})
            source, _created = library.store_source(meta, text)
            db.session.commit()
        except sources.SourceFormatError as exc:
            db.session.rollback()
            form.file.errors = [str(exc)] if exc.field_name in (None, "file") else []
            target = getattr(form, exc.field_name or "", None)
            if target is not None and exc.field_name != "file":
                target.errors = [str(exc)]
            status = 422
        else:
            flash(_("Imported %(title)s.", title=source.title))
            return redirect(url_for("sources.reader", slug=source.slug))
    elif form.is_submitted():
        status = 422
    return render_template("sources/import.html", form=form), status


@bp.get("/<slug>")
@authz.public
def reader(slug):
    """The whole interview, readable, with anchored paragraphs and curated quotations highlighted."""
    source = db.session.scalar(select(Source).where(Source.slug == slug)) or abort(404)
    parsed = quotes.parsed(source)
    stored = db.session.scalars(select(Quote).where(Quote.source_id == source.id, quotes.PRINTABLE)).all()
    for q in stored:
        quotes.verify(q)
    marks = {p.anchor: quotes.highlight(p, stored) for p in parsed.paragraphs}
    return render_template("sources/reader.html", source=source, parsed=parsed, marks=marks)
