"""The source reader and source import."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import authz, library, quotes, sources
from ..forms.sources import SourceImportForm
from ..db import db
from ..models import Quote, Source

bp = Blueprint("sources", __name__, url_prefix="/sources")


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
