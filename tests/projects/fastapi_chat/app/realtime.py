"""Websocket fan-out for chat rooms."""

from __future__ import annotations

import logging

from fastapi import WebSocket

log = logging.getLogger(__name__)


class ConnectionManager:
    def __init__(self) -> None:
        self.active_connections: list[WebSocket] = []
        self.rooms: dict[WebSocket, int] = {}

    async def connect(self, websocket: WebSocket, room_id: int) -> None:
        await websocket.accept()
        self.active_connections.append(websocket)
        self.rooms[websocket] = room_id

    def disconnect(self, websocket: WebSocket) -> None:
        if websocket in self.active_connections:
            self.active_connections.remove(websocket)
        self.rooms.pop(websocket, None)

    async def broadcast(self, room_id: int, payload: dict) -> int:
        delivered = 0
        for connection in list(self.active_connections):
            if self.rooms.get(connection) != room_id:
                continue
            try:
                await connection.send_json(payload)
                delivered += 1
            except RuntimeError:
                log.info("dropping dead socket")
                self.disconnect(connection)
        return delivered

    def online_count(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for room_id in self.rooms.values():
            counts[room_id] = counts.get(room_id, 0) + 1
        return counts


manager = ConnectionManager()
