"""Handler discovery per framework idiom, per-request hooks, route prefixes and look-alikes.

Each test scans a small, realistic service and checks what statelint reports as its
request handlers: names, framework, route, methods, kind, and (for hooks) the verdict,
since a hook is an entry point of the handlers it runs for rather than a handler.
"""

from __future__ import annotations

from statelint.config import Config
from statelint.engine import scan
from statelint.model import ScanResult, Verdict


def verdicts(result: ScanResult) -> dict[str, Verdict]:
    """Verdicts by handler name (every name in these apps is unique)."""
    found = {verdict.handler.name: verdict for verdict in result.verdicts}
    assert len(found) == len(result.verdicts), [v.handler.name for v in result.verdicts]
    return found


def routes(result: ScanResult) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """``name -> (framework, route, methods)`` for every handler."""
    return {name: (v.handler.framework, v.handler.route, v.handler.methods)
            for name, v in verdicts(result).items()}


def stateful(result: ScanResult) -> set[str]:
    return {name for name, v in verdicts(result).items() if v.verdict == "stateful"}


# ---------------------------------------------------------------------------
# Flask and Quart
# ---------------------------------------------------------------------------


def test_flask_blueprint_prefixes_join_into_routes(scan_files):
    result = scan_files({
        "shop/__init__.py": """
            from flask import Flask

            from .views import cart, orders


            def create_app():
                app = Flask(__name__)
                app.register_blueprint(cart.bp)
                app.register_blueprint(orders.bp, url_prefix="/v2/orders")
                return app
        """,
        "shop/views/__init__.py": "",
        "shop/views/cart.py": """
            from flask import Blueprint, jsonify

            bp = Blueprint("cart", __name__, url_prefix="/cart")


            @bp.get("/")
            def view_cart():
                return jsonify(items=[])


            @bp.route("/items", methods=["POST", "PUT"])
            def add_item():
                return jsonify(ok=True), 201
        """,
        "shop/views/orders.py": """
            from flask import Blueprint, jsonify

            bp = Blueprint("orders", __name__, url_prefix="/orders")


            @bp.get("/<int:order_id>")
            def order_status(order_id):
                return jsonify(id=order_id)
        """,
    })
    assert routes(result) == {
        "view_cart": ("flask", "/cart/", ("GET",)),
        "add_item": ("flask", "/cart/items", ("POST", "PUT")),
        # register_blueprint(url_prefix=) replaces the blueprint's own prefix
        "order_status": ("flask", "/v2/orders/<int:order_id>", ("GET",)),
    }


def test_routes_on_the_app_an_app_factory_returns(scan_files):
    result = scan_files({
        "svc/__init__.py": """
            from flask import Blueprint, Flask

            def create_app():
                admin = Blueprint("admin", __name__)
                app = Flask(__name__)
                app.register_blueprint(admin)
                return app
        """,
        "svc/wsgi.py": """
            from flask import jsonify

            from . import create_app

            app = create_app()


            @app.get("/version")
            def version():
                return jsonify(version="1.0")
        """,
    })
    assert routes(result) == {"version": ("flask", "/version", ("GET",))}


def test_flask_before_request_hook_makes_the_apps_handlers_stateful(scan_files):
    result = scan_files({
        "api/app.py": """
            import time

            from flask import Flask, g, jsonify

            app = Flask(__name__)
            REQUEST_TIMES = []


            @app.before_request
            def start_timer():
                g.started = time.monotonic()
                REQUEST_TIMES.append(g.started)


            @app.get("/health")
            def health():
                return jsonify(status="ok")


            @app.post("/echo")
            def echo():
                return jsonify(ok=True)
        """,
    })
    assert stateful(result) == {"health", "echo"}
    reason = verdicts(result)["health"].reasons[0]
    assert reason.symbol == "api.app.REQUEST_TIMES"
    # the chain starts at the hook (``def start_timer`` on line 10), which runs as
    # part of the handler's request
    assert reason.trace[0].line == 10
    # hooks are entry points, never handlers of their own
    assert "start_timer" not in verdicts(result)


def test_blueprint_hooks_run_only_for_that_blueprint_unless_app_wide(scan_files):
    result = scan_files({
        "site/app.py": """
            from flask import Flask

            from .admin import admin
            from .public import public

            app = Flask(__name__)
            app.register_blueprint(admin, url_prefix="/admin")
            app.register_blueprint(public)
        """,
        "site/__init__.py": "",
        "site/admin.py": """
            from flask import Blueprint, jsonify, request

            admin = Blueprint("admin", __name__)
            AUDIT = []
            SEEN_AGENTS = set()


            @admin.before_request
            def audit():
                AUDIT.append(request.path)


            @admin.before_app_request
            def count_agents():
                SEEN_AGENTS.add(request.user_agent.string)


            @admin.get("/users")
            def list_users():
                return jsonify([])
        """,
        "site/public.py": """
            from flask import Blueprint, jsonify

            public = Blueprint("public", __name__)


            @public.get("/")
            def home():
                return jsonify(hello="world")
        """,
    })
    reasons = {name: {r.symbol for r in v.reasons if r.symbol} for name, v in verdicts(result).items()}
    assert reasons["list_users"] == {"site.admin.AUDIT", "site.admin.SEEN_AGENTS"}
    # before_request on the admin blueprint does not run for public routes;
    # before_app_request does, for every request of the application
    assert reasons["home"] == {"site.admin.SEEN_AGENTS"}
    assert routes(result)["list_users"] == ("flask", "/admin/users", ("GET",))


