"""Objects followed through the shapes services use to pick and keep them.

Each test is a small service: a storage class picked from a module-level table by a
configuration value and called on the spot; a singleton a class builds lazily the first
time a request asks for it; a function handed to a library at import time that the library
calls later, while requests are served; a start-up singleton that a shutdown handler only
flags. Each has a look-alike that must stay quiet, and the quiet tests also prove the
handler was found.
"""

from __future__ import annotations

import pytest

from statelint.model import ScanResult


def findings_of(result: ScanResult) -> list[tuple[str, str, int]]:
    return [(finding.rule, finding.path, finding.line) for finding in result.findings]


def verdicts_of(result: ScanResult) -> dict[str, str]:
    return {v.handler.name: v.verdict for v in result.verdicts}


# -- a class picked from a table and called on the spot -----------------------------------

MEDIA_STORAGE = '''
import os

import boto3
from flask import current_app


class LocalStorage:
    def __init__(self, root=None):
        self.root = root or current_app.config.get("MEDIA_ROOT", "media")

    def save(self, name, stream):
        target = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write(stream.read())
        return name


class BucketStorage:
    def __init__(self):
        self.bucket = current_app.config["MEDIA_BUCKET"]
        self.client = boto3.client("s3")

    def save(self, name, stream):
        self.client.upload_fileobj(stream, self.bucket, name)
        return name


STORAGES = {"local": LocalStorage, "bucket": BucketStorage}


def get_storage():
    return {pick}
'''

MEDIA_VIEWS = '''
from flask import Blueprint, request

from media.storage import get_storage

bp = Blueprint("media", __name__)


@bp.post("/media/<name>")
def upload(name):
    get_storage().save(name, request.files["file"].stream)
    return "", 201
'''

PICKS = [
    'STORAGES.get(current_app.config.get("MEDIA_BACKEND") or "local")()',
    'STORAGES[current_app.config.get("MEDIA_BACKEND", "local")]()',
    'STORAGES.get(current_app.config.get("MEDIA_BACKEND"), LocalStorage)()',
]


@pytest.mark.parametrize("pick", PICKS)
def test_a_class_picked_from_a_table_and_called_runs_its_methods(scan_files, pick) -> None:
    """``STORAGES.get(name)()``, ``STORAGES[name]()`` and ``STORAGES.get(name, Local)()``
    make an object of one of the classes the table holds: the upload reaches the local
    storage's ``save`` and its write to the local disk."""
    result = scan_files({"media/__init__.py": "",
                         "media/storage.py": MEDIA_STORAGE.replace("{pick}", pick),
                         "media/views.py": MEDIA_VIEWS})
    assert findings_of(result) == [("SL501", "media/storage.py", 14)]
    finding = result.findings[0]
    assert finding.message.startswith("`save` (reached from upload) writes a local file")
    assert [step.message for step in finding.trace][1:] == [
        "calls LocalStorage.save()", "writes a local file: a path it computes"]
    assert verdicts_of(result) == {"upload": "stateful"}


def test_a_table_of_remote_storages_only_is_quiet(scan_files) -> None:
    """The same table without the local class: nothing writes to this machine's disk."""
    storage = (MEDIA_STORAGE.replace("{pick}", PICKS[0])
               .replace('STORAGES = {"local": LocalStorage, "bucket": BucketStorage}',
                        'STORAGES = {"bucket": BucketStorage}'))
    result = scan_files({"media/__init__.py": "", "media/storage.py": storage,
                         "media/views.py": MEDIA_VIEWS})
    assert findings_of(result) == []
    assert verdicts_of(result) == {"upload": "self-contained"}


# -- a singleton the first request makes ----------------------------------------------------

HUB_BROADCAST = '''
import asyncio
from contextlib import contextmanager


class Broadcaster:
    def __init__(self):
        self._subscribers = set()

    @contextmanager
    def subscription(self):
        inbox = asyncio.Queue()
        self._subscribers.add(inbox)
        yield inbox
        self._subscribers.remove(inbox)

    def publish(self, message):
        for inbox in self._subscribers:
            inbox.put_nowait(message)

    @staticmethod
    def instance():
        if not hasattr(Broadcaster, "_shared") or Broadcaster._shared is None:
            Broadcaster._shared = Broadcaster()
        return Broadcaster._shared
'''

HUB_WEB = '''
from aiohttp import web

from hub.broadcast import Broadcaster

routes = web.RouteTableDef()


@routes.get("/events")
async def events(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    with Broadcaster.instance().subscription() as inbox:
        while not ws.closed:
            await ws.send_str(await inbox.get())
    return ws


@routes.post("/publish")
async def publish(request):
    Broadcaster.instance().publish(await request.text())
    return web.Response(status=204)


app = web.Application()
app.add_routes(routes)
'''


