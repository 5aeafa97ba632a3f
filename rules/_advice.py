"""Framework-aware advice shared by the rules: where to keep state instead."""

from __future__ import annotations

from statelint.model import Binding


def shared_store_for(frameworks: set[str], binding: Binding | None, name: str) -> str:
    """A concrete way to move a module-level container into a shared store."""
    kind = binding.value.kind if binding is not None else ""
    target = binding.value.target.rsplit(".", 1)[-1] if binding is not None else ""
    return shared_store(frameworks, kind, target, name)


def shared_store(frameworks: set[str], kind: str, target: str, name: str) -> str:
    """A concrete shared store for a container of ``kind`` (``dict``, ``list``, ``set``) or
    made by the constructor ``target`` (``deque``, ``Counter``...)."""
    if kind == "list" or target in ("deque", "list"):
        store = (f"a Redis list (`RPUSH {name.lower()} item` / `LRANGE {name.lower()} 0 -1`, "
                 "`LTRIM` to cap it)")
    elif kind == "set" or target == "set":
        store = f"a Redis set (`SADD {name.lower()} member` / `SISMEMBER` / `SMEMBERS`)"
    elif target == "Counter":
        store = f"Redis counters (`HINCRBY {name.lower()} key 1`, or `INCR` with `EXPIRE` per key)"
    else:
        store = (f"a Redis hash or keys (`HSET {name.lower()} key value` / `HGET`, or "
                 f"`SET {name.lower()}:<key> value EX <ttl>`)")
    if "django" in frameworks:
        extra = ("; in Django, the cache framework with "
                 "`BACKEND: django.core.cache.backends.redis.RedisCache` "
                 "(`cache.set(key, value)` / `cache.get(key)`) or a model in the database")
    elif "flask" in frameworks or "quart" in frameworks:
        extra = ("; in Flask, a `redis.Redis.from_url(app.config[\"REDIS_URL\"])` client created in "
                 "the app factory, or a table through Flask-SQLAlchemy")
    elif "fastapi" in frameworks or "starlette" in frameworks:
        extra = ("; in FastAPI, an async `redis.asyncio.Redis` client opened in the lifespan and "
                 "injected with `Depends`, or a table in the database")
    else:
        extra = ", or a table in the database"
    return f"Keep it in {store}{extra}, so every worker and replica reads and writes the same data."
