"""State wired the way real services wire it, not only in the shapes a small example takes.

Each test is a small service in the shape real applications take: a store created at
start-up that reaches the handlers through a module-level name rebound by ``global`` in an
initialisation function (or declared by annotation) and is changed through the object's own
methods; a base method reached through ``super()``; a timestamp refreshed on a threshold; a
project's own routing decorator; a backend chosen by an item written into the app config.
Each has a look-alike that must stay quiet.
"""

from __future__ import annotations

from statelint.model import ScanResult


def findings_of(result: ScanResult) -> list[tuple[str, str, int]]:
    return [(finding.rule, finding.path, finding.line) for finding in result.findings]


def stateful_names(result: ScanResult) -> set[str]:
    return {v.handler.name for v in result.verdicts if v.verdict == "stateful"}


METRICS = '''
class CounterStorage:
    def __init__(self):
        self.counters = {}

    def configure(self, *names):
        self.counters[names] = 0

    def add(self, value, *names):
        self.counters[names] += value

    def get(self, *names):
        return self.counters[names]


counter_storage = None


def initialize(engine_names):
    global counter_storage
    counter_storage = CounterStorage()
    for name in engine_names:
        counter_storage.configure("engine", name, "search")


def counter_inc(*names):
    counter_storage.add(1, *names)
'''

WEBAPP = '''
from flask import Flask, jsonify

from search import metrics

app = Flask(__name__)


@app.get("/search")
def search():
    metrics.counter_inc("engine", "wiki", "search")
    return jsonify(ok=True)


@app.get("/stats")
def stats():
    return jsonify(total=metrics.counter_storage.get("engine", "wiki", "search"))


@app.get("/health")
def health():
    return "ok"


def run():
    metrics.initialize(["wiki"])
    app.run()
'''


def test_an_object_built_at_start_up_through_global_is_followed(scan_files) -> None:
    """``counter_storage = None`` at import time, a ``CounterStorage`` once ``initialize``
    runs: the handler's ``add`` changes the object's dict, and ``stats`` reads it."""
    result = scan_files({"search/__init__.py": "", "search/metrics.py": METRICS,
                         "search/webapp.py": WEBAPP})
    assert findings_of(result) == [("SL601", "search/metrics.py", 15)]
    finding = result.findings[0]
    assert finding.message.startswith("`counter_storage` is a module-level object shared by "
                                      "every request of a worker; search changes it")
    assert "also read by stats" in finding.message
    assert stateful_names(result) == {"search", "stats"}
    # the chain goes from the handler through the helper into the object's method
    assert [step.message for step in finding.trace][1:] == [
        "calls counter_inc()", "calls CounterStorage.add()",
        "updates it in place: counter_storage"]


def test_a_database_backed_store_built_the_same_way_is_not_state(scan_files) -> None:
    """The same wiring around a store that keeps nothing in the process: a session per
    call, a lazily created engine."""
    store = '''
import os

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from shop.models import Item


class SqlStore:
    def __init__(self, url):
        self.engine = create_engine(url)
        self._session = None

    def session(self):
        if self._session is None:
            self._session = Session(self.engine)
        return self._session

    def add(self, name):
        session = Session(self.engine)
        session.add(Item(name=name))
        session.commit()


store = None


def create_store():
    global store
    store = SqlStore(os.environ["DATABASE_URL"])
'''
    app = '''
from flask import Flask, request

from shop import store as stores

app = Flask(__name__)


@app.post("/items")
def add_item():
    stores.store.add(request.json["name"])
    return "", 201


def create_app():
    stores.create_store()
    return app
'''
    result = scan_files({"shop/__init__.py": "", "shop/models.py": "class Item:\n    pass\n",
                         "shop/store.py": store, "shop/app.py": app})
    assert [v.handler.name for v in result.verdicts] == ["add_item"]
    assert result.findings == []
    assert stateful_names(result) == set()


RELEASES = '''
import datetime
from functools import lru_cache

import requests

_LAST_RESET = None
_client = None


@lru_cache(maxsize=1)
def latest_release() -> str:
    response = requests.get("https://api.github.com/repos/acme/shop/releases/latest")
    response.raise_for_status()
    return response.json()["tag_name"]


def latest_version() -> str:
    global _LAST_RESET
    now = datetime.datetime.now(datetime.timezone.utc)
    if not _LAST_RESET or now - _LAST_RESET > datetime.timedelta(days=1):
        _LAST_RESET = now
        latest_release.cache_clear()
    return latest_release()


def client():
    global _client
    if _client is None or _client.closed:
        _client = requests.Session()
    return _client
'''

ABOUT = '''
from fastapi import APIRouter

from shop.releases import client, latest_version

router = APIRouter(prefix="/about")


@router.get("")
def about():
    return {"latest": latest_version()}


@router.get("/ping")
def ping():
    return {"ok": client().get("https://status.acme.test").ok}
'''