def test_hook_registered_on_an_app_passed_to_init_app(scan_files):
    result = scan_files({
        "svc/app.py": """
            from flask import Flask, jsonify

            from .tracking import init_app

            app = Flask(__name__)
            init_app(app)


            @app.get("/ping")
            def ping():
                return jsonify(pong=True)
        """,
        "svc/__init__.py": "",
        "svc/tracking.py": """
            from flask import Flask, request

            HITS = {}


            def init_app(app: Flask) -> None:
                @app.after_request
                def count(response):
                    HITS[request.endpoint] = HITS.get(request.endpoint, 0) + 1
                    return response
        """,
    })
    assert stateful(result) == {"ping"}


def test_quart_app_blueprint_and_websocket(scan_files):
    result = scan_files({
        "board/app.py": """
            from quart import Blueprint, Quart, jsonify, websocket

            api = Blueprint("api", __name__, url_prefix="/api")
            app = Quart(__name__)


            @api.get("/games")
            async def list_games():
                return jsonify([])


            @app.websocket("/ws")
            async def scores():
                await websocket.send_json({"ok": True})


            app.register_blueprint(api)
        """,
    })
    found = verdicts(result)
    assert routes(result) == {
        "list_games": ("quart", "/api/games", ("GET",)),
        "scores": ("quart", "/ws", ()),
    }
    assert found["scores"].handler.kind == "websocket"


# ---------------------------------------------------------------------------
# FastAPI and Starlette
# ---------------------------------------------------------------------------


def test_fastapi_router_prefixes_add_up(scan_files):
    result = scan_files({
        "chat/main.py": """
            from fastapi import FastAPI

            from .rooms import router as rooms_router

            app = FastAPI()
            app.include_router(rooms_router, prefix="/v1")
        """,
        "chat/__init__.py": "",
        "chat/rooms.py": """
            from fastapi import APIRouter

            router = APIRouter(prefix="/rooms", tags=["rooms"])


            @router.get("/{room_id}")
            async def room_detail(room_id: int):
                return {"id": room_id}


            @router.websocket("/{room_id}/ws")
            async def room_socket(websocket, room_id: int):
                await websocket.accept()
        """,
    })
    found = verdicts(result)
    assert routes(result) == {
        "room_detail": ("fastapi", "/v1/rooms/{room_id}", ("GET",)),
        "room_socket": ("fastapi", "/v1/rooms/{room_id}/ws", ()),
    }
    assert found["room_socket"].handler.kind == "websocket"


def test_fastapi_middleware_function_and_class_run_for_every_request(scan_files):
    result = scan_files({
        "svc/main.py": """
            import time

            from fastapi import FastAPI, Request
            from starlette.middleware.base import BaseHTTPMiddleware

            LATENCIES = []
            CLIENTS = set()


            class ClientTracker(BaseHTTPMiddleware):
                async def dispatch(self, request: Request, call_next):
                    CLIENTS.add(request.client.host)
                    return await call_next(request)


            app = FastAPI()
            app.add_middleware(ClientTracker)


            @app.middleware("http")
            async def timing(request: Request, call_next):
                started = time.perf_counter()
                response = await call_next(request)
                LATENCIES.append(time.perf_counter() - started)
                return response


            @app.get("/health")
            async def health():
                return {"status": "ok"}
        """,
    })
    health = verdicts(result)["health"]
    assert health.verdict == "stateful"
    assert {r.symbol for r in health.reasons} == {"svc.main.LATENCIES", "svc.main.CLIENTS"}
    assert set(verdicts(result)) == {"health"}


def test_fastapi_router_dependencies_run_only_for_that_router(scan_files):
    result = scan_files({
        "svc/main.py": """
            from fastapi import APIRouter, Depends, FastAPI, Header

            FAILED_LOGINS = {}


            def require_token(x_token: str = Header()):
                if x_token != "secret":
                    FAILED_LOGINS[x_token] = FAILED_LOGINS.get(x_token, 0) + 1


            admin = APIRouter(prefix="/admin", dependencies=[Depends(require_token)])
            public = APIRouter()


            @admin.post("/reindex")
            async def reindex():
                return {"started": True}


            @public.get("/")
            async def home():
                return {"hello": "world"}


            app = FastAPI()
            app.include_router(admin)
            app.include_router(public)
        """,
    })
    assert stateful(result) == {"reindex"}
    assert routes(result)["reindex"] == ("fastapi", "/admin/reindex", ("POST",))


def test_fastapi_route_level_dependencies(scan_files):
    result = scan_files({
        "svc/main.py": """
            from fastapi import Depends, FastAPI

            app = FastAPI()
            CALLS = []


            def record_call():
                CALLS.append(1)


            @app.get("/tracked", dependencies=[Depends(record_call)])
            async def tracked():
                return {}


            @app.get("/plain")
            async def plain():
                return {}
        """,
    })
    assert stateful(result) == {"tracked"}


def test_starlette_route_lists_mounts_endpoints_and_app_methods(scan_files):
    result = scan_files({
        "status/app.py": """
            from starlette.applications import Starlette
            from starlette.endpoints import HTTPEndpoint, WebSocketEndpoint
            from starlette.responses import JSONResponse, PlainTextResponse
            from starlette.routing import Mount, Route, WebSocketRoute


            async def homepage(request):
                return PlainTextResponse("ok")


            async def ack(request):
                return JSONResponse({}, status_code=201)


            class Incidents(HTTPEndpoint):
                async def get(self, request):
                    return JSONResponse([])

                async def post(self, request):
                    return JSONResponse({}, status_code=201)


            class Live(WebSocketEndpoint):
                async def on_receive(self, websocket, data):
                    await websocket.send_text(data)


            api_routes = [
                Route("/incidents", Incidents),
                Route("/incidents/{id:int}/ack", ack, methods=["POST"]),
            ]

            app = Starlette(routes=[
                Route("/", homepage),
                Mount("/api", routes=api_routes),
                WebSocketRoute("/live", Live),
            ])


            async def robots(request):
                return PlainTextResponse("User-agent: *")


            app.add_route("/robots.txt", robots)


            @app.route("/version")
            async def version(request):
                return JSONResponse({"version": 1})
        """,
    })
    found = verdicts(result)
    assert routes(result) == {
        "homepage": ("starlette", "/", ("GET",)),
        "ack": ("starlette", "/api/incidents/{id:int}/ack", ("POST",)),
        "Incidents.get": ("starlette", "/api/incidents", ("GET",)),
        "Incidents.post": ("starlette", "/api/incidents", ("POST",)),
        "Live.on_receive": ("starlette", "/live", ()),
        "robots": ("starlette", "/robots.txt", ("GET",)),
        "version": ("starlette", "/version", ("GET",)),
    }
    assert found["Live.on_receive"].handler.kind == "websocket"


