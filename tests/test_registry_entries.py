"""Objects reached through the items of a long-lived container.

A metrics module keeps a storage object in a global that start-up code rebinds; the
storage keeps one timer per name in a dict, filled at start-up and fetched per request
with ``.get(name)``; a client registry hands out a shared circuit breaker with
``setdefault``.  Requests change the timers and breakers, so the finding names the
container requests reach them through.  Each test also checks the handlers found.
"""

from __future__ import annotations

from statelint.model import ScanResult


def sl602(result: ScanResult) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.symbol) for f in result.findings if f.rule == "SL602"]


def stateful(result: ScanResult) -> set[str]:
    return {v.handler.name for v in result.verdicts if v.verdict == "stateful"}


def timing_service(route_body: str) -> dict[str, str]:
    return {
        "timing/__init__.py": "",
        "timing/store.py": '''
import threading


class Timer:
    def __init__(self, bucket_ms=10):
        self._lock = threading.Lock()
        self._bucket_ms = bucket_ms
        self._count = 0
        self._total = 0.0

    def observe(self, seconds):
        with self._lock:
            self._count += 1
            self._total += seconds

    def average(self):
        return self._total / self._count if self._count else 0.0


class TimerStore:
    def __init__(self, timer_class=Timer):
        self.timer_class = timer_class
        self.reset()

    def reset(self):
        self.timers = {}

    def configure(self, name):
        timer = self.timer_class()
        self.timers[name] = timer
        return timer

    def get(self, name):
        return self.timers.get(name)
''',
        "timing/metrics.py": '''
from timing.store import TimerStore

store: TimerStore = None


def initialize(names):
    global store
    store = TimerStore()
    for name in names:
        store.configure(name)


def observe(name, seconds):
    store.get(name).observe(seconds)


def average(name):
    return store.get(name).average()
''',
        "timing/app.py": f'''
import time

from flask import Flask, jsonify

from timing import metrics

app = Flask(__name__)


@app.get("/quote/<symbol>")
def quote(symbol):
    started = time.monotonic()
{route_body}
    return jsonify(symbol=symbol, price=1.0)


metrics.initialize(["quote"])
''',
    }


def test_an_entry_a_request_changes_is_reported_at_the_container_it_is_kept_in(
        scan_files) -> None:
    result = scan_files(timing_service(
        '    metrics.observe("quote", time.monotonic() - started)'))
    assert [v.handler.name for v in result.verdicts] == ["quote"]
    finding = next(f for f in result.findings if f.rule == "SL602")
    # the dict the timers are kept in, not the timer made at start-up
    assert (finding.path, finding.line, finding.symbol) == (
        "timing/store.py", 26, "timing.store.TimerStore.timers")
    assert finding.message.startswith(
        "`TimerStore.timers` is a dict inside a long-lived TimerStore (made once and kept for "
        "the life of the process) that quote changes while serving requests")
    related = {(place.path, place.line): place.message for place in finding.related}
    assert "updates it in place at request time" in related[("timing/store.py", 13)]
    assert "updates it in place at request time" in related[("timing/store.py", 14)]
    assert stateful(result) == {"quote"}


def test_reading_the_entries_is_not_a_change(scan_files) -> None:
    result = scan_files(timing_service(
        '    if metrics.average("quote") > 1.0:\n        time.sleep(0)'))
    assert [v.handler.name for v in result.verdicts] == ["quote"]
    assert sl602(result) == []
    assert stateful(result) == set()


def breaker_service(handler_call: str) -> dict[str, str]:
    return {
        "gateway/__init__.py": "",
        "gateway/upstream.py": '''
import time

BREAKERS = {}


class Breaker:
    def __init__(self):
        self.failures = 0
        self.open_until = 0.0

    def trip(self):
        self.failures += 1
        self.open_until = time.monotonic() + 30

    def is_open(self):
        return time.monotonic() < self.open_until


class Upstream:
    def __init__(self, host):
        self.host = host
        self.breaker = BREAKERS.setdefault(host, Breaker())
''',
        "gateway/app.py": f'''
from falcon import App

from gateway.upstream import Upstream

inventory: Upstream = None


def connect_upstreams():
    global inventory
    inventory = Upstream("inventory.internal")


class StockResource:
    def on_get(self, req, resp, sku):
{handler_call}
        resp.media = {{"sku": sku}}


app = App()
app.add_route("/stock/{{sku}}", StockResource())
connect_upstreams()
''',
    }


def test_an_object_setdefault_hands_out_is_followed(scan_files) -> None:
    result = scan_files(breaker_service("        inventory.breaker.trip()"))
    assert [v.handler.name for v in result.verdicts] == ["StockResource.on_get"]
    # the breaker is reached through the registry that hands it out
    assert sl602(result) == [("gateway/upstream.py", 3, "gateway.upstream.BREAKERS[...]")]
    finding = next(f for f in result.findings if f.rule == "SL602")
    assert finding.message.startswith("`BREAKERS[...]` is a Breaker object kept as an entry")
    assert stateful(result) == {"StockResource.on_get"}


def test_an_object_setdefault_hands_out_and_requests_only_read(scan_files) -> None:
    result = scan_files(breaker_service(
        "        if inventory.breaker.is_open():\n            resp.status = 503"))
    assert [v.handler.name for v in result.verdicts] == ["StockResource.on_get"]
    assert sl602(result) == []
    assert stateful(result) == set()
