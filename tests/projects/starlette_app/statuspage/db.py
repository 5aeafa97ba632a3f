"""asyncpg pool, created in the lifespan and stored on app.state before any request."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager

import asyncpg

DSN = os.environ.get("STATUS_DSN", "postgresql://status@localhost/status")


@asynccontextmanager
async def lifespan(app):
    app.state.pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)
    try:
        yield
    finally:
        await app.state.pool.close()
