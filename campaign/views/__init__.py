"""Thin request handlers, one module per capability."""
from flask import current_app
from flask_babel import lazy_gettext as _l

# Main navigation; an entry shows once its capability's blueprint is registered.
NAV = [
    ("quotes.index", _l("Quotations")),
    ("sources.index", _l("Sources")),
    ("leaflets.new", _l("Leaflets")),
    ("cards.index", _l("Quote cards")),
    ("packs.new", _l("Reading packs")),
    ("groups.index", _l("Study groups")),
    ("translations.index", _l("Translations")),
]
# Entries only the roles named may use, shown only to them.
ROLE_NAV = [
    ("pamphlets.index", _l("Pamphlets"), ("organizer",)),
    ("kit.carousel_new", _l("Carousel"), ("organizer", "admin")),
    ("kit.thread_page", _l("Thread"), ("organizer", "admin")),
    ("review.index", _l("Awaiting review"), ("editor", "translator")),
    ("images.index", _l("Photos"), ("organizer", "admin")),
    ("brand.index", _l("Brand kit"), ("admin",)),
]


def register(app):
    """Attach every blueprint to the app."""
    from . import account, api, home, quotes, sources, translations, auth, groups, cards, packs, outbox, users

    from . import leaflets, pamphlets, review, thumbnails
    from . import brand, builds, images, kit
    from ..forms import csrf_field_value
    app.context_processor(csrf_field_value)
    for module in (home, sources, quotes, api, translations, leaflets, auth, groups, cards, packs, outbox, account,
                   users, pamphlets, review, thumbnails, brand, images, builds, kit):
        app.register_blueprint(module.bp)

    @app.context_processor
    def navigation():
        from ..authz import allowed

        entries = [(e, label) for e, label in NAV if e in current_app.view_functions]
        entries += [(e, label) for e, label, roles in ROLE_NAV if e in current_app.view_functions and allowed(*roles)]
        return {"nav": entries}
