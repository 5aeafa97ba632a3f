"""Read-only live feeds.

The ticker websocket owns one asyncio task per connection and cancels it when
the client goes away; nothing outlives the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from redis.asyncio import Redis

from ..config import get_settings

router = APIRouter(prefix="/feeds", tags=["feeds"])

redis = Redis.from_url(get_settings().redis_url, decode_responses=True)

TICKER_CHANNEL = "chat:ticker"


async def _pump(websocket: WebSocket) -> None:
    pubsub = redis.pubsub()
    await pubsub.subscribe(TICKER_CHANNEL)
    try:
        async for item in pubsub.listen():
            if item["type"] == "message":
                await websocket.send_text(item["data"])
    finally:
        await pubsub.unsubscribe(TICKER_CHANNEL)


@router.websocket("/ticker")
async def ticker_feed(websocket: WebSocket):
    await websocket.accept()
    task = asyncio.create_task(_pump(websocket))
    try:
        while True:
            # Clients only send pings; anything else closes the feed.
            if await websocket.receive_text() != "ping":
                break
    except WebSocketDisconnect:
        pass
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@router.get("/status")
async def feed_status():
    subscribers = await redis.pubsub_numsub(TICKER_CHANNEL)
    last = await redis.get("chat:ticker:last")
    return {"subscribers": dict(subscribers).get(TICKER_CHANNEL, 0), "last": json.loads(last or "null")}