def test_starlette_middleware_listed_in_the_constructor(scan_files):
    result = scan_files({
        "svc/app.py": """
            from starlette.applications import Starlette
            from starlette.middleware import Middleware
            from starlette.responses import PlainTextResponse
            from starlette.routing import Route

            SEEN = set()


            class RecordHosts:
                def __init__(self, app):
                    self.app = app

                async def __call__(self, scope, receive, send):
                    SEEN.add(scope["server"])
                    await self.app(scope, receive, send)


            async def index(request):
                return PlainTextResponse("hi")


            app = Starlette(routes=[Route("/", index)], middleware=[Middleware(RecordHosts)])
        """,
    })
    assert stateful(result) == {"index"}


# ---------------------------------------------------------------------------
# aiohttp, Tornado, Sanic
# ---------------------------------------------------------------------------


def test_aiohttp_route_table_router_methods_and_views(scan_files):
    result = scan_files({
        "short/views.py": """
            from aiohttp import web

            routes = web.RouteTableDef()


            @routes.post("/links")
            async def create_link(request):
                return web.json_response({}, status=201)


            @routes.view("/links/{code}")
            class LinkView(web.View):
                async def get(self):
                    return web.json_response({})

                async def delete(self):
                    return web.Response(status=204)


            async def health(request):
                return web.Response(text="ok")


            async def metrics(request):
                return web.Response(text="")


            class StatsView(web.View):
                async def get(self):
                    return web.json_response({})
        """,
        "short/app.py": """
            from aiohttp import web

            from . import views


            def create_app():
                app = web.Application()
                app.router.add_get("/healthz", views.health)
                app.router.add_view("/stats", views.StatsView)
                app.add_routes(views.routes)
                app.add_routes([web.get("/metrics", views.metrics)])
                return app
        """,
        "short/__init__.py": "",
    })
    assert routes(result) == {
        "create_link": ("aiohttp", "/links", ("POST",)),
        "LinkView.get": ("aiohttp", "/links/{code}", ("GET",)),
        "LinkView.delete": ("aiohttp", "/links/{code}", ("DELETE",)),
        "health": ("aiohttp", "/healthz", ("GET",)),
        "metrics": ("aiohttp", "/metrics", ("GET",)),
        "StatsView.get": ("aiohttp", "/stats", ("GET",)),
    }


def test_aiohttp_middlewares_run_for_the_apps_handlers(scan_files):
    result = scan_files({
        "svc/app.py": """
            from aiohttp import web

            ERRORS = []


            @web.middleware
            async def error_log(request, handler):
                try:
                    return await handler(request)
                except web.HTTPException as exc:
                    ERRORS.append(exc.status)
                    raise


            async def index(request):
                return web.Response(text="hi")


            app = web.Application(middlewares=[error_log])
            app.router.add_get("/", index)
        """,
    })
    assert stateful(result) == {"index"}


def test_tornado_handlers_from_application_routes(scan_files):
    result = scan_files({
        "chat/handlers.py": """
            import tornado.web
            import tornado.websocket

            REQUESTS = {}


            class BaseHandler(tornado.web.RequestHandler):
                def prepare(self):
                    REQUESTS[self.request.path] = REQUESTS.get(self.request.path, 0) + 1

                def get_current_user(self):
                    return self.get_secure_cookie("user")


            class MainHandler(BaseHandler):
                async def get(self):
                    self.write("hello")


            class Socket(tornado.websocket.WebSocketHandler):
                def open(self):
                    pass

                def on_message(self, message):
                    self.write_message(message)


            class Quiet(tornado.web.RequestHandler):
                async def get(self):
                    self.write("quiet")
        """,
        "chat/app.py": """
            import tornado.web
            from tornado.web import url

            from .handlers import MainHandler, Quiet, Socket


            def make_app():
                return tornado.web.Application([
                    (r"/", MainHandler),
                    url(r"/quiet", Quiet, name="quiet"),
                    (r"/socket", Socket),
                ])
        """,
        "chat/__init__.py": "",
    })
    found = verdicts(result)
    assert routes(result) == {
        "MainHandler.get": ("tornado", "/", ("GET",)),
        "Quiet.get": ("tornado", "/quiet", ("GET",)),
        "Socket.open": ("tornado", "/socket", ()),
        "Socket.on_message": ("tornado", "/socket", ()),
    }
    assert found["Socket.on_message"].handler.kind == "websocket"
    # prepare() runs before every verb of the handler that inherits it
    assert stateful(result) == {"MainHandler.get"}


