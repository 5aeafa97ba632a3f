"""In-process pub/sub for score updates: one asyncio.Queue per connected websocket."""

from __future__ import annotations

import asyncio

_listeners: set[asyncio.Queue[dict]] = set()


def subscribe() -> asyncio.Queue[dict]:
    queue: asyncio.Queue[dict] = asyncio.Queue(maxsize=100)
    _listeners.add(queue)
    return queue


def unsubscribe(queue: asyncio.Queue[dict]) -> None:
    _listeners.discard(queue)


def publish(update: dict) -> int:
    for queue in _listeners:
        if not queue.full():
            queue.put_nowait(update)
    return len(_listeners)
