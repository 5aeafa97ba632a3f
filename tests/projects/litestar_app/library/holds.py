"""Hold queue per book.  In memory until the holds table migration ships."""

from __future__ import annotations

from litestar import get, post
from litestar.datastructures import State

_HOLDS: dict[int, list[str]] = {}


@post("/books/{book_id:int}/holds")
async def place_hold(book_id: int, data: dict[str, str]) -> dict[str, int]:
    queue = _HOLDS.setdefault(book_id, [])
    if data["patron"] not in queue:
        queue.append(data["patron"])
    return {"position": queue.index(data["patron"]) + 1}


@get("/books/{book_id:int}/holds")
async def list_holds(book_id: int) -> list[str]:
    return list(_HOLDS.get(book_id, []))


@get("/visits")
async def count_visit(state: State) -> dict[str, int]:
    state.visits = state.get("visits", 0) + 1
    return {"visits": state.visits}
