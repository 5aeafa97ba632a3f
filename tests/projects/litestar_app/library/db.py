from __future__ import annotations

import os
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine(os.environ.get("LIBRARY_DB", "postgresql+asyncpg:///library"))
session_factory = async_sessionmaker(engine, expire_on_commit=False)


async def provide_session() -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session