def test_a_lazily_made_singleton_is_cited_where_its_accessor_makes_it(scan_files) -> None:
    """``Broadcaster.instance()`` makes the one object of the process the first time a
    request asks: the finding on its subscriber set also points at that line."""
    result = scan_files({"hub/__init__.py": "", "hub/broadcast.py": HUB_BROADCAST,
                         "hub/web.py": HUB_WEB})
    assert findings_of(result) == [("SL602", "hub/broadcast.py", 7)]
    finding = result.findings[0]
    assert finding.message.startswith(
        "`Broadcaster._subscribers` is a set inside a long-lived Broadcaster (made by the "
        "first request that needs it")
    assert [(r.path, r.line, r.message) for r in finding.related] == [
        ("hub/broadcast.py", 23, "the Broadcaster that keeps it is made here"),
        ("hub/broadcast.py", 12, "Broadcaster.subscription calls .add() at request time"),
        ("hub/broadcast.py", 14, "Broadcaster.subscription calls .remove() at request time")]
    assert verdicts_of(result) == {"events": "stateful", "publish": "stateful"}


# -- a start-up singleton a shutdown handler flags -----------------------------------------

RELAY_SERVER = '''
from aiohttp import web


class RelayServer:
    def __init__(self, host, port):
        self.host = host
        self.port = port
        self.app = None
        self.stopping = False
        self.paused = False

    @classmethod
    def current(cls, host=None, port=None):
        if getattr(cls, "_current", None) is None:
            cls._current = cls(host, port)
        return cls._current

    async def stop(self):
        if self.stopping:
            return
        self.stopping = True
        await self.app.shutdown()
        await self.app.cleanup()

    def pause(self):
        self.paused = True

    def run(self):
        from relay import views
        self.app = web.Application()
        self.app.add_routes(views.routes)
        web.run_app(self.app, host=self.host, port=self.port)


def main():
    RelayServer.current("0.0.0.0", 8080).run()


if __name__ == "__main__":
    main()
'''

RELAY_VIEWS = '''
import asyncio

from aiohttp import web

routes = web.RouteTableDef()


@routes.post("/admin/stop")
async def stop(request):
    from relay.server import RelayServer
    asyncio.ensure_future(RelayServer.current().stop())
    return web.Response(status=202)


@routes.get("/status")
async def status(request):
    from relay.server import RelayServer
    return web.json_response({"stopping": RelayServer.current().stopping})
'''

RELAY_PAUSE = '''

@routes.post("/admin/pause")
async def pause(request):
    from relay.server import RelayServer
    RelayServer.current().pause()
    return web.Response(status=202)
'''


def test_a_flag_set_by_the_function_that_stops_the_server_is_not_state(scan_files) -> None:
    """``self.stopping = True`` and then ``await self.app.shutdown()``: the flag marks the
    process as going away; the stop handler and the status reader are both found."""
    result = scan_files({"relay/__init__.py": "", "relay/server.py": RELAY_SERVER,
                         "relay/views.py": RELAY_VIEWS})
    assert findings_of(result) == []
    assert verdicts_of(result) == {"stop": "self-contained", "status": "self-contained"}


def test_a_flag_set_by_a_handler_that_keeps_serving_is_state(scan_files) -> None:
    """The same singleton, paused by a request that does not stop anything: the flag
    changes how this worker answers, and only this worker."""
    result = scan_files({"relay/__init__.py": "", "relay/server.py": RELAY_SERVER,
                         "relay/views.py": RELAY_VIEWS + RELAY_PAUSE})
    assert findings_of(result) == [("SL602", "relay/server.py", 15)]
    finding = result.findings[0]
    assert finding.message.startswith("`RelayServer._current` is a RelayServer object kept in "
                                      "class attribute `RelayServer._current`")
    assert "that pause changes while serving requests" in finding.message
    assert [(r.path, r.line) for r in finding.related] == [("relay/server.py", 26)]
    assert verdicts_of(result)["pause"] == "stateful"


# -- an index rebuilt whole from the files in a folder -------------------------------------

ICON_CATALOG = '''
import os


class IconCatalog:
    def __init__(self, folder):
        self.folder = folder
        self.paths = {}
        self.sizes = {}

    def rescan(self):
        self.paths = {}
        found = []
        for root, _, files in os.walk(self.folder):
            for name in files:
                self.paths[name] = os.path.join(root, name)
                found.append(name)
        return sorted(found)

    def size(self, name):
        if name not in self.sizes:
            self.sizes[name] = os.path.getsize(self.paths[name])
        return self.sizes[name]
'''

