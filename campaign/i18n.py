"""Interface language: Flask-Babel, chosen by a remembered choice or the browser's Accept-Language."""
from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import Babel, get_locale

from . import languages

babel = Babel()


def select_locale() -> str:
    """The language cookie (a plain preference, not an identifier), else Accept-Language, else English."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, loaders and renderers: the default unless forced by force_locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def direction(lang: str | None = None) -> str:
    """``rtl`` for right-to-left languages, ``ltr`` otherwise."""
    return languages.direction(lang or str(get_locale() or "en"))


def init_app(app):
    """Install Babel and expose the language and direction to every template."""
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.root_path + "/translations"))

    @app.context_processor
    def language():
        lang = str(get_locale() or "en")
        return {"lang": lang, "dir": direction(lang), "language_choices": languages.choices()}
