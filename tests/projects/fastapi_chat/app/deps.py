"""Dependencies shared by the routers."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

import app.limits as limits

from .config import Settings, get_settings


def current_user(x_user: Annotated[str | None, Header()] = None) -> str:
    # The gateway authenticates and forwards the user id; we only check it is there.
    if not x_user:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing X-User")
    return x_user


def rate_limited(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> None:
    client = request.client.host if request.client else "unknown"
    window = int(time.time() // limits.WINDOW_SECONDS)
    key = f"{client}:{window}"
    limits.HITS[key] += 1
    if limits.HITS[key] > settings.rate_limit_per_minute:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "slow down")


def require_admin(
    x_admin_token: Annotated[str | None, Header()] = None,
    settings: Settings = Depends(get_settings),
) -> None:
    if not settings.admin_token or x_admin_token != settings.admin_token:
        raise HTTPException(status.HTTP_403_FORBIDDEN)
