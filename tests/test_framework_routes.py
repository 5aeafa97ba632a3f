"""statelint's handler inventory against each framework's own route listing.

Each test writes a small application, imports it (only the test does: statelint
never imports the code it scans), asks the framework for its routes the way its
own tooling does (``flask routes``, ``app.routes``, Django's URL resolver, falcon's
``inspect_app``...), and compares that with the routes statelint reports: full
path, methods (with those the framework adds, as ``--all-methods`` shows them) and,
where the framework names routes, the endpoint name.

A framework that is not installed skips its test; ``pip install -e ".[frameworks]"``
installs them all.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from statelint.engine import scan
from statelint.model import ScanResult

RouteSet = set[tuple[str, frozenset[str], str]]


@pytest.fixture
def load_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
             ) -> Iterator[Callable[[dict[str, str], str], object]]:
    """Write files under a temporary folder and import one module of them.

    The folder goes first on ``sys.path`` for the test only, and every module
    imported from it is dropped from ``sys.modules`` afterwards, so that the next
    test's ``app`` package is its own.
    """

    def load(files: dict[str, str], module: str) -> object:
        for relative, text in files.items():
            target = tmp_path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        monkeypatch.syspath_prepend(str(tmp_path))
        importlib.invalidate_caches()
        return importlib.import_module(module)

    yield load
    root = str(tmp_path)
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(root):
            del sys.modules[name]


def statelint_routes(root: Path, endpoints: bool = True) -> RouteSet:
    """statelint's routes as (path, all methods, endpoint), the methods of a class
    view's handlers joined as the framework joins them into one rule."""
    result: ScanResult = scan([root], cache=False)
    joined: dict[tuple[str, str], set[str]] = {}
    for verdict in result.verdicts:
        for route in verdict.handler.all_routes:
            key = (route.path, route.endpoint if endpoints else "")
            joined.setdefault(key, set()).update(route.methods, route.added_methods)
    return {(path, frozenset(methods), endpoint) for (path, endpoint), methods in joined.items()}


# ---------------------------------------------------------------------------
# Flask and flask-restful
# ---------------------------------------------------------------------------


FLASK_SHOP = {
    "shop/__init__.py": """
        from flask import Flask

        from .api import api_bp
        from .views import cart, admin


        def create_app():
            app = Flask(__name__, static_folder=None)
            app.register_blueprint(cart.bp)
            app.register_blueprint(admin.bp, url_prefix="/staff")
            app.register_blueprint(api_bp)

            @app.route("/")
            def index():
                return "shop"

            app.add_url_rule("/health", "health", lambda: "ok")
            return app
    """,
    "shop/views/__init__.py": "",
    "shop/views/cart.py": """
        from flask import Blueprint
        from flask.views import MethodView

        bp = Blueprint("cart", __name__, url_prefix="/cart")


        @bp.route("/")
        def view_cart():
            return "cart"


        @bp.route("/items", methods=["POST", "PUT"])
        @bp.route("/items/<int:item_id>", methods=["DELETE"], endpoint="remove")
        def change_item(item_id=None):
            return "ok"


        class Coupons(MethodView):
            def get(self):
                return "coupons"

            def post(self):
                return "added"


        bp.add_url_rule("/coupons", view_func=Coupons.as_view("coupons"))
    """,
    "shop/views/admin.py": """
        from flask import Blueprint

        bp = Blueprint("admin", __name__, url_prefix="/admin")
        reports = Blueprint("reports", __name__, url_prefix="/reports")


        @reports.get("/daily")
        def daily():
            return "daily"


        bp.register_blueprint(reports)
    """,
    "shop/api/__init__.py": """
        from flask import Blueprint
        from flask_restful import Api

        from .report import report
        from .things import Things

        api_bp = Blueprint("api", __name__, url_prefix="/api")
        api = Api(api_bp)
        api.add_resource(Things, "/things", "/things/<int:thing_id>")
        api.add_resource(report, "/report", endpoint="daily_report")
    """,
    "shop/api/report.py": """
        from flask_restful import Resource


        class report(Resource):
            def get(self):
                return {"total": 0}
    """,
    "shop/api/things.py": """
        from flask_restful import Resource


        class Things(Resource):
            def get(self, thing_id=None):
                return []

            def post(self, thing_id=None):
                return {}, 201
    """,
}


def test_flask_and_flask_restful_routes_match_flask_routes(load_app, tmp_path):
    pytest.importorskip("flask")
    pytest.importorskip("flask_restful")
    app = load_app(FLASK_SHOP, "shop").create_app()
    # What ``flask routes --all-methods`` lists: rule, methods and endpoint.
    expected = {(rule.rule, frozenset(rule.methods or ()), rule.endpoint)
                for rule in app.url_map.iter_rules()}
    found = statelint_routes(tmp_path)
    # the lambda is no function statelint can name as a handler
    expected.discard(("/health", frozenset({"GET", "HEAD", "OPTIONS"}), "health"))
    assert found == expected


FLASK_LOOPS = {
    "desk/__init__.py": """
        from flask import Flask

        from . import hooks
        from .views import admin, public, tickets

        BLUEPRINTS = None


        def create_app():
            app = Flask(__name__, static_folder=None)
            for hook in (hooks.load_user, hooks.count_visit):
                app.before_request(hook)
            for blueprint, prefix in [(tickets, "/tickets"), (admin, "/staff")]:
                app.register_blueprint(blueprint, url_prefix=prefix)
            for blueprint in (public,):
                app.register_blueprint(blueprint)
            return app
    """,
    "desk/hooks.py": """
        from flask import g, request

        VISITS = {}
        AUDITED = []


        def load_user():
            g.user = request.headers.get("X-User")


        def count_visit():
            VISITS[request.path] = VISITS.get(request.path, 0) + 1


        def audit():
            AUDITED.append(request.path)
    """,
    "desk/views.py": """
        from flask import Blueprint

        from .hooks import audit

        tickets = Blueprint("tickets", __name__)
        admin = Blueprint("admin", __name__, url_prefix="/admin")
        public = Blueprint("public", __name__, url_prefix="/pub")

        for hook in [audit]:
            admin.before_request(hook)


        @tickets.get("/")
        def list_tickets():
            return "tickets"


        @tickets.post("/<int:ticket_id>/close")
        def close_ticket(ticket_id):
            return "closed"


        @admin.get("/report")
        def report():
            return "report"


        @public.get("/faq")
        def faq():
            return "faq"
    """,
}


