"""SL201 process-local-cache, SL301 in-memory-backend and SL401 connection-registry
on realistic services, including the look-alikes they must leave alone."""

from __future__ import annotations

from statelint.model import Finding, ScanResult


def findings(result: ScanResult, code: str) -> list[Finding]:
    """The findings of one rule."""
    return [finding for finding in result.findings if finding.rule == code]


def verdict(result: ScanResult, name: str) -> str:
    """The verdict of the handler called ``name``."""
    return next(v.verdict for v in result.verdicts if v.handler.name == name)


# ---------------------------------------------------------------------------
# SL201 process-local-cache
# ---------------------------------------------------------------------------

SQLALCHEMY_DB = '''
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg://shop@db/shop")
SessionLocal = sessionmaker(bind=engine)
'''


def test_lru_cache_over_a_database_query_two_modules_away_is_a_warning(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/db.py": SQLALCHEMY_DB,
        "shop/catalog.py": '''
            from functools import lru_cache

            from sqlalchemy import select

            from shop.db import SessionLocal
            from shop.models import Product


            @lru_cache(maxsize=512)
            def product_title(product_id: int) -> str:
                with SessionLocal() as db:
                    return db.scalar(select(Product.title).where(Product.id == product_id))
            ''',
        "shop/models.py": "class Product:\n    pass\n",
        "shop/api.py": '''
            from flask import Flask, jsonify

            from shop import catalog

            app = Flask(__name__)


            def describe(product_id):
                return {"id": product_id, "title": catalog.product_title(product_id)}


            @app.get("/products/<int:product_id>")
            def show_product(product_id):
                return jsonify(describe(product_id))


            @app.get("/health")
            def health():
                return jsonify(ok=True)
            ''',
    })
    [finding] = findings(result, "SL201")
    assert finding.severity == "warning"
    assert finding.symbol == "shop.catalog.product_title"
    assert finding.path == "shop/catalog.py"
    assert "database" in finding.message and "db.scalar()" in finding.message
    assert "show_product" in finding.message
    assert "Flask-Caching" in finding.suggestion and "RedisCache" in finding.suggestion
    assert [loc.message.split(" ")[0] for loc in finding.trace][:2] == ["handler", "calls"]
    assert verdict(result, "show_product") == "stateful"
    assert verdict(result, "health") == "self-contained"


def test_cachetools_ttl_cache_over_http_is_reported_with_its_expiry(scan_files):
    result = scan_files({
        "rates.py": '''
            import requests
            from cachetools import TTLCache, cached
            from fastapi import FastAPI

            app = FastAPI()


            @cached(cache=TTLCache(maxsize=100, ttl=600))
            def exchange_rate(base: str, quote: str) -> float:
                response = requests.get(f"https://rates.example.com/{base}/{quote}", timeout=3)
                return response.json()["rate"]


            @app.get("/convert")
            def convert(amount: float, base: str, quote: str):
                return {"amount": amount * exchange_rate(base, quote)}
            ''',
    })
    [finding] = findings(result, "SL201")
    assert "HTTP" in finding.message and "expire" in finding.message
    assert "fastapi-cache2" in finding.suggestion
    assert verdict(result, "convert") == "stateful"


