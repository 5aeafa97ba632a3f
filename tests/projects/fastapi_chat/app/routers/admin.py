"""Operator endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Depends

import app.limits as limits

from ..deps import require_admin
from ..realtime import manager

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


@router.post("/rate-limits/reset", status_code=204)
def reset_rate_limits() -> None:
    limits.HITS.clear()


@router.get("/online")
def online_users() -> dict:
    per_room = manager.online_count()
    return {"total": len(manager.active_connections), "rooms": per_room}