def test_flask_registrations_in_loops_match_the_url_map_and_hooks(load_app, tmp_path):
    """Blueprints and hooks registered in a loop over a literal sequence, compared with
    Flask's URL map and ``before_request_funcs``."""
    pytest.importorskip("flask")
    app = load_app(FLASK_LOOPS, "desk").create_app()
    expected = {(rule.rule, frozenset(rule.methods or ()), rule.endpoint)
                for rule in app.url_map.iter_rules()}
    assert statelint_routes(tmp_path) == expected
    # the handlers each hook runs for: the app's hooks for all, a blueprint's for its own
    runs: dict[str, set[str]] = {}
    for blueprint, functions in app.before_request_funcs.items():
        for function in functions:
            runs.setdefault(function.__name__, set()).update(
                rule.endpoint.rpartition(".")[2] for rule in app.url_map.iter_rules()
                if blueprint is None or rule.endpoint.startswith(f"{blueprint}."))
    assert runs["count_visit"] == {"list_tickets", "close_ticket", "report", "faq"}
    result = scan([tmp_path], cache=False)
    by_symbol = {finding.symbol: finding for finding in result.findings}
    assert {key.rpartition("::")[2] for key in by_symbol["desk.hooks.VISITS"].handlers} == \
        runs["count_visit"]
    assert {key.rpartition("::")[2] for key in by_symbol["desk.hooks.AUDITED"].handlers} == \
        runs["audit"]


QUART_APP = {
    "scores/__init__.py": """
        from quart import Quart

        from .api import api, admin


        def create_app():
            app = Quart(__name__, static_folder=None)
            app.register_blueprint(api)
            app.register_blueprint(admin, url_prefix="/staff")

            @app.route("/")
            async def index():
                return "scores"

            @app.websocket("/live")
            async def live():
                return None

            return app
    """,
    "scores/api.py": """
        from quart import Blueprint
        from quart.views import MethodView

        api = Blueprint("api", __name__, url_prefix="/api")
        admin = Blueprint("admin", __name__, url_prefix="/admin")


        @api.get("/games")
        async def games():
            return []


        @api.route("/games/<int:game_id>", methods=["PUT", "DELETE"], endpoint="game")
        async def change_game(game_id):
            return {}


        @api.websocket("/games/<int:game_id>/feed")
        async def feed(game_id):
            return None


        class Teams(MethodView):
            async def get(self):
                return []

            async def post(self):
                return {}, 201


        api.add_url_rule("/teams", view_func=Teams.as_view("teams"))


        @admin.post("/reset")
        async def reset():
            return {}
    """,
}


def test_quart_routes_match_the_url_map(load_app, tmp_path):
    pytest.importorskip("quart")
    app = load_app(QUART_APP, "scores").create_app()
    # Quart's rules, as ``quart routes`` lists them; a websocket rule answers the
    # upgrade request only, so statelint shows it as ``WS`` with no methods
    expected = {(rule.rule, frozenset() if rule.websocket else frozenset(rule.methods or ()),
                 rule.endpoint)
                for rule in app.url_map.iter_rules()}
    assert statelint_routes(tmp_path) == expected


FLASK_RESTX_APP = {
    "todo/__init__.py": """
        from flask import Flask

        from .api import blueprint as api_blueprint
        from .health import api as health_api


        def create_app():
            app = Flask(__name__, static_folder=None)
            app.register_blueprint(api_blueprint)
            health_api.init_app(app)
            return app
    """,
    "todo/health.py": """
        from flask_restx import Api, Namespace, Resource

        api = Api(doc=False, add_specs=False)
        ops = Namespace("ops")
        api.add_namespace(ops)


        @api.route("/ping")
        class Ping(Resource):
            def get(self):
                return {"pong": True}


        @ops.route("/status", "/status/<string:part>")
        class Status(Resource):
            def get(self, part=None):
                return {"ok": True}


        admin = api.namespace("admin", path="/manage")


        @admin.route("/caches/<name>")
        class CacheEntry(Resource):
            def delete(self, name):
                return "", 204
    """,
    "todo/api/__init__.py": """
        from flask import Blueprint
        from flask_restx import Api

        from .todos import ns as todos_ns
        from .users import ns as users_ns

        blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
        api = Api(blueprint, title="Todos", doc="/doc/")
        api.add_namespace(todos_ns)
        api.add_namespace(users_ns, path="/people")
    """,
    "todo/api/todos.py": """
        from flask_restx import Namespace, Resource

        ns = Namespace("todos", path="/todos/", description="Todo operations")

        TODOS = {}


        @ns.route("/")
        class TodoList(Resource):
            def get(self):
                return list(TODOS.values())

            def post(self):
                return {}, 201


        @ns.route("/<int:todo_id>", endpoint="todo")
        @ns.param("todo_id", "The task identifier")
        class Todo(Resource):
            def get(self, todo_id):
                return TODOS[todo_id]

            def put(self, todo_id):
                return {}

            def delete(self, todo_id):
                return "", 204
    """,
    "todo/api/users.py": """
        from flask_restx import Namespace, Resource

        ns = Namespace("users")


        @ns.route("")
        class UserList(Resource):
            def get(self):
                return []


        @ns.route("/<string:username>/avatar")
        class UserAvatar(Resource):
            def put(self, username):
                return {}
    """,
}


def test_flask_restx_namespaces_match_flask_routes(load_app, tmp_path):
    pytest.importorskip("flask_restx")
    app = load_app(FLASK_RESTX_APP, "todo").create_app()
    # flask-restx adds views of its own (the Swagger document and UI, the API root)
    own = {"root", "doc", "specs", "restx_doc.static"}
    expected = {(rule.rule, frozenset(rule.methods or ()), rule.endpoint)
                for rule in app.url_map.iter_rules()
                if rule.endpoint.rpartition(".")[2] not in own and rule.endpoint not in own}
    assert statelint_routes(tmp_path) == expected


