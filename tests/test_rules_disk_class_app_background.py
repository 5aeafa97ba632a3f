"""SL501 local-disk-state, SL601 class-level-state, SL701 app-state-mutation and
SL801 process-bound-background-work: realistic services and their look-alikes."""

from __future__ import annotations

import pytest

from statelint.knowledge import frameworks
from statelint.model import Finding, ScanResult


def findings_of(result: ScanResult, code: str) -> list[Finding]:
    """The findings of one rule."""
    return [finding for finding in result.findings if finding.rule == code]


def stateful(result: ScanResult) -> set[str]:
    """Names of the handlers judged stateful."""
    return {v.handler.name for v in result.verdicts if v.verdict == "stateful"}


def handler_names(result: ScanResult) -> set[str]:
    """Names of every handler found."""
    return {v.handler.name for v in result.verdicts}


# ---------------------------------------------------------------------------
# SL501 local-disk-state
# ---------------------------------------------------------------------------

FLASK_FILES = '''
import json
import os
import shelve
import shutil
import sqlite3
from pathlib import Path

from flask import Flask, jsonify, request

app = Flask(__name__)
DATA_DIR = Path(os.environ.get("DATA_DIR", "/var/lib/notes"))
UPLOAD_FOLDER = "/srv/uploads"
STATS_FILE = "stats.json"


def record_event(kind):
    with open(DATA_DIR / "events.log", mode="a", encoding="utf-8") as log:
        log.write(kind + "\\n")


@app.post("/events/<kind>")
def track(kind):
    record_event(kind)
    return "", 204


@app.post("/notes/<slug>")
def save_note(slug):
    Path(f"notes/{slug}.md").write_text(request.get_data(as_text=True))
    return "", 201


@app.post("/attachments")
def attach():
    upload = request.files["file"]
    upload.save(os.path.join(UPLOAD_FOLDER, upload.filename))
    return jsonify(name=upload.filename), 201


@app.post("/stats")
def save_stats():
    json.dump(request.get_json(), open(STATS_FILE, "w"))
    return "", 204


@app.post("/archive/<name>")
def archive(name):
    shutil.copy(os.path.join(UPLOAD_FOLDER, name), "/srv/archive/")
    return "", 204


@app.get("/visits")
def visits():
    conn = sqlite3.connect("visits.db")
    conn.execute("INSERT INTO visits DEFAULT VALUES")
    conn.commit()
    return jsonify(total=conn.execute("SELECT count(*) FROM visits").fetchone()[0])


@app.post("/prefs")
def prefs():
    with shelve.open("prefs") as db:
        db[request.json["user"]] = request.json["prefs"]
    return "", 204
'''


def test_disk_writes_of_every_kind_are_reported_per_site(scan_files):
    result = scan_files({"app.py": FLASK_FILES})
    found = findings_of(result, "SL501")
    by_line = {finding.line: finding for finding in found}
    assert len(found) == 7, [f.message for f in found]
    assert {"track", "save_note", "attach", "save_stats", "archive", "visits", "prefs"} <= stateful(result)
    event = next(f for f in found if "record_event" in f.message)
    assert event.severity == "error" and "appends" in event.message
    assert event.path == "app.py" and event.line == 17  # the open() call, not the handler
    assert event.trace[0].message.startswith("handler track")
    upload = next(f for f in found if "uploaded file" in f.message)
    assert "s3" in upload.suggestion.lower()
    sqlite = next(f for f in found if "sqlite3.connect" in f.message)
    assert "PostgreSQL" in sqlite.suggestion
    assert by_line  # every finding has a location


def test_readers_of_a_folder_written_at_request_time_are_stateful(scan_files):
    result = scan_files({"app.py": '''
import os

from flask import Flask, request, send_from_directory

app = Flask(__name__)
REPORT_DIR = os.environ.get("REPORT_DIR", "/srv/reports")


@app.post("/reports/<name>")
def write_report(name):
    with open(os.path.join(REPORT_DIR, name), "w") as out:
        out.write(request.get_data(as_text=True))
    return "", 201


@app.get("/reports/<name>")
def read_report(name):
    return send_from_directory(REPORT_DIR, name)


@app.get("/health")
def health():
    return "ok"
'''})
    (finding,) = findings_of(result, "SL501")
    assert finding.symbol == "app.REPORT_DIR"
    assert set(finding.handlers) == {"app.py::write_report", "app.py::read_report"}
    assert stateful(result) == {"write_report", "read_report"}