def test_django_orm_lookup_behind_functools_cache(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/models.py": '''
            from django.db import models


            class Category(models.Model):
                slug = models.SlugField()
            ''',
        "shop/views.py": '''
            from functools import cache

            from django.http import JsonResponse

            from shop.models import Category


            @cache
            def category_names():
                return list(Category.objects.values_list("slug", flat=True))


            def categories(request):
                return JsonResponse({"categories": category_names()})
            ''',
        "shop/urls.py": '''
            from django.urls import path

            from shop import views

            urlpatterns = [path("categories/", views.categories)]
            ''',
    })
    [finding] = findings(result, "SL201")
    assert finding.symbol == "shop.views.category_names"
    assert "cache.get_or_set" in finding.suggestion
    assert verdict(result, "categories") == "stateful"


def test_pure_and_settings_caches_are_not_reported(scan_files):
    result = scan_files({
        "app/__init__.py": "",
        "app/config.py": '''
            import os
            from functools import lru_cache

            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                database_url: str = "postgresql://app@db/app"


            @lru_cache
            def get_settings() -> Settings:
                return Settings()


            @lru_cache(maxsize=1)
            def feature_flags() -> frozenset[str]:
                return frozenset(os.environ.get("FLAGS", "").split(","))


            @lru_cache(maxsize=1)
            def load_schema() -> dict:
                with open("schema.json", encoding="utf-8") as handle:
                    return {"raw": handle.read()}
            ''',
        "app/main.py": '''
            import re
            from functools import lru_cache

            from fastapi import Depends, FastAPI

            from .config import Settings, feature_flags, get_settings, load_schema

            app = FastAPI()
            _WORD = re.compile(r"\\w+")


            @lru_cache(maxsize=4096)
            def tokens(text: str) -> tuple[str, ...]:
                return tuple(_WORD.findall(text.lower()))


            @app.get("/analyse")
            def analyse(text: str, settings: Settings = Depends(get_settings)):
                return {"tokens": tokens(text), "flags": sorted(feature_flags()),
                        "schema": load_schema(), "db": settings.database_url}
            ''',
    })
    assert findings(result, "SL201") == []
    assert verdict(result, "analyse") == "self-contained"


def test_a_keyed_cache_of_file_reads_is_reported(scan_files):
    result = scan_files({
        "docs.py": '''
            from functools import lru_cache
            from pathlib import Path

            from flask import Flask

            app = Flask(__name__)
            UPLOADS = Path("/srv/uploads")


            @lru_cache(maxsize=256)
            def document(name: str) -> str:
                return Path(UPLOADS, name).read_text(encoding="utf-8")


            @app.get("/docs/<name>")
            def show(name):
                return document(name)
            ''',
    })
    [finding] = findings(result, "SL201")
    assert "file contents" in finding.message


def test_cache_that_no_handler_reaches_and_shared_aiocache_are_not_reported(scan_files):
    result = scan_files({
        "jobs.py": '''
            from functools import lru_cache

            import httpx
            from aiocache import Cache, cached
            from fastapi import FastAPI

            app = FastAPI()


            @lru_cache
            def nightly_report_recipients(team: str) -> list[str]:
                return httpx.get(f"https://directory.internal/teams/{team}").json()


            @cached(ttl=60, cache=Cache.REDIS, endpoint="redis", port=6379)
            async def profile(user_id: str) -> dict:
                async with httpx.AsyncClient() as client:
                    response = await client.get(f"https://directory.internal/users/{user_id}")
                return response.json()


            @app.get("/users/{user_id}")
            async def user(user_id: str):
                return await profile(user_id)
            ''',
    })
    assert findings(result, "SL201") == []


def test_memo_dict_over_http_belongs_to_sl201(scan_files):
    result = scan_files({
        "geo.py": '''
            import httpx
            from fastapi import FastAPI

            app = FastAPI()
            _GEO_CACHE: dict[str, dict] = {}


            def locate(ip: str) -> dict:
                if ip in _GEO_CACHE:
                    return _GEO_CACHE[ip]
                answer = httpx.get(f"https://geo.example.com/{ip}", timeout=2).json()
                _GEO_CACHE[ip] = answer
                return answer


            @app.get("/where")
            def where(ip: str):
                return locate(ip)


            @app.post("/geo-cache/clear")
            def clear():
                _GEO_CACHE.clear()
            ''',
    })
    [finding] = findings(result, "SL201")
    assert finding.symbol == "geo._GEO_CACHE" and finding.severity == "warning"
    assert "memoises HTTP responses" in finding.message
    assert {h.split("::")[1] for h in finding.handlers} == {"where", "clear"}


def test_memo_predicate_separates_caches_from_session_maps(scan_files):
    from statelint.analyses.memo import is_memo_cache
    from statelint.discover import discover
    from statelint.engine import collect_facts
    from statelint.project import Project

    scan_files({
        "auth.py": '''
            import requests
            from flask import Flask, request

            app = Flask(__name__)
            SESSIONS = {}
            _SQUARES = {}


            @app.post("/login")
            def login():
                profile = requests.get("https://idp.example.com/me", timeout=3).json()
                if request.form["token"] in SESSIONS:
                    return "again"
                SESSIONS[request.form["token"]] = profile
                SESSIONS[request.form["token"]]["seen"] = True
                return "ok"


            @app.post("/cart")
            def cart():
                SESSIONS[request.form["token"]]["cart"] = request.form["sku"]
                return "ok"


            @app.get("/square/<int:n>")
            def square(n):
                if n not in _SQUARES:
                    _SQUARES[n] = n * n
                return str(_SQUARES[n])
            ''',
    })
    project = Project(collect_facts(discover(["."]).files))
    assert not is_memo_cache(project, "auth.SESSIONS")  # cart writes without a lookup
    assert not is_memo_cache(project, "auth._SQUARES")  # pure: no I/O


# ---------------------------------------------------------------------------
# SL301 in-memory-backend
# ---------------------------------------------------------------------------


def test_flask_config_classes_production_simplecache_but_not_testing(scan_files):
    result = scan_files({
        "blog/__init__.py": "",
        "blog/config.py": '''
            import os


            class Config:
                SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
                CACHE_TYPE = "SimpleCache"
                CACHE_DEFAULT_TIMEOUT = 300


            class ProductionConfig(Config):
                SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")


            class TestingConfig(Config):
                TESTING = True
            ''',
        "blog/app.py": '''
            from flask import Flask, jsonify
            from flask_caching import Cache

            app = Flask(__name__)
            app.config.from_object("blog.config.ProductionConfig")
            cache = Cache(app)


            @app.get("/posts")
            @cache.cached(timeout=30)
            def posts():
                return jsonify([])


            @app.get("/health")
            def health():
                return jsonify(ok=True)
            ''',
    })
    [finding] = findings(result, "SL301")
    assert finding.severity == "warning"
    assert finding.symbol == "blog.config.Config.CACHE_TYPE"
    assert "RedisCache" in finding.suggestion and "CACHE_REDIS_URL" in finding.suggestion
    assert [h.split("::")[1] for h in finding.handlers] == ["posts"]
    assert verdict(result, "posts") == "stateful"
    assert verdict(result, "health") == "self-contained"


def test_redis_flask_caching_and_overridden_defaults_are_not_reported(scan_files):
    result = scan_files({
        "blog/__init__.py": "",
        "blog/config.py": '''
            import os


            class Config:
                CACHE_TYPE = "SimpleCache"


            class ProductionConfig(Config):
                CACHE_TYPE = "RedisCache"
                CACHE_REDIS_URL = os.environ["REDIS_URL"]


            class DevelopmentConfig(Config):
                DEBUG = True
            ''',
        "blog/app.py": '''
            from flask import Flask, jsonify
            from flask_caching import Cache

            app = Flask(__name__)
            cache = Cache(app, config={"CACHE_TYPE": "RedisCache"})


            @app.get("/posts")
            @cache.cached(timeout=30)
            def posts():
                return jsonify([])
            ''',
    })
    assert findings(result, "SL301") == []


def test_environment_with_in_memory_fallback_is_reported_at_the_fallback(scan_files):
    result = scan_files({
        "api.py": '''
            import os

            from flask import Flask, jsonify
            from flask_caching import Cache
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address

            app = Flask(__name__)
            app.config.update(CACHE_TYPE=os.environ.get("CACHE_TYPE", "SimpleCache"))
            cache = Cache(app)
            limiter = Limiter(
                get_remote_address,
                app=app,
                storage_uri=os.getenv("RATELIMIT_STORAGE_URI") or "memory://",
                default_limits=["200 per hour"],
            )


            @app.get("/items")
            @cache.cached(timeout=10)
            def items():
                return jsonify([])


            @app.get("/ping")
            def ping():
                return "pong"
            ''',
    })
    cache_finding = next(f for f in findings(result, "SL301") if "Flask-Caching" in f.message)
    limiter_finding = next(f for f in findings(result, "SL301") if "Flask-Limiter" in f.message)
    assert "`CACHE_TYPE` is not set" in cache_finding.message
    assert cache_finding.line == 9 and cache_finding.severity == "warning"
    assert "`RATELIMIT_STORAGE_URI` is not set" in limiter_finding.message
    assert limiter_finding.severity == "error"
    # default_limits apply to every route of the app
    assert {h.split("::")[1] for h in limiter_finding.handlers} == {"items", "ping"}
    assert "without an in-memory default" in limiter_finding.suggestion


def test_slowapi_without_storage_and_with_redis(scan_files):
    memory = scan_files({
        "svc.py": '''
            from fastapi import FastAPI, Request
            from slowapi import Limiter
            from slowapi.util import get_remote_address

            limiter = Limiter(key_func=get_remote_address)
            app = FastAPI()
            app.state.limiter = limiter


            @app.post("/otp")
            @limiter.limit("3/minute")
            async def send_otp(request: Request):
                return {"sent": True}


            @app.get("/status")
            async def status():
                return {"ok": True}
            ''',
    })
    [finding] = findings(memory, "SL301")
    assert finding.severity == "error" and finding.symbol == "svc.limiter"
    assert [h.split("::")[1] for h in finding.handlers] == ["send_otp"]
    assert verdict(memory, "status") == "self-contained"


def test_slowapi_with_redis_storage_is_not_reported(scan_files):
    result = scan_files({
        "svc.py": '''
            import os

            from fastapi import FastAPI, Request
            from slowapi import Limiter
            from slowapi.util import get_remote_address

            limiter = Limiter(key_func=get_remote_address, storage_uri=os.environ["REDIS_URL"])
            app = FastAPI()


            @app.post("/otp")
            @limiter.limit("3/minute")
            async def send_otp(request: Request):
                return {"sent": True}
            ''',
    })
    assert findings(result, "SL301") == []


DJANGO_URLS = '''
    from django.urls import path

    from shop import views

    urlpatterns = [
        path("cart/", views.cart),
        path("api/orders/", views.OrderList.as_view()),
    ]
    '''

DJANGO_VIEWS = '''
    from django.core.cache import cache
    from django.http import JsonResponse
    from rest_framework.response import Response
    from rest_framework.views import APIView


    def cart(request):
        request.session["seen"] = True
        return JsonResponse({"items": cache.get(f"cart:{request.user.pk}", [])})


    class OrderList(APIView):
        def get(self, request):
            return Response([])
    '''


def test_django_locmem_cache_sessions_and_throttles(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/settings.py": '''
            INSTALLED_APPS = ["django.contrib.sessions", "rest_framework", "shop"]
            ROOT_URLCONF = "shop.urls"

            CACHES = {
                "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            }
            SESSION_ENGINE = "django.contrib.sessions.backends.cache"
            REST_FRAMEWORK = {
                "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
                "DEFAULT_THROTTLE_RATES": {"anon": "100/day"},
            }
            ''',
        "shop/urls.py": DJANGO_URLS,
        "shop/views.py": DJANGO_VIEWS,
    })
    by_symbol = {f.symbol: f for f in findings(result, "SL301")}
    assert set(by_symbol) == {"shop.settings.CACHES", "shop.settings.SESSION_ENGINE",
                              "shop.settings.REST_FRAMEWORK"}
    assert by_symbol["shop.settings.CACHES"].severity == "warning"
    assert [h.split("::")[1] for h in by_symbol["shop.settings.CACHES"].handlers] == ["cart"]
    sessions = by_symbol["shop.settings.SESSION_ENGINE"]
    assert sessions.severity == "error" and "LocMemCache" in sessions.message
    assert "django.contrib.sessions.backends.db" in sessions.suggestion
    throttles = by_symbol["shop.settings.REST_FRAMEWORK"]
    assert [h.split("::")[1] for h in throttles.handlers] == ["OrderList.get"]
    assert "RedisCache" in throttles.suggestion


def test_django_redis_cache_and_db_sessions_are_not_reported(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/settings.py": '''
            import os

            INSTALLED_APPS = ["django.contrib.sessions", "rest_framework", "shop"]
            CACHES = {
                "default": {
                    "BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": os.environ.get("REDIS_URL", "redis://localhost:6379/1"),
                },
            }
            SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
            REST_FRAMEWORK = {"DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"]}
            ''',
        "shop/settings_test.py": '''
            INSTALLED_APPS = ["shop"]
            CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
            ''',
        "shop/urls.py": DJANGO_URLS,
        "shop/views.py": DJANGO_VIEWS,
    })
    assert findings(result, "SL301") == []


def test_django_default_cache_without_caches_setting(scan_files):
    result = scan_files({
        "shop/__init__.py": "",
        "shop/settings.py": 'INSTALLED_APPS = ["shop"]\nROOT_URLCONF = "shop.urls"\n',
        "shop/urls.py": DJANGO_URLS,
        "shop/views.py": DJANGO_VIEWS,
    })
    [finding] = findings(result, "SL301")
    assert finding.symbol == "django.core.cache.cache"
    assert finding.path == "shop/views.py" and "no CACHES setting" in finding.message
    assert [h.split("::")[1] for h in finding.handlers] == ["cart"]


def test_channels_in_memory_layer_and_file_sessions(scan_files):
    result = scan_files({
        "site/__init__.py": "",
        "site/settings.py": '''
            INSTALLED_APPS = ["channels", "chat"]
            ASGI_APPLICATION = "site.asgi.application"
            CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
            SESSION_ENGINE = "django.contrib.sessions.backends.file"
            ''',
        "site/views.py": '''
            from django.http import JsonResponse


            def whoami(request):
                return JsonResponse({"user": request.session.get("user")})
            ''',
        "site/urls.py": '''
            from django.urls import path

            from site import views

            urlpatterns = [path("me/", views.whoami)]
            ''',
    })
    by_symbol = {f.symbol: f for f in findings(result, "SL301")}
    layer = by_symbol["site.settings.CHANNEL_LAYERS"]
    assert layer.severity == "error" and "channels_redis.core.RedisChannelLayer" in layer.suggestion
    sessions = by_symbol["site.settings.SESSION_ENGINE"]
    assert sessions.severity == "error" and "disk" in sessions.message
    assert verdict(result, "whoami") == "stateful"


def test_fastapi_cache_in_memory_backend_in_the_lifespan(scan_files):
    result = scan_files({
        "main.py": '''
            from contextlib import asynccontextmanager

            from fastapi import FastAPI
            from fastapi_cache import FastAPICache
            from fastapi_cache.backends.inmemory import InMemoryBackend
            from fastapi_cache.decorator import cache


            @asynccontextmanager
            async def lifespan(app: FastAPI):
                FastAPICache.init(InMemoryBackend(), prefix="api")
                yield


            app = FastAPI(lifespan=lifespan)


            @app.get("/leaderboard")
            @cache(expire=30)
            async def leaderboard():
                return {"top": []}


            @app.get("/ping")
            async def ping():
                return "pong"
            ''',
    })
    [finding] = findings(result, "SL301")
    assert finding.severity == "warning" and "RedisBackend" in finding.suggestion
    assert [h.split("::")[1] for h in finding.handlers] == ["leaderboard"]
    assert verdict(result, "ping") == "self-contained"


def test_flask_session_filesystem_and_aiocache_memory(scan_files):
    result = scan_files({
        "portal.py": '''
            from aiocache import Cache
            from flask import Flask, session
            from flask_session import Session

            app = Flask(__name__)
            app.config.from_mapping(SESSION_TYPE="filesystem", SESSION_PERMANENT=False)
            Session(app)
            lookups = Cache(Cache.MEMORY)


            @app.post("/login")
            def login():
                session["user"] = "ada"
                return "ok"
            ''',
    })
    by_library = {f.message.split(" ")[0]: f for f in findings(result, "SL301")}
    assert by_library["Flask-Session"].severity == "error"
    assert [h.split("::")[1] for h in by_library["Flask-Session"].handlers] == ["login"]
    assert by_library["aiocache"].severity == "warning"
    assert by_library["aiocache"].handlers == ()


# ---------------------------------------------------------------------------
# SL401 connection-registry
# ---------------------------------------------------------------------------


def test_module_set_of_websockets_is_owned_by_sl401(scan_files):
    from statelint.discover import discover
    from statelint.engine import collect_facts
    from statelint.project import Project
    from statelint.state import is_connection_registry

    files = {
        "live.py": '''
            from starlette.applications import Starlette
            from starlette.routing import Route, WebSocketRoute
            from starlette.responses import JSONResponse
            from starlette.websockets import WebSocket, WebSocketDisconnect

            clients: set[WebSocket] = set()


            async def feed(websocket: WebSocket):
                await websocket.accept()
                clients.add(websocket)
                try:
                    while True:
                        await websocket.receive_text()
                except WebSocketDisconnect:
                    clients.discard(websocket)


            async def publish(request):
                event = await request.json()
                for client in list(clients):
                    await client.send_json(event)
                return JSONResponse({"delivered": len(clients)})


            app = Starlette(routes=[WebSocketRoute("/feed", feed), Route("/publish", publish,
                                                                          methods=["POST"])])
            ''',
    }
    result = scan_files(files)
    [finding] = findings(result, "SL401")
    assert finding.symbol == "live.clients" and finding.severity == "error"
    assert finding.line == 6
    assert {h.split("::")[1] for h in finding.handlers} == {"feed", "publish"}
    assert "Redis pub/sub" in finding.suggestion
    project = Project(collect_facts(discover(["."]).files))
    assert is_connection_registry(project, "live.clients")


def test_connection_manager_instance_at_module_level(scan_files):
    result = scan_files({
        "app/__init__.py": "",
        "app/realtime.py": '''
            from fastapi import WebSocket


            class ConnectionManager:
                def __init__(self) -> None:
                    self.active_connections: list[WebSocket] = []

                async def connect(self, websocket: WebSocket) -> None:
                    await websocket.accept()
                    self.active_connections.append(websocket)

                async def broadcast(self, text: str) -> None:
                    for connection in self.active_connections:
                        await connection.send_text(text)


            manager = ConnectionManager()
            ''',
        "app/main.py": '''
            from fastapi import FastAPI, WebSocket

            from .realtime import manager

            app = FastAPI()


            @app.websocket("/ws")
            async def socket(websocket: WebSocket):
                await manager.connect(websocket)
                while True:
                    await websocket.receive_text()


            @app.get("/online")
            def online():
                return {"count": len(manager.active_connections)}
            ''',
    })
    [finding] = findings(result, "SL401")
    assert finding.symbol == "app.realtime.manager"
    assert (finding.path, finding.line) == ("app/realtime.py", 17)
    assert {h.split("::")[1] for h in finding.handlers} == {"socket", "online"}


def test_sse_subscriber_queues_and_a_dict_of_sockets_by_user(scan_files):
    result = scan_files({
        "notify.py": '''
            import asyncio

            from fastapi import FastAPI, WebSocket
            from fastapi.responses import StreamingResponse

            app = FastAPI()
            listeners: list[asyncio.Queue] = []
            connections: dict[str, WebSocket] = {}


            @app.get("/events")
            async def events():
                queue: asyncio.Queue = asyncio.Queue()
                listeners.append(queue)

                async def stream():
                    while True:
                        yield f"data: {await queue.get()}\\n\\n"

                return StreamingResponse(stream(), media_type="text/event-stream")


            @app.websocket("/ws/{user_id}")
            async def user_socket(websocket: WebSocket, user_id: str):
                await websocket.accept()
                connections[user_id] = websocket
                await websocket.receive_text()
            ''',
    })
    assert {f.symbol for f in findings(result, "SL401")} == {"notify.listeners",
                                                             "notify.connections"}


def test_task_sets_background_tasks_and_client_tables_are_not_registries(scan_files):
    result = scan_files({
        "svc.py": '''
            import asyncio
            import contextlib

            import httpx
            from fastapi import BackgroundTasks, FastAPI, WebSocket

            app = FastAPI()
            background_tasks = set()
            clients = {}


            async def pump(websocket: WebSocket) -> None:
                while True:
                    await websocket.send_text("tick")
                    await asyncio.sleep(1)


            @app.websocket("/ticks")
            async def ticks(websocket: WebSocket):
                await websocket.accept()
                tasks = set()
                task = asyncio.create_task(pump(websocket))
                tasks.add(task)
                background_tasks.add(task)
                task.add_done_callback(background_tasks.discard)
                try:
                    await websocket.receive_text()
                finally:
                    for pending in tasks:
                        pending.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await pending


            def notify(email: str) -> None:
                httpx.post("https://mail.internal/send", json={"to": email})


            @app.post("/signup")
            async def signup(email: str, tasks: BackgroundTasks):
                tasks.add_task(notify, email)
                clients[email] = {"plan": "free"}
                return {"ok": True}
            ''',
    })
    assert findings(result, "SL401") == []
