"""Small helpers shared by the blueprints."""

from __future__ import annotations

import uuid

from flask import request, session

DEFAULT_REGION = "DE"


def session_key() -> str:
    """The anonymous shopper id, stored in Flask's signed session cookie."""
    if "sid" not in session:
        session["sid"] = uuid.uuid4().hex
    return session["sid"]


def shopper_region() -> str:
    return request.headers.get("X-Region", DEFAULT_REGION).upper()