def test_a_timestamp_refreshed_on_a_threshold_is_request_time_state(scan_files) -> None:
    """``if not last or now - last > ttl: last = now`` runs again whenever the threshold
    passes: each worker keeps its own timestamp.  ``if client is None or client.closed``
    builds the same client in every process: a lazily created client, not state."""
    result = scan_files({"shop/__init__.py": "", "shop/releases.py": RELEASES,
                         "shop/about.py": ABOUT})
    assert findings_of(result) == [("SL102", "shop/releases.py", 6),
                                   ("SL201", "shop/releases.py", 11)]
    assert result.findings[0].message.startswith(
        "`_LAST_RESET` is rebound with `global` while about serves requests")
    assert stateful_names(result) == {"about"}
    assert {v.handler.name for v in result.verdicts} == {"about", "ping"}


SEARCH = '''
import threading
import uuid

from meta.metrics import counter_inc

ENGINES = {}


class Search:
    def __init__(self, query):
        self.query = query
        self.results = []

    def ask_engines(self):
        search_id = str(uuid.uuid4())
        for name, engine in ENGINES.items():
            counter_inc("engine", name, "sent")
            worker = threading.Thread(target=engine.search, args=(self.query, self.results),
                                      name=search_id)
            worker.start()
        for worker in threading.enumerate():
            if worker.name == search_id:
                worker.join(3.0)

    def search(self):
        self.ask_engines()
        return self.results


class SearchWithPlugins(Search):
    def search(self):
        results = super().search()
        return [result for result in results if result]
'''

META_METRICS = '''
from meta.storage import CounterStorage

counter_storage: CounterStorage = None


def initialize(names):
    global counter_storage
    counter_storage = CounterStorage()


def counter_inc(*names):
    counter_storage.add(1, *names)
'''

STORAGE = '''
class CounterStorage:
    def __init__(self):
        self.counters = {}

    def add(self, value, *names):
        self.counters[names] = self.counters.get(names, 0) + value
'''

META_APP = '''
from flask import Flask, jsonify, request

import meta.search

app = Flask(__name__)


@app.get("/search")
def search():
    query = meta.search.SearchWithPlugins(request.args["q"])
    return jsonify(query.search())
'''


def test_a_subclass_calling_super_reaches_the_base_method(scan_files) -> None:
    """``super().search()`` runs the base class's ``search``, which counts into a storage
    object declared by annotation (``counter_storage: CounterStorage = None``); the
    threads it starts are joined before the request answers, which is not background work."""
    result = scan_files({"meta/__init__.py": "", "meta/search.py": SEARCH,
                         "meta/metrics.py": META_METRICS, "meta/storage.py": STORAGE,
                         "meta/app.py": META_APP})
    assert findings_of(result) == [("SL601", "meta/metrics.py", 3)]
    assert [step.message for step in result.findings[0].trace][1:4] == [
        "calls SearchWithPlugins.search()", "calls Search.search()", "calls Search.ask_engines()"]
    assert stateful_names(result) == {"search"}


ROUTE = '''
from aiohttp import web


class Route:
    _routes = []

    @classmethod
    def get(cls, path, **kwargs):
        return cls._route("GET", path, **kwargs)

    @classmethod
    def post(cls, path, **kwargs):
        return cls._route("POST", path, **kwargs)

    @classmethod
    def _route(cls, method, path, **kwargs):
        def register(func):
            cls._routes.append((method, path, func))
            return func
        return register

    @classmethod
    def install(cls, app: web.Application):
        for method, path, func in cls._routes:
            app.router.add_route(method, path, func)
'''

PROJECTS = '''
from aiohttp import web

from lab.route import Route

OPEN_PROJECTS = {}


class ProjectHandler:
    @classmethod
    @Route.post("/projects/{project_id}/open")
    async def open(cls, request):
        OPEN_PROJECTS[request.match_info["project_id"]] = True
        return web.json_response({"open": len(OPEN_PROJECTS)})

    @classmethod
    @Route.get("/projects")
    async def list_projects(cls, request):
        return web.json_response(sorted(OPEN_PROJECTS))

    @classmethod
    @Route.get("/version")
    async def version(cls, request):
        return web.json_response({"version": "2.2"})
'''


def test_a_projects_own_route_decorator_declares_handlers(scan_files) -> None:
    """A service that wraps its framework's router in a decorator class of its own
    (``@Route.post("/projects/{id}/open")``) still has request handlers."""
    result = scan_files({"lab/__init__.py": "", "lab/route.py": ROUTE,
                         "lab/projects.py": PROJECTS})
    routes = {(v.handler.name, v.handler.route, v.handler.methods, v.handler.framework)
              for v in result.verdicts}
    assert routes == {("ProjectHandler.open", "/projects/{project_id}/open", ("POST",), "aiohttp"),
                      ("ProjectHandler.list_projects", "/projects", ("GET",), "aiohttp"),
                      ("ProjectHandler.version", "/version", ("GET",), "aiohttp")}
    assert findings_of(result) == [("SL101", "lab/projects.py", 5)]
    assert stateful_names(result) == {"ProjectHandler.open", "ProjectHandler.list_projects"}