EXPORTS = '''
import json
import os
import tempfile

from flask import Flask, jsonify, request, send_file

app = Flask(__name__)
# Made once per process: every write below lands in this worker's own folder.
EXPORT_DIR = tempfile.mkdtemp(prefix="exports-")


@app.post("/exports/<name>")
def create_export(name):
    with open(os.path.join(EXPORT_DIR, f"{name}.json"), "w") as handle:
        json.dump(request.json, handle)
    with open(os.path.join(EXPORT_DIR, f"{name}.meta"), "w") as handle:
        handle.write(request.remote_addr or "")
    return jsonify(ok=True), 201


@app.post("/exports/<name>/lines")
def append_export(name):
    with open(os.path.join(EXPORT_DIR, f"{name}.log"), "a") as handle:
        handle.write(json.dumps(request.json) + "\\n")
    return jsonify(ok=True)


@app.post("/exports/<name>/copy")
def copy_export(name):
    target = os.path.join(EXPORT_DIR, f"{name}.copy")
    with open(target, "w") as handle:
        handle.write(request.get_data(as_text=True))
    return jsonify(ok=True)


@app.get("/exports/<name>")
def download_export(name):
    return send_file(os.path.join(EXPORT_DIR, f"{name}.json"))


@app.post("/notes")
def save_note():
    with open(compute_note_path(request.json["id"]), "w") as handle:
        handle.write(request.json["text"])
    return "", 204


def compute_note_path(note_id):
    return f"/srv/notes/{note_id}.txt"
'''


def test_one_folder_written_in_four_places_is_one_finding(scan_files):
    result = scan_files({"exports.py": EXPORTS})
    found = {finding.symbol: finding for finding in findings_of(result, "SL501")}
    folder = found["exports.EXPORT_DIR"]
    # At the first write, naming every writer; the other writes are related locations.
    assert (folder.path, folder.line) == ("exports.py", 14)
    assert folder.message.startswith(
        "`create_export`, `append_export`, `copy_export` write to a path under `EXPORT_DIR` in 4 "
        "places at request time; the files exist on this machine only")
    assert folder.message.endswith("(files there are also read by download_export)")
    writes = sorted(loc.line for loc in folder.related if "local file" in loc.message)
    assert writes == [14, 16, 23, 31]
    assert set(folder.handlers) == {f"exports.py::{name}" for name in (
        "create_export", "append_export", "copy_export", "download_export")}
    assert stateful(result) == {"create_export", "append_export", "copy_export",
                                "download_export", "save_note"}
    # A path statelint cannot name is a finding of its own, said once.
    (note,) = [f for f in found.values() if f is not folder]
    assert note.message.startswith("`save_note` writes a local file (a path it computes) at request time;")
    for finding in found.values():
        assert finding.message.count("at request time") == 1, finding.message


def test_one_temporary_folder_written_through_any_path_expression_is_one_finding(scan_files):
    result = scan_files({"uploads.py": '''
import os
import tempfile
from pathlib import Path

from flask import Flask, request

app = Flask(__name__)
WORK = tempfile.mkdtemp(prefix="uploads-")


@app.post("/joined/<name>")
def joined(name):
    with open(os.path.join(WORK, name), "wb") as handle:
        handle.write(request.data)
    return "ok"


@app.post("/divided/<name>")
def divided(name):
    (Path(WORK) / name).write_bytes(request.data)
    return "ok"


@app.post("/added/<name>")
def added(name):
    with open(WORK + "/" + name, "wb") as handle:
        handle.write(request.data)
    return "ok"


@app.post("/formatted/<name>")
def formatted(name):
    with open(f"{WORK}/{name}", "wb") as handle:
        handle.write(request.data)
    return "ok"


@app.post("/scratch")
def scratch():
    with tempfile.TemporaryDirectory() as folder:
        with open(f"{folder}/part", "wb") as handle:
            handle.write(request.data)
        Path(folder + "/done").write_text("1")
    return "ok"
'''})
    (folder,) = findings_of(result, "SL501")
    assert folder.symbol == "uploads.WORK"
    assert folder.message.startswith("`joined`, `divided`, `added` and 1 more write to a path "
                                     "under `WORK` in 4 places at request time;")
    assert folder.message.count("at request time") == 1
    assert stateful(result) == {"joined", "divided", "added", "formatted"}
    # the folder made per request is scratch space: its handler is found, and not stateful
    assert "scratch" in handler_names(result)


