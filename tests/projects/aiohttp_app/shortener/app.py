"""``python -m aiohttp.web -H 0.0.0.0 -P 8080 shortener.app:create_app``"""

from __future__ import annotations

import os

import asyncpg
from aiohttp import web

from . import views


async def pg_pool(app: web.Application):
    app["pg"] = await asyncpg.create_pool(os.environ.get("SHORTENER_DSN", "postgresql:///links"))
    yield
    await app["pg"].close()


def create_app(argv: list[str] | None = None) -> web.Application:
    app = web.Application()
    app["watchers"] = views.new_watcher_set()
    app.cleanup_ctx.append(pg_pool)
    app.router.add_get("/healthz", views.health)
    app.router.add_view("/links/{code}/stats", views.StatsView)
    app.add_routes(views.routes)
    return app