def test_sanic_app_blueprint_add_route_and_method_view(scan_files):
    result = scan_files({
        "inv/server.py": """
            from sanic import Blueprint, Sanic
            from sanic.response import json
            from sanic.views import HTTPMethodView

            app = Sanic("inventory")
            bp = Blueprint("orders", url_prefix="/orders")


            @app.get("/health")
            async def health(request):
                return json({"ok": True})


            @app.route("/items/<sku:str>/restock", methods=["POST"])
            async def restock(request, sku):
                return json({})


            @bp.delete("/<order_id:int>")
            async def cancel_order(request, order_id):
                return json({})


            @app.websocket("/feed")
            async def feed(request, ws):
                await ws.send("hi")


            async def legacy(request):
                return json({})


            class ItemView(HTTPMethodView):
                async def get(self, request, sku):
                    return json({})


            app.add_route(legacy, "/legacy", methods=["GET"])
            app.add_route(ItemView.as_view(), "/items/<sku>")
            app.blueprint(bp)
        """,
    })
    found = verdicts(result)
    assert routes(result) == {
        "health": ("sanic", "/health", ("GET",)),
        "restock": ("sanic", "/items/<sku:str>/restock", ("POST",)),
        "cancel_order": ("sanic", "/orders/<order_id:int>", ("DELETE",)),
        "feed": ("sanic", "/feed", ()),
        "legacy": ("sanic", "/legacy", ("GET",)),
        "ItemView.get": ("sanic", "/items/<sku>", ("GET",)),
    }
    assert found["feed"].handler.kind == "websocket"


# ---------------------------------------------------------------------------
# Litestar, Falcon, Bottle, Pyramid
# ---------------------------------------------------------------------------


def test_litestar_functions_controllers_and_routers(scan_files):
    result = scan_files({
        "lib/app.py": """
            from litestar import Controller, Litestar, Router, get, post, websocket


            @get("/health")
            async def health() -> dict:
                return {"status": "ok"}


            class BookController(Controller):
                path = "/books"

                @get()
                async def list_books(self) -> list:
                    return []

                @post("/{book_id:int}/holds")
                async def place_hold(self, book_id: int) -> dict:
                    return {}

                def _helper(self) -> None:
                    pass


            @websocket("/live")
            async def live(socket) -> None:
                await socket.accept()


            @get("/items")
            async def list_items() -> list:
                return []


            v1 = Router(path="/v1", route_handlers=[list_items])
            app = Litestar(route_handlers=[health, BookController, live, v1])
        """,
    })
    found = verdicts(result)
    assert routes(result) == {
        "health": ("litestar", "/health", ("GET",)),
        "BookController.list_books": ("litestar", "/books", ("GET",)),
        "BookController.place_hold": ("litestar", "/books/{book_id:int}/holds", ("POST",)),
        "live": ("litestar", "/live", ()),
        "list_items": ("litestar", "/v1/items", ("GET",)),
    }
    assert found["live"].handler.kind == "websocket"


def test_falcon_resources_and_suffixed_responders(scan_files):
    result = scan_files({
        "kiosk/resources.py": """
            import falcon


            class Orders:
                def __init__(self, engine):
                    self._engine = engine

                def on_get(self, req, resp):
                    resp.media = []

                def on_post(self, req, resp):
                    resp.status = falcon.HTTP_201

                def on_get_item(self, req, resp, order_id):
                    resp.media = {}

                def on_delete_item(self, req, resp, order_id):
                    resp.status = falcon.HTTP_204

                def on_put_unrouted(self, req, resp):
                    pass

                def _load(self, order_id):
                    return None


            class Health:
                def on_get(self, req, resp):
                    resp.media = {"status": "ok"}
        """,
        "kiosk/app.py": """
            import falcon

            from .resources import Health, Orders

            app = falcon.App()
            orders = Orders(engine=None)
            app.add_route("/orders", orders)
            app.add_route("/orders/{order_id}", orders, suffix="item")
            app.add_route("/health", Health())
        """,
        "kiosk/__init__.py": "",
    })
    assert routes(result) == {
        "Orders.on_get": ("falcon", "/orders", ("GET",)),
        "Orders.on_post": ("falcon", "/orders", ("POST",)),
        "Orders.on_get_item": ("falcon", "/orders/{order_id}", ("GET",)),
        "Orders.on_delete_item": ("falcon", "/orders/{order_id}", ("DELETE",)),
        "Health.on_get": ("falcon", "/health", ("GET",)),
    }


def test_falcon_middleware_components_are_hooks(scan_files):
    result = scan_files({
        "svc/app.py": """
            import falcon

            TOKENS_SEEN = set()


            class AuthMiddleware:
                def process_request(self, req, resp):
                    TOKENS_SEEN.add(req.get_header("Authorization"))


            class Ping:
                def on_get(self, req, resp):
                    resp.media = {"pong": True}


            app = falcon.App(middleware=[AuthMiddleware()])
            app.add_route("/ping", Ping())
        """,
    })
    assert stateful(result) == {"Ping.on_get"}


def test_bottle_module_decorators_app_decorators_and_route_calls(scan_files):
    result = scan_files({
        "paste/app.py": """
            import bottle
            from bottle import Bottle, get, route

            app = Bottle()


            @route("/")
            def index():
                return "hi"


            @get("/about")
            def about():
                return "about"


            @app.post("/pastes")
            def create_paste():
                return {}


            @bottle.route("/legacy", method=["GET", "POST"])
            def legacy():
                return ""


            def stats_page():
                return {}


            app.route("/stats", "GET", stats_page)
        """,
    })
    assert routes(result) == {
        "index": ("bottle", "/", ("GET",)),
        "about": ("bottle", "/about", ("GET",)),
        "create_paste": ("bottle", "/pastes", ("POST",)),
        "legacy": ("bottle", "/legacy", ("GET", "POST")),
        "stats_page": ("bottle", "/stats", ("GET",)),
    }


