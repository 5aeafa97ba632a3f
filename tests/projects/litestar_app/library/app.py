"""``litestar --app library.app:app run``"""

from __future__ import annotations

from litestar import Litestar, get
from litestar.di import Provide

from .books import BookController
from .db import provide_session
from .holds import count_visit, list_holds, place_hold


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(
    route_handlers=[health, BookController, place_hold, list_holds, count_visit],
    dependencies={"db": Provide(provide_session)},
)
