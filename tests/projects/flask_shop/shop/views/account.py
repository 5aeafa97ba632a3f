"""Sign-in and profile."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, session
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ..auth import require_user
from ..db import SessionLocal
from ..models import Customer

bp = Blueprint("account", __name__)


@bp.post("/login")
def login():
    form = request.get_json() or {}
    customer = SessionLocal.scalar(select(Customer).where(Customer.email == form.get("email")))
    if customer is None or not check_password_hash(customer.password_hash, form.get("password", "")):
        abort(401)
    session.clear()
    session["customer_id"] = customer.id
    return jsonify(id=customer.id, name=customer.display_name)


@bp.get("/me")
def profile():
    user = require_user()
    return jsonify(id=user.id, email=user.email, name=user.display_name)