def test_pyramid_view_config_view_classes_and_add_view(scan_files):
    result = scan_files({
        "wiki/__init__.py": """
            from pyramid.config import Configurator

            from .admin import purge


            def main(global_config, **settings):
                with Configurator(settings=settings) as config:
                    config.include(".routes")
                    config.add_view(purge, route_name="purge", request_method="POST")
                    config.scan(".views")
                return config.make_wsgi_app()
        """,
        "wiki/routes.py": """
            def includeme(config):
                config.add_route("home", "/")
                config.add_route("page", "/pages/{title}")
                config.add_route("purge", "/admin/purge")
        """,
        "wiki/admin.py": """
            def purge(request):
                return {"purged": 0}
        """,
        "wiki/views.py": """
            from pyramid.view import view_config, view_defaults

            VIEWS = {}


            @view_config(route_name="home", renderer="json")
            def home(request):
                return {}


            @view_defaults(route_name="page", renderer="json")
            class PageViews:
                def __init__(self, request):
                    self.request = request
                    VIEWS[request.matchdict["title"]] = VIEWS.get(request.matchdict["title"], 0) + 1

                @view_config(request_method="GET")
                def show(self):
                    return {}

                def _page(self):
                    return None
        """,
    })
    assert routes(result) == {
        "home": ("pyramid", "/", ()),
        "PageViews.show": ("pyramid", "/pages/{title}", ("GET",)),
        "purge": ("pyramid", "/admin/purge", ("POST",)),
    }
    # a view class is built with the request for each call: __init__ is per request
    assert stateful(result) == {"PageViews.show"}


# ---------------------------------------------------------------------------
# Django
# ---------------------------------------------------------------------------


DJANGO_SITE = {
    "site/settings.py": """
        MIDDLEWARE = [
            "django.middleware.security.SecurityMiddleware",
            "site.middleware.VisitCounter",
        ]
        ROOT_URLCONF = "site.urls"
    """,
    "site/__init__.py": "",
    "site/middleware.py": """
        VISITS = {}


        class VisitCounter:
            def __init__(self, get_response):
                self.get_response = get_response

            def __call__(self, request):
                VISITS[request.path] = VISITS.get(request.path, 0) + 1
                return self.get_response(request)
    """,
    "site/urls.py": """
        from django.urls import include, path

        urlpatterns = [
            path("api/v1/", include("notes.urls")),
        ]
    """,
    "notes/__init__.py": "",
    "notes/urls.py": """
        from django.urls import path, re_path

        from . import views

        urlpatterns = [
            path("notes/<int:pk>/", views.note_detail),
            re_path(r"^tags/(?P<tag>[a-z]+)/$", views.NotesByTag.as_view()),
        ]
    """,
    "notes/views.py": """
        from django.http import JsonResponse
        from django.views import View


        def note_detail(request, pk):
            return JsonResponse({"id": pk})


        class NotesByTag(View):
            def get(self, request, tag):
                return JsonResponse({"tag": tag})
    """,
}


def test_django_include_prefixes_and_settings_middleware(scan_files):
    result = scan_files(DJANGO_SITE)
    assert routes(result) == {
        "note_detail": ("django", "api/v1/notes/<int:pk>/", ()),
        "NotesByTag.get": ("django", "api/v1/tags/(?P<tag>[a-z]+)/$", ("GET",)),
    }
    # middleware listed in MIDDLEWARE runs for every request of the site
    assert stateful(result) == {"note_detail", "NotesByTag.get"}
    assert {r.symbol for r in verdicts(result)["note_detail"].reasons} == {"site.middleware.VISITS"}


# ---------------------------------------------------------------------------
# Configured decorators and base classes
# ---------------------------------------------------------------------------


CUSTOM_APP = {
    "myapp/__init__.py": "",
    "myapp/web.py": """
        ROUTES = {}


        def route(path):
            def register(func):
                ROUTES[path] = func
                return func
            return register


        class BaseHandler:
            def get(self, request):
                raise NotImplementedError
    """,
    "myapp/views.py": """
        from myapp import web
        from myapp.web import BaseHandler, route


        @route("/hello")
        def hello(request):
            return "hello"


        @web.route("/bye")
        def bye(request):
            return "bye"


        class Greeting(BaseHandler):
            def get(self, request):
                return "hi"

            def post(self, request):
                return "posted"

            def _render(self):
                return ""
    """,
}


def test_configured_decorators_match_dotted_names_and_suffixes(scan_files):
    for patterns in (("myapp.web.route",), ("web.route",), ("route",), ("myapp.web.*",)):
        result = scan_files(CUSTOM_APP, config=Config(handler_decorators=patterns))
        assert routes(result) == {
            "hello": ("custom", "/hello", ()),
            "bye": ("custom", "/bye", ()),
        }, patterns


def test_configured_base_classes_make_subclass_verbs_handlers(scan_files):
    for patterns in (("myapp.web.BaseHandler",), ("BaseHandler",)):
        result = scan_files(CUSTOM_APP, config=Config(handler_base_classes=patterns))
        # the base class itself is not a handler; only its subclasses' verbs are
        assert routes(result) == {
            "Greeting.get": ("custom", "", ("GET",)),
            "Greeting.post": ("custom", "", ("POST",)),
        }, patterns


def test_nothing_configured_means_no_custom_handlers(scan_files):
    assert scan_files(CUSTOM_APP).verdicts == []


# ---------------------------------------------------------------------------
# Look-alikes that are not request handlers
# ---------------------------------------------------------------------------


def test_get_and_route_decorators_on_objects_that_are_not_apps(scan_files):
    result = scan_files({
        "svc/cache.py": """
            class Cache:
                def get(self, key):
                    def wrap(func):
                        return func
                    return wrap


            cache = Cache()
        """,
        "svc/__init__.py": "",
        "svc/views.py": """
            from cachetools import cached
            from fastapi import FastAPI

            from .cache import cache
            from .registry import handlers

            app = FastAPI()
            SETTINGS = {"get": None}


            @cache.get("user")
            def load_user(user_id):
                return {"id": user_id}


            @handlers.route("/not-http")
            def on_event(event):
                return event


            @app.get("/real")
            async def real():
                return {}
        """,
        "svc/registry.py": """
            class Registry:
                def route(self, name):
                    return lambda func: func


            handlers = Registry()
        """,
    })
    assert set(verdicts(result)) == {"real"}


