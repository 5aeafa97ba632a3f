"""Room management."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import get_db
from ..deps import current_user
from ..models import Room
from ..notifications import announce_room
from ..schemas import Member, RoomIn, RoomOut
from ..services import rooms as room_queries
from ..services.directory import display_name
from ..services.text import slugify

router = APIRouter(prefix="/rooms", tags=["rooms"])

DbSession = Annotated[Session, Depends(get_db)]


@router.get("", response_model=list[RoomOut])
def list_rooms(db: DbSession, limit: int = 100):
    return db.scalars(select(Room).order_by(Room.slug).limit(limit)).all()


@router.post("", response_model=RoomOut, status_code=201)
def create_room(
    body: RoomIn,
    background_tasks: BackgroundTasks,
    db: DbSession,
    user: Annotated[str, Depends(current_user)],
):
    slug = slugify(body.title)
    if db.scalar(select(Room.id).where(Room.slug == slug)) is not None:
        raise HTTPException(409, "room exists")
    room = Room(slug=slug, title=body.title, rules=body.rules, created_by=user)
    db.add(room)
    db.commit()
    background_tasks.add_task(announce_room, slug, user)
    return room


@router.get("/{room_id}")
def room_detail(room_id: int, db: DbSession):
    room = db.get(Room, room_id)
    if room is None:
        raise HTTPException(404)
    return {"id": room.id, "title": room.title, "rules": room_queries.load_room_rules(room_id)}


def list_members(room_id: int, db: DbSession) -> list[Member]:
    return [
        Member(user_id=uid, display_name=display_name(uid))
        for uid in room_queries.member_ids(db, room_id)
    ]


router.add_api_route(
    "/{room_id}/members", list_members, methods=["GET"], response_model=list[Member]
)
