"""Outbound notifications, run after the response via BackgroundTasks."""

from __future__ import annotations

import logging

import httpx

log = logging.getLogger(__name__)

WEBHOOK_URL = "https://hooks.example.com/chat-rooms"


def announce_room(slug: str, creator: str) -> None:
    try:
        httpx.post(WEBHOOK_URL, json={"text": f"{creator} opened #{slug}"}, timeout=5)
    except httpx.HTTPError:
        log.warning("room announcement failed for %s", slug)
