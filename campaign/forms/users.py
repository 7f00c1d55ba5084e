"""Forms of the admin pages: invitations and an account's roles."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import EmailField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from . import Form, MultiCheckboxField

ROLE_CHOICES = [
    SelectChoice("admin", _l("Admin: accounts and settings")),
    SelectChoice("editor", _l("Editor: sources, quotations, themes, questions, glossary")),
    SelectChoice("translator:ru", _l("Translator into Russian")),
    SelectChoice("translator:ar", _l("Translator into Arabic")),
    SelectChoice("organizer", _l("Organizer: study groups, leaflets, packs, card batches")),
]


class InviteForm(Form):
    """Whom to invite, and with which roles."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    roles = MultiCheckboxField(_l("Roles"), choices=ROLE_CHOICES)

    def validate_roles(self, field):
        """At least one role (checked here: a ``required`` on each checkbox would make browsers ask for all)."""
        if not field.data:
            raise ValidationError(_("Choose at least one role."))


class RolesForm(Form):
    """An account's roles."""

    roles = MultiCheckboxField(_l("Roles"), choices=ROLE_CHOICES)

