"""Cart endpoints.  The cart itself is kept by ``shop.services.cart``."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from ..services import cart as cart_service
from ._common import session_key

bp = Blueprint("cart", __name__)


@bp.post("/items")
def add_to_cart():
    payload = request.get_json(silent=True) or {}
    try:
        product_id = int(payload["product_id"])
        quantity = int(payload.get("quantity", 1))
    except (KeyError, TypeError, ValueError):
        abort(400, "product_id and an integer quantity are required")
    sid = session_key()
    if len(cart_service.contents(sid)) >= current_app.config["MAX_CART_LINES"]:
        abort(409, "cart is full")
    new_quantity = cart_service.add(sid, product_id, quantity)
    return jsonify(product_id=product_id, quantity=new_quantity), 201


@bp.get("/")
def view_cart():
    lines = cart_service.lines(session_key())
    return jsonify(items=[{"product_id": l.product_id, "quantity": l.quantity} for l in lines])


@bp.route("/items/<int:product_id>", methods=["DELETE"])
def remove_from_cart(product_id: int):
    cart_service.remove(session_key(), product_id)
    return "", 204
