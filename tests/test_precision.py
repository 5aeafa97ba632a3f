"""Look-alikes found while triaging real applications: each was a false positive
once, and must stay quiet (or stay found) from now on."""

from __future__ import annotations


def _rules(result):
    return {finding.rule for finding in result.findings}


def test_a_lock_created_lazily_per_handler_class_is_not_state(scan_files):
    # jupyter_server's nbconvert handler shares one asyncio.Lock across instances
    result = scan_files({
        "server/nbconvert.py": '''
            import asyncio

            from tornado import web


            class ExportHandler(web.RequestHandler):
                _export_lock: asyncio.Lock

                def initialize(self, exporters):
                    self.exporters = exporters
                    if not hasattr(self.__class__, "_export_lock"):
                        self.__class__._export_lock = asyncio.Lock()
                    self._export_lock = self.__class__._export_lock

                async def get(self):
                    async with self._export_lock:
                        names = sorted(self.exporters)
                    self.finish({"exporters": names})


            def make_app():
                return web.Application([(r"/api/exporters", ExportHandler, {"exporters": {}})])
            ''',
    })
    assert [v.handler.name for v in result.verdicts] == ["ExportHandler.get"]
    assert result.findings == []
    assert result.verdicts[0].verdict == "self-contained"


def test_a_limiter_in_an_extension_takes_its_storage_from_the_host_app(scan_files):
    # Flask extensions (Flask-AppBuilder) build a Limiter for an app they are
    # handed; RATELIMIT_STORAGE_URI lives in that app's configuration.
    result = scan_files({
        "appkit/security.py": '''
            from flask import Flask
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address


            class SecurityManager:
                def __init__(self, app: Flask) -> None:
                    self.limiter = self.create_limiter(app)

                def create_limiter(self, app: Flask) -> Limiter:
                    limiter = Limiter(key_func=app.config.get("RATELIMIT_KEY_FUNC", get_remote_address))
                    limiter.init_app(app)
                    return limiter
            ''',
    })
    assert "SL301" not in _rules(result)


def test_a_limiter_without_storage_in_an_app_that_builds_its_own_flask_app_is_found(scan_files):
    result = scan_files({
        "api/app.py": '''
            from flask import Flask, jsonify
            from flask_limiter import Limiter
            from flask_limiter.util import get_remote_address

            app = Flask(__name__)
            limiter = Limiter(get_remote_address, app=app)


            @app.post("/login")
            @limiter.limit("5/minute")
            def login():
                return jsonify(ok=True)
            ''',
    })
    assert "SL301" in _rules(result)
    assert {v.handler.name: v.verdict for v in result.verdicts} == {"login": "stateful"}


def test_setdefault_then_item_assignment_mutates_the_module_dict(scan_files):
    result = scan_files({
        "library/loans.py": '''
            from datetime import date, timedelta

            from flask import Blueprint, jsonify, request

            bp = Blueprint("loans", __name__)
            ACTIVE_LOANS = {}


            @bp.post("/loans/<member_id>")
            def borrow(member_id):
                isbn = request.json["isbn"]
                ACTIVE_LOANS.setdefault(member_id, {})[isbn] = date.today() + timedelta(days=21)
                return jsonify(due=str(ACTIVE_LOANS[member_id][isbn])), 201
            ''',
    })
    [finding] = result.findings
    assert finding.rule == "SL101" and finding.symbol == "library.loans.ACTIVE_LOANS"


def test_flask_appbuilder_expose_methods_are_handlers(scan_files):
    # Superset's views and REST APIs are Flask-AppBuilder classes routed with @expose
    result = scan_files({
        "dash/views.py": '''
            from flask_appbuilder import BaseView, expose
            from flask_appbuilder.api import BaseApi, safe

            RECENT_EXPORTS = []


            class ReportView(BaseView):
                route_base = "/reports"

                @expose("/list/")
                def list(self):
                    return self.render_template("reports.html", exports=RECENT_EXPORTS)

                def _title(self):
                    return "Reports"


            class ExportApi(BaseApi):
                resource_name = "export"

                @expose("/", methods=("POST",))
                @safe
                def post(self):
                    RECENT_EXPORTS.append(self.__class__.__name__)
                    return self.response(201, ok=True)
            ''',
    })
    verdicts = {v.handler.name: v.verdict for v in result.verdicts}
    assert verdicts == {"ReportView.list": "stateful", "ExportApi.post": "stateful"}
    assert {f.symbol for f in result.findings} == {"dash.views.RECENT_EXPORTS"}


def test_once_per_process_latches_and_lazy_singletons_are_not_request_state(scan_files):
    # mlflow's server warms a registry on a worker's first request, caches an
    # installation id, and falls back from a JSON printer once: each is guarded
    # by a test of the same name, so every process ends up in the same place.
    result = scan_files({
        "tracker/server.py": '''
            import threading
            import uuid

            from flask import Flask, jsonify

            app = Flask(__name__)
            _warm_lock = threading.Lock()
            _warm_started = False
            _installation_id = None
            _use_fast_printer = True


            def warm_registry():
                global _warm_started
                if _warm_started:
                    return
                with _warm_lock:
                    if _warm_started:
                        return
                    _warm_started = True


            def installation_id():
                global _installation_id
                if _installation_id is not None:
                    return _installation_id
                _installation_id = str(uuid.uuid4())
                return _installation_id


            def to_json(message):
                global _use_fast_printer
                if _use_fast_printer:
                    try:
                        return message.fast_dict()
                    except TypeError:
                        _use_fast_printer = False
                return message.slow_dict()


            @app.before_request
            def warm():
                warm_registry()


            @app.get("/health")
            def health():
                return jsonify(ok=True, installation=installation_id())
            ''',
    })
    assert result.findings == [], result.findings