FLASK_RESTX_API_ROUTES = {
    "jobs/__init__.py": """
        from flask import Flask
        from flask_restx import Api, Resource

        from .api import blueprint
        from .late import bp as late_bp


        def create_app():
            app = Flask(__name__, static_folder=None)
            app.register_blueprint(blueprint, url_prefix="/svc")
            app.register_blueprint(late_bp)
            direct = Api(app, prefix="/direct", doc=False, add_specs=False)

            @direct.route("/who")
            class Who(Resource):
                def get(self):
                    return {}

            return app
    """,
    "jobs/api.py": """
        from flask import Blueprint
        from flask_restx import Api, Namespace, Resource

        blueprint = Blueprint("api", __name__, url_prefix="/api")
        api = Api(blueprint, prefix="/v2", doc=False)
        queues = Namespace("queues", path="/q")
        api.add_namespace(queues)


        @api.route("/health", "/healthz")
        class Health(Resource):
            def get(self):
                return {}


        @api.route("/workers/<name>", endpoint="worker")
        class Worker(Resource):
            def delete(self, name):
                return "", 204


        @queues.route("/<int:queue_id>")
        class QueueItem(Resource):
            def get(self, queue_id):
                return {}
    """,
    "jobs/late.py": """
        from flask import Blueprint
        from flask_restx import Api, Resource

        bp = Blueprint("late", __name__, url_prefix="/late")
        api = Api(doc=False)


        @api.route("/stats", endpoint="late_stats")
        class Stats(Resource):
            def get(self):
                return {}

            def put(self):
                return {}


        api.init_app(bp)
    """,
}


def test_flask_restx_api_routes_match_flask_routes(load_app, tmp_path):
    """``@api.route`` on the ``Api`` itself: its ``prefix=``, the blueprint's
    ``url_prefix`` (and the one ``register_blueprint`` gives instead), an ``Api`` on the
    app, one given its blueprint by ``init_app`` and one made in the app factory."""
    pytest.importorskip("flask_restx")
    app = load_app(FLASK_RESTX_API_ROUTES, "jobs").create_app()
    own = {"root", "doc", "specs", "restx_doc.static"}
    expected = {(rule.rule, frozenset(rule.methods or ()), rule.endpoint)
                for rule in app.url_map.iter_rules()
                if rule.endpoint.rpartition(".")[2] not in own and rule.endpoint not in own}
    assert ("/svc/v2/health", frozenset({"GET", "HEAD", "OPTIONS"}), "api.health") in expected
    assert statelint_routes(tmp_path) == expected


# ---------------------------------------------------------------------------
# FastAPI and Starlette
# ---------------------------------------------------------------------------


FASTAPI_APP = {
    "svc/__init__.py": "",
    "svc/main.py": """
        from fastapi import APIRouter, FastAPI

        from .users import router as users_router

        app = FastAPI(docs_url=None, redoc_url=None)
        v1 = APIRouter(prefix="/v1")
        v1.include_router(users_router, prefix="/users")
        app.include_router(v1)


        @app.get("/")
        async def root():
            return {"ok": True}


        @app.api_route("/ping", methods=["GET", "POST"], name="pinger")
        async def ping():
            return "pong"


        @app.get("/status")
        @app.head("/status")
        async def status():
            return {}
    """,
    "svc/users.py": """
        from fastapi import APIRouter

        router = APIRouter(prefix="/accounts")


        @router.get("/{user_id}")
        async def read_user(user_id: int):
            return {"id": user_id}


        @router.post("/", name="create-user")
        async def create_user():
            return {}


        @router.api_route("/search")
        async def search():
            return []
    """,
}


# ``ping`` answers two methods under one name: FastAPI warns about the repeated operation id
@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")
def test_fastapi_routes_match_the_openapi_paths_and_route_names(load_app, tmp_path):
    pytest.importorskip("fastapi")
    app = load_app(FASTAPI_APP, "svc.main").app
    # The OpenAPI document lists every path with its operations, through every
    # include_router; route names are checked by reversing them with url_path_for.
    expected = {path: {verb.upper() for verb in operations}
                for path, operations in app.openapi()["paths"].items()}
    found = statelint_routes(tmp_path)
    by_path: dict[str, set[str]] = {}
    for path, methods, _ in found:
        by_path.setdefault(path, set()).update(methods)
    assert by_path == expected
    for path, _, name in found:
        params = {part[1:-1]: "7" for part in path.split("/") if part.startswith("{")}
        filled = path
        for key, value in params.items():
            filled = filled.replace("{" + key + "}", value)
        assert app.url_path_for(name, **params) == filled, name


FASTAPI_LOOPS = {
    "gateway/__init__.py": "",
    "gateway/main.py": """
        from fastapi import FastAPI

        from . import billing, users

        app = FastAPI(docs_url=None, redoc_url=None)
        for module, prefix in ((users, "/accounts"), (billing, "/billing")):
            app.include_router(module.router, prefix=prefix)
        for router in [users.router]:
            app.include_router(router, prefix="/v2/accounts")
    """,
    "gateway/users.py": """
        from fastapi import APIRouter

        router = APIRouter()


        @router.get("/{user_id}")
        async def read_user(user_id: int):
            return {"id": user_id}
    """,
    "gateway/billing.py": """
        from fastapi import APIRouter

        router = APIRouter()


        @router.post("/invoices")
        async def create_invoice():
            return {}
    """,
}


# the same operations mounted twice: FastAPI warns about the repeated operation ids
@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")
def test_fastapi_routers_included_in_loops_match_the_openapi_paths(load_app, tmp_path):
    pytest.importorskip("fastapi")
    app = load_app(FASTAPI_LOOPS, "gateway.main").app
    expected = {(path, frozenset(verb.upper() for verb in operations))
                for path, operations in app.openapi()["paths"].items()}
    assert ("/v2/accounts/{user_id}", frozenset({"GET"})) in expected
    assert {(path, methods) for path, methods, _ in statelint_routes(tmp_path)} == expected


STARLETTE_APP = {
    "webapp/__init__.py": "",
    "webapp/app.py": """
        from starlette.applications import Starlette
        from starlette.endpoints import HTTPEndpoint
        from starlette.responses import PlainTextResponse
        from starlette.routing import Mount, Route


        async def homepage(request):
            return PlainTextResponse("home")


        async def user(request):
            return PlainTextResponse("user")


        async def save(request):
            return PlainTextResponse("saved")


        class Notes(HTTPEndpoint):
            async def get(self, request):
                return PlainTextResponse("notes")

            async def post(self, request):
                return PlainTextResponse("added")


        users = [
            Route("/{username}", user, name="user_detail"),
            Route("/{username}/save", save, methods=["POST"]),
        ]

        app = Starlette(routes=[
            Route("/", homepage),
            Route("/notes", Notes),
            Mount("/users", routes=users),
        ])
    """,
}