ICON_APP = '''
from flask import Flask, jsonify

from icons.catalog import IconCatalog


def create_app():
    app = Flask(__name__)
    catalog = IconCatalog(app.config.get("ICON_FOLDER", "icons"))

    @app.get("/icons")
    def list_icons():
        return jsonify(catalog.rescan())

    @app.get("/icons/<name>/size")
    def icon_size(name):
        return jsonify(size=catalog.size(name))

    return app
'''


def test_an_index_rebuilt_whole_from_a_folder_listing_is_not_state(scan_files) -> None:
    """``rescan`` binds ``self.paths`` to a fresh dict and fills it from ``os.walk``: what
    it holds is the folder's content, the same in every process reading that folder. The
    size cache next to it fills one entry per request and stays reported."""
    result = scan_files({"icons/__init__.py": "", "icons/catalog.py": ICON_CATALOG,
                         "icons/app.py": ICON_APP})
    assert findings_of(result) == [("SL602", "icons/catalog.py", 8)]
    assert result.findings[0].message.startswith("`IconCatalog.sizes` is a dict inside")
    assert verdicts_of(result) == {"create_app.list_icons": "self-contained",
                                   "create_app.icon_size": "stateful"}


def test_an_index_filled_from_requests_is_state(scan_files) -> None:
    """The same index filled from what requests send, with no folder listed: reported."""
    catalog = ICON_CATALOG.replace(
        '''        for root, _, files in os.walk(self.folder):
            for name in files:''', '''        for root, files in [(self.folder, self.pending)]:
            for name in files:''')
    result = scan_files({"icons/__init__.py": "", "icons/catalog.py": catalog,
                         "icons/app.py": ICON_APP})
    assert ("SL602", "icons/catalog.py", 7) in findings_of(result)
    assert verdicts_of(result)["create_app.list_icons"] == "stateful"


# -- a backend declared by annotation and bound by ``global`` in an initialiser -------------

THUMB_CACHE = '''
import os
import sqlite3

CACHE: "ThumbCache"


class ThumbCache:
    def get(self, key):
        raise NotImplementedError

    def set(self, key, data):
        raise NotImplementedError


class SQLiteThumbCache(ThumbCache):
    def __init__(self, path):
        self.db = sqlite3.connect(path, check_same_thread=False)
        self._schema_ready = False

    def ensure_schema(self):
        if self._schema_ready:
            return
        self._schema_ready = True
        self.db.execute("CREATE TABLE IF NOT EXISTS thumbs (key TEXT PRIMARY KEY, data BLOB)")

    def get(self, key):
        self.ensure_schema()
        row = self.db.execute("SELECT data FROM thumbs WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set(self, key, data):
        self.ensure_schema()
        self.db.execute("INSERT OR REPLACE INTO thumbs VALUES (?, ?)", (key, data))


class MemoryThumbCache(ThumbCache):
    def __init__(self):
        self._data = {}

    def get(self, key):
        return self._data.get(key)

    def set(self, key, data):
        self._data[key] = data


def init(backend):
    global CACHE
    if backend == "sqlite":
        CACHE = SQLiteThumbCache(os.environ.get("THUMB_DB", "thumbs.db"))
    elif backend == "memory":
        CACHE = MemoryThumbCache()
    else:
        raise ValueError(backend)
'''

THUMB_WEB = '''
import os

from flask import Flask, request

from thumbs import cache

app = Flask(__name__)


def make_thumbnail(url):
    return url.encode()


@app.get("/thumb")
def thumb():
    url = request.args["url"]
    data = cache.CACHE.get(url)
    if data is None:
        data = make_thumbnail(url)
        cache.CACHE.set(url, data)
    return data


def init():
    cache.init(os.environ.get("THUMB_BACKEND", "sqlite"))


init()
'''


def test_a_global_only_annotated_at_module_level_is_followed(scan_files) -> None:
    """``CACHE: "ThumbCache"`` declares the name; ``init()`` binds it with ``global`` to the
    backend the configuration picks. The in-memory backend is one of them: its dict is
    what the handler changes."""
    result = scan_files({"thumbs/__init__.py": "", "thumbs/cache.py": THUMB_CACHE,
                         "thumbs/web.py": THUMB_WEB})
    assert findings_of(result) == [("SL602", "thumbs/cache.py", 38)]
    finding = result.findings[0]
    assert finding.message.startswith("`MemoryThumbCache._data` is a dict inside a long-lived "
                                      "MemoryThumbCache (made once")
    assert [step.message for step in finding.trace][1:] == [
        "calls MemoryThumbCache.set()", "assigns an item"]
    assert verdicts_of(result) == {"thumb": "stateful"}