def test_cli_commands_tasks_and_fixtures_are_not_handlers(scan_files):
    result = scan_files({
        "tools/cli.py": """
            import click
            import typer

            app = typer.Typer()


            @app.command()
            def migrate(revision: str = "head"):
                print(revision)


            @click.group()
            def cli():
                pass


            @cli.command()
            def seed():
                print("seeded")
        """,
        "tools/tasks.py": """
            from celery import Celery, shared_task

            celery_app = Celery("tasks")


            @celery_app.task
            def send_email(address):
                return address


            @shared_task
            def cleanup():
                return None
        """,
        "tests/test_api.py": """
            import pytest
            from flask import Flask


            @pytest.fixture
            def app():
                app = Flask(__name__)
                return app


            def test_get(app):
                client = app.test_client()
                assert client.get("/").status_code == 404
        """,
    })
    assert result.verdicts == []


def test_unregistered_tornado_base_without_verbs_is_not_a_handler(scan_files):
    result = scan_files({
        "svc/base.py": """
            import tornado.web


            class BaseHandler(tornado.web.RequestHandler):
                def get_current_user(self):
                    return self.get_secure_cookie("user")

                def write_error(self, status_code, **kwargs):
                    self.finish({"error": status_code})
        """,
    })
    assert result.verdicts == []


def test_app_imported_from_an_unscanned_first_party_module(scan_files, tmp_path):
    """Scanning only the views package: the app lives in a module outside the scan."""
    scan_files({
        "svc/__init__.py": "",
        "svc/app.py": """
            from flask import Flask

            app = Flask(__name__)
        """,
        "svc/views/__init__.py": "",
        "svc/views/pages.py": """
            from flask import jsonify
            from cachetools import cache

            from svc.app import app


            @app.get("/about")
            def about():
                return jsonify(page="about")


            @cache.get("about")
            def cached_about():
                return "about"
        """,
    })
    result = scan([str(tmp_path / "svc" / "views")])
    # ``app`` comes from the service's own package and the module imports flask;
    # ``cache`` comes from a library and is never taken for an app
    assert routes(result) == {"about": ("flask", "/about", ("GET",))}


def test_hooks_added_through_a_helper_follow_the_app_passed_to_it(scan_files):
    result = scan_files({
        "svc/tracking.py": """
            from flask import request

            HITS = {}


            def install_tracking(app):
                @app.before_request
                def count():
                    HITS[request.path] = HITS.get(request.path, 0) + 1
        """,
        "svc/__init__.py": "",
        "svc/public.py": """
            from flask import Flask, jsonify

            from .tracking import install_tracking

            public = Flask("public")
            install_tracking(public)


            @public.get("/")
            def home():
                return jsonify(hello="world")
        """,
        "svc/internal.py": """
            from flask import Flask, jsonify

            internal = Flask("internal")


            @internal.get("/metrics")
            def metrics():
                return jsonify({})
        """,
    })
    # the hook runs in the public app only: the internal app never calls the helper
    assert stateful(result) == {"home"}


def test_hooks_a_flask_extension_registers_with_its_own_methods(scan_files):
    result = scan_files({
        "shop/__init__.py": """
            from flask import Flask

            from .extensions import init_extensions
            from .views import admin, bp


            def create_app():
                app = Flask(__name__)
                app.register_blueprint(bp)
                app.register_blueprint(admin)
                init_extensions(app)
                return app
        """,
        "shop/extensions.py": """
            from flask import request

            from .views import admin

            LAST_SEEN = {}
            AUDIT = []


            class Tracker:
                def init_app(self, app):
                    app.before_request(self._track)

                def _track(self):
                    LAST_SEEN[request.remote_addr] = request.path


            def audit():
                AUDIT.append(request.path)


            def register_admin_hooks(blueprint):
                blueprint.before_request(audit)


            tracker = Tracker()


            def init_extensions(app):
                tracker.init_app(app)
                register_admin_hooks(admin)
        """,
        "shop/views.py": """
            from flask import Blueprint, jsonify

            bp = Blueprint("shop", __name__, url_prefix="/shop")
            admin = Blueprint("admin", __name__, url_prefix="/admin")


            @bp.get("/products")
            def products():
                return jsonify([])


            @admin.get("/stats")
            def stats():
                return jsonify({})
        """,
    })
    assert stateful(result) == {"products", "stats"}
    by_symbol = {finding.symbol: finding for finding in result.findings}
    # each hook's finding lists the handlers it runs for, and its chain starts at the hook
    assert set(by_symbol["shop.extensions.LAST_SEEN"].handlers) == {
        "shop/views.py::products", "shop/views.py::stats"}
    assert by_symbol["shop.extensions.LAST_SEEN"].trace[0].message.startswith(
        "hook Tracker._track, run for handler ")
    assert set(by_symbol["shop.extensions.AUDIT"].handlers) == {"shop/views.py::stats"}


def test_dependencies_of_a_router_without_handlers_stay_there(scan_files):
    result = scan_files({
        "svc/main.py": """
            from fastapi import APIRouter, Depends, FastAPI

            AUDIT = []


            def audit():
                AUDIT.append("admin call")


            admin = APIRouter(prefix="/admin", dependencies=[Depends(audit)])
            app = FastAPI()


            @app.get("/")
            async def home():
                return {}
        """,
    })
    assert set(verdicts(result)) == {"home"}
    assert stateful(result) == set()


# ---------------------------------------------------------------------------
# Routes as the framework lists them
# ---------------------------------------------------------------------------


def _routes_of(result: ScanResult, name: str) -> list[tuple[str, tuple[str, ...], str]]:
    route_list = verdicts(result)[name].handler.all_routes
    return [(route.path, route.methods, route.endpoint) for route in route_list]