def _starlette_routes(routes: list, prefix: str = "") -> RouteSet:
    from starlette.routing import Mount

    found: RouteSet = set()
    for route in routes:
        if isinstance(route, Mount):
            found |= _starlette_routes(route.routes, prefix + route.path)
            continue
        methods = route.methods
        if methods is None:  # a class endpoint: the verbs it defines
            methods = {verb.upper() for verb in ("get", "post", "put", "patch", "delete")
                       if hasattr(route.endpoint, verb)}
        found.add((prefix + route.path, frozenset(methods), route.name))
    return found


def test_starlette_routes_match_app_routes(load_app, tmp_path):
    pytest.importorskip("starlette")
    app = load_app(STARLETTE_APP, "webapp.app").app
    assert statelint_routes(tmp_path) == _starlette_routes(app.routes)


# ---------------------------------------------------------------------------
# Django and Django REST framework
# ---------------------------------------------------------------------------


DJANGO_SITE = {
    "djsite/__init__.py": "",
    "djsite/urls.py": """
        from django.urls import include, path

        from notes import views as note_views

        urlpatterns = [
            path("", note_views.home, name="home"),
            path("notes/", include("notes.urls")),
            path("archive/", include("notes.urls", namespace="archive")),
            path("api/", include(("notes.api_urls", "api"))),
        ]
    """,
    "notes/__init__.py": "",
    "notes/views.py": """
        from django.http import HttpResponse
        from django.views import View


        def home(request):
            return HttpResponse("home")


        def detail(request, pk):
            return HttpResponse(str(pk))


        class NoteList(View):
            def get(self, request):
                return HttpResponse("list")
    """,
    "notes/urls.py": """
        from django.urls import path, re_path

        from . import views

        app_name = "notes"
        urlpatterns = [
            path("", views.NoteList.as_view(), name="list"),
            path("<int:pk>/", views.detail, name="detail"),
            re_path(r"^by-slug/(?P<slug>[-\\w]+)/$", views.detail),
        ]
    """,
    "notes/api.py": """
        from rest_framework.decorators import api_view
        from rest_framework.response import Response
        from rest_framework.views import APIView


        @api_view(["GET", "POST"])
        def stats(request):
            return Response({})


        class Tags(APIView):
            def get(self, request):
                return Response([])
    """,
    "notes/api_urls.py": """
        from django.urls import path

        from .api import Tags, stats

        urlpatterns = [
            path("stats/", stats, name="stats"),
            path("tags/", Tags.as_view(), name="tags"),
        ]
    """,
}


def _django_routes(patterns: list, prefix: str = "", namespace: str = "") -> RouteSet:
    """Every URL pattern the resolver knows, with its full path and namespaced name.

    A DRF view set's view carries the methods the router mapped to its actions
    (``view.actions``); any other view takes every method (an empty set).
    """
    from django.urls import URLResolver

    found: RouteSet = set()
    for pattern in patterns:
        text = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            found |= _django_routes(pattern.url_patterns, _join(prefix, text), inner)
            continue
        name = pattern.name or ""
        if name and namespace:
            name = f"{namespace}:{name}"
        actions = getattr(pattern.callback, "actions", None) or {}
        found.add((_join(prefix, text), frozenset(verb.upper() for verb in actions), name))
    return found


