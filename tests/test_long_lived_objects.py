"""SL602: data inside objects that live as long as the process, however handlers reach them.

Each test is a small service in a shape real applications use (an aiohttp controller
singleton behind a classmethod accessor and properties, a Flask app factory handing a store
to a blueprint factory, per-request rows kept in a registry), checked for the one finding
it should give and for the handlers found.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from statelint.cli import main
from statelint.model import ScanResult


def sl602(result: ScanResult) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.symbol) for f in result.findings if f.rule == "SL602"]


def stateful(result: ScanResult) -> set[str]:
    return {v.handler.name for v in result.verdicts if v.verdict == "stateful"}


SINGLETON = {
    "labs/__init__.py": "",
    "labs/controller.py": '''
from labs.notification import Notification
from labs.project import Project


class Controller:
    _instance = None

    def __init__(self):
        self._projects = {}
        self._notification = Notification()

    @property
    def notification(self):
        return self._notification

    def add_project(self, name):
        project = Project(name)
        self._projects[project.id] = project
        return project

    def get_project(self, project_id):
        return self._projects[project_id]

    @classmethod
    def instance(cls):
        if cls._instance is None:
            cls._instance = Controller()
        return cls._instance
''',
    "labs/notification.py": '''
import asyncio
from contextlib import contextmanager


class Notification:
    def __init__(self):
        self._listeners = []

    @contextmanager
    def listen(self):
        queue = asyncio.Queue()
        self._listeners.append(queue)
        try:
            yield queue
        finally:
            self._listeners.remove(queue)
''',
    "labs/project.py": '''
import uuid


class Project:
    def __init__(self, name):
        self.id = str(uuid.uuid4())
        self.name = name
        self._nodes = {}

    def add_node(self, node_id, node):
        self._nodes[node_id] = node
''',
    "labs/handlers.py": '''
from aiohttp import web

from labs.controller import Controller

routes = web.RouteTableDef()


@routes.post("/projects")
async def create_project(request):
    body = await request.json()
    project = Controller.instance().add_project(body["name"])
    return web.json_response({"id": project.id})


@routes.post("/projects/{project_id}/nodes")
async def add_node(request):
    body = await request.json()
    project = Controller.instance().get_project(request.match_info["project_id"])
    project.add_node(body["id"], body)
    return web.json_response({"ok": True})


@routes.get("/notifications")
async def notifications(request):
    response = web.StreamResponse()
    await response.prepare(request)
    controller = Controller.instance()
    with controller.notification.listen() as queue:
        while True:
            await response.write((await queue.get()).encode())


@routes.get("/health")
async def health(request):
    return web.json_response({"ok": True})
''',
}


def test_a_lazily_made_singleton_its_registry_and_what_a_property_returns(scan_files) -> None:
    result = scan_files(SINGLETON)
    assert {v.handler.name for v in result.verdicts} == {
        "create_project", "add_node", "notifications", "health"}
    found = sl602(result)
    assert ("labs/controller.py", 9, "labs.controller.Controller._projects") in found
    assert ("labs/notification.py", 7, "labs.notification.Notification._listeners") in found
    # each project a request makes is one row of the controller's registry: the registry
    # is reported, not every project's own dict
    assert not [item for item in found if item[0] == "labs/project.py"]
    assert stateful(result) >= {"create_project", "add_node", "notifications"}
    assert "health" not in stateful(result)


def test_the_message_names_the_object_and_where_it_lives(scan_files) -> None:
    result = scan_files(SINGLETON)
    finding = next(f for f in result.findings
                   if f.symbol == "labs.controller.Controller._projects")
    assert finding.message.startswith(
        "`Controller._projects` is a dict inside a long-lived Controller (made by the first "
        "request that needs it and kept for the life of the process) that create_project")
    assert any(place.line == 18 and "assigns an item" in place.message
               for place in finding.related)
    # a project kept in the registry is changed by later requests: shown with the registry
    assert any(place.path == "labs/project.py" and place.line == 11
               and "in an object kept in it" in place.message for place in finding.related)


def test_declared_fields_and_objects_made_per_request_are_not_state(scan_files) -> None:
    result = scan_files({
        "shop/__init__.py": "",
        "shop/models.py": '''
from dataclasses import dataclass, field

from pydantic import BaseModel


class Basket(BaseModel):
    items: list[str] = []


@dataclass
class Totals:
    lines: list = field(default_factory=list)


class Cart:
    items = []

    def __init__(self):
        self.items = []

    def add(self, sku):
        self.items.append(sku)
''',
        "shop/app.py": '''
from flask import Flask, jsonify, request

from shop.models import Basket, Cart, Totals


def create_app():
    app = Flask(__name__)

    @app.post("/basket")
    def basket():
        basket = Basket(items=request.json["items"])
        basket.items.append("gift")
        totals = Totals()
        totals.lines.append(len(basket.items))
        cart = Cart()
        cart.add(request.json["sku"])
        return jsonify(items=basket.items, lines=totals.lines, cart=cart.items)

    return app
''',
    })
    assert [v.handler.name for v in result.verdicts] == ["create_app.basket"]
    assert sl602(result) == []
    assert stateful(result) == set()


def test_ignoring_the_name_based_rule_does_not_move_its_finding_here(scan_files) -> None:
    files = {
        "shop/__init__.py": "",
        "shop/app.py": '''
from flask import Flask, jsonify, request


class Carts:
    def __init__(self):
        self._lines = {}

    def add(self, user, sku):
        self._lines.setdefault(user, []).append(sku)


carts = Carts()
app = Flask(__name__)


@app.post("/cart")
def add_to_cart():
    carts.add(request.json["user"], request.json["sku"])
    return jsonify(ok=True)
''',
    }
    result = scan_files(files)
    assert [f.rule for f in result.findings] == ["SL601"]
    # with SL601 switched off, the same state does not come back under SL602
    outcome = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json",
                                        "--ignore", "SL601", "."])
    data = json.loads(outcome.stdout)
    assert data["findings"] == []
    assert [h["name"] for h in data["handlers"]] == ["add_to_cart"]


STORE_IN_FACTORY = {
    "board/__init__.py": "",
    "board/store.py": '''
import redis
from sortedcontainers import SortedDict


class ScoreBoard:
    def __init__(self, url):
        self._client = redis.Redis.from_url(url)
        self._recent = {}

    def record(self, player, score):
        self._recent[player] = score
        self._client.zadd("scores", {player: score})
''',
    "board/app.py": '''
import os

from fastapi import APIRouter, FastAPI
from sortedcontainers import SortedDict

from board.store import ScoreBoard


def build_router(board, ranking):
    router = APIRouter()

    @router.post("/scores/{player}")
    def post_score(player: str, score: int):
        board.record(player, score)
        ranking.update({player: score})
        return {"ok": True}

    return router


def create_app():
    app = FastAPI()
    app.include_router(build_router(ScoreBoard(os.environ["REDIS_URL"]), SortedDict()))
    return app
''',
}


def test_shared_classes_and_stateful_classes_from_the_configuration(scan_files) -> None:
    plain = scan_files(STORE_IN_FACTORY)
    assert [v.handler.name for v in plain.verdicts] == ["build_router.post_score"]
    assert sl602(plain) == [("board/store.py", 8, "board.store.ScoreBoard._recent")]

    declared = dict(STORE_IN_FACTORY)
    declared["pyproject.toml"] = '''
[tool.statelint]
shared-classes = ["board.store.ScoreBoard"]
stateful-classes = ["sortedcontainers.SortedDict"]
'''
    scan_files(declared)  # writes the configuration next to the project
    data = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--format", "json",
                                                "."]).stdout)
    found = [(f["rule"], f["path"], f["line"]) for f in data["findings"]]
    # the declared client is not state; the library mapping made in the factory is
    assert found == [("SL602", "board/app.py", 23)]
    assert data["findings"][0]["message"].startswith("`SortedDict")


def test_class_settings_are_validated(tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.statelint]\nshared-classes = [3]\n')
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["check", "."])
    assert outcome.exit_code == 2
    assert ('"shared-classes" must be a list of dotted names, but item 1 is an integer'
            in outcome.stderr)


def test_tornado_settings_reach_the_handlers_of_their_own_application(scan_files) -> None:
    result = scan_files({
        "hub/__init__.py": "",
        "hub/registry.py": '''
class Registry:
    def __init__(self):
        self._sessions = {}

    def open(self, user, token):
        self._sessions[user] = token

    def token_of(self, user):
        return self._sessions.get(user)
''',
        "hub/handlers.py": '''
import tornado.web


class LoginHandler(tornado.web.RequestHandler):
    def post(self):
        registry = self.settings["registry"]
        registry.open(self.get_argument("user"), self.get_argument("token"))
        self.write({"ok": True})


class WhoHandler(tornado.web.RequestHandler):
    def get(self):
        registry = self.settings["registry"]
        self.write({"token": registry.token_of(self.get_argument("user"))})
''',
        "hub/app.py": '''
import tornado.ioloop
import tornado.web

from hub.handlers import LoginHandler, WhoHandler
from hub.registry import Registry


def make_app():
    settings = {"registry": Registry(), "debug": False}
    return tornado.web.Application([(r"/login", LoginHandler), (r"/who", WhoHandler)],
                                   **settings)


if __name__ == "__main__":
    make_app().listen(8888)
    tornado.ioloop.IOLoop.current().start()
''',
        "examples/echo.py": '''
import tornado.web


class EchoHandler(tornado.web.RequestHandler):
    def post(self):
        self.settings["last"] = self.request.body
        self.write(self.request.body)


app = tornado.web.Application([(r"/echo", EchoHandler)], last=None)
''',
    })
    assert {v.handler.name for v in result.verdicts} == {
        "LoginHandler.post", "WhoHandler.get", "EchoHandler.post"}
    assert sl602(result) == [("hub/registry.py", 3, "hub.registry.Registry._sessions")]
    finding = next(f for f in result.findings if f.rule == "SL602")
    assert finding.writers == ("hub/handlers.py::LoginHandler.post",)
    assert "hub/handlers.py::WhoHandler.get" in finding.handlers


LAB_HUB = {
    "labhub/__init__.py": "",
    "labhub/app.py": '''
from tornado import ioloop, web
from traitlets import Dict, Instance, Integer, Type, Unicode, default
from traitlets.config import Application

from labhub.handlers import default_handlers
from labhub.relay import Relay
from labhub.sessions import SessionTable
from labhub.workers import WorkerDict


class LabHub(Application):
    port = Integer(8000).tag(config=True)
    relay_url = Unicode("http://127.0.0.1:8001").tag(config=True)
    relay_class = Type(default_value=Relay, klass=Relay).tag(config=True)
    sessions = Instance(SessionTable)
    tornado_settings = Dict().tag(config=True)

    @default("sessions")
    def _sessions_default(self):
        return SessionTable()

    def init_relay(self):
        self.relay = self.relay_class(self.relay_url)

    def init_tornado_settings(self):
        pinned = set()
        settings = dict(relay=self.relay, sessions=self.sessions, pinned=pinned,
                        workers=WorkerDict())
        settings.update(self.tornado_settings)
        self.tornado_settings = settings

    def init_tornado_application(self):
        self.tornado_application = web.Application(default_handlers, **self.tornado_settings)

    def initialize(self, argv=None):
        super().initialize(argv)
        self.init_relay()
        self.init_tornado_settings()
        self.init_tornado_application()

    def start(self):
        self.tornado_application.listen(self.port)
        ioloop.IOLoop.current().start()


main = LabHub.launch_instance

if __name__ == "__main__":
    main()
''',
    "labhub/relay.py": '''
class Relay:
    def __init__(self, api_url):
        self.api_url = api_url
        self.token = ""
''',
    "labhub/sessions.py": '''
class Session:
    def __init__(self, name):
        self.name = name
        self.pending = False


class SessionTable(dict):
    def open(self, name):
        if name not in self:
            self[name] = Session(name)
        return self[name]

    def close(self, name):
        self.pop(name, None)
''',
    "labhub/workers.py": '''
class Worker:
    def __init__(self, name):
        self.name = name
        self.busy = False


class WorkerDict(dict):
    def __getitem__(self, name):
        if name not in self:
            self[name] = Worker(name)
        return super().__getitem__(name)
''',
    "labhub/drafts.py": '''
from traitlets import List, Unicode, default
from traitlets.config import LoggingConfigurable


class Draft(LoggingConfigurable):
    title = Unicode("")
    lines = List()

    @default("lines")
    def _lines_default(self):
        return []
''',
    "labhub/handlers.py": '''
from tornado import web

from labhub.drafts import Draft


class BaseHandler(web.RequestHandler):
    @property
    def sessions(self):
        return self.settings.setdefault("sessions", {})


    @property
    def workers(self):
        return self.settings["workers"]


class ClaimHandler(BaseHandler):
    def post(self, name):
        worker = self.workers[name]
        worker.busy = True


class OpenHandler(BaseHandler):
    def post(self, name):
        session = self.sessions.open(name)
        self.write({"name": session.name})


class CloseHandler(BaseHandler):
    def delete(self, name):
        self.sessions.close(name)


class RelayHandler(BaseHandler):
    def patch(self):
        relay = self.settings["relay"]
        relay.api_url = self.get_argument("url")


class PinHandler(BaseHandler):
    def post(self, client_id):
        self.settings["pinned"].add(client_id)


class PreviewHandler(BaseHandler):
    def post(self):
        draft = Draft()
        draft.title = self.get_argument("title")
        draft.lines.append(self.get_argument("line"))
        self.write({"lines": draft.lines})


default_handlers = [
    (r"/sessions/(\\w+)", OpenHandler),
    (r"/sessions/(\\w+)/close", CloseHandler),
    (r"/relay", RelayHandler),
    (r"/pins/(\\w+)", PinHandler),
    (r"/preview", PreviewHandler),
    (r"/workers/(\\w+)/claim", ClaimHandler),
]
''',
}


def test_an_application_the_library_launches_keeps_what_its_start_up_methods_build(
        scan_files) -> None:
    # traitlets builds the one LabHub object inside ``launch_instance()`` and runs its
    # ``initialize``: what that hands to tornado's settings lives for the process (the
    # relay is made from a trait's default class, the sessions by a trait's ``@default``)
    result = scan_files(LAB_HUB)
    assert {v.handler.name for v in result.verdicts} == {
        "OpenHandler.post", "CloseHandler.delete", "RelayHandler.patch", "PinHandler.post",
        "PreviewHandler.post", "ClaimHandler.post"}
    findings = {(f.path, f.line, f.symbol): f for f in result.findings if f.rule == "SL602"}
    assert sorted(findings) == [
        ("labhub/app.py", 20, "labhub.app.LabHub.sessions"),
        ("labhub/app.py", 23, "labhub.app.LabHub.relay"),
        ("labhub/app.py", 27, "labhub.app.LabHub.tornado_settings[pinned]"),
        ("labhub/app.py", 27, "labhub.app.LabHub.tornado_settings[workers]"),
    ]
    sessions = findings[("labhub/app.py", 20, "labhub.app.LabHub.sessions")]
    assert sessions.message.startswith(
        "`LabHub.sessions` is a SessionTable object inside a long-lived LabHub (made once")
    assert sessions.writers == ("labhub/handlers.py::CloseHandler.delete",
                                "labhub/handlers.py::OpenHandler.post")
    relay = findings[("labhub/app.py", 23, "labhub.app.LabHub.relay")]
    assert relay.writers == ("labhub/handlers.py::RelayHandler.patch",)
    # ``self.workers[name]`` runs the registry's ``__getitem__``, which keeps a new Worker;
    # the handler then changes that row
    workers = next(f for key, f in findings.items() if key[2].endswith("[workers]"))
    assert workers.message.startswith(
        "`LabHub.tornado_settings[workers]` is a WorkerDict object kept as an entry")
    assert [(r.path, r.line, r.message) for r in workers.related] == [
        ("labhub/app.py", 28, "the WorkerDict object kept in it is made here"),
        ("labhub/workers.py", 10, "WorkerDict.__getitem__ assigns an item at request time"),
        ("labhub/handlers.py", 20,
         "ClaimHandler.post sets an attribute in an object kept in it, at request time")]
    # the draft each request makes (a traitlets object too) is the request's own
    assert "PreviewHandler.post" not in stateful(result)


METERS = {
    "stats/__init__.py": "",
    "stats/models.py": '''
class Meter:
    def __init__(self):
        self.count = 0
        self.total = 0.0

    def observe(self, value):
        self.count += 1
        self.total += value


class MeterStorage:
    def __init__(self):
        self.meters = {}

    def configure(self, *key):
        self.meters[key] = Meter()

    def get(self, *key):
        return self.meters.get(key)
''',
    "stats/app.py": '''
from flask import Flask, jsonify, request

from stats.models import MeterStorage


def create_app(engines):
    app = Flask(__name__)
    storage = MeterStorage()
    for engine in engines:
        storage.configure(engine, "time")

    @app.post("/search/<engine>")
    def search(engine):
        storage.get(engine, "time").observe(float(request.args["took"]))
        return jsonify(ok=True)

    @app.get("/health")
    def health():
        return jsonify(ok=True)

    return app
''',
}


def test_rows_made_at_start_up_and_changed_per_request_are_their_registrys_data(
        scan_files) -> None:
    # each Meter is made while configuring and kept under a computed key: what requests
    # change in them (reached through ``meters.get(key)``) is reported on the registry
    result = scan_files(METERS)
    assert {v.handler.name for v in result.verdicts} == {"create_app.search", "create_app.health"}
    assert sl602(result) == [("stats/models.py", 13, "stats.models.MeterStorage.meters")]
    finding = next(f for f in result.findings if f.rule == "SL602")
    assert finding.message.startswith(
        "`MeterStorage.meters` is a dict inside a long-lived MeterStorage (made once")
    assert [(r.path, r.line) for r in finding.related] == [
        ("stats/models.py", 7), ("stats/models.py", 8)]
    assert stateful(result) == {"create_app.search"}