def test_stacked_route_decorators_give_one_route_each(scan_files):
    result = scan_files({
        "blog/app.py": """
            from flask import Flask, jsonify

            app = Flask(__name__)


            @app.route("/posts")
            @app.route("/articles", methods=["GET", "POST"])
            @app.get("/feed", endpoint="feed")
            def posts():
                return jsonify(posts=[])
        """,
    })
    assert _routes_of(result, "posts") == [
        ("/posts", ("GET",), "posts"),
        ("/articles", ("GET", "POST"), "posts"),
        ("/feed", ("GET",), "feed"),
    ]
    handler = verdicts(result)["posts"].handler
    assert handler.all_routes[0].added_methods == ("HEAD", "OPTIONS")
    assert handler.all_routes[1].added_methods == ("HEAD", "OPTIONS")


def test_a_flask_restful_api_on_a_blueprint_takes_the_blueprint_prefix(scan_files):
    result = scan_files({
        "inventory/__init__.py": """
            from flask import Blueprint, Flask
            from flask_restful import Api

            from .resources import report
            from .resources.items import Items

            bp = Blueprint("api", __name__, url_prefix="/api")
            api = Api(bp)
            api.add_resource(Items, "/items")
            api.add_resource(report, "/report")


            def create_app():
                app = Flask(__name__)
                app.register_blueprint(bp)
                return app
        """,
        "inventory/resources/__init__.py": "from .report import report\n",
        "inventory/resources/report.py": """
            from flask_restful import Resource


            class report(Resource):
                def get(self):
                    return {"total": 3}
        """,
        "inventory/resources/items.py": """
            from flask_restful import Resource


            class Items(Resource):
                def get(self):
                    return []
        """,
    })
    # the class named like its module is the resource the package exports
    assert _routes_of(result, "report.get") == [("/api/report", ("GET",), "api.report")]
    assert _routes_of(result, "Items.get") == [("/api/items", ("GET",), "api.items")]


def test_a_vendored_framework_re_exported_or_star_imported_is_the_framework(scan_files):
    result = scan_files({
        "svc/__init__.py": "",
        "svc/bottle.py": """
            class Bottle:
                def route(self, path, method="GET"):
                    def decorate(callback):
                        return callback
                    return decorate

                def get(self, path):
                    return self.route(path)
        """,
        "svc/compat.py": "from .bottle import *  # noqa: F403\nfrom .bottle import Bottle\n",
        "svc/app.py": """
            from .compat import Bottle

            app = Bottle()
            VISITS = []


            @app.route("/visit", method="POST")
            def visit():
                VISITS.append(1)
                return {"visits": len(VISITS)}
        """,
        "svc/admin.py": """
            from .compat import *  # noqa: F403

            admin = Bottle()


            @admin.get("/admin")
            def dashboard():
                return {}
        """,
    })
    assert routes(result) == {
        "visit": ("bottle", "/visit", ("POST",)),
        "dashboard": ("bottle", "/admin", ("GET",)),
    }
    assert stateful(result) == {"visit"}


def test_socketio_events_are_handlers_named_by_their_event(scan_files):
    result = scan_files({
        "chat/server.py": """
            from flask import Flask
            from flask_socketio import SocketIO, emit

            app = Flask(__name__)
            socketio = SocketIO(app)
            MEMBERS = {}


            @socketio.on("join", namespace="/rooms")
            def join(data):
                MEMBERS.setdefault(data["room"], set()).add(data["user"])
                emit("joined", data)


            @socketio.event
            def ping():
                emit("pong")
        """,
        "chat/asgi.py": """
            import socketio

            sio = socketio.AsyncServer(async_mode="asgi")


            @sio.on("chat message")
            async def chat_message(sid, data):
                await sio.emit("chat message", data)
        """,
    })
    assert routes(result) == {
        "join": ("socketio", "join", ()),
        "ping": ("socketio", "ping", ()),
        "chat_message": ("socketio", "chat message", ()),
    }
    assert verdicts(result)["join"].handler.kind == "event"
    assert verdicts(result)["join"].handler.all_routes[0].namespace == "/rooms"
    # chat_message broadcasts through a server without a client manager (SL402)
    assert stateful(result) == {"join", "chat_message"}


def test_channels_consumers_serve_their_websocket_paths(scan_files):
    result = scan_files({
        "live/consumers.py": """
            from channels.generic.websocket import WebsocketConsumer

            ONLINE = set()


            class PresenceConsumer(WebsocketConsumer):
                def connect(self):
                    ONLINE.add(self.channel_name)
                    self.accept()

                def disconnect(self, code):
                    ONLINE.discard(self.channel_name)
        """,
        "live/routing.py": """
            from django.urls import path

            from . import consumers

            websocket_urlpatterns = [
                path("presence/", consumers.PresenceConsumer.as_asgi()),
            ]
        """,
        "site/asgi.py": """
            from channels.routing import ProtocolTypeRouter, URLRouter
            from django.urls import path

            import live.routing

            application = ProtocolTypeRouter({
                "websocket": URLRouter([path("ws/", URLRouter(live.routing.websocket_urlpatterns))]),
            })
        """,
    })
    assert routes(result) == {
        "PresenceConsumer.connect": ("channels", "ws/presence/", ()),
        "PresenceConsumer.disconnect": ("channels", "ws/presence/", ()),
    }
    assert {v.handler.kind for v in result.verdicts} == {"websocket"}
    assert stateful(result) == {"PresenceConsumer.connect", "PresenceConsumer.disconnect"}


