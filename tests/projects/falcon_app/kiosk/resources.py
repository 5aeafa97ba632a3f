"""Falcon resources.  Each resource is instantiated once per process in kiosk.app."""

from __future__ import annotations

import uuid

import falcon
from sqlalchemy import text
from sqlalchemy.engine import Engine

MENU_SQL = text("SELECT id, name, price_cents FROM menu_items WHERE available ORDER BY name")


class MenuResource:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        with self._engine.connect() as conn:
            rows = conn.execute(MENU_SQL).mappings().all()
        resp.media = [dict(row) for row in rows]


class OrdersResource:
    """Orders waiting for the kitchen.

    The queue is an attribute of the resource object, which falcon keeps for the
    life of the worker: a second worker has its own, different queue.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pending: dict[str, dict] = {}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = list(self._pending.values())

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        order = {"id": uuid.uuid4().hex[:8], "items": req.get_media()["items"], "status": "queued"}
        self._pending[order["id"]] = order
        resp.status = falcon.HTTP_201
        resp.media = order

    def on_get_item(self, req: falcon.Request, resp: falcon.Response, order_id: str) -> None:
        order = self._pending.get(order_id)
        if order is None:
            raise falcon.HTTPNotFound()
        resp.media = order


class HealthResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"status": "ok"}
