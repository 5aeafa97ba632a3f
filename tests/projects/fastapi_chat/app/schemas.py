from __future__ import annotations

from datetime import datetime
from enum import Enum

from pydantic import BaseModel, Field


class MessageKind(str, Enum):
    TEXT = "text"
    SYSTEM = "system"


class RoomIn(BaseModel):
    title: str = Field(min_length=3, max_length=200)
    rules: str = ""


class RoomOut(BaseModel):
    id: int
    slug: str
    title: str


class MessageIn(BaseModel):
    body: str = Field(min_length=1, max_length=4000)
    kind: MessageKind = MessageKind.TEXT


class MessageOut(BaseModel):
    id: int
    author: str
    body: str
    sent_at: datetime


class Member(BaseModel):
    user_id: str
    display_name: str
