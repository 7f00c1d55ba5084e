"""Thin request handlers, one module per capability."""


def register(app):
    """Attach every blueprint to the app."""
    from . import api, home, quotes, sources

    for module in (home, sources, quotes, api):
        app.register_blueprint(module.bp)
