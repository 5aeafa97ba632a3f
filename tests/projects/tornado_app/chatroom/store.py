"""Message history lives in a Redis list so every process sees the same backlog."""

from __future__ import annotations

import json
import os

from redis.asyncio import Redis

HISTORY_KEY = "chatroom:history"
HISTORY_SIZE = 200

redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"), decode_responses=True)


async def append(message: dict) -> None:
    await redis.lpush(HISTORY_KEY, json.dumps(message))
    await redis.ltrim(HISTORY_KEY, 0, HISTORY_SIZE - 1)


async def recent(limit: int = 50) -> list[dict]:
    raw = await redis.lrange(HISTORY_KEY, 0, limit - 1)
    return [json.loads(item) for item in reversed(raw)]
