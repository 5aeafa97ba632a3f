"""Request-time code that only the model finds: a thread a request starts, running a
method of an object kept in a registry filled at start-up.

A metasearch service builds one provider object per configured source at start-up and
keeps them in a registry dict; each search starts one thread per source, wrapped so it
runs in the request's context.  What those threads change is changed by the request.
"""

from __future__ import annotations

from statelint.model import ScanResult


def findings(result: ScanResult) -> list[tuple[str, str, int, str]]:
    return [(f.rule, f.path, f.line, f.symbol) for f in result.findings]


def stateful(result: ScanResult) -> set[str]:
    return {v.handler.name for v in result.verdicts if v.verdict == "stateful"}


def metasearch(on_error: str, runner: str) -> dict[str, str]:
    return {
        "meta/__init__.py": "",
        "meta/health.py": f'''
FAILURES = {{}}


def record_failure(source):
    {on_error}


def failures(source):
    return FAILURES.get(source, 0)
''',
        "meta/providers.py": '''
import requests

from meta.health import record_failure

PROVIDERS = {}


class Provider:
    def __init__(self, name, base_url):
        self.name = name
        self.base_url = base_url

    def fetch(self, query, results):
        try:
            reply = requests.get(self.base_url, params={"q": query}, timeout=3)
            results.extend(reply.json()["items"])
        except requests.RequestException:
            record_failure(self.name)


def register(settings):
    for name, base_url in settings.items():
        PROVIDERS[name] = Provider(name, base_url)
''',
        "meta/app.py": f'''
import threading

import gevent
from flask import Flask, copy_current_request_context, jsonify, request

from meta.health import failures
from meta.providers import PROVIDERS, register

app = Flask(__name__)
register({{"web": "https://web.example/api", "news": "https://news.example/api"}})


@app.get("/search")
def search():
    query = request.args["q"]
    results = []
    workers = []
    for name in PROVIDERS:
{runner}
    for worker in workers:
        worker.join(3)
    return jsonify(results=results)


@app.get("/health/<name>")
def health(name):
    return jsonify(failures=failures(name))
''',
    }


THREAD = '''\
        fetch = copy_current_request_context(PROVIDERS[name].fetch)
        worker = threading.Thread(target=fetch, args=(query, results), name=name)
        worker.start()
        workers.append(worker)'''

GREENLET = '''\
        workers.append(gevent.spawn(PROVIDERS[name].fetch, query, results))'''


def test_a_change_made_by_a_thread_the_request_starts(scan_files) -> None:
    result = scan_files(metasearch(
        "FAILURES[source] = FAILURES.get(source, 0) + 1", THREAD))
    assert sorted(v.handler.name for v in result.verdicts) == ["health", "search"]
    assert findings(result) == [("SL101", "meta/health.py", 1, "meta.health.FAILURES")]
    finding = result.findings[0]
    assert "search changes while serving requests" in finding.message
    # the chain goes through the thread into the provider kept in the registry
    assert [(place.path, place.line, place.message) for place in finding.trace] == [
        ("meta/app.py", 14, "handler search (flask /search)"),
        ("meta/app.py", 20, "calls Provider.fetch()"),
        ("meta/providers.py", 18, "calls record_failure()"),
        ("meta/health.py", 5, "assigns an item: FAILURES")]
    assert stateful(result) == {"search", "health"}


def test_a_greenlet_spawned_per_request_with_its_arguments(scan_files) -> None:
    result = scan_files(metasearch(
        "FAILURES[source] = FAILURES.get(source, 0) + 1", GREENLET))
    assert findings(result) == [("SL101", "meta/health.py", 1, "meta.health.FAILURES")]
    assert stateful(result) == {"search", "health"}


def test_threads_that_only_read(scan_files) -> None:
    result = scan_files(metasearch("print(source, FAILURES.get(source, 0))", THREAD))
    assert sorted(v.handler.name for v in result.verdicts) == ["health", "search"]
    assert findings(result) == []
    assert stateful(result) == set()
