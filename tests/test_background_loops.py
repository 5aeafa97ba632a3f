"""SL102: module caches that a background loop rebinds in every worker, read by handlers.

A Falcon service keeps lookup tables in module globals.  Its app factory spawns a greenlet
(or a thread) that reloads them from the database every minute: each worker process
refreshes its own copy on its own timer, so after a change in the database workers answer
differently until their next refresh.
"""

from __future__ import annotations

from statelint.model import ScanResult


def sl102(result: ScanResult) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.symbol) for f in result.findings if f.rule == "SL102"]


def stateful(result: ScanResult) -> set[str]:
    return {v.handler.name for v in result.verdicts if v.verdict == "stateful"}


def rates_service(start: str, worker: str = "") -> dict[str, str]:
    return {
        "rates/__init__.py": "",
        "rates/db.py": '''
import sqlite3


def connect():
    return sqlite3.connect("file:rates?mode=ro", uri=True)
''',
        "rates/lookups.py": '''
from rates import db

currencies = {}


def load_currencies():
    global currencies
    connection = db.connect()
    rows = connection.execute("SELECT code, rate FROM currency").fetchall()
    currencies = {code: rate for code, rate in rows}
    connection.close()
''',
        "rates/api.py": f'''
import threading
import time

import falcon
import gevent

from rates import lookups


class Convert:
    def on_get(self, req, resp, code):
        rate = lookups.currencies.get(code)
        if rate is None:
            raise falcon.HTTPNotFound()
        resp.media = {{"code": code, "amount": float(req.get_param("amount")) * rate}}


{worker}


def create_api():
    api = falcon.App()
    api.add_route("/convert/{{code}}", Convert())
    {start}
    return api
''',
    }


GREENLET_LOOP = '''
def refresh_forever():
    while True:
        lookups.load_currencies()
        gevent.sleep(60)
'''

THREAD_LOOP = '''
def refresh_forever(interval):
    while True:
        lookups.load_currencies()
        time.sleep(interval)
'''


def test_a_cache_a_greenlet_reloads_every_minute(scan_files) -> None:
    result = scan_files(rates_service("gevent.spawn(refresh_forever)", GREENLET_LOOP))
    assert [v.handler.name for v in result.verdicts] == ["Convert.on_get"]
    assert sl102(result) == [("rates/lookups.py", 3, "rates.lookups.currencies")]
    finding = next(f for f in result.findings if f.rule == "SL102")
    assert finding.message.startswith(
        "`currencies` is rebound with `global` by refresh_forever(), a background loop each "
        "worker process runs on its own schedule, and Convert.on_get reads it while serving "
        "requests")
    related = [(place.path, place.line, place.message) for place in finding.related]
    assert ("rates/lookups.py", 10, "load_currencies rebinds it in background loop "
            "refresh_forever()") in related
    assert stateful(result) == {"Convert.on_get"}


def test_a_cache_a_thread_reloads_on_a_timer(scan_files) -> None:
    result = scan_files(rates_service(
        "threading.Thread(target=refresh_forever, args=(60,), daemon=True).start()",
        THREAD_LOOP))
    assert sl102(result) == [("rates/lookups.py", 3, "rates.lookups.currencies")]
    assert stateful(result) == {"Convert.on_get"}


def test_loading_once_at_start_up_in_a_greenlet_is_not_a_loop(scan_files) -> None:
    result = scan_files(rates_service("gevent.spawn(lookups.load_currencies)"))
    assert [v.handler.name for v in result.verdicts] == ["Convert.on_get"]
    assert sl102(result) == []
    assert stateful(result) == set()