def _configure_django() -> None:
    """Settings for the Django tests (configured once per process)."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(INSTALLED_APPS=["django.contrib.contenttypes", "rest_framework"],
                           ROOT_URLCONF="djsite.urls", SECRET_KEY="tests", USE_TZ=True)
        import django

        django.setup()


def _join(prefix: str, route: str) -> str:
    if route.startswith("^") and prefix:
        route = route[1:]
    return prefix + route


def test_django_and_drf_routes_match_the_url_resolver(load_app, tmp_path):
    pytest.importorskip("django")
    pytest.importorskip("rest_framework")
    _configure_django()
    urls = load_app(DJANGO_SITE, "djsite.urls")
    from django.urls import get_resolver

    expected = _django_routes(get_resolver(urls.__name__).url_patterns)
    found = statelint_routes(tmp_path)
    # Django takes any method; the DRF views declare theirs (their own listing of
    # allowed methods adds OPTIONS): compare paths and names, then those methods.
    assert {(path, name) for path, _, name in found} == {(path, name) for path, _, name
                                                          in expected}
    methods = {path: set(verbs) for path, verbs, _ in found}
    assert methods["api/stats/"] == {"GET", "POST"}
    assert methods["api/tags/"] == {"GET"}
    assert methods["notes/<int:pk>/"] == set()


DRF_ROUTERS = {
    "shopapi/__init__.py": "",
    "shopapi/urls.py": """
        from django.urls import include, path
        from rest_framework.routers import DefaultRouter, SimpleRouter

        from . import views

        router = DefaultRouter()
        router.register(r"products", views.ProductViewSet, basename="product")
        router.register(r"orders", views.OrderViewSet, basename="order")
        router.register(r"accounts", views.AccountViewSet, "account")

        internal = SimpleRouter(trailing_slash=False)
        internal.register(r"jobs", views.JobViewSet, basename="job")

        urlpatterns = [
            path("api/v1/", include(router.urls)),
            path("internal/", include((internal.urls, "internal"))),
            path("legacy/", include("shopapi.legacy_urls")),
            path("me/orders/", views.OrderViewSet.as_view({"get": "list", "post": "create"}),
                 name="my-orders"),
        ]
    """,
    "shopapi/legacy_urls.py": """
        from django.urls import path
        from rest_framework.routers import SimpleRouter

        from . import views

        app_name = "legacy"

        router = SimpleRouter(use_regex_path=False)
        router.register("carts", views.CartViewSet, basename="cart")

        urlpatterns = [
            path("health/", views.health, name="health"),
        ]
        urlpatterns += router.urls
    """,
    "shopapi/views.py": """
        from django.http import JsonResponse
        from rest_framework import mixins, viewsets
        from rest_framework.decorators import action
        from rest_framework.response import Response

        CATALOGUE = [{"sku": "A-1", "price": 10}]


        def health(request):
            return JsonResponse({"ok": True})


        class ProductViewSet(viewsets.ModelViewSet):
            lookup_field = "sku"
            lookup_value_regex = "[A-Z0-9-]+"

            def get_queryset(self):
                return CATALOGUE

            @action(detail=False, methods=["get"], url_path="on-sale")
            def on_sale(self, request):
                return Response([item for item in CATALOGUE if item["price"] < 20])

            @action(detail=True, methods=["post", "delete"])
            def favourite(self, request, sku=None):
                return Response(status=204)


        class OrderViewSet(viewsets.ViewSet):
            def list(self, request):
                return Response([])

            def create(self, request):
                return Response({}, status=201)

            def retrieve(self, request, pk=None):
                return Response({"id": pk})

            def destroy(self, request, pk=None):
                return Response(status=204)

            @action(detail=True, methods=["post"], url_name="cancel-order")
            def cancel(self, request, pk=None):
                return Response({"cancelled": True})

            @cancel.mapping.delete
            def uncancel(self, request, pk=None):
                return Response({"cancelled": False})

            @action(detail=False)
            def recent_activity(self, request):
                return Response([])


        class AccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet):
            lookup_url_kwarg = "account_id"

            def get_queryset(self):
                return []

            def retrieve(self, request, account_id=None):
                return Response({"id": account_id})


        class JobViewSet(viewsets.ReadOnlyModelViewSet):
            def get_queryset(self):
                return []


        class CartViewSet(viewsets.GenericViewSet, mixins.CreateModelMixin,
                          mixins.RetrieveModelMixin, mixins.DestroyModelMixin):
            lookup_value_converter = "int"

            def get_queryset(self):
                return []

            @action(detail=True, methods=["put"], url_path="items/checkout")
            def checkout(self, request, pk=None):
                return Response({})
    """,
}


def test_drf_router_routes_match_the_url_resolver(load_app, tmp_path):
    pytest.importorskip("django")
    pytest.importorskip("rest_framework")
    _configure_django()
    urls = load_app(DRF_ROUTERS, "shopapi.urls")
    from django.urls import get_resolver

    expected = {
        (path, methods, name)
        for path, methods, name in _django_routes(get_resolver(urls.__name__).url_patterns)
        # DefaultRouter's API root view is DRF's own code, and its ``.json`` variants
        # of every route (format suffixes) are the same views again
        if "(?P<format>" not in path and not name.endswith("api-root")
    }
    assert statelint_routes(tmp_path) == expected


SPLIT_URLCONF = {
    "deskapi/__init__.py": "",
    "deskapi/urls.py": """
        from django.urls import include, path

        from deskapi import tickets_urls
        from deskapi.api import routers

        urlpatterns = [
            path("api/", include(routers.router.urls)),
            path("desk/", include("deskapi.desk_urls")),
            path("support/", include("deskapi.tickets_urls")),
            path("v2/", include("deskapi.v2_urls")),
            path("v3/", include("deskapi.v3_urls")),
        ] + tickets_urls.urlpatterns
        urlpatterns += routers.public.urls
    """,
    "deskapi/v2_urls.py": """
        from deskapi.api import routers

        urlpatterns = routers.router.urls
    """,
    "deskapi/v3_urls.py": """
        from django.urls import include, path

        from deskapi import tickets_urls
        from deskapi.api import routers, views

        urlpatterns = [path("board/", views.board, name="v3-board")]
        urlpatterns.extend(routers.public.urls)
        urlpatterns.append(path("old/", include(tickets_urls.urlpatterns)))
    """,
    "deskapi/desk_urls.py": """
        from django.urls import path

        from deskapi.api import routers, views

        app_name = "desk"
        urlpatterns = [
            path("board/", views.board, name="board"),
        ]
        urlpatterns += routers.router.urls
        urlpatterns += [path("queue/", views.board, name="queue")]
    """,
    "deskapi/tickets_urls.py": """
        from django.urls import path

        from deskapi.api import views

        urlpatterns = [
            path("tickets/<int:pk>/", views.ticket, name="ticket"),
        ]
    """,
    "deskapi/api/__init__.py": "",
    "deskapi/api/routers.py": """
        from rest_framework.routers import SimpleRouter

        from .views import AgentViewSet, FaqViewSet

        router = SimpleRouter()
        router.register(r"agents", AgentViewSet, basename="agent")

        public = SimpleRouter(trailing_slash=False)
        public.register(r"faq", FaqViewSet, basename="faq")
    """,
    "deskapi/api/views.py": """
        from django.http import HttpResponse
        from rest_framework import viewsets
        from rest_framework.response import Response


        def board(request):
            return HttpResponse("board")


        def ticket(request, pk):
            return HttpResponse(str(pk))


        class AgentViewSet(viewsets.ViewSet):
            def list(self, request):
                return Response([])

            def retrieve(self, request, pk=None):
                return Response({"id": pk})


        class FaqViewSet(viewsets.ViewSet):
            def list(self, request):
                return Response([])
    """,
}


def test_routers_and_url_lists_from_other_modules_keep_the_prefix(load_app, tmp_path):
    """A router or a pattern list defined in one module and added to another module's
    ``urlpatterns`` (``include(other.router.urls)``, ``+= other.router.urls``,
    ``[...] + other.urlpatterns``, ``= other.router.urls``, ``.extend(...)``) gets the URL
    prefix of where it is added, and keeps the one of its own module's includes."""
    pytest.importorskip("django")
    pytest.importorskip("rest_framework")
    _configure_django()
    urls = load_app(SPLIT_URLCONF, "deskapi.urls")
    from django.urls import get_resolver

    expected = _django_routes(get_resolver(urls.__name__).url_patterns)
    assert ("desk/^agents/$", frozenset({"GET"}), "desk:agent-list") not in expected
    assert ("desk/agents/$", frozenset({"GET"}), "desk:agent-list") in expected
    assert statelint_routes(tmp_path) == expected


