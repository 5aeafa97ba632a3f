"""Landing page and a tiny stats endpoint for the ops dashboard."""

from __future__ import annotations

import time

from flask import Blueprint, jsonify, render_template

from ..catalog import PRODUCT_TYPES

bp = Blueprint("main", __name__)

_STARTED_AT = time.time()
_requests_served = 0


@bp.route("/")
def index():
    global _requests_served
    _requests_served += 1
    return render_template("index.html", product_types=PRODUCT_TYPES)


@bp.route("/stats")
def server_stats():
    return jsonify(
        uptime_seconds=round(time.time() - _STARTED_AT, 1),
        requests_served=_requests_served,
    )
