"""Checkout and order tracking."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

import shop.services.cart as carts

from ..auth import current_user
from ..metrics import ORDER_LOOKUP_SECONDS, ORDERS_PLACED, PAYMENT_WEBHOOKS
from ..services import orders, payments
from ._common import session_key, shopper_region

bp = Blueprint("checkout", __name__)


@bp.post("/")
def checkout():
    sid = session_key()
    quantities = carts.contents(sid)
    if not quantities:
        abort(400, "cart is empty")
    user = current_user()
    region = shopper_region()
    order = orders.place_order(user.id if user else None, quantities, region)
    carts.clear(sid)
    ORDERS_PLACED.labels(region=region).inc()
    return jsonify(order_id=order.id, total=str(order.total)), 201


@bp.get("/orders/<int:order_id>")
def order_status(order_id: int):
    with ORDER_LOOKUP_SECONDS.time():
        order = orders.get_order(order_id)
    if order is None:
        abort(404)
    return jsonify(order_id=order.id, status=order.status.value, total=str(order.total))


@bp.post("/webhooks/payment")
def payment_webhook():
    if not payments.signature_ok(request.get_data(), request.headers.get("X-Signature", "")):
        PAYMENT_WEBHOOKS.labels(outcome="bad-signature").inc()
        abort(403)
    event = request.get_json()
    confirmed = payments.confirm_charge(event["charge_id"])
    if confirmed and orders.mark_paid(int(event["order_id"])):
        PAYMENT_WEBHOOKS.labels(outcome="paid").inc()
    else:
        PAYMENT_WEBHOOKS.labels(outcome="ignored").inc()
    return "", 204
