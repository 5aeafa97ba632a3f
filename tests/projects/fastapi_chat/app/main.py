"""ASGI entry point: ``uvicorn app.main:app --workers 4``."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, FastAPI, WebSocket, WebSocketDisconnect

from .config import Settings, get_settings
from .realtime import manager
from .routers import admin, feeds, messages, rooms

log = logging.getLogger("chat")

app = FastAPI(title="chat", version="0.9.0")
app.include_router(rooms.router)
app.include_router(messages.router, prefix="/rooms/{room_id}")
app.include_router(admin.router)
app.include_router(feeds.router)


@app.get("/health")
def health(settings: Annotated[Settings, Depends(get_settings)]):
    return {"status": "ok", "page_size": settings.page_size}


@app.websocket("/ws/{room_id}")
async def room_socket(websocket: WebSocket, room_id: int):
    await manager.connect(websocket, room_id)
    try:
        while True:
            text = await websocket.receive_text()
            await manager.broadcast(room_id, {"body": text, "kind": "text"})
    except WebSocketDisconnect:
        manager.disconnect(websocket)
        log.info("socket left room %s", room_id)
