from __future__ import annotations

from sanic import Blueprint
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, json

from . import reservations

bp = Blueprint("orders", url_prefix="/orders")


@bp.post("/")
async def place_order(request: Request) -> HTTPResponse:
    lines = [(line["sku"], int(line["quantity"])) for line in request.json["lines"]]
    async with request.app.ctx.pool.acquire() as conn:
        order_id = await conn.fetchval("INSERT INTO orders DEFAULT VALUES RETURNING id")
    holds = reservations.hold(order_id, lines)
    return json({"order_id": order_id, "held": len(holds)}, status=201)


@bp.get("/reservations/<sku:str>")
async def reserved_stock(request: Request, sku: str) -> HTTPResponse:
    return json({"sku": sku, "held": reservations.held_quantity(sku)})


@bp.delete("/<order_id:int>")
async def cancel_order(request: Request, order_id: int) -> HTTPResponse:
    async with request.app.ctx.pool.acquire() as conn:
        status = await conn.execute(
            "UPDATE orders SET status = 'cancelled' WHERE id = $1 AND status = 'open'", order_id
        )
    if status.endswith(" 0"):
        raise NotFound("no open order with that id")
    return json({"cancelled": order_id})
