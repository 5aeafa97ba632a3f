"""Database and cache connections shared by the whole process.

The engine and the Redis client are connection pools: they hold sockets, not
data, so every worker can have its own without the workers disagreeing.
"""

from __future__ import annotations

import os

from redis import Redis
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql+psycopg://shop@localhost/shop")
REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")

engine = create_engine(DATABASE_URL, pool_size=10, pool_pre_ping=True)
SessionLocal = scoped_session(sessionmaker(bind=engine, expire_on_commit=False))

redis_client = Redis.from_url(REDIS_URL, decode_responses=True)