def test_a_flag_an_admin_endpoint_flips_is_still_request_state(scan_files):
    result = scan_files({
        "ops/app.py": '''
            from fastapi import FastAPI

            app = FastAPI()
            maintenance = False


            @app.post("/admin/maintenance")
            def enable_maintenance():
                global maintenance
                maintenance = True
                return {"maintenance": maintenance}


            @app.get("/status")
            def status():
                return {"maintenance": maintenance}
            ''',
    })
    [finding] = result.findings
    assert finding.rule == "SL102"
    assert {v.handler.name: v.verdict for v in result.verdicts} == {
        "enable_maintenance": "stateful", "status": "stateful"}


def test_work_inside_a_lazy_initialisation_block_is_not_request_time(scan_files):
    # mlflow's server builds its tracking store on first use and, inside that
    # block, points module-level tracing configuration at it: once per process.
    result = scan_files({
        "tracker/tracing.py": '''
            _exporters = set()
            _tracking_uri = None


            def reset_exporters(uri):
                _exporters.clear()
                _exporters.add(uri)


            def set_tracking_uri(uri):
                global _tracking_uri
                if _tracking_uri != uri:
                    _tracking_uri = uri
                    reset_exporters(uri)
            ''',
        "tracker/server.py": '''
            import os

            from flask import Flask, jsonify

            from tracker import tracing
            from tracker.stores import open_store

            app = Flask(__name__)
            _store = None


            def tracking_store():
                global _store
                if _store is None:
                    uri = os.environ["BACKEND_STORE_URI"]
                    _store = open_store(uri)
                    tracing.set_tracking_uri(uri)
                return _store


            @app.get("/runs/<run_id>")
            def get_run(run_id):
                return jsonify(tracking_store().get_run(run_id))
            ''',
    })
    assert result.findings == [], result.findings
    assert result.verdicts[0].verdict == "self-contained"


def test_a_threshold_guard_does_not_hide_the_counter_behind_it(scan_files):
    result = scan_files({
        "api/quota.py": '''
            from fastapi import FastAPI, HTTPException

            app = FastAPI()
            calls = 0
            recent = []


            @app.post("/jobs")
            def submit(job: dict):
                global calls
                if calls > 1000:
                    raise HTTPException(429)
                calls += 1
                recent.append(job)
                return {"queued": len(recent)}
            ''',
    })
    assert {f.rule for f in result.findings} == {"SL101", "SL102"}


def test_a_cached_http_session_object_is_a_client_not_cached_responses(scan_files):
    # mlflow caches one requests.Session per process and argument set
    result = scan_files({
        "client/http.py": '''
            from functools import lru_cache

            import requests
            from requests.adapters import HTTPAdapter
            from urllib3.util.retry import Retry


            @lru_cache(maxsize=64)
            def cached_session(max_retries, backoff_factor):
                session = requests.Session()
                retry = Retry(total=max_retries, backoff_factor=backoff_factor)
                session.mount("https://", HTTPAdapter(max_retries=retry))
                return session
            ''',
        "client/app.py": '''
            from flask import Flask, jsonify

            from client.http import cached_session

            app = Flask(__name__)


            @app.get("/proxy/<path:path>")
            def proxy(path):
                response = cached_session(3, 0.5).get(f"https://upstream.internal/{path}", timeout=5)
                return jsonify(response.json())
            ''',
    })
    assert "SL201" not in {f.rule for f in result.findings}


def test_a_helper_writing_into_a_temporary_directory_its_caller_made_is_scratch(scan_files):
    # mlflow's promptlab handler builds artifacts in a TemporaryDirectory through
    # a generic write_to(filename, content) helper, then uploads them
    result = scan_files({
        "lab/files.py": '''
            import codecs


            def write_to(filename, data):
                with codecs.open(filename, mode="w", encoding="utf-8") as handle:
                    handle.write(data)
            ''',
        "lab/app.py": '''
            import json
            import os
            import tempfile

            import boto3
            from flask import Flask, jsonify, request

            from lab.files import write_to

            app = Flask(__name__)
            s3 = boto3.client("s3")


            @app.post("/runs/<run_id>/results")
            def save_results(run_id):
                with tempfile.TemporaryDirectory() as local_dir:
                    path = os.path.join(local_dir, "results.json")
                    write_to(path, json.dumps(request.get_json()))
                    s3.upload_file(path, "runs", f"{run_id}/results.json")
                return jsonify(ok=True), 201
            ''',
    })
    assert "SL501" not in {f.rule for f in result.findings}, result.findings


def test_threads_started_by_a_separate_worker_entry_point_are_not_web_work(scan_files):
    # mlflow's job consumer is its own process; the web app never imports it
    result = scan_files({
        "tracker/jobs/consumer.py": '''
            import os
            import threading

            from tracker.jobs.queue import open_queue


            def exit_when_orphaned():
                while os.getppid() != 1:
                    threading.Event().wait(1)
                os._exit(0)


            threading.Thread(target=exit_when_orphaned, daemon=True).start()
            queue = open_queue(os.environ["JOB_QUEUE"])
            ''',
        "tracker/web.py": '''
            import threading

            from flask import Flask, jsonify

            app = Flask(__name__)


            def poll_upstream():
                pass


            threading.Thread(target=poll_upstream, daemon=True).start()


            @app.get("/health")
            def health():
                return jsonify(ok=True)
            ''',
    })
    background = [f for f in result.findings if f.rule == "SL801"]
    assert [f.path for f in background] == ["tracker/web.py"]
    assert background[0].severity == "warning"