def test_scratch_files_reads_and_memory_are_not_disk_state(scan_files):
    result = scan_files({"app.py": '''
import csv
import io
import os
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path

import aiofiles
from fastapi import FastAPI
from fastapi.responses import FileResponse, StreamingResponse

app = FastAPI()
TEMPLATE = Path(__file__).with_name("template.csv")
CONFIG_MODE = os.environ.get("MODE", "r")


@app.get("/template")
async def template():
    with open(TEMPLATE) as handle, open(TEMPLATE, "rb") as raw:
        return {"text": handle.read(), "size": len(raw.read())}


@app.get("/export")
async def export():
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as tmp:
        csv.writer(tmp).writerow(["id"])
    return FileResponse(tmp.name)


@app.get("/bundle")
async def bundle():
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "out.txt"
        target.write_text("hello")
        async with aiofiles.open(os.path.join(scratch, "x"), "w") as out:
            await out.write("x")
        return {"size": target.stat().st_size}


@app.get("/csv")
async def in_memory_csv():
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["a", "b"])
    sys.stdout.write("exported\\n")
    return StreamingResponse(iter([buffer.getvalue()]), media_type="text/csv")


@app.get("/scratch")
async def scratch_file():
    path = f"/tmp/{uuid.uuid4()}.txt"
    with open(path, "w") as out:
        out.write("x")
    size = os.path.getsize(path)
    os.remove(path)
    return {"size": size}


@app.get("/calc")
async def calc():
    conn = sqlite3.connect(":memory:")
    return {"two": conn.execute("SELECT 1 + 1").fetchone()[0]}


@app.get("/mode")
async def mode():
    with open(TEMPLATE, CONFIG_MODE) as handle:
        return {"text": handle.read()}
'''})
    assert findings_of(result, "SL501") == []
    assert not stateful(result)


def test_disk_writes_at_import_or_startup_are_not_request_state(scan_files):
    result = scan_files({"app.py": '''
import os

from flask import Flask, jsonify

PID_FILE = "/run/notes.pid"
with open(PID_FILE, "w") as pid:
    pid.write(str(os.getpid()))


def create_app():
    app = Flask(__name__)
    with open("instance/started", "w") as marker:
        marker.write("1")

    @app.get("/ping")
    def ping():
        return jsonify(ok=True)

    return app
'''})
    assert findings_of(result, "SL501") == []


def test_aiofiles_append_in_async_helper_is_reported(scan_files):
    result = scan_files({
        "audit/__init__.py": "",
        "audit/log.py": '''
import json

import aiofiles

AUDIT_LOG = "audit.jsonl"


async def write_audit(entry):
    async with aiofiles.open(AUDIT_LOG, "a") as out:
        await out.write(json.dumps(entry) + "\\n")
''',
        "audit/main.py": '''
from fastapi import FastAPI

from audit.log import write_audit

app = FastAPI()


@app.delete("/items/{item_id}")
async def delete_item(item_id: int):
    await write_audit({"deleted": item_id})
    return {"ok": True}
''',
    })
    (finding,) = findings_of(result, "SL501")
    assert finding.path == "audit/log.py" and finding.symbol == "audit.log.AUDIT_LOG"
    assert finding.handlers == ("audit/main.py::delete_item",)
    assert "calls write_audit()" in [loc.message for loc in finding.trace]


# ---------------------------------------------------------------------------
# SL601 class-level-state
# ---------------------------------------------------------------------------


