"""SL201 process-local-cache: a per-process memo over data that lives elsewhere."""

from __future__ import annotations

from collections.abc import Iterable

from statelint.analyses.memo import CachedFunction, cached_functions, memo_caches
from statelint.effects import IoUse
from statelint.model import Finding, Location
from statelint.project import Project
from statelint.rule import Example, Rule
from statelint.state import (
    finding_for_state,
    frameworks_of,
    handler_names,
    name_list,
    reach_names,
    short_name,
)

IO_WORDS = {
    "database": "database rows",
    "http": "HTTP responses",
    "store": "remote-store reads",
    "file": "file contents",
    "subprocess": "program output",
}


class ProcessLocalCache(Rule):
    """A memoising decorator or memo dict that keeps results of I/O in each process."""

    code = "SL201"
    prescan_tokens = ()
    name = "process-local-cache"
    severity = "warning"
    how = "caches"
    summary = "Results of database, HTTP or file I/O memoised inside each worker process"
    what_it_finds = """
A function that a request handler reaches (directly or through helpers, in any
module) and that memoises its results in the process: `functools.lru_cache`
and `cache`, `cachetools` (`cached`, `cachetools.func.ttl_cache`, ...),
`async_lru.alru_cache`, aiocache's `cached` with its default in-memory cache,
or a module-level dict or `TTLCache` used as a memo (the function looks the
key up, does the work, and stores `CACHE[key] = result`).

It is reported only when the cached work reads data that lives outside the
process: a database (SQLAlchemy sessions, Django's `.objects`, cursors), an
HTTP service (`requests`, `httpx`, `aiohttp`, `urllib`), a remote store
(Redis, S3), or, for a function that takes arguments, files and subprocesses.
The I/O is followed through every function the cached one calls.

Not reported: caches of pure computations (the same input gives the same
output in every process), a zero-argument loader of settings from the
environment or of a file shipped with the code (FastAPI's `get_settings`),
caches that keep their entries in Redis or Memcached, and caches no handler
reaches. A memo dict reported here is not reported again as mutable module
state.
"""
    why_stateful = """
Every worker process fills its own cache. When the data changes in the
database or the remote service, each worker keeps serving its own copy until
the entry expires, is evicted or the process restarts; workers started at
different times hold different copies, so two requests in a row can get two
different answers depending on which worker or replica serves them. An
update made through one worker cannot invalidate the others. This is a
warning rather than an error: requests do not depend on each other, but the
answers go stale in a way that differs per process.
"""
    how_to_fix = """
Cache in a store every process shares, with an expiry, and invalidate it
where the data is written: Redis (`SET key value EX 300` / `GET`), Flask-
Caching's `@cache.memoize(timeout=300)` with `CACHE_TYPE = "RedisCache"`,
Django's `cache.get_or_set(key, loader, timeout)` with the Redis backend,
fastapi-cache2's `@cache(expire=300)` with a `RedisBackend`, or aiocache with
`Cache.REDIS`. If the lookup is cheap, drop the cache and read the source on
every request.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(
                ("shop/rates.py", 9, "`rate` keeps HTTP responses (`httpx.get()`) in a per-process"),
            ),
            title="exchange rates fetched over HTTP and kept by lru_cache in each worker",
            handlers=("convert",),
            files={
                "shop/__init__.py": "",
                "shop/rates.py": '''
from functools import lru_cache

import httpx

RATES_URL = "https://rates.example.com/v1/latest"


@lru_cache(maxsize=64)
def rate(base: str, quote: str) -> float:
    response = httpx.get(RATES_URL, params={"base": base, "symbols": quote}, timeout=5)
    response.raise_for_status()
    return response.json()["rates"][quote]
''',
                "shop/app.py": '''
from fastapi import FastAPI

from shop.rates import rate

app = FastAPI()


@app.get("/convert")
def convert(amount: float, base: str = "EUR", quote: str = "USD"):
    return {"amount": round(amount * rate(base, quote), 2), "currency": quote}
''',
            },
        ),
        Example(
            kind="self-contained",
            title="a cached settings loader and a cached pure function",
            files={
                "shop/__init__.py": "",
                "shop/app.py": '''
import re
from functools import lru_cache

from fastapi import Depends, FastAPI
from pydantic_settings import BaseSettings

app = FastAPI()
_NON_WORD = re.compile(r"[^a-z0-9]+")


class Settings(BaseSettings):
    currency: str = "EUR"


@lru_cache
def get_settings() -> Settings:
    return Settings()


@lru_cache(maxsize=1024)
def slugify(title: str) -> str:
    return _NON_WORD.sub("-", title.lower()).strip("-")


@app.get("/slug")
def slug(title: str, settings: Settings = Depends(get_settings)):
    return {"slug": slugify(title), "currency": settings.currency}
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per cached function or memo mapping over I/O that a handler reaches."""
        yield from self._decorated(project)
        yield from self._memo_mappings(project)

    def _decorated(self, project: Project) -> Iterable[Finding]:
        for cached in cached_functions(project):
            yield self._decorated_finding(project, cached)

    def _decorated_finding(self, project: Project, cached: CachedFunction) -> Finding:
        function_id, decorator, reaches = cached.function_id, cached.decorator, cached.reaches
        io = list(cached.io)
        facts, fn = project.functions[function_id]
        name = fn.qualname
        symbol = f"{facts.module}.{fn.qualname}"
        first = io[0]
        kinds = _io_words(io)
        decorator_name = decorator.rsplit(".", 1)[-1]
        handlers = reach_names(reaches)
        message = (
            f"`{name}` keeps {kinds} (`{first.api}`) in a per-process `{decorator_name}` "
            f"cache that {name_list(handlers)} read{'s' if len(handlers) == 1 else ''}; each "
            "worker process fills its own copy, so after the data changes workers and replicas "
            "keep answering with different, stale values until the process restarts"
        )
        if "ttl" in decorator_name or "alru" in decorator_name or "cached" in decorator_name:
            message = message.replace("until the process restarts", "until their entries expire")
        final = Location(facts.path, fn.span.line, fn.span.column,
                         f"cached with {decorator_name}: {first.api}")
        trace = project.trace(reaches[0], function_id, final)
        related = [_io_location(project, use) for use in _first_per_site(io)[:3]]
        related += [Location(r.handler.path, r.handler.line, r.handler.column,
                             f"handler {r.handler.name} reaches {name}") for r in reaches]
        frameworks = {reach.handler.framework for reach in reaches}
        return Finding(
            rule=self.code, name=self.name, severity=self.severity,
            path=facts.path, line=fn.span.line, column=fn.span.column,
            end_line=fn.span.line, end_column=fn.span.column,
            message=message, symbol=symbol,
            suggestion=shared_cache_for(frameworks, name, decorator=True),
            handlers=tuple(sorted({f"{r.handler.path}::{r.handler.name}" for r in reaches})),
            trace=trace, related=tuple(related), how=self.how,
        )

    def _memo_mappings(self, project: Project) -> Iterable[Finding]:
        for symbol, memo in memo_caches(project).items():
            name = short_name(symbol)
            io = list(memo.io)
            kinds = _io_words(io)
            api = io[0].api

            def message(all_uses, writes, readers, name=name, kinds=kinds, api=api):
                writers = handler_names(writes)
                return (f"`{name}` memoises {kinds} (`{api}`) for {name_list(writers)} in a "
                        "mapping that lives in each worker process; every worker fills and "
                        "evicts its own copy, so workers and replicas answer from different, "
                        "stale entries after the data changes")

            stores = {id(use) for use in memo.stores}
            finding = finding_for_state(
                project, type(self), symbol, list(memo.uses),
                message=message,
                suggestion=shared_cache_for(frameworks_of(memo.uses), name, decorator=False),
                writes=lambda use, stores=stores: id(use) in stores,
            )
            if finding is not None:
                yield finding


