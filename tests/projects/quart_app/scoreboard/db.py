from __future__ import annotations

import os

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine(
    os.environ.get("SCOREBOARD_DB", "postgresql+asyncpg://scores@localhost/scores"),
    pool_size=5,
)
Session = async_sessionmaker(engine, expire_on_commit=False)