def test_class_attribute_changed_through_cls_and_class_name(scan_files):
    result = scan_files({"app.py": '''
from fastapi import FastAPI

app = FastAPI()


class RateTable:
    hits = 0
    rates = {"EUR": 1.0}

    @classmethod
    def set_rate(cls, currency, rate):
        cls.rates[currency] = rate


@app.put("/rates/{currency}")
async def put_rate(currency: str, rate: float):
    RateTable.set_rate(currency, rate)
    return {"ok": True}


@app.get("/rates/{currency}")
async def get_rate(currency: str):
    RateTable.hits += 1
    return {"rate": RateTable.rates.get(currency)}
'''})
    found = {f.symbol: f for f in findings_of(result, "SL601")}
    assert set(found) == {"app.RateTable.rates", "app.RateTable.hits"}
    assert set(found["app.RateTable.rates"].handlers) == {"app.py::put_rate", "app.py::get_rate"}
    assert found["app.RateTable.rates"].line == 8  # the class-level definition
    assert stateful(result) == {"put_rate", "get_rate"}


def test_module_level_singleton_changed_by_handler_and_by_its_methods(scan_files):
    result = scan_files({
        "metrics/__init__.py": "",
        "metrics/stats.py": '''
class Stats:
    def __init__(self):
        self.total = 0
        self.count = 0

    def record(self, amount):
        self._add(amount)

    def _add(self, amount):
        self.total += amount


stats = Stats()


class Formatter:
    def __init__(self, currency):
        self.currency = currency
        self.lines = []

    def add(self, text):
        self.lines.append(text)
        return self
''',
        "metrics/views.py": '''
from flask import Flask, jsonify, request

from metrics.stats import Formatter, stats

app = Flask(__name__)


@app.post("/payments")
def pay():
    stats.record(request.json["amount"])
    return jsonify(ok=True)


@app.post("/refunds")
def refund():
    stats.count += 1
    return jsonify(ok=True)


@app.get("/receipt")
def receipt():
    formatter = Formatter("EUR")
    formatter.add("total")
    return jsonify(lines=formatter.lines)
''',
    })
    found = findings_of(result, "SL601")
    assert [f.symbol for f in found] == ["metrics.stats.stats"]
    assert set(found[0].handlers) == {"metrics/views.py::pay", "metrics/views.py::refund"}
    assert found[0].path == "metrics/stats.py" and found[0].line == 13
    assert "receipt" not in stateful(result)


def test_per_request_views_constants_fields_and_lazy_singletons_are_fine(scan_files):
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


class Client:
    _instance = None
    retries = 3

    @classmethod
    def get(cls):
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance


class Cart:
    items = []

    def __init__(self):
        self.items = []

    def add(self, sku):
        self.items.append(sku)
''',
        "shop/views.py": '''
from django.http import JsonResponse
from django.views import View
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.models import Basket, Cart, Client, Totals


class BasketView(APIView):
    throttle_scope = "basket"
    basket = None

    def post(self, request):
        self.basket = Basket(items=request.data["items"])
        self.basket.items.append("gift")
        totals = Totals()
        totals.lines.append(len(self.basket.items))
        return Response({"items": self.basket.items, "retries": Client.get().retries})


class CartView(View):
    def post(self, request):
        cart = Cart()
        cart.add(request.POST["sku"])
        self.count = len(cart.items)
        return JsonResponse({"count": self.count, "scope": BasketView.throttle_scope})
''',
        "shop/urls.py": '''
from django.urls import path

from shop.views import BasketView, CartView

urlpatterns = [path("basket/", BasketView.as_view()), path("cart/", CartView.as_view())]
''',
    })
    assert handler_names(result) >= {"BasketView.post", "CartView.post"}
    assert findings_of(result, "SL601") == []
    assert not stateful(result)


def test_singleton_clients_used_per_request_are_not_state(scan_files):
    result = scan_files({
        "blog/__init__.py": "",
        "blog/db.py": '''
import os

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker


class Database:
    def __init__(self, url):
        self.engine = create_engine(url)
        self.session = sessionmaker(bind=self.engine)()

    def add(self, row):
        self.session.add(row)
        self.session.commit()


