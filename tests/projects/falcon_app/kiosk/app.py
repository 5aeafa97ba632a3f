"""``gunicorn kiosk.app:app``"""

from __future__ import annotations

import os

import falcon
from sqlalchemy import create_engine

from .resources import HealthResource, MenuResource, OrdersResource

engine = create_engine(os.environ.get("KIOSK_DB", "postgresql+psycopg:///kiosk"))

app = falcon.App(cors_enable=True)

orders = OrdersResource(engine)
app.add_route("/orders", orders)
app.add_route("/orders/{order_id}", orders, suffix="item")
app.add_route("/menu", MenuResource(engine))
app.add_route("/health", HealthResource())
