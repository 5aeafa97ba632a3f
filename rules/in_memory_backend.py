"""SL301 in-memory-backend: a cache, session store, rate limiter or channel layer
configured to keep its data inside one process (or on one machine's disk)."""

from __future__ import annotations

from collections.abc import Iterable

from statelint.analyses.backends import Backend, in_process_backends
from statelint.model import Finding, Location, Severity, Span
from statelint.project import Project
from statelint.rule import Example, Rule
from statelint.state import Site, name_list, reach_names, site_finding

#: Purposes whose in-process backend makes requests depend on earlier requests.
ERROR_PURPOSES = frozenset({"sessions", "limiter", "throttle", "channels"})
#: How a message names what a backend of each purpose holds.
PURPOSE_WORDS = {
    "cache": "cache",
    "files": "uploaded files",
    "sessions": "session store",
    "limiter": "rate-limit counters",
    "throttle": "throttle counters",
    "channels": "channel layer",
}


class InMemoryBackend(Rule):
    """A framework backend (cache, sessions, rate limits, channel layer) kept in the process."""

    code = "SL301"
    prescan_tokens = (
        "CACHES", "CACHE_TYPE", "SESSION_TYPE", "SESSION_ENGINE", "SESSION_CACHE_ALIAS",
        "CHANNEL_LAYERS", "RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URL", "REST_FRAMEWORK",
        "DEFAULT_THROTTLE_CLASSES", "throttle_classes", "INSTALLED_APPS", "ROOT_URLCONF",
        "MIDDLEWARE", "CACHE_DEFAULT_TIMEOUT", "from_object", "from_mapping", "Limiter", "Cache",
        "Session", '"cache"', '"BACKEND"'
    )
    name = "in-memory-backend"
    severity = "error"
    how = "config"
    summary = "Cache, session, rate-limit or channel-layer backend configured in process memory"
    what_it_finds = """
Configuration that makes a framework keep shared data in the worker's memory
or on its local disk:

* Flask-Caching `CACHE_TYPE` `SimpleCache`/`simple` or `FileSystemCache`
  (module or config-class attributes, `app.config["CACHE_TYPE"] = ...`,
  `app.config.update(...)`, `app.config.from_mapping(...)`, `Cache(config={...})`);
* Django `CACHES` on `LocMemCache` or `FileBasedCache`, and Django's implicit
  `LocMemCache` when no settings module defines `CACHES` but handlers use
  `django.core.cache`; `SESSION_ENGINE` `cache`/`cached_db` on such a cache, or
  `file`; DRF throttles (`DEFAULT_THROTTLE_CLASSES`, `throttle_classes`) on
  such a default cache (the `REST_FRAMEWORK` default is reported where that
  cache is configured); Channels `CHANNEL_LAYERS` on `InMemoryChannelLayer`;
* libraries that count in such a cache: django-axes `AXES_HANDLER =
  "axes.handlers.cache.AxesCacheHandler"` (on the `AXES_CACHE` alias) and
  django-allauth's rate limits (`ACCOUNT_RATE_LIMITS`, on by default once
  `allauth.account` is installed, off only with `False`);
* Django media on the local disk: `STORAGES["default"]` or
  `DEFAULT_FILE_STORAGE` on `FileSystemStorage`, when the project's models
  have `FileField`/`ImageField` fields that requests fill;
* a project's own Flask session interface (`app.session_interface =
  CacheSessions()`, a `SessionInterface` subclass) whose methods use a
  Flask-Caching cache found above: the sessions live in that cache;
* Flask-Session `SESSION_TYPE = "filesystem"`;
* flask-limiter and slowapi `Limiter(...)` with `storage_uri="memory://"` or no
  storage at all, `limits` `MemoryStorage`;
* fastapi-cache `InMemoryBackend()`, aiocache `SimpleMemoryCache`,
  `Cache(Cache.MEMORY)`, cachelib `SimpleCache`/`FileSystemCache`,
  starsessions `InMemoryStore`.

A value read from the environment with an in-memory fallback
(`os.environ.get("CACHE_TYPE", "SimpleCache")`, `os.getenv("X") or
"memory://"`) is reported too: a deployment that forgets the variable runs
with the fallback. So is a setting chosen by an `if`/`else` at module or class
level (`if REDIS_URL: CACHE_TYPE = "RedisCache" else: CACHE_TYPE =
"FileSystemCache"`): the branch reported is the one in force when nothing is
configured, that is when the values the test reads (environment variables,
configuration files) are not set; a test on a value with a shared default
(`os.environ.get("REDIS_URL", "redis://cache:6379")`) selects the other
branch. A base settings module's value that the deployed module replaces after
`from .base import *` is not reported. Configuration in test or development
modules and classes (`settings/test.py`, `DevelopmentConfig`) is not reported;
neither is a limiter whose storage may come from configuration that cannot be
read statically (`from_envvar`, `from_pyfile`).

The handlers listed are the ones that depend on the backend: those that use
the cache object or its decorators, every handler for a session engine, the
throttled DRF views, the rate-limited routes (every route when the limiter has
`default_limits`). When no handler uses it, the finding names none and
changes no verdict: a handler that never touches the backend answers the same
on every worker, but the configuration is still reported so it is fixed before
something starts to rely on it.
"""
    why_stateful = """
Each worker process gets its own empty cache, session store, counter table or
channel layer. A session written by one worker is unknown to the next, so
users are logged out at random; a rate limit of 10 per minute becomes 10 per
worker and replica; a channel layer message never leaves the process that sent
it; and a cache entry invalidated on one worker stays stale on the others. A
file-based backend has the same problem across machines and disappears with
the container. Plain caches are warnings (answers go stale per process);
sessions, limits, throttles and channel layers are errors (requests depend on
what earlier requests left in one process).
"""
    how_to_fix = """
Point the backend at a store every process shares, usually Redis:
Flask-Caching `CACHE_TYPE = "RedisCache"` with `CACHE_REDIS_URL`; Django
`django.core.cache.backends.redis.RedisCache` with `LOCATION`; database-backed
sessions (`django.contrib.sessions.backends.db`) or Redis sessions
(`SESSION_TYPE = "redis"`); `Limiter(..., storage_uri="redis://...")`;
`channels_redis.core.RedisChannelLayer`; fastapi-cache's `RedisBackend`;
aiocache `Cache.REDIS`. Read the URL from the environment without an
in-memory fallback, so a missing variable fails at start-up instead of
silently splitting the state per process.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(
                ("shop/extensions.py", 5, "Flask-Caching is configured with `SimpleCache` for its cache, which"),
                ("shop/extensions.py", 6, "Flask-Limiter is configured with `memory://` for its rate-limit"),
            ),
            title="Flask-Caching SimpleCache and an in-memory rate limiter",
            handlers=("product", "login"),
            files={
                "shop/__init__.py": "",
                "shop/extensions.py": '''
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

cache = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300})
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://")
''',
                "shop/app.py": '''
from flask import Flask, jsonify, request

from shop.extensions import cache, limiter

app = Flask(__name__)
cache.init_app(app)
limiter.init_app(app)


@app.get("/products/<int:product_id>")
@cache.cached(timeout=60)
def product(product_id):
    return jsonify(id=product_id)


@app.post("/login")
@limiter.limit("5/minute")
def login():
    return jsonify(user=request.form["user"])
''',
            },
        ),
        Example(
            kind="stateful",
            findings=(
                ("blog/config.py", 10, "when `REDIS_URL` is not set, Flask-Caching falls back to"),
            ),
            title="a config class that picks the cache from another setting",
            handlers=("post",),
            files={
                "blog/__init__.py": "",
                "blog/config.py": '''
import os


class Config:
    REDIS_URL = os.environ.get("REDIS_URL")
    if REDIS_URL:
        CACHE_TYPE = "RedisCache"
        CACHE_REDIS_URL = REDIS_URL
    else:
        CACHE_TYPE = "FileSystemCache"
        CACHE_DIR = "/tmp/blog-cache"
''',
                "blog/app.py": '''
from flask import Flask, jsonify
from flask_caching import Cache

app = Flask(__name__)
app.config.from_object("blog.config.Config")
cache = Cache(app)


@app.get("/posts/<int:post_id>")
@cache.cached(timeout=120)
def post(post_id):
    return jsonify(id=post_id)
''',
            },
        ),
        Example(
            kind="self-contained",
            title="the same extensions on Redis, with an in-memory cache only in tests",
            files={
                "shop/__init__.py": "",
                "shop/config.py": '''
import os


class Config:
    CACHE_TYPE = "RedisCache"
    CACHE_REDIS_URL = os.environ["REDIS_URL"]


class TestingConfig(Config):
    TESTING = True
    CACHE_TYPE = "SimpleCache"
''',
                "shop/app.py": '''
import os

from flask import Flask, jsonify
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

app = Flask(__name__)
app.config.from_object("shop.config.Config")
cache = Cache(app)
limiter = Limiter(get_remote_address, app=app, storage_uri=os.environ["RATELIMIT_STORAGE_URI"])


@app.get("/products/<int:product_id>")
@cache.cached(timeout=60)
@limiter.limit("100/minute")
def product(product_id):
    return jsonify(id=product_id)
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per in-process backend found in the project's configuration."""
        for backend in in_process_backends(project):
            yield self._finding(project, backend)

    def _finding(self, project: Project, backend: Backend) -> Finding:
        severity: Severity = "error" if backend.purpose in ERROR_PURPOSES else "warning"
        what = PURPOSE_WORDS.get(backend.purpose, backend.purpose)
        where = "on this machine's disk" if backend.on_disk else "in each worker process's memory"
        handlers = reach_names(backend.handlers)
        if backend.fallback or backend.unless:
            opening = (f"when `{backend.fallback or backend.unless}` is not set, "
                       f"{backend.library} falls back to "
                       f"`{backend.value}` for its {what}, which keeps the data {where}")
        else:
            opening = (f"{backend.library} is configured with `{backend.value}` for its {what}, "
                       f"which keeps the data {where}")
        consequence = {
            "cache": "so every worker and replica caches, expires and invalidates its own entries",
            "sessions": "so a session created on one worker is unknown to the others and users "
                        "are logged out depending on which one serves them",
            "limiter": "so each worker and replica counts separately and a client gets the limit "
                       "once per process",
            "throttle": "so each worker and replica counts separately and a client gets the limit "
                        "once per process",
            "channels": "so a message sent to a group never reaches consumers in other processes",
            "files": "so a file uploaded through one replica is missing on the others and is "
                     "lost with its container",
        }.get(backend.purpose, "so each process holds different data")
        message = f"{opening}, {consequence}"
        if handlers:
            message += f" (used by {name_list(handlers)})"
        related: list[Location] = []
        if backend.via is not None:
            path, span = backend.via
            setting = backend.symbol.rsplit(".", 1)[-1]
            message += f"; `{setting}` is set at {path}:{span.line}"
            related.append(Location(path, span.line, span.column, f"{setting} uses this cache"))
        sites = [Site(backend.path, backend.span, backend.function_id, None,
                      f"{backend.library} {what}: {backend.value}")]
        for reach in backend.handlers:
            handler = reach.handler
            sites.append(Site(handler.path, Span(handler.line, handler.column, handler.line,
                                                 handler.column), "", reach, ""))
        primary = Location(backend.path, backend.span.line, backend.span.column, "",
                           backend.span.end_line, backend.span.end_column)
        finding = site_finding(
            project, type(self), backend.symbol, sites[:1],
            message=message,
            suggestion=_suggestion(backend),
            final_message=f"{backend.library} {what}: `{backend.value}`",
            severity=severity, how="config", primary=primary, related=related,
            readers=sites[1:],
        )
        return finding


def _suggestion(backend: Backend) -> str:
    tail = {
        "cache": "so every worker and replica shares one cache and an invalidation reaches all",
        "sessions": "so any worker can load any session",
        "limiter": "so the limit is counted once for the whole service",
        "throttle": "so the limit is counted once for the whole service",
        "channels": "so a message sent on one replica reaches consumers on the others",
        "files": "so every replica serves the files any of them stored",
    }.get(backend.purpose, "so every process shares the data")
    text = backend.fix[0].upper() + backend.fix[1:]
    advice = f"{text}, {tail}."
    if backend.unless and not backend.fallback:
        advice += (f" Or set `{backend.unless}` in every deployment, and make the configuration "
                   "fail at start-up without it instead of falling back to a per-process or "
                   "per-machine backend.")
    elif backend.fallback:
        advice += (f" Read `{backend.fallback}` without an in-memory default, so a deployment "
                   "that forgets it fails at start-up instead of splitting the state per process.")
    return advice
