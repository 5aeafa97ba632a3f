"""Per-request user lookup, memoised on ``flask.g`` for the life of one request."""

from __future__ import annotations

from flask import abort, g, session

from .db import SessionLocal
from .models import Customer


def current_user() -> Customer | None:
    if "user" not in g:
        customer_id = session.get("customer_id")
        g.user = SessionLocal.get(Customer, customer_id) if customer_id else None
    return g.user


def require_user() -> Customer:
    user = current_user()
    if user is None:
        abort(401)
    return user