CHANNELS_APP = {
    "live/__init__.py": "",
    "live/consumers.py": """
        from channels.generic.websocket import AsyncJsonWebsocketConsumer, WebsocketConsumer

        TYPING = {}


        class PresenceConsumer(WebsocketConsumer):
            def receive(self, text_data=None, bytes_data=None):
                TYPING[self.scope["client"][0]] = text_data


        class RoomConsumer(AsyncJsonWebsocketConsumer):
            async def receive_json(self, content):
                await self.send_json(content)
    """,
    "live/routing.py": """
        from django.urls import path, re_path

        from . import consumers

        websocket_urlpatterns = [
            path("presence/", consumers.PresenceConsumer.as_asgi()),
            re_path(r"^rooms/(?P<room>\\w+)/$", consumers.RoomConsumer.as_asgi(), name="room"),
        ]
    """,
    "hub/__init__.py": "",
    "hub/asgi.py": """
        from channels.routing import ProtocolTypeRouter, URLRouter
        from django.urls import path

        import live.routing
        from live.consumers import PresenceConsumer

        application = ProtocolTypeRouter({
            "websocket": URLRouter([
                path("ws/", URLRouter(live.routing.websocket_urlpatterns)),
                path("direct/", PresenceConsumer.as_asgi(), name="direct"),
            ]),
        })
    """,
}


def _channels_routes(router: object, prefix: str = "") -> set[tuple[str, str, str]]:
    """(full path, consumer class, route name) of every route of a URLRouter."""
    found: set[tuple[str, str, str]] = set()
    for route in router.routes:  # type: ignore[attr-defined]
        inner = route.callback
        if hasattr(inner, "routes"):  # a URLRouter nested under a path
            found |= _channels_routes(inner, _join(prefix, str(route.pattern)))
            continue
        found.add((_join(prefix, str(route.pattern)), inner.consumer_class.__name__,
                   route.name or ""))
    return found


def test_channels_consumers_match_the_url_routers(load_app, tmp_path):
    pytest.importorskip("django")
    pytest.importorskip("channels")
    _configure_django()
    asgi = load_app(CHANNELS_APP, "hub.asgi")
    expected = _channels_routes(asgi.application.application_mapping["websocket"])
    result = scan([tmp_path], cache=False)
    found = {(route.path, verdict.handler.name.partition(".")[0], route.endpoint)
             for verdict in result.verdicts for route in verdict.handler.all_routes}
    assert found == expected
    assert {verdict.handler.kind for verdict in result.verdicts} == {"websocket"}


SOCKETIO_APP = {
    "chat/__init__.py": "",
    "chat/server.py": """
        import socketio

        sio = socketio.AsyncServer(async_mode="asgi")
        ROOMS = {}


        @sio.event
        async def connect(sid, environ):
            return True


        @sio.on("chat message")
        async def chat_message(sid, data):
            await sio.emit("chat message", data)


        @sio.on("join", namespace="/rooms")
        async def join(sid, data):
            ROOMS.setdefault(data, set()).add(sid)


        class Admin(socketio.AsyncNamespace):
            async def on_connect(self, sid, environ):
                return True

            async def on_kick(self, sid, data):
                ROOMS.pop(data, None)

            async def audit(self, sid):
                return None


        sio.register_namespace(Admin("/admin"))
        app = socketio.ASGIApp(sio)
    """,
}


def test_socketio_events_match_the_server_handlers(load_app, tmp_path):
    """Event handlers as python-socketio dispatches them: decorated functions by
    namespace and event, and the ``on_<event>`` methods of a registered namespace class."""
    pytest.importorskip("socketio")
    sio = load_app(SOCKETIO_APP, "chat.server").sio
    expected = {(namespace, event, function.__name__)
                for namespace, events in sio.handlers.items()
                for event, function in events.items()}
    for namespace, instance in sio.namespace_handlers.items():
        expected |= {(namespace, name.removeprefix("on_"), f"{type(instance).__name__}.{name}")
                     for name in vars(type(instance)) if name.startswith("on_")}
    result = scan([tmp_path], cache=False)
    found = {(route.namespace or "/", route.path, verdict.handler.name)
             for verdict in result.verdicts for route in verdict.handler.all_routes}
    assert found == expected
    # the room table, and a broadcast from a server with no shared client manager (SL402)
    assert {verdict.handler.name for verdict in result.verdicts
            if verdict.verdict == "stateful"} == {"join", "Admin.on_kick", "chat_message"}


# ---------------------------------------------------------------------------
# Sanic, Litestar and Pyramid
# ---------------------------------------------------------------------------


SANIC_APP = {
    "stockroom/__init__.py": "",
    "stockroom/server.py": """
        from sanic import Blueprint, Sanic
        from sanic.response import json
        from sanic.views import HTTPMethodView

        from .orders import bp as orders_bp

        app = Sanic("stockroom")
        app.blueprint(orders_bp)
        v2 = Blueprint("v2", url_prefix="/v2")
        app.blueprint(v2)


        @app.get("/")
        async def index(request):
            return json({})


        @app.route("/items", methods=["GET", "POST"], name="item_list")
        async def items(request):
            return json([])


        @app.websocket("/feed")
        async def feed(request, ws):
            pass


        class Stock(HTTPMethodView):
            async def get(self, request, sku):
                return json({})

            async def patch(self, request, sku):
                return json({})


        app.add_route(Stock.as_view(), "/stock/<sku>")


        async def health(request):
            return json({})


        app.add_route(health, "/health", methods=["GET", "HEAD"])


        @v2.delete("/items/<item_id:int>")
        async def remove(request, item_id):
            return json({})
    """,
    "stockroom/orders.py": """
        from sanic import Blueprint
        from sanic.response import json

        bp = Blueprint("orders", url_prefix="/orders")


        @bp.get("/<order_id:int>")
        async def get_order(request, order_id):
            return json({})


        @bp.post("/")
        async def create_order(request):
            return json({})
    """,
}


def test_sanic_routes_match_the_router(load_app, tmp_path):
    pytest.importorskip("sanic")
    app = load_app(SANIC_APP, "stockroom.server").app
    # Sanic keeps paths without their leading slash and, as it serves "/orders/" and
    # "/orders" alike (strict_slashes off), without a trailing one; a websocket
    # route answers the upgrade request only (statelint: ``WS``, no methods)
    expected = {("/" + route.raw_path,
                 frozenset() if route.extra.websocket else frozenset(route.methods), route.name)
                for route in app.router.routes}
    found = {(path.rstrip("/") or "/", methods, name)
             for path, methods, name in statelint_routes(tmp_path)}
    assert found == expected


