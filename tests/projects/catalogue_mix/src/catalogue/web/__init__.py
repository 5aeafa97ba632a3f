from __future__ import annotations

from flask import Flask

from .extensions import cache, limiter
from .views import bp


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_prefixed_env("CATALOGUE")
    app.config.setdefault("MAINTENANCE", False)
    app.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
    cache.init_app(app)
    limiter.init_app(app)
    app.register_blueprint(bp)
    return app
