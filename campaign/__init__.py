"""Handbill: outreach material (quotations, leaflets, cards, reading packs, study groups) from one source."""
from __future__ import annotations

import os

from flask import Flask

from . import config


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance secrets, then ``CAMPAIGN_*`` environment, then ``test_config``."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(config.ROOT / "templates"), static_folder=str(config.ROOT / "static"))
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config["MIGRATIONS_DIR"] = str(config.ROOT / "migrations")
    app.config.update(config.from_instance(app.instance_path))
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["SECRET_KEY"] == config.DEFAULT_SECRET_KEY and not (app.debug or app.testing):
        raise RuntimeError(
            "Refusing to start with the default SECRET_KEY: run `make run` (it writes instance/secret_key) "
            "or set CAMPAIGN_SECRET_KEY.")

    from . import cli, db, errors, filters, i18n, inputs, languages, security
    db.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    security.init_app(app)  # trusts TRUSTED_PROXIES proxies (ProxyFix), https cookies, headers
    inputs.init_app(app)
    filters.init_app(app)
    languages.init_app(app)
    cli.init_app(app)
    from . import accounts, authz, ratelimit
    accounts.init_app(app)
    authz.init_app(app)
    ratelimit.init_app(app)

    from .views import register
    register(app)
    return app