LITESTAR_APP = {
    "library/__init__.py": "",
    "library/app.py": """
        from litestar import Litestar, MediaType, get, route, websocket_listener

        from .books import api


        @get("/", media_type=MediaType.TEXT)
        async def index() -> str:
            return "library"


        @route("/search", http_method=["GET", "POST"])
        async def search() -> list[dict]:
            return []


        @websocket_listener("/live")
        async def live(data: str) -> str:
            return data


        app = Litestar(route_handlers=[index, search, live, api])
    """,
    "library/books.py": """
        from litestar import Controller, Router, delete, get, post, put


        class BookController(Controller):
            path = "/books"

            @get()
            async def list_books(self) -> list[dict]:
                return []

            @get("/{book_id:int}", name="book-detail")
            async def get_book(self, book_id: int) -> dict:
                return {}

            @put("/{book_id:int}")
            async def replace_book(self, book_id: int) -> dict:
                return {}

            @delete("/{book_id:int}")
            async def remove_book(self, book_id: int) -> None:
                return None


        @post("/holds")
        async def place_hold() -> dict:
            return {}


        api = Router(path="/api/v1", route_handlers=[BookController, place_hold])
    """,
}


@pytest.mark.filterwarnings("ignore:.*declared using deprecated inferred style")
def test_litestar_routes_match_app_routes(load_app, tmp_path):
    pytest.importorskip("litestar")
    from litestar.routes import HTTPRoute

    app = load_app(LITESTAR_APP, "library.app").app
    joined: dict[tuple[str, str], set[str]] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):  # a websocket: no HTTP methods
            joined.setdefault((route.path, route.route_handler.name or ""), set())
            continue
        for handler in route.route_handlers:
            if handler.fn.__module__.startswith("library."):  # not Litestar's own OPTIONS
                methods = joined.setdefault((route.path, handler.name or ""), set())
                methods.update(handler.http_methods)
                # Litestar answers OPTIONS on every path itself
                methods.update({"OPTIONS"} & set(route.methods))
    expected = {(path, frozenset(methods), name) for (path, name), methods in joined.items()}
    assert statelint_routes(tmp_path) == expected


PYRAMID_APP = {
    "wiki/__init__.py": """
        from pyramid.config import Configurator

        from .views.admin import purge


        def main(global_config, **settings):
            config = Configurator(settings=settings)
            config.include("wiki.routes")
            config.include(".api", route_prefix="/api")
            config.add_view(purge, route_name="purge", request_method="POST", renderer="json")
            config.scan(".views")
            config.commit()
            return config.make_wsgi_app()
    """,
    "wiki/routes.py": """
        def includeme(config):
            config.add_route("front", "/")
            config.add_route("page", "/wiki/{title}")
            config.add_route("page_edit", "/wiki/{title}/edit")
            config.add_route(name="purge", pattern="/admin/purge")
    """,
    "wiki/api.py": """
        from pyramid.view import view_config


        def includeme(config):
            config.add_route("api_pages", "/pages")
            config.scan(".api")


        @view_config(route_name="api_pages", request_method=("GET", "HEAD"), renderer="json")
        def api_pages(request):
            return []
    """,
    "wiki/views/__init__.py": "",
    "wiki/views/admin.py": """
        def purge(request):
            return {"purged": True}
    """,
    "wiki/views/pages.py": """
        from pyramid.view import view_config, view_defaults


        @view_config(route_name="front", renderer="json")
        def home(request):
            return {"pages": []}


        @view_defaults(route_name="page", renderer="json")
        class PageViews:
            def __init__(self, request):
                self.request = request

            @view_config(request_method="GET")
            def show(self):
                return {}

            @view_config(route_name="page_edit", request_method="POST")
            def edit(self):
                return {}

            @view_config(request_method="DELETE")
            def remove(self):
                return {}
    """,
}


# Pyramid and WebOb import modules Python deprecates (pkg_resources, cgi)
@pytest.mark.filterwarnings("ignore:pkg_resources is deprecated")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_pyramid_routes_match_the_registered_views(load_app, tmp_path):
    pytest.importorskip("pyramid")
    from pyramid.interfaces import IRoutesMapper

    app = load_app(PYRAMID_APP, "wiki").main({})
    # what ``proutes`` lists: each route's pattern and name, with the methods of
    # the views configured for it (a view without request_method takes any)
    patterns = {route.name: "/" + route.pattern.lstrip("/")
                for route in app.registry.getUtility(IRoutesMapper).get_routes()}
    joined: dict[tuple[str, str], set[str]] = {}
    for view in app.registry.introspector.get_category("views"):
        route_name = view["introspectable"]["route_name"]
        if route_name is None:  # Pyramid's own exception views
            continue
        methods = view["introspectable"]["request_methods"] or ()
        joined.setdefault((patterns[route_name], route_name), set()).update(
            (methods,) if isinstance(methods, str) else methods)
    expected = {(path, frozenset(methods), name) for (path, name), methods in joined.items()}
    assert statelint_routes(tmp_path) == expected


PYRAMID_NESTED = {
    "market/__init__.py": """
        from pyramid.config import Configurator


        def main(global_config, **settings):
            config = Configurator(settings=settings)
            config.include(".api", route_prefix="/api")
            with config.route_prefix_context("shop"):
                config.add_route("basket", "/basket")
                config.include(".checkout")
            config.scan()
            return config.make_wsgi_app()
    """,
    "market/api/__init__.py": """
        def includeme(config):
            config.add_route("api_root", "/")
            config.include(".v1", route_prefix="v1")
    """,
    "market/api/v1.py": """
        def includeme(config):
            config.add_route("v1_items", "/items")
            config.include("market.api.staff")
    """,
    "market/api/staff.py": """
        def includeme(config):
            config.add_route("staff_home", "/staff")
            with config.route_prefix_context("/staff/"):
                config.add_route("staff_audit", "/audit/{day}")
                with config.route_prefix_context("deep"):
                    config.add_route("staff_deep", "/x")
    """,
    "market/checkout.py": """
        def includeme(config):
            config.add_route("pay", "/pay")
    """,
    "market/views.py": """
        from pyramid.view import view_config


        @view_config(route_name="api_root", renderer="json")
        def api_root(request):
            return {}


        @view_config(route_name="v1_items", request_method="GET", renderer="json")
        def items(request):
            return []


        @view_config(route_name="staff_home", renderer="json")
        @view_config(route_name="staff_audit", renderer="json")
        @view_config(route_name="staff_deep", renderer="json")
        def staff(request):
            return {}


        @view_config(route_name="basket", renderer="json")
        def basket(request):
            return {}


        @view_config(route_name="pay", request_method="POST", renderer="json")
        def pay(request):
            return {}
    """,
}


