"""Objects handed to handlers the way real services wire them, not only by module-level name.

Each test is a small service in the shape real applications take: the store is created at
start-up and reaches the handlers through a module-level name rebound by ``global`` in an
initialisation function, then changed through the object's own methods.
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
