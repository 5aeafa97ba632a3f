"""Posting and reading messages over plain HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import Settings, get_settings
from ..db import get_db
from ..deps import current_user, rate_limited
from ..metrics import HISTORY_QUERY_SECONDS, MESSAGES_POSTED
from ..models import Message
from ..realtime import manager
from ..schemas import MessageIn, MessageOut

router = APIRouter(tags=["messages"])


@router.post("/messages", response_model=MessageOut, status_code=201)
async def post_message(
    room_id: int,
    body: MessageIn,
    user: Annotated[str, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    _: Annotated[None, Depends(rate_limited)],
):
    message = Message(room_id=room_id, author=user, body=body.body)
    db.add(message)
    db.commit()
    MESSAGES_POSTED.labels(room=str(room_id)).inc()
    await manager.broadcast(
        room_id, {"id": message.id, "author": user, "body": message.body, "kind": body.kind}
    )
    return message


@router.get("/messages", response_model=list[MessageOut])
def list_messages(
    room_id: int,
    db: Annotated[Session, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_settings)],
    before_id: int | None = None,
):
    query = select(Message).where(Message.room_id == room_id)
    if before_id is not None:
        query = query.where(Message.id < before_id)
    query = query.order_by(Message.id.desc()).limit(settings.page_size)
    with HISTORY_QUERY_SECONDS.time():
        return db.scalars(query).all()
