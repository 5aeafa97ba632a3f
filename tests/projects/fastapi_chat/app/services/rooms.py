"""Room queries."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import SessionLocal
from ..models import Membership, Room


@lru_cache(maxsize=256)
def load_room_rules(room_id: int) -> str:
    with SessionLocal() as db:
        rules = db.scalar(select(Room.rules).where(Room.id == room_id))
    return rules or ""


def member_ids(db: Session, room_id: int) -> list[str]:
    return list(db.scalars(select(Membership.user_id).where(Membership.room_id == room_id)))
