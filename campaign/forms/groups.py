"""Forms of the study groups: the public signup, the organizer's group, moving a person between lists;
and the choices they offer (reading packs, languages, the ``?src=`` a signup came from)."""
from __future__ import annotations

from zoneinfo import available_timezones

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from .. import groups, languages, pamphlet_store
from ..accounts import EMAIL_RE
from . import ActionForm, Form

LANGUAGE_NAMES = languages.NATIVE_NAMES
READING_PACK = "reading-pack"  # the pamphlet kind a group reads through


def _no_controls(form, field):
    """Refuse control characters (a name or handle has no need of them)."""
    if field.data and any(ord(c) < 32 and c not in "\r\n\t" for c in field.data):
        raise ValidationError(_("Remove the invisible control characters from this field."))


# -- forms ---------------------------------------------------------------------------------------

class SignupForm(Form):
    """Joining a group: only what the organizers need to reach the person."""

    name = StringField(_l("Name or pseudonym"), validators=[DataRequired(_l("Give a name or a pseudonym.")),
                                                            Length(max=80), _no_controls])
    email = EmailField(_l("Email"), validators=[Length(max=254)])
    messenger = StringField(_l("Or a messenger handle (e.g. Signal or Telegram username)"),
                            validators=[Length(max=100), _no_controls])
    language = SelectField(_l("Preferred language"))
    note = TextAreaField(_l("Note to the organizers (optional)"), validators=[Length(max=500), _no_controls])
    reminders = BooleanField(_l("Remind me the day before each meeting"))
    consent = BooleanField(_l("I agree that this information is stored as described above."),
                           validators=[DataRequired(_l("Please tick the box to agree, or do not sign up."))])
    website = StringField(_l("Leave this field empty"))  # honeypot: hidden from people, filled by bots
    src = HiddenField()

    def validate_email(self, field):
        """At least one way to reach the person, and an email must look like one."""
        email = (field.data or "").strip()
        if not email and not (self.messenger.data or "").strip():
            raise ValidationError(_("Give an email address or a messenger handle (at least one)."))
        if email and not EMAIL_RE.match(email):
            raise ValidationError(_("This is not an email address."))

    def to_input(self) -> groups.SignupInput:
        return groups.SignupInput(name=self.name.data, email=(self.email.data or "").strip(),
                                  messenger=self.messenger.data or "", language=self.language.data or "",
                                  note=self.note.data or "", src=valid_source(self.src.data),
                                  reminders=bool(self.reminders.data))


class GroupForm(Form):
    """A group as the organizer describes it."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120), _no_controls])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    # Only reading packs are offered; a posted name is checked by validate_pamphlet, which says why it is refused.
    pamphlet = SelectField(_l("Reading pack"), default="", validate_choice=False)
    language = SelectField(_l("Language of the group"), choices=[SelectChoice(c, n) for c, n in LANGUAGE_NAMES.items()])
    online = BooleanField(_l("Meets online"))
    city = StringField(_l("City (or leave empty for an online group)"), validators=[Length(max=80), _no_controls])
    timezone = SelectField(_l("Time zone of the meeting times"), default="UTC")
    meetings = TextAreaField(_l("Meetings, one per line: YYYY-MM-DD HH:MM-HH:MM"), validators=[DataRequired()])
    capacity = IntegerField(_l("Seats"), default=12, validators=[InputRequired(), NumberRange(min=1, max=1000)])
    listed = BooleanField(_l("List publicly on the study groups page (otherwise only people with the link find it)"),
                          default=True)
    signups_open = BooleanField(_l("Signups open"), default=True)

    parsed_meetings: list = []

    def fill_choices(self):
        self.pamphlet.choices = [SelectChoice("", _("— none —"))] + [SelectChoice(*p) for p in pamphlet_choices()]
        self.timezone.choices = [SelectChoice(z) for z in sorted(available_timezones())]

    def validate_pamphlet(self, field):
        """Empty, or the name of a reading pack (a leaflet or poster is not something a group reads through)."""
        if field.data and reading_pack(field.data) is None:
            raise ValidationError(_("Choose one of the reading packs listed: %(name)s is not a reading pack.",
                                    name=field.data[:80]))

    def validate_city(self, field):
        """A city unless the group meets online."""
        if not self.online.data and not (field.data or "").strip():
            raise ValidationError(_("Give a city, or tick “Meets online”."))

    def validate_meetings(self, field):
        """Every line must be a real meeting time; the message names the line."""
        try:
            self.parsed_meetings = groups.parse_schedule(field.data, self.timezone.data or "UTC")
        except groups.ScheduleError as exc:
            raise ValidationError(str(exc)) from None

    def to_input(self) -> groups.GroupInput:
        return groups.GroupInput(
            title=self.title.data.strip(), description=(self.description.data or "").strip(),
            pamphlet=self.pamphlet.data or None, language=self.language.data, city=(self.city.data or "").strip(),
            online=bool(self.online.data), timezone=self.timezone.data, meetings=self.parsed_meetings,
            capacity=self.capacity.data, listed=bool(self.listed.data), signups_open=bool(self.signups_open.data))


class MoveForm(ActionForm):
    """Move a person to the other list."""

    to = HiddenField(validators=[DataRequired()])


# -- helpers -----------------------------------------------------------------------------------

def pamphlet_choices() -> list[tuple[str, str]]:
    """Reading packs a group can read through (slug, title): those saved on the web and the shipped examples."""
    found = []
    for item in pamphlet_store.listing():
        slug = groups.valid_slug(item["name"])
        if slug and item["kind"] == READING_PACK:
            found.append((slug, item["title"]))
    return found


def reading_pack(name: str | None) -> dict | None:
    """``{"name", "title"}`` of the reading pack of that name, or None (no such pamphlet, or another kind)."""
    if not name or not pamphlet_store.valid_name(name):
        return None
    data = pamphlet_store.raw(name)
    if not data or data.get("kind") != READING_PACK:
        return None
    return {"name": name, "title": str(data.get("title") or name)}


def valid_source(value: str | None) -> str | None:
    """``?src=`` counts only when it names a pamphlet of this site (so it can carry nothing else)."""
    slug = groups.valid_slug(value)
    if slug and pamphlet_store.origin(slug) is not None:
        return slug
    return None


def language_choices(language: str) -> list[tuple[str, str]]:
    """The group's own language first, then the interface languages."""
    codes = list(dict.fromkeys([language, *current_app.config.get("LANGUAGES", ["en"])]))
    return [SelectChoice(c, LANGUAGE_NAMES.get(c, c)) for c in codes]
