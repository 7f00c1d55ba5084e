"""The brand kit form: campaign name, two colours checked for contrast, default palette, contact, address, logo."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from .. import brand, palettes
from . import Form


class BrandForm(Form):
    """Everything an admin sets about the campaign's look; the checks themselves live in :mod:`campaign.brand`."""

    name = StringField(_l("Campaign name"), validators=[DataRequired(), Length(max=brand.MAX_NAME)])
    primary = StringField(_l("First colour"), validators=[Length(max=7)])
    secondary = StringField(_l("Second colour"), validators=[Length(max=7)])
    palette = SelectField(_l("Default palette for new outputs"))
    contact = StringField(_l("Contact line"), validators=[Length(max=brand.MAX_CONTACT)])
    url = StringField(_l("Web address"), validators=[Length(max=brand.MAX_URL)])
    logo = FileField(_l("Logo (PNG or JPEG)"))
    remove_logo = BooleanField(_l("Remove the logo"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every palette, the brand one included: whether it may be chosen depends on the colours sent with it.
        self.palette.choices = [(name, palette_label(name)) for name in palettes.names(_ANY_COLOURS)]

    @classmethod
    def of(cls, kit: brand.Brand) -> "BrandForm":
        """The form filled with the kit in force."""
        return cls(data={"name": kit.name, "primary": kit.primary, "secondary": kit.secondary,
                         "palette": kit.palette, "contact": kit.contact, "url": kit.url})


_ANY_COLOURS = brand.Brand(primary="#000000", secondary="#ffffff")


def palette_label(name: str) -> str:
    """A palette's name as shown on the page."""
    return _(palettes.resolve(name, _ANY_COLOURS).label)
