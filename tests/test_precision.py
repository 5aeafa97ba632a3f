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
