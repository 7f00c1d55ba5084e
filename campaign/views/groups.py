"""Study groups: the public list, group pages with the signup form, manage links, organizer pages."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for)
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from .. import (authz, groups, ics, languages, messages, packs, pamphlet_store, pamphlets, privacy, quotes, ratelimit,
               render, roster as rosters, verbatim)
from ..db import begin_write, db
from ..errors import render_error
from ..groups import CONFIRMED, WAITLISTED
from ..forms import ActionForm, csrf_state, no_store, reject_csrf, require_action_token
from ..forms.groups import (LANGUAGE_NAMES, GroupForm, MoveForm, SignupForm, language_choices, reading_pack,
                            valid_source)

bp = Blueprint("groups", __name__, url_prefix="/groups")
log = logging.getLogger(__name__)


def external(endpoint: str, **values) -> str:
    """An absolute link on the configured BASE_URL (messages leave the request's context)."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _managed(key: str):
    """The group if the logged-in organizer may manage it; 404 otherwise (no hint that it exists)."""
    group = groups.by_key(key)
    if group is None or not groups.can_manage(current_user, group):
        abort(404)
    return group


def _public(key: str):
    return groups.by_key(key) or abort(404)


def _schedule(group) -> list[tuple[datetime, datetime]]:
    return [m.local(group.zone) for m in group.meetings]


def _tell(kind: str, signups, group, **context) -> None:
    """Send one kind of message to every listed person who gave an email."""
    if not signups:
        return
    begin_write()  # reads, then writes the outbox: SQLite's write lock first, so the write cannot conflict
    about = groups.summary(group)
    for signup in signups:
        email = privacy.decrypt(signup.email_enc, "email")
        if email:
            messages.queue(kind, signup.id, email, signup.language, group=about, schedule=about.schedule,
                           status=signup.status, group_url=external("groups.show", key=about.key), **context)
    db.session.commit()


def _release(signup_id: int, group, release) -> None:
    """Free a seat (``groups.cancel`` or ``groups.delete_signup``, which also drop the person's unsent
    messages), and tell whoever moved up from the waitlist."""
    promoted = release(signup_id)
    _tell("promoted", promoted, group)


def _retention(group) -> datetime | None:
    return groups.retention_date(group, current_app.config.get("RETENTION_DAYS", 30))


# -- public pages -------------------------------------------------------------------------------

@bp.get("/")
@authz.public
def index():
    """Publicly listed groups with the seats they have left."""
    return render_template("groups/index.html", listed=groups.listed_groups())


@bp.route("/<key>", methods=["GET", "POST"])
@authz.public
def show(key):
    """A group's page: what, when, where, seats left, and the signup form."""
    if request.method == "POST":
        return _sign_up(key)
    group = _public(key)
    form = SignupForm()
    form.language.choices = language_choices(group.language)
    form.src.data = valid_source(request.args.get("src")) or ""
    form.language.data = group.language
    return _group_page(group, form)


def _sign_up(key):
    """The signup POST: one transaction stores the signup with its message, or nothing at all."""
    group = _public(key)
    form = SignupForm()
    form.language.choices = language_choices(group.language)
    ratelimit.enforce(current_app.config.get("SIGNUP_RATE_LIMIT", "10/minute;50/hour"), "signup",
                      ratelimit.client_key())
    valid = form.validate()
    state = csrf_state(form)
    if state == "reject":
        reject_csrf()
    if state == "retry":
        return _group_page(group, form, retry=True), 400
    if (form.website.data or "").strip():
        log.info("honeypot filled on group %s; nothing stored", group.id)
        return render_template("groups/received.html", group=group)
    if not valid:
        return _group_page(group, form), 422
    data = form.to_input()
    try:
        joined = groups.join(key, data, before_commit=lambda locked, joined: _confirm(locked, joined, data))
    except groups.GroupClosed:
        form.form_errors.append(_("Signups for this group are closed."))
        return _group_page(_public(key), form), 409
    except groups.GroupGone:  # deleted while the form was being sent
        abort(404)
    except SQLAlchemyError as exc:  # the database refused the write: nothing was stored
        log.error("signup to group %s not stored (%s)", group.id, type(exc).__name__)
        page, code = render_error(503, _("Your signup could not be saved, so nothing was stored. "
                                         "Please try again in a few minutes."))
        return page, code, {"Retry-After": "120"}
    if data.email:
        # The same page whether the email was new here or already on the list: the link goes by message.
        return redirect(url_for("groups.signed_up", key=key), code=303)
    return redirect(url_for("groups.manage", token=joined.token) + "?welcome=1", code=303)


def _confirm(group, joined, data) -> None:
    """Queue the message that goes with a signup (inside its transaction): its status and manage link.

    A repeated signup sends the existing link again at most once an hour, so typing someone's address
    over and over cannot flood their inbox.
    """
    if joined.repeat and messages.queued_since(joined.id, "again", messages.utcnow() - timedelta(hours=1)):
        return
    about = groups.summary(group)
    messages.queue("again" if joined.repeat else "confirmation", joined.id, data.email, data.language,
                   group=about, schedule=about.schedule, status=joined.status,
                   manage_url=external("groups.manage", token=joined.token),
                   group_url=external("groups.show", key=about.key))


@bp.get("/<key>/signed-up")
@authz.public
@no_store
def signed_up(key):
    """After a signup with an email: the private link is on its way by message."""
    return render_template("groups/signed_up.html", group=_public(key))


def _group_page(group, form, retry=False):
    return render_template("groups/show.html", group=group, form=form, retry=retry, seats=groups.seats_left(group),
                           pack=reading_pack(group.pamphlet),
                           schedule=_schedule(group), retention=_retention(group),
                           retention_days=current_app.config.get("RETENTION_DAYS", 30),
                           manages=groups.can_manage(current_user, group))


def _ics(group, url: str) -> Response:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "handbill.local"
    body = ics.calendar_ics(group, host, url)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="group-{group.key}.ics"'})


@bp.get("/<key>/calendar.ics")
@authz.public
def calendar(key):
    """The group's meetings for a calendar app."""
    group = _public(key)
    return _ics(group, external("groups.show", key=group.key))


@bp.get("/<key>/pack.pdf")
@authz.public(note="only the reading pack the group chose; counted as a render")
def pack_pdf(key):
    """The group's reading pack as a PDF (pages as read), cached, with an ETag; nothing else can be asked for."""
    group = _public(key)
    pack = reading_pack(group.pamphlet) or abort(404)
    try:
        loaded = pamphlet_store.get(pack["name"]) or abort(404)
        spec = packs.validate({**loaded.data, "name": pack["name"]})
        context = {**packs.gather(spec), "imposition": "none"}
    except (pamphlets.PamphletError, quotes.QuoteError, verbatim.NotVerbatim) as exc:
        current_app.logger.warning("reading pack %s of group %s cannot be made: %s", pack["name"], group.id, exc)
        abort(409, _("This group's reading pack cannot be made at the moment. Please ask the organizers."))
    etag = packs.key(spec, context)
    headers = {"Cache-Control": "public, no-cache",
               "Content-Disposition": f'attachment; filename="{pack["name"]}.pdf"'}
    if request.if_none_match.contains(etag):
        return Response(status=304, headers={**headers, "ETag": f'"{etag}"'})
    try:
        pdf, _hit = render.cached_bytes(current_app.config.get("CACHE_DIR"), etag, lambda: packs.render(context), ".pdf")
    except render.RenderError as exc:  # over a time or memory limit
        current_app.logger.warning("reading pack %s not rendered: %s", pack["name"], exc)
        abort(503, _("The reading pack could not be made just now. Please try again in a moment."))
    response = Response(pdf, mimetype="application/pdf", headers=headers)
    response.set_etag(etag)
    return response


# -- the participant's manage link --------------------------------------------------------------

def _signup_for(token: str):
    return groups.by_token(token) or abort(404, _("This manage link is not valid any more: the signup was "
                                                 "deleted, or the link was copied incompletely."))


@bp.get("/manage/<token>")
@authz.public(note="the holder of the secret link")
@no_store
def manage(token):
    """What we hold about the person, with buttons to cancel or delete it."""
    signup = _signup_for(token)
    group = signup.group
    position = groups.waitlist_position(signup) if signup.status == WAITLISTED else None
    details = {
        "name": privacy.decrypt(signup.name_enc, "name"), "email": privacy.decrypt(signup.email_enc, "email"),
        "messenger": privacy.decrypt(signup.messenger_enc, "messenger"),
        "note": privacy.decrypt(signup.note_enc, "note"),
    }
    return render_template("groups/manage.html", signup=signup, group=group, details=details, position=position,
                           token=token, manage_url=external("groups.manage", token=token),
                           welcome=request.args.get("welcome") == "1", form=ActionForm(),
                           schedule=_schedule(group), retention=_retention(group),
                           language_name=LANGUAGE_NAMES.get(signup.language, signup.language))


@bp.post("/manage/<token>/cancel")
@authz.public(note="the holder of the secret link")
def manage_cancel(token):
    """Give up the place: contact details are erased now, the seat goes to the next person waiting."""
    signup = _signup_for(token)
    require_action_token()
    _release(signup.id, signup.group, groups.cancel)
    flash(_("You cancelled your place. Your contact details are erased."))
    return redirect(url_for("groups.manage", token=token), code=303)


@bp.post("/manage/<token>/delete")
@authz.public(note="the holder of the secret link")
@no_store
def manage_delete(token):
    """Delete everything held about this signup, now."""
    signup = _signup_for(token)
    require_action_token()
    group = signup.group
    _release(signup.id, group, groups.delete_signup)
    return render_template("groups/deleted.html", group=group)


@bp.get("/manage/<token>/calendar.ics")
@authz.public(note="the holder of the secret link")
def manage_calendar(token):
    """The calendar file, from the manage page."""
    signup = _signup_for(token)
    return _ics(signup.group, external("groups.show", key=signup.group.key))


# -- organizers ---------------------------------------------------------------------------------

@bp.get("/mine")
@authz.requires("organizer")
def mine():
    """The groups this organizer manages (every group for an admin)."""
    mine = groups.visible_to(current_user)
    return render_template("groups/mine.html", groups_=[(g, groups.seats_left(g)) for g in mine],
                           form=ActionForm())


@bp.route("/new", methods=["GET", "POST"])
@authz.requires("organizer")
def new():
    """Open a new group."""
    form = GroupForm()
    form.fill_choices()
    if request.method == "POST":
        valid = form.validate()
        state = csrf_state(form)
        if state == "reject":
            reject_csrf()
        if state != "retry" and valid:
            group = groups.create_group(current_user, form.to_input())
            flash(_("Group opened. Share its link or print it on a leaflet."))
            return redirect(url_for("groups.roster", key=group.key), code=303)
        return render_template("groups/form.html", form=form, group=None, retry=state == "retry"), \
            400 if state == "retry" else 422
    return render_template("groups/form.html", form=form, group=None)


@bp.route("/<key>/edit", methods=["GET", "POST"])
@authz.requires("organizer", note="the group's owner or an admin")
def edit(key):
    """Change a group; participants are told when the schedule, place or title changes."""
    group = _managed(key)
    form = GroupForm(obj=group) if request.method == "GET" else GroupForm()
    form.fill_choices()
    if request.method == "GET":
        form.pamphlet.data = group.pamphlet or ""
        form.meetings.data = groups.format_schedule(group.meetings, group.timezone)
        return render_template("groups/form.html", form=form, group=group, delete_form=ActionForm())
    valid = form.validate()
    state = csrf_state(form)
    if state == "reject":
        reject_csrf()
    if state == "retry" or not valid:
        return render_template("groups/form.html", form=form, group=group, retry=state == "retry",
                               delete_form=ActionForm()), 400 if state == "retry" else 422
    change = groups.update_group(group.id, form.to_input())
    _tell("promoted", change.promoted, change.group)
    if change.changed:
        promoted_ids = {s.id for s in change.promoted}
        _tell("changed", [s for s in groups.listed_signups(group) if s.id not in promoted_ids], change.group)
    flash(_("Saved."))
    return redirect(url_for("groups.roster", key=group.key), code=303)


@bp.post("/<key>/delete")
@authz.requires("organizer", note="the group's owner or an admin")
def delete(key):
    """Delete a group with all its signups."""
    group = _managed(key)
    require_action_token()
    groups.delete_group(group.id)
    flash(_("The group and every signup in it are deleted."))
    return redirect(url_for("groups.mine"), code=303)


@bp.get("/<key>/roster")
@authz.requires("organizer", note="the group's owner or an admin")
@no_store
def roster(key):
    """Confirmed and waitlisted people with their contact details (decrypted only here)."""
    group = _managed(key)
    entries = rosters.roster(group)
    return render_template(
        "groups/roster.html", group=group, confirmed=[e for e in entries if e.status == CONFIRMED],
        waitlisted=[e for e in entries if e.status == WAITLISTED], sources=rosters.source_counts(group),
        cancelled=rosters.cancelled_count(group), exports=rosters.exports(group), form=ActionForm(),
        seats=groups.seats_left(group), retention=_retention(group), schedule=_schedule(group),
        share_url=external("groups.show", key=group.key))


def _roster_signup(group, signup_id: int):
    signup = groups.signup(signup_id)
    if signup is None or signup.group_id != group.id:
        abort(404)
    return signup


@bp.post("/<key>/roster/<int:signup_id>/move")
@authz.requires("organizer", note="the group's owner or an admin")
def roster_move(key, signup_id):
    """Move someone between the confirmed list and the waitlist."""
    group = _managed(key)
    signup = _roster_signup(group, signup_id)
    form = MoveForm()
    if not form.validate_on_submit():
        reject_csrf() if csrf_state(form) else abort(400, _("Choose the list to move to."))
    try:
        groups.move(signup, form.to.data)
    except groups.GroupError as exc:
        flash(_("Not moved: %(reason)s.", reason=str(exc)))
        return redirect(url_for("groups.roster", key=key), code=303)
    if signup.status == CONFIRMED:
        _tell("promoted", [signup], group)
    return redirect(url_for("groups.roster", key=key), code=303)


@bp.post("/<key>/roster/<int:signup_id>/remove")
@authz.requires("organizer", note="the group's owner or an admin")
def roster_remove(key, signup_id):
    """Remove someone and their data; the next person waiting gets the seat."""
    group = _managed(key)
    signup = _roster_signup(group, signup_id)
    require_action_token()
    _release(signup.id, group, groups.delete_signup)
    flash(_("Removed; their data is deleted."))
    return redirect(url_for("groups.roster", key=key), code=303)


@bp.post("/<key>/roster.csv")
@authz.requires("organizer", note="the group's owner or an admin")
def roster_csv(key):
    """The roster as CSV, safe to open in a spreadsheet; the export itself is logged (not its data)."""
    group = _managed(key)
    require_action_token()
    entries = rosters.roster(group)
    body = "\ufeff" + rosters.roster_csv(entries)  # the BOM makes spreadsheets read UTF-8 (Cyrillic, Arabic)
    rosters.log_export(group, current_user, len(entries))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
    return Response(body.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="roster-{group.key}-{stamp}.csv"',
        "Cache-Control": "no-store"})


@bp.errorhandler(privacy.DecryptionError)
def undecryptable(exc):
    """A stored value that this server's key cannot open: say so plainly (nothing is changed)."""
    current_app.logger.error("decryption failed: %s", exc)
    return render_error(500, _("Stored contact details cannot be decrypted with this server's encryption key. "
                               "Was instance/encryption_key or ENCRYPTION_KEY replaced? Restore the original "
                               "key; nothing was changed."))


@bp.app_context_processor
def csrf_field_value():
    """``csrf_token()`` for the small logout form in the organizer bar (evaluated only when shown)."""
    from flask_wtf.csrf import generate_csrf

    return {"csrf_token": generate_csrf}


@bp.app_template_filter("local_time")
def local_time(value: datetime, style: str = "datetime") -> str:
    """A time already in the group's zone, written in the page's (or message's) language (``languages.format_date``)."""
    return languages.format_date(value, str(get_locale() or "en"), style)


@bp.app_template_filter("utc_date")
def utc_date(value: datetime | None) -> str:
    """A day in the page's language (ISO 2026-12-01 in English)."""
    return languages.format_date(value or datetime.now(timezone.utc), str(get_locale() or "en"), "day")