db = Database(os.environ["DATABASE_URL"])
''',
        "blog/views.py": '''
from flask import Flask, jsonify, request

from blog.db import db

app = Flask(__name__)


@app.post("/posts")
def create_post():
    db.add({"title": request.json["title"]})
    db.session.add({"audit": "created"})
    return jsonify(ok=True), 201
''',
    })
    assert findings_of(result, "SL601") == []


@pytest.mark.skipif(not any(f.long_lived_views for f in frameworks()),
                    reason="no framework with long-lived views is described")
def test_falcon_resource_attributes_are_shared_state(scan_files):
    result = scan_files({"app.py": '''
import falcon


class SessionsResource:
    def __init__(self, db):
        self.db = db
        self.sessions = {}
        self.last_login = None

    def on_post(self, req, resp):
        token = req.get_media()["token"]
        self.sessions[token] = req.get_media()["user"]
        self.last_login = token
        resp.status = falcon.HTTP_201

    def on_get(self, req, resp):
        resp.media = {"active": len(self.sessions)}


class HealthResource:
    def __init__(self, db):
        self.db = db

    def on_get(self, req, resp):
        resp.media = {"db": self.db.ping()}


app = falcon.App()
app.add_route("/sessions", SessionsResource(db=None))
app.add_route("/health", HealthResource(db=None))
'''})
    found = {f.symbol: f for f in findings_of(result, "SL601")}
    assert set(found) == {"app.SessionsResource.sessions", "app.SessionsResource.last_login"}
    assert found["app.SessionsResource.sessions"].line == 7  # assigned in __init__
    assert stateful(result) == {"SessionsResource.on_post", "SessionsResource.on_get"}


def test_tornado_handler_attributes_are_per_request(scan_files):
    result = scan_files({"app.py": '''
import tornado.web


class ItemsHandler(tornado.web.RequestHandler):
    def initialize(self, db):
        self.db = db

    def prepare(self):
        self.user = self.get_secure_cookie("user")

    def get(self):
        self.items = self.db.fetch_items(self.user)
        self.write({"items": self.items})


def make_app():
    return tornado.web.Application([(r"/items", ItemsHandler, {"db": None})])
'''})
    assert findings_of(result, "SL601") == []


# ---------------------------------------------------------------------------
# SL701 app-state-mutation
# ---------------------------------------------------------------------------


def test_app_state_written_by_a_handler_and_read_by_another(scan_files):
    result = scan_files({"app.py": '''
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.http = httpx.AsyncClient()
    app.state.paused = set()
    yield
    await app.state.http.aclose()


app = FastAPI(lifespan=lifespan)


@app.on_event("startup")
async def warm_up():
    app.state.ready = True


@app.post("/feeds/{name}/pause")
async def pause(name: str, request: Request):
    request.app.state.paused.add(name)
    return {"ok": True}


@app.get("/feeds/{name}")
async def feed(name: str, request: Request):
    request.state.name = name
    return {"paused": name in request.app.state.paused}


@app.get("/feeds/{name}/raw")
async def raw(name: str, request: Request):
    return (await request.app.state.http.get(f"https://feeds/{name}")).json()


@app.post("/admin/banner")
async def banner(text: str):
    app.state.banner = text
    return {"ok": True}
'''})
    found = {f.symbol: f for f in findings_of(result, "SL701")}
    assert set(found) == {"fastapi:app.state.paused", "fastapi:app.state.banner"}
    paused = found["fastapi:app.state.paused"]
    assert set(paused.handlers) == {"app.py::pause", "app.py::feed"}
    assert paused.severity == "error" and "lifespan" in paused.suggestion
    assert stateful(result) == {"pause", "feed", "banner"}


def test_flask_config_and_django_settings_changed_per_request(scan_files):
    result = scan_files({
        "site/__init__.py": "",
        "site/flask_app.py": '''
from flask import Flask, current_app, jsonify, request


def create_app():
    app = Flask(__name__)
    app.config["FEATURES"] = {}
    app.config.update(SECRET_KEY="dev")
    return app