def test_an_annotated_global_bound_only_to_a_database_backend_is_quiet(scan_files) -> None:
    """The same module without the in-memory backend: the handler is found, nothing kept.
    The schema flag only ``ensure_schema`` reads makes its work run once per process: it
    is not data a request is answered from."""
    cache = THUMB_CACHE.replace('''    elif backend == "memory":
        CACHE = MemoryThumbCache()
''', "")
    result = scan_files({"thumbs/__init__.py": "", "thumbs/cache.py": cache,
                         "thumbs/web.py": THUMB_WEB})
    assert findings_of(result) == []
    assert verdicts_of(result) == {"thumb": "self-contained"}


# -- a callback handed to a library object at import time ----------------------------------

SENSOR_APP = '''
import json
import os

import paho.mqtt.client as mqtt
from flask import Flask, jsonify

app = Flask(__name__)

latest_reading = None


def on_message(client, userdata, message):
    global latest_reading
    latest_reading = json.loads(message.payload)


broker = mqtt.Client()
broker.on_message = on_message
broker.connect(os.environ.get("MQTT_HOST", "localhost"))
broker.subscribe("sensors/temperature")
broker.loop_start()


@app.get("/temperature")
def temperature():
    return jsonify(latest_reading)
'''


def test_a_global_a_library_callback_rebinds_is_reported_where_handlers_read_it(
        scan_files) -> None:
    """``broker.on_message = on_message`` at import: the client calls it for every message,
    in each worker, while requests read what the last one left."""
    result = scan_files({"sensors/__init__.py": "", "sensors/app.py": SENSOR_APP})
    assert findings_of(result) == [("SL102", "sensors/app.py", 9)]
    finding = result.findings[0]
    assert finding.message.startswith(
        "`latest_reading` is rebound with `global` by on_message(), a callback a library "
        "object calls on its own events in each worker process, and temperature reads it")
    assert [(r.line, r.message) for r in finding.related][:2] == [
        (14, "on_message rebinds it in callback on_message()"),
        (12, "the library calls it in every worker process")]
    assert verdicts_of(result) == {"temperature": "stateful"}


def test_a_callback_that_only_logs_is_quiet(scan_files) -> None:
    """The same client with a callback that rebinds nothing: the handler is found, and
    reading a value set once at import is not state."""
    app = SENSOR_APP.replace('''    global latest_reading
    latest_reading = json.loads(message.payload)''', '''    print(json.loads(message.payload))''')
    result = scan_files({"sensors/__init__.py": "", "sensors/app.py": app})
    assert findings_of(result) == []
    assert verdicts_of(result) == {"temperature": "self-contained"}


TUNNEL_APP = '''
from flask import Flask, render_template_string

from pyngrok import conf

app = Flask(__name__)


def on_log(entry):
    text = str(entry)
    if "url=" in text:
        global public_url
        public_url = text.partition("url=")[2]


conf.get_default().log_event_callback = on_log


@app.get("/tunnel")
def tunnel():
    return render_template_string("<a href='{{ url }}'>{{ url }}</a>", url=public_url)
'''


def test_a_callback_set_on_what_a_library_call_gives_rebinds_a_global_only_it_binds(
        scan_files) -> None:
    """``conf.get_default().log_event_callback = on_log``: the callback is stored on the
    object the library call gives, and the global it declares is the module's even though
    nothing binds it at import; the handler reads what the last event left."""
    result = scan_files({"tunnels/__init__.py": "", "tunnels/app.py": TUNNEL_APP})
    assert [(f.rule, f.line) for f in result.findings] == [("SL102", 12)]
    assert result.findings[0].message.startswith(
        "`public_url` is rebound with `global` by on_log(), a callback a library object calls "
        "on its own events in each worker process, and tunnel reads it")
    assert verdicts_of(result) == {"tunnel": "stateful"}


def test_a_callback_set_on_a_library_result_that_only_logs_is_quiet(scan_files) -> None:
    """The same callback printing instead of keeping the URL: the handler is found and
    reads nothing a callback changes."""
    app = TUNNEL_APP.replace('''        global public_url
        public_url = text.partition("url=")[2]''', '''        print(text.partition("url=")[2])''').replace(
        "url=public_url", 'url="/"')
    result = scan_files({"tunnels/__init__.py": "", "tunnels/app.py": app})
    assert findings_of(result) == []
    assert verdicts_of(result) == {"tunnel": "self-contained"}
