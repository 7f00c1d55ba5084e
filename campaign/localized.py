"""A quotation as plain text in an output's language: its reviewed translation when there is one, else the original.

The campaign kit, the carousel and threads speak the organizer's language. A quotation is printed in
that language only through a *reviewed* translation (``translations.output_quote``); without one the
output keeps the original words and says so. Everything here is plain data for the build jobs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import cards, credits, languages, render as renderer, translations

EMPHASIS = re.compile(r"\*([^*\n]+)\*")
ELISION = "[…]"


def plain(text: str) -> str:
    """The words without the library's ``*emphasis*`` marks (plain-text outputs have no italics)."""
    return EMPHASIS.sub(r"\1", text)


def gettext_for(lang: str):
    """``gettext(message, **kw)`` in ``lang`` from the print catalogue (English: the message itself)."""
    return credits.catalog_gettext(renderer.catalog(lang))


def ngettext_for(lang: str):
    """``ngettext(singular, plural, n)`` in ``lang`` with ``%(num)d`` filled in (the language's plural rules)."""
    catalog = renderer.catalog(lang)

    def translate(singular: str, plural: str, n: int) -> str:
        text = catalog.ungettext(singular, plural, n) if catalog is not None else (singular if n == 1 else plural)
        return text % {"num": n}
    return translate


@dataclass(frozen=True)
class Localized:
    """One quotation ready for a plain-text or image output in one language."""

    id: str
    text: str  # plain, verbatim (or the reviewed translation's words)
    speaker: str
    lang: str  # the language the words are in
    dir: str
    translated: bool
    translation_credit: str  # "Translation: …" when translated
    cite: str  # the short source citation, in the output's language
    brief: str  # "Interview for Open Left (2016)"
    who: str
    source_url: str  # the cited edition's address
    card: cards.CardQuote  # the card data (same words), for images and alt text

    @property
    def alt(self) -> str:
        """The card's alt text."""
        return self.card.alt


def localize(quote, lang: str) -> Localized:
    """``quote`` (already fetched through ``quotes.get_verified``) in ``lang`` where a reviewed translation exists."""
    own = (quote.source.meta or {}).get("language") or "en"
    gettext = gettext_for(lang)
    card = None
    if lang != own:
        try:
            card = cards.card_quote(quote, gettext, lang=lang)
        except translations.MissingTranslation:
            card = None
    translated = card is not None
    if card is None:
        card = cards.card_quote(quote, gettext_for(own), lang=own)
    out_lang = lang if translated else own
    names = translations.library_texts(out_lang).speaker if out_lang != "en" else None
    found = credits.credit(quote.source, out_lang, gettext_for(out_lang), names=names)
    return Localized(id=quote.id, text=plain(card.text), speaker=card.speaker, lang=card.lang, dir=card.dir,
                     translated=translated, translation_credit=card.credit, cite=found.cite, brief=found.brief,
                     who=found.who, source_url=found.url, card=card)


def direction(lang: str) -> str:
    """``rtl`` or ``ltr``."""
    return languages.direction(lang)


def theme_name(theme, lang: str) -> str:
    """A theme's name in ``lang`` where the library has a reviewed translation of it, else its own name."""
    if lang == "en":
        return theme.name
    found = translations.library_texts(lang).theme(theme.id)
    return str(found["name"]) if found else theme.name