app = create_app()


@app.post("/features")
def toggle_feature():
    current_app.config.update(BETA=request.json["beta"])
    return jsonify(ok=True)
''',
        "site/views.py": '''
from django.conf import settings
from django.http import JsonResponse


def debug_on(request):
    settings.DEBUG = True
    return JsonResponse({"debug": settings.DEBUG})
''',
        "site/urls.py": '''
from django.urls import path

from site.views import debug_on

urlpatterns = [path("debug/", debug_on)]
''',
    })
    found = {f.symbol: f for f in findings_of(result, "SL701")}
    assert set(found) == {"flask:app.config", "django:settings.DEBUG"}
    assert "database" in found["django:settings.DEBUG"].suggestion
    assert stateful(result) == {"toggle_feature", "debug_on"}


def test_aiohttp_sanic_and_tornado_application_state(scan_files):
    result = scan_files({
        "aio.py": '''
from aiohttp import web

routes = web.RouteTableDef()


async def on_startup(app):
    app["hits"] = 0


@routes.get("/hit")
async def hit(request):
    request.app["hits"] += 1
    return web.json_response({"hits": request.app["hits"]})


app = web.Application()
app.on_startup.append(on_startup)
app.add_routes(routes)
''',
        "snc.py": '''
from sanic import Sanic, json

app = Sanic("inventory")


@app.listener("before_server_start")
async def setup(app, loop):
    app.ctx.last = None


@app.post("/restock")
async def restock(request):
    request.app.ctx.last = request.json["sku"]
    return json({"ok": True})
''',
        "trn.py": '''
import tornado.web


class FlagHandler(tornado.web.RequestHandler):
    def post(self):
        self.settings["flag"] = self.get_argument("flag")
        self.write({"ok": True})


def make_app():
    return tornado.web.Application([(r"/flag", FlagHandler)], flag="off")
''',
    })
    found = {f.symbol.split(":", 1)[1]: f for f in findings_of(result, "SL701")}
    assert set(found) == {"app", "app.ctx.last", "app.settings[flag]"}
    assert {"hit", "restock", "FlagHandler.post"} <= stateful(result)


# ---------------------------------------------------------------------------
# SL801 process-bound-background-work
# ---------------------------------------------------------------------------


def test_threads_timers_executors_and_schedulers_started_per_request(scan_files):
    result = scan_files({
        "jobs/__init__.py": "",
        "jobs/work.py": '''
import logging
from concurrent.futures import ThreadPoolExecutor

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)
EXECUTOR = ThreadPoolExecutor(max_workers=4)
scheduler = BackgroundScheduler()


def resize(image_id):
    log.info("resizing %s", image_id)


def remind(user_id):
    log.info("reminding %s", user_id)
''',
        "jobs/app.py": '''
import threading

from flask import Flask, jsonify

from jobs.work import EXECUTOR, remind, resize, scheduler

app = Flask(__name__)


@app.post("/images/<int:image_id>/resize")
def resize_image(image_id):
    EXECUTOR.submit(resize, image_id)
    return jsonify(queued=True), 202


@app.post("/images/<int:image_id>/resize-now")
def resize_now(image_id):
    future = EXECUTOR.submit(resize, image_id)
    return jsonify(done=future.result(timeout=10))


@app.post("/users/<int:user_id>/remind")
def schedule_reminder(user_id):
    scheduler.add_job(remind, "date", args=[user_id])
    return jsonify(ok=True)


@app.post("/users/<int:user_id>/later")
def remind_later(user_id):
    threading.Timer(60, remind, args=(user_id,)).start()
    return jsonify(ok=True)
''',
    })
    found = findings_of(result, "SL801")
    assert {f.severity for f in found} == {"error"}
    assert {f.handlers for f in found} == {
        ("jobs/app.py::resize_image",), ("jobs/app.py::schedule_reminder",),
        ("jobs/app.py::remind_later",)}
    assert stateful(result) == {"resize_image", "schedule_reminder", "remind_later"}
    scheduled = next(f for f in found if f.symbol == "jobs.work.scheduler")
    assert "Celery beat" in scheduled.suggestion


def test_schedulers_and_threads_started_at_import_or_startup_are_warnings(scan_files):
    result = scan_files({
        "svc/__init__.py": "",
        "svc/jobs.py": '''
