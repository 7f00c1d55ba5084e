"""Template filters shared by web and print templates."""
import re

from markupsafe import Markup, escape

EMPHASIS = re.compile(r"\*([^*\n]+)\*")


def emphasis(text: str) -> Markup:
    """Escape text, then show the source's ``*title*`` markers as italics."""
    return Markup(EMPHASIS.sub(r"<em>\1</em>", str(escape(text))))


def credit(source):
    """The source's credit (``credits.credit``) in the reader's language, for web pages."""
    from flask_babel import get_locale, gettext

    from . import credits

    locale = get_locale()
    return credits.credit(source, locale.language if locale else "en", lambda m, **kw: gettext(m, **kw))


def init_app(app):
    app.add_template_filter(emphasis)
    app.add_template_filter(credit)
