"""``sanic inventory.server:app --workers 4``"""

from __future__ import annotations

import os
import time

import asyncpg
from sanic import Sanic
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, json

from .orders import bp as orders_bp

app = Sanic("inventory")
app.config.DSN = os.environ.get("INVENTORY_DSN", "postgresql:///inventory")
app.blueprint(orders_bp)


@app.before_server_start
async def connect_db(app: Sanic, _loop) -> None:
    app.ctx.pool = await asyncpg.create_pool(app.config.DSN)
    app.ctx.last_restock = None


@app.get("/health")
async def health(request: Request) -> HTTPResponse:
    return json({"status": "ok"})


@app.get("/items/<sku:str>")
async def get_item(request: Request, sku: str) -> HTTPResponse:
    async with request.app.ctx.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT sku, name, on_hand FROM items WHERE sku = $1", sku)
    if row is None:
        raise NotFound(sku)
    return json(dict(row))


@app.route("/items/<sku:str>/restock", methods=["POST"])
async def restock(request: Request, sku: str) -> HTTPResponse:
    quantity = int(request.json["quantity"])
    async with request.app.ctx.pool.acquire() as conn:
        await conn.execute("UPDATE items SET on_hand = on_hand + $1 WHERE sku = $2", quantity, sku)
    request.app.ctx.last_restock = {"sku": sku, "at": time.time()}
    return json({"sku": sku, "added": quantity})