import threading

import schedule
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

scheduler = AsyncIOScheduler()


def refresh():
    pass


scheduler.add_job(refresh, "interval", minutes=5)
schedule.every(10).minutes.do(refresh)
threading.Thread(target=refresh, daemon=True).start()

if __name__ == "__main__":
    clock = BlockingScheduler()
    clock.add_job(refresh, "cron", hour=3)
    clock.start()
''',
        "svc/main.py": '''
from contextlib import asynccontextmanager

from fastapi import FastAPI

from svc.jobs import scheduler


@asynccontextmanager
async def lifespan(app: FastAPI):
    scheduler.start()
    yield
    scheduler.shutdown()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health():
    return {"ok": True}
''',
    })
    found = findings_of(result, "SL801")
    assert {f.severity for f in found} == {"warning"}
    assert sorted((f.path, f.line) for f in found) == [
        ("svc/jobs.py", 15), ("svc/jobs.py", 16), ("svc/main.py", 10)]
    assert all(f.handlers == () and f.trace for f in found)
    assert not stateful(result)


def test_fire_and_forget_tasks_versus_awaited_and_cancelled_tasks(scan_files):
    result = scan_files({"app.py": '''
import asyncio

from fastapi import BackgroundTasks, FastAPI, WebSocket

app = FastAPI()
BACKGROUND = set()


async def notify(order_id):
    await asyncio.sleep(1)


async def heartbeat(websocket):
    while True:
        await websocket.send_text("ping")
        await asyncio.sleep(10)


@app.post("/orders/{order_id}")
async def create_order(order_id: int):
    task = asyncio.create_task(notify(order_id))
    BACKGROUND.add(task)
    task.add_done_callback(BACKGROUND.discard)
    return {"ok": True}


@app.post("/orders/{order_id}/mail")
async def mail(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(notify, order_id)
    return {"ok": True}


@app.websocket("/ws")
async def socket(websocket: WebSocket):
    await websocket.accept()
    beat = asyncio.create_task(heartbeat(websocket))
    try:
        async for message in websocket.iter_text():
            await websocket.send_text(message)
    finally:
        beat.cancel()
'''})
    (finding,) = findings_of(result, "SL801")
    assert finding.symbol == "app.BACKGROUND" and finding.handlers == ("app.py::create_order",)
    assert "task queue" in finding.suggestion or "arq" in finding.suggestion
    assert stateful(result) >= {"create_order"}
    assert "mail" not in stateful(result) and "socket" not in stateful(result)


def test_timed_asyncio_task_started_in_a_lifespan_is_a_per_worker_job(scan_files):
    result = scan_files({
        "digest/__init__.py": "",
        "digest/jobs.py": '''
import asyncio
from datetime import datetime, timezone

import httpx


async def send_daily_digest():
    while True:
        now = datetime.now(timezone.utc)
        wait = (24 - now.hour) * 3600
        await asyncio.sleep(wait)
        async with httpx.AsyncClient() as client:
            await client.post("https://mail.internal/digest")


async def warm_templates():
    async with httpx.AsyncClient() as client:
        await client.get("https://cdn.internal/templates.json")


class Jobs:
    @staticmethod
    async def start():
        asyncio.create_task(warm_templates())
        asyncio.create_task(send_daily_digest())
''',
        "digest/main.py": '''
from contextlib import asynccontextmanager

from fastapi import FastAPI

from digest.jobs import Jobs


@asynccontextmanager
async def lifespan(app: FastAPI):
    await Jobs.start()
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/digest/status")
async def status():
    return {"scheduled": True}
''',
    })
    (finding,) = findings_of(result, "SL801")
    assert (finding.path, finding.line, finding.severity) == ("digest/jobs.py", 25, "warning")
    assert finding.message.startswith(
        "starts a timed asyncio task running `send_daily_digest` in Jobs.start() at start-up: "
        "every worker process and replica runs its own copy")
    assert "Celery beat" in finding.suggestion
    assert "status" in handler_names(result) and not stateful(result)


def test_paths_joined_from_a_settings_object_and_replaced_files_are_disk_state(scan_files):
    result = scan_files({
        "kitchen/__init__.py": "",
        "kitchen/dirs.py": '''
import shutil
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from uuid import uuid4


class AppDirs:
    def __init__(self, data_dir: Path) -> None:
        self.BACKUPS = data_dir.joinpath("backups")
        self.IMAGES = data_dir.joinpath("images")
        self.SCRATCH = data_dir.joinpath(".scratch")


@lru_cache
def get_dirs() -> AppDirs:
    return AppDirs(Path("/var/lib/kitchen"))


@contextmanager
def scratch_folder():
    folder = get_dirs().SCRATCH.joinpath(uuid4().hex)
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)
''',
        "kitchen/api.py": '''