def test_django_url_names_carry_their_namespace(scan_files):
    result = scan_files({
        "site/urls.py": """
            from django.urls import include, path

            urlpatterns = [
                path("polls/", include("polls.urls")),
                path("old-polls/", include("polls.urls", namespace="old")),
            ]
        """,
        "polls/urls.py": """
            from django.urls import path

            from . import views

            app_name = "polls"
            urlpatterns = [path("<int:pk>/", views.detail, name="detail")]
        """,
        "polls/views.py": """
            from django.http import HttpResponse


            def detail(request, pk):
                return HttpResponse(str(pk))
        """,
    })
    handler = verdicts(result)["detail"].handler
    assert [(r.path, r.methods, r.endpoint, r.namespace) for r in handler.all_routes] == [
        ("polls/<int:pk>/", (), "polls:detail", "polls"),
        ("old-polls/<int:pk>/", (), "old:detail", "old"),
    ]


def test_a_router_registered_model_viewset_serves_the_actions_its_bases_provide(scan_files):
    result = scan_files({
        "catalog/urls.py": """
            from django.urls import include, path
            from rest_framework import routers

            from .views import BookViewSet

            router = routers.DefaultRouter(trailing_slash=False)
            router.register("books", BookViewSet)

            urlpatterns = [path("api/", include(router.urls))]
        """,
        "catalog/__init__.py": "",
        "catalog/views.py": """
            from rest_framework import viewsets
            from rest_framework.decorators import action
            from rest_framework.response import Response

            from .models import Book

            FEATURED = set()


            class BookViewSet(viewsets.ModelViewSet):
                queryset = Book.objects.all()

                def get_queryset(self):
                    return self.queryset.exclude(pk__in=FEATURED)

                def get_serializer_class(self):
                    return None

                @action(detail=True, methods=["post"])
                def feature(self, request, pk=None):
                    FEATURED.add(pk)
                    return Response(status=204)
        """,
        "catalog/models.py": """
            from django.db import models


            class Book(models.Model):
                title = models.CharField(max_length=200)
        """,
    })
    found = verdicts(result)
    # list, create, retrieve... are ModelViewSet's own: the class serves them, and the
    # get_queryset it runs for each of them reads what ``feature`` wrote
    assert set(found) == {"BookViewSet", "BookViewSet.feature"}
    assert _routes_of(result, "BookViewSet") == [
        ("api/books$", ("GET", "POST"), "book-list"),
        ("api/books/(?P<pk>[^/.]+)$", ("GET", "PUT", "PATCH", "DELETE"), "book-detail"),
    ]
    assert _routes_of(result, "BookViewSet.feature") == [
        ("api/books/(?P<pk>[^/.]+)/feature$", ("POST",), "book-feature")]
    assert stateful(result) == {"BookViewSet", "BookViewSet.feature"}
    assert {reason.symbol for reason in found["BookViewSet"].reasons} == {
        "catalog.views.FEATURED"}


def test_flask_restplus_namespaces_made_by_the_api_get_its_prefixes(scan_files):
    result = scan_files({
        "tasks/__init__.py": """
            from flask import Blueprint, Flask
            from flask_restplus import Api, Resource

            LOCKS = {}

            blueprint = Blueprint("api", __name__, url_prefix="/api")
            api = Api(blueprint, prefix="/v2")
            jobs = api.namespace("jobs", path="/work")


            @jobs.route("/<job_id>/lock")
            class JobLock(Resource):
                def post(self, job_id):
                    LOCKS[job_id] = True
                    return {}, 201

                def delete(self, job_id):
                    LOCKS.pop(job_id, None)
                    return "", 204


            app = Flask(__name__)
            app.register_blueprint(blueprint)
        """,
    })
    assert _routes_of(result, "JobLock.post") == [
        ("/api/v2/work/<job_id>/lock", ("POST",), "api.jobs_job_lock")]
    assert _routes_of(result, "JobLock.delete") == [
        ("/api/v2/work/<job_id>/lock", ("DELETE",), "api.jobs_job_lock")]
    assert stateful(result) == {"JobLock.post", "JobLock.delete"}


def test_a_framework_import_without_handlers_gets_a_note_naming_the_setting(scan_files):
    result = scan_files({
        "api/web.py": """
            from flask import Flask

            from api.registry import expose

            app = Flask(__name__)


            @expose("/orders")
            def orders():
                return []
        """,
        "api/registry.py": """
            ROUTES = {}


            def expose(path):
                def register(view):
                    ROUTES[path] = view
                    return view
                return register
        """,
    })
    assert result.verdicts == []
    assert any("handler-decorators" in note and "flask" in note for note in result.notes)
    # With the setting the handler is found, and the note goes away.
    configured = scan_files({}, config=Config(handler_decorators=("api.registry.expose",)))
    assert set(verdicts(configured)) == {"orders"}
    assert not any("handler-decorators" in note for note in configured.notes)


COLUMN_REPORT = '''
from flask import Flask, jsonify

app = Flask(__name__)
SEEN = {}


def label(column):
    return column.upper()


def summarize(found):
    rows = []
    for column in found:
        # one turn per column, the loop rebinding its own name from the outer loop
        for column, values in ((column, found[column]),):
            rows.append((label(column), len(values)))
    return rows


@app.get("/columns")
def columns():
    SEEN["last"] = summarize({"name": [1, 2]})
    return jsonify(SEEN["last"])
'''


def test_a_loop_whose_items_name_its_own_variable_is_read_once(scan_files) -> None:
    """``for column, values in ((column, found[column]),)``: the item of ``column`` is
    ``column`` itself; the call inside is taken once, and the scan ends with the handler
    found and its state reported, not an internal error."""
    result = scan_files({"report/__init__.py": "", "report/app.py": COLUMN_REPORT})
    assert not result.errors
    assert [(f.rule, f.line) for f in result.findings] == [("SL101", 4)]
    assert {v.handler.name: v.verdict for v in result.verdicts} == {"columns": "stateful"}
