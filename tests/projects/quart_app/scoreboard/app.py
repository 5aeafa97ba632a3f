"""``hypercorn scoreboard.app:app``"""

from __future__ import annotations

import asyncio

from quart import Quart, render_template, websocket

from . import broker
from .api import api

app = Quart(__name__)
app.register_blueprint(api)


@app.route("/")
async def index():
    return await render_template("index.html")


@app.websocket("/ws")
async def scores_ws():
    queue = broker.subscribe()
    try:
        while True:
            update = await queue.get()
            await websocket.send_json(update)
    except asyncio.CancelledError:
        broker.unsubscribe(queue)
        raise