import shutil
from zipfile import ZipFile

from fastapi import FastAPI, File, UploadFile

from kitchen.dirs import get_dirs, scratch_folder

app = FastAPI()


@app.post("/backups/upload")
def upload_backup(archive: UploadFile = File(...)):
    dest = get_dirs().BACKUPS.joinpath(archive.filename)
    with dest.open("wb") as out:
        shutil.copyfileobj(archive.file, out)
    return {"stored": dest.name}


@app.post("/backups")
def create_backup():
    target = get_dirs().BACKUPS.joinpath("latest.zip")
    with ZipFile(target, "w") as bundle:
        bundle.writestr("recipes.json", "[]")
    return {"ok": True}


@app.put("/recipes/{slug}/image")
def replace_image(slug: str, image: bytes = File(...)):
    path = get_dirs().IMAGES.joinpath(f"{slug}.webp")
    path.unlink(missing_ok=True)
    with open(path, "ab") as out:
        out.write(image)
    return {"ok": True}


@app.post("/recipes/{slug}/preview")
def preview(slug: str, image: UploadFile = File(...)):
    with scratch_folder() as folder:
        staged = folder.joinpath(image.filename)
        with staged.open("wb") as out:
            shutil.copyfileobj(image.file, out)
        size = staged.stat().st_size
    return {"size": size}


@app.post("/recipes/{slug}/thumbnail")
def thumbnail(slug: str, image: bytes = File(...)):
    staged = get_dirs().SCRATCH.joinpath(f"{slug}.tmp")
    with open(staged, "wb") as out:
        out.write(image)
    size = staged.stat().st_size
    staged.unlink()
    return {"size": size}
''',
    })
    found = sorted((f.line, f.message.split(" at request time")[0])
                   for f in findings_of(result, "SL501"))
    assert found == [
        (14, "`upload_backup` writes a local file (a path it computes)"),
        (22, "`create_backup` writes a local file (a path it computes)"),
        (31, "`replace_image` appends to a local file (a path it computes)"),
    ]
    assert {"preview", "thumbnail"} <= handler_names(result)
    assert not {"preview", "thumbnail"} & stateful(result)


def test_per_thread_storage_is_not_shared_state(scan_files):
    result = scan_files({
        "geo/__init__.py": "",
        "geo/codec.py": '''
import threading


class CodecSlots(threading.local):
    reader = None
    writer = None


slots = CodecSlots()
plain = threading.local()
LAST_SHAPES = {}


class Reader:
    def read(self, text):
        return text.split(",")
''',
        "geo/app.py": '''
from flask import Flask, jsonify, request

from geo import codec

app = Flask(__name__)


@app.post("/shapes")
def parse_shape():
    if codec.slots.reader is None:
        codec.slots.reader = codec.Reader()
    codec.plain.count = getattr(codec.plain, "count", 0) + 1
    points = codec.slots.reader.read(request.get_data(as_text=True))
    codec.LAST_SHAPES[request.remote_addr] = points
    return jsonify(points=points)
''',
    })
    symbols = {f.symbol for f in result.findings}
    assert "geo.codec.LAST_SHAPES" in symbols
    assert not {"geo.codec.slots", "geo.codec.plain"} & symbols
    assert "parse_shape" in handler_names(result)
