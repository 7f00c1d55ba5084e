"""Template filters shared by web and print templates."""
import re

from markupsafe import Markup, escape

EMPHASIS = re.compile(r"\*([^*\n]+)\*")


def emphasis(text: str) -> Markup:
    """Escape text, then show the source's ``*title*`` markers as italics."""
    return Markup(EMPHASIS.sub(r"<em>\1</em>", str(escape(text))))


def init_app(app):
    app.add_template_filter(emphasis)