@pytest.mark.filterwarnings("ignore:pkg_resources is deprecated")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_pyramid_prefixes_through_nested_includes_and_prefix_contexts(load_app, tmp_path):
    """``route_prefix`` given to an include inside an included module, a plain include
    inside that, and ``config.route_prefix_context`` blocks (nested too)."""
    pytest.importorskip("pyramid")
    from pyramid.interfaces import IRoutesMapper

    app = load_app(PYRAMID_NESTED, "market").main({})
    patterns = {route.name: "/" + route.pattern.lstrip("/")
                for route in app.registry.getUtility(IRoutesMapper).get_routes()}
    assert patterns["staff_deep"] == "/api/v1/staff/deep/x"
    assert patterns["pay"] == "/shop/pay"
    found = {(path, name) for path, _, name in statelint_routes(tmp_path)}
    assert found == {(pattern, name) for name, pattern in patterns.items()}


# ---------------------------------------------------------------------------
# Bottle, aiohttp, Falcon and Tornado
# ---------------------------------------------------------------------------


BOTTLE_APP = {
    "board/__init__.py": "",
    "board/app.py": """
        import bottle
        from bottle import Bottle

        app = Bottle()


        @app.route("/")
        def index():
            return "board"


        @app.route("/posts", method=["GET", "POST"], name="posts")
        @app.get("/posts/latest")
        def posts():
            return "posts"


        @app.delete("/posts/<pid:int>")
        def remove(pid):
            return "gone"


        def about():
            return "about"


        app.route("/about", callback=about)
    """,
}


def test_bottle_routes_match_app_routes(load_app, tmp_path):
    pytest.importorskip("bottle")
    app = load_app(BOTTLE_APP, "board.app").app
    expected = {(route.rule, frozenset({route.method}), route.name or "")
                for route in app.routes}
    # Bottle lists one route per method; statelint one per rule, with its methods.
    joined: dict[tuple[str, str], set[str]] = {}
    for path, methods, name in expected:
        joined.setdefault((path, name), set()).update(methods)
    assert statelint_routes(tmp_path) == {
        (path, frozenset(methods), name) for (path, name), methods in joined.items()}


AIOHTTP_APP = {
    "feed/__init__.py": "",
    "feed/app.py": """
        from aiohttp import web

        routes = web.RouteTableDef()


        @routes.get("/")
        async def index(request):
            return web.Response(text="feed")


        @routes.post("/items", name="add-item")
        async def add_item(request):
            return web.Response(text="added")


        @routes.view("/items/{id}")
        class Item(web.View):
            async def get(self):
                return web.Response(text="item")

            async def delete(self):
                return web.Response(text="gone")


        async def health(request):
            return web.Response(text="ok")


        app = web.Application()
        app.add_routes(routes)
        app.router.add_get("/health", health)
        app.add_routes([web.put("/config", health, name="config")])
    """,
}


def test_aiohttp_routes_match_the_router(load_app, tmp_path):
    pytest.importorskip("aiohttp")
    app = load_app(AIOHTTP_APP, "feed.app").app
    joined: dict[tuple[str, str], set[str]] = {}
    for route in app.router.routes():
        methods = joined.setdefault((route.resource.canonical, route.name or ""), set())
        if route.method == "*":  # a class view: the verbs it defines
            methods.update(verb.upper() for verb in ("get", "post", "put", "patch", "delete")
                           if verb in vars(route.handler))
        else:
            methods.add(route.method)
    expected = {(path, frozenset(methods), name) for (path, name), methods in joined.items()}
    assert statelint_routes(tmp_path) == expected


FALCON_APP = {
    "things/__init__.py": "",
    "things/app.py": """
        import falcon


        class ThingsResource:
            def on_get(self, req, resp):
                resp.media = []

            def on_post(self, req, resp):
                resp.status = falcon.HTTP_201

            def on_get_item(self, req, resp, thing_id):
                resp.media = {"id": thing_id}

            def on_delete_item(self, req, resp, thing_id):
                resp.status = falcon.HTTP_204


        class Health:
            def on_get(self, req, resp):
                resp.media = {"ok": True}


        app = falcon.App()
        things = ThingsResource()
        app.add_route("/things", things)
        app.add_route("/things/{thing_id}", things, suffix="item")
        app.add_route("/health", Health())
    """,
}


def test_falcon_routes_match_inspect_app(load_app, tmp_path):
    pytest.importorskip("falcon")
    from falcon.inspect import inspect_app

    app = load_app(FALCON_APP, "things.app").app
    expected = {(route.path, frozenset(m.method for m in route.methods if not m.internal), "")
                for route in inspect_app(app).routes}
    assert statelint_routes(tmp_path) == expected


TORNADO_APP = {
    "live/__init__.py": "",
    "live/app.py": """
        import tornado.web
        import tornado.websocket
        from tornado.web import url


        class MainHandler(tornado.web.RequestHandler):
            def get(self):
                self.write("live")


        class ItemHandler(tornado.web.RequestHandler):
            def get(self, item_id):
                self.write(item_id)

            def put(self, item_id):
                self.write("saved")


        class Echo(tornado.websocket.WebSocketHandler):
            def on_message(self, message):
                self.write_message(message)


        def make_app():
            return tornado.web.Application([
                (r"/", MainHandler),
                url(r"/items/([0-9]+)", ItemHandler, name="item"),
                (r"/echo", Echo),
            ])
    """,
}


def test_tornado_routes_match_the_application_rules(load_app, tmp_path):
    pytest.importorskip("tornado")
    import tornado.web
    import tornado.websocket

    app = load_app(TORNADO_APP, "live.app").make_app()
    expected: RouteSet = set()
    for rule in app.wildcard_router.rules:
        handler = rule.target
        if issubclass(handler, tornado.websocket.WebSocketHandler):
            methods: set[str] = set()  # a websocket: no HTTP verbs of its own
        else:
            methods = {verb for verb in handler.SUPPORTED_METHODS
                       if getattr(handler, verb.lower()) is not getattr(
                           tornado.web.RequestHandler, verb.lower())}
        expected.add((rule.matcher.regex.pattern.removesuffix("$"), frozenset(methods),
                      rule.name or ""))
    assert statelint_routes(tmp_path) == expected