def _io_words(io: list[IoUse]) -> str:
    words = list(dict.fromkeys(IO_WORDS.get(use.category, "I/O results") for use in io))
    if len(words) > 1:
        return ", ".join(words[:-1]) + " and " + words[-1]
    return words[0]


def _first_per_site(io: list[IoUse]) -> list[IoUse]:
    seen: set[tuple[str, int]] = set()
    found = []
    for use in io:
        key = (use.function_id, use.span.line)
        if key not in seen:
            seen.add(key)
            found.append(use)
    return found


def _io_location(project: Project, use: IoUse) -> Location:
    facts, fn = project.functions[use.function_id]
    return Location(facts.path, use.span.line, use.span.column,
                    f"{fn.qualname} calls {use.api} ({use.category})")


def shared_cache_for(frameworks: set[str], name: str, *, decorator: bool) -> str:
    """Where to cache instead, in the framework's own terms."""
    if "django" in frameworks:
        how = ("Django's cache with `BACKEND: django.core.cache.backends.redis.RedisCache` "
               f"(`cache.get_or_set(f\"{name}:{{key}}\", loader, timeout=300)`)")
    elif frameworks & {"flask", "quart"}:
        how = ("Flask-Caching with `CACHE_TYPE = \"RedisCache\"` and `CACHE_REDIS_URL`, "
               f"decorating `{name}` with `@cache.memoize(timeout=300)`")
    elif frameworks & {"fastapi", "starlette", "litestar"}:
        how = ("Redis shared by all workers: fastapi-cache2 with `RedisBackend` "
               "(`@cache(expire=300)`), or `redis.asyncio` `GET`/`SET key value EX 300`")
    else:
        how = "Redis shared by all workers (`GET`, then `SET key value EX 300` on a miss)"
    drop = "remove the decorator" if decorator else "drop the mapping"
    return (f"Cache in {how}, and delete the key where the data is written so every replica "
            f"sees the change; or {drop} and read the source on each request if it is cheap.")
