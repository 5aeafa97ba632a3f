"""Websocket subscribers that get pushed new incidents."""

from __future__ import annotations

import logging

from starlette.websockets import WebSocket, WebSocketDisconnect

log = logging.getLogger(__name__)

SUBSCRIBERS: set[WebSocket] = set()


async def notify_all(event: dict) -> None:
    for socket in list(SUBSCRIBERS):
        try:
            await socket.send_json(event)
        except RuntimeError:
            SUBSCRIBERS.discard(socket)


async def live_updates(websocket: WebSocket) -> None:
    await websocket.accept()
    SUBSCRIBERS.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        SUBSCRIBERS.discard(websocket)
        log.debug("%d subscribers left", len(SUBSCRIBERS))
