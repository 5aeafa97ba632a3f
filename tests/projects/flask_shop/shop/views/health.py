"""Liveness probe, registered in the app factory with ``add_url_rule``."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import text

from ..db import SessionLocal, redis_client


def healthz():
    checks = {"db": False, "redis": False}
    try:
        SessionLocal.execute(text("SELECT 1"))
        checks["db"] = True
    except Exception:  # noqa: BLE001 - report, do not crash the probe
        pass
    try:
        checks["redis"] = bool(redis_client.ping())
    except Exception:  # noqa: BLE001
        pass
    status = 200 if all(checks.values()) else 503
    return jsonify(checks), status
