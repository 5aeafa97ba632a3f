"""Product catalogue: a MethodView for the collection plus two small routes."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, g, jsonify, request
from flask.views import MethodView
from sqlalchemy import select

from ..auth import require_user
from ..catalog import PRODUCT_TYPES, SKU_PATTERN
from ..db import SessionLocal, redis_client
from ..models import Product

log = logging.getLogger(__name__)

bp = Blueprint("products", __name__)

RECENT_LIMIT = 10


def _recent_key() -> str:
    user = getattr(g, "user", None)
    return f"recent:{user.id if user else request.remote_addr}"


class ProductAPI(MethodView):
    init_every_request = False
    page_size = 25

    def get(self, product_id: int | None = None):
        if product_id is None:
            page = max(1, request.args.get("page", 1, type=int))
            query = select(Product).order_by(Product.name)
            query = query.limit(self.page_size).offset((page - 1) * self.page_size)
            return jsonify([p.to_dict() for p in SessionLocal.scalars(query)])
        product = SessionLocal.get(Product, product_id)
        if product is None:
            abort(404)
        key = _recent_key()
        redis_client.lpush(key, product.id)
        redis_client.ltrim(key, 0, RECENT_LIMIT - 1)
        return jsonify(product.to_dict())

    def post(self):
        user = require_user()
        data = request.get_json() or {}
        if not SKU_PATTERN.match(data.get("sku", "")):
            abort(400, "bad sku")
        if data.get("kind") not in PRODUCT_TYPES:
            abort(400, "unknown product type")
        product = Product(
            sku=data["sku"], name=data["name"], kind=data["kind"], price=data["price"]
        )
        SessionLocal.add(product)
        SessionLocal.commit()
        log.info("product %s created by %s", product.sku, user.email)
        return jsonify(product.to_dict()), 201


_product_view = ProductAPI.as_view("product_api")
bp.add_url_rule("/", view_func=_product_view, methods=["GET", "POST"])
bp.add_url_rule("/<int:product_id>", view_func=_product_view, methods=["GET"])


@bp.get("/types")
def product_types():
    return jsonify({key: spec["label"] for key, spec in PRODUCT_TYPES.items()})


@bp.get("/recent")
def recently_viewed():
    ids = [int(x) for x in redis_client.lrange(_recent_key(), 0, RECENT_LIMIT - 1)]
    if not ids:
        return jsonify([])
    rows = SessionLocal.scalars(select(Product).where(Product.id.in_(ids))).all()
    by_id = {p.id: p for p in rows}
    return jsonify([by_id[i].to_dict() for i in ids if i in by_id])
