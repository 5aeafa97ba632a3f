"""Storefront API.  Use :func:`create_app` (or ``shop.wsgi:app`` under gunicorn)."""

from __future__ import annotations

import logging
import os

from flask import Flask

from .db import SessionLocal
from .views import account, cart, checkout, health, main, products

__version__ = "2.4.1"

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask application and register every blueprint."""
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SHOP_SECRET_KEY", "dev-only-not-secret"),
        JSON_SORT_KEYS=False,
        MAX_CART_LINES=50,
    )
    if config:
        app.config.update(config)

    app.register_blueprint(main.bp)
    app.register_blueprint(products.bp, url_prefix="/products")
    app.register_blueprint(cart.bp, url_prefix="/cart")
    app.register_blueprint(checkout.bp, url_prefix="/checkout")
    app.register_blueprint(account.bp, url_prefix="/account")

    app.add_url_rule("/healthz", view_func=health.healthz, methods=["GET"])

    @app.teardown_appcontext
    def _remove_session(exc: BaseException | None) -> None:
        SessionLocal.remove()

    log.info("shop %s configured", __version__)
    return app
