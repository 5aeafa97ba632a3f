"""Client for the internal user-directory service."""

from __future__ import annotations

import functools

import httpx

from ..config import get_settings

_client = httpx.Client(base_url=get_settings().directory_url, timeout=3.0)


@functools.lru_cache(maxsize=4096)
def display_name(user_id: str) -> str:
    # Cached forever per worker: renames in the directory never show up here.
    response = _client.get(f"/users/{user_id}")
    if response.status_code == 404:
        return user_id
    response.raise_for_status()
    return response.json()["display_name"]