def test_a_decorator_named_like_a_verb_without_a_path_is_not_a_route(scan_files) -> None:
    """``@cache.get`` or ``@registry.route(name)`` without a URL path declares nothing."""
    files = {
        "lab/__init__.py": "",
        "lab/route.py": ROUTE,
        "lab/tools.py": '''
from aiohttp import web

from lab.route import Route

SEEN = {}


@Route.get("version-check")
async def check(request):
    SEEN["last"] = request.remote
    return web.json_response({})
''',
    }
    result = scan_files(files)
    assert result.verdicts == [] and result.findings == []


def test_a_backend_chosen_by_an_item_written_into_the_app_config(scan_files) -> None:
    """``app.config["CACHE_TYPE"] = os.environ.get("CACHE_TYPE", "SimpleCache")`` in the app
    factory, then ``cache.init_app(app)``: an in-process cache unless the variable is set."""
    files = {
        "shop/__init__.py": "",
        "shop/extensions.py": "from flask_caching import Cache\n\ncache = Cache()\n",
        "shop/app.py": '''
import os

from flask import Flask, jsonify

from shop.extensions import cache


def create_app():
    app = Flask(__name__)
    app.config["CACHE_TYPE"] = os.environ.get("CACHE_TYPE", "SimpleCache")
    app.config["CACHE_DEFAULT_TIMEOUT"] = 300
    cache.init_app(app)

    @app.get("/products/<int:product_id>")
    @cache.cached(timeout=60)
    def product(product_id):
        return jsonify(id=product_id)

    @app.get("/health")
    def health():
        return "ok"

    return app
''',
    }
    result = scan_files(files)
    assert findings_of(result) == [("SL301", "shop/app.py", 10)]
    assert result.findings[0].message.startswith(
        "when `CACHE_TYPE` is not set, Flask-Caching falls back to `SimpleCache` for its cache")
    assert stateful_names(result) == {"create_app.product"}
    assert {v.handler.name for v in result.verdicts} == {"create_app.product", "create_app.health"}

    # set to a shared backend, the same wiring is quiet
    files["shop/app.py"] = files["shop/app.py"].replace(
        'os.environ.get("CACHE_TYPE", "SimpleCache")', '"RedisCache"')
    result = scan_files(files)
    assert result.findings == [] and len(result.verdicts) == 2


VENDORED_BOTTLE = '''
import threading


class Bottle:
    def __init__(self):
        self.routes = []

    def route(self, path, method="GET"):
        def decorator(callback):
            self.routes.append((path, method, callback))
            return callback
        return decorator


class LocalResponse(threading.local):
    status = 200


response = LocalResponse()
default_app = Bottle()


def make_default_app_wrapper(name):
    def wrapper(*args, **kwargs):
        return getattr(default_app, name)(*args, **kwargs)
    return wrapper


route = make_default_app_wrapper("route")
get = make_default_app_wrapper("get")
post = make_default_app_wrapper("post")
'''

TASK_API = '''
from thirdparty.bottle.bottle import get, post, response


class DataStore:
    tasks = {}


@post("/task/new")
def task_new():
    DataStore.tasks[len(DataStore.tasks)] = {"status": "new"}
    return {"taskid": len(DataStore.tasks)}


@get("/task/<taskid>/status")
def task_status(taskid):
    if taskid not in DataStore.tasks:
        response.status = 404
        return {"error": "unknown task"}
    return DataStore.tasks[taskid]
'''


def test_a_framework_copied_into_the_tree_is_the_framework(scan_files) -> None:
    """A vendored single-file framework (``thirdparty/bottle/bottle.py``) declares handlers
    exactly as the installed one would, and its thread-local response object is the
    framework's business, not the application's state."""
    result = scan_files({"thirdparty/__init__.py": "", "thirdparty/bottle/__init__.py": "",
                         "thirdparty/bottle/bottle.py": VENDORED_BOTTLE, "api.py": TASK_API})
    assert {(v.handler.name, v.handler.route, v.handler.framework) for v in result.verdicts} == {
        ("task_new", "/task/new", "bottle"), ("task_status", "/task/<taskid>/status", "bottle")}
    assert findings_of(result) == [("SL601", "api.py", 5)]
    assert result.findings[0].message.startswith("`DataStore.tasks` is a class attribute")
    assert stateful_names(result) == {"task_new", "task_status"}


def test_a_handler_defined_inside_the_app_factory_serves_requests(scan_files) -> None:
    """The factory runs once at start-up, but the handlers it defines run per request: a
    thread started by one of them is background work of the web worker."""
    files = {
        "reports/__init__.py": "",
        "reports/app.py": '''
import threading

from flask import Flask

from reports.build import build_report


def create_app():
    app = Flask(__name__)

    @app.post("/reports/<int:report_id>")
    def request_report(report_id):
        worker = threading.Thread(target=build_report, args=(report_id,), daemon=True)
        worker.start()
        return "", 202

    @app.get("/health")
    def health():
        return "ok"

    return app
''',
        "reports/build.py": '''
def build_report(report_id):
    return {"id": report_id}
''',
    }
    result = scan_files(files)
    assert findings_of(result) == [("SL801", "reports/app.py", 14)]
    assert result.findings[0].message.startswith(
        "create_app.request_report starts background work inside the web worker")
    assert stateful_names(result) == {"create_app.request_report"}
