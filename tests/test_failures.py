"""A bug inside statelint costs the part it happens in, never the report.

Each test injects a failure into one stage (the facts of one file, the linking of
one module, one handler's reach, one shared analysis, one rule) of a scan of a real
multi-module FastAPI project, and checks that the failure is reported with its
stage and part, that every other result survives, and that the command line still
writes its report and exits 2.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from statelint import facts as facts_module
from statelint import handlers as handlers_module
from statelint import project as project_module
from statelint.cli import main
from statelint.engine import scan
from statelint.model import ScanResult
from statelint.rule import rule_by_code

PROJECT = Path(__file__).parent / "projects" / "fastapi_chat"

#: What a clean scan of the project finds (rule, path): the same as expected.toml says.
CLEAN = {
    ("SL101", "app/limits.py"),
    ("SL401", "app/realtime.py"),
    ("SL201", "app/services/directory.py"),
    ("SL201", "app/services/rooms.py"),
}


def found(result: ScanResult) -> set[tuple[str, str]]:
    return {(finding.rule, finding.path) for finding in result.findings}


@pytest.fixture(autouse=True)
def in_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project as the current directory, so paths are ``app/...``."""
    copy = tmp_path / "fastapi_chat"
    shutil.copytree(PROJECT, copy)
    monkeypatch.chdir(copy)
    return copy


def run(*, exhaustive: bool = True) -> ScanResult:
    return scan(["."], jobs=1, exhaustive=exhaustive)


def break_facts_of_directory_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make turning app/services/directory.py into facts raise, as a bug would."""
    original = facts_module._parse_and_walk

    def failing(text: str, path: str, module: str, is_package: bool):  # type: ignore[no-untyped-def]
        if path == "app/services/directory.py":
            raise KeyError("injected")
        return original(text, path, module, is_package)

    monkeypatch.setattr(facts_module, "_parse_and_walk", failing)


def test_a_clean_scan_has_no_internal_error() -> None:
    result = run()
    assert found(result) == CLEAN
    assert result.errors == [] and not result.failed
    assert len(result.verdicts) == 12


@pytest.mark.parametrize("exhaustive", [True, False])
def test_a_crash_in_one_files_facts_costs_that_file(monkeypatch: pytest.MonkeyPatch,
                                                     exhaustive: bool) -> None:
    break_facts_of_directory_module(monkeypatch)
    result = run(exhaustive=exhaustive)
    assert [(e.stage, e.path) for e in result.errors] == [("facts", "app/services/directory.py")]
    assert "KeyError" in result.errors[0].message
    assert result.failed
    # the file's own finding is gone, every other one is there
    assert found(result) == CLEAN - {("SL201", "app/services/directory.py")}
    assert [p.path for p in result.problems if p.kind == "internal"] == [
        "app/services/directory.py"]


def test_a_crash_linking_one_module_costs_that_module(monkeypatch: pytest.MonkeyPatch) -> None:
    original = handlers_module._Collector.from_decorators

    def failing(self, facts, fn):  # type: ignore[no-untyped-def]
        if facts.module == "app.routers.admin":
            raise RuntimeError("injected link failure")
        return original(self, facts, fn)

    monkeypatch.setattr(handlers_module._Collector, "from_decorators", failing)
    result = run()
    assert [(e.stage, e.module, e.path) for e in result.errors] == [
        ("link", "app.routers.admin", "app/routers/admin.py")]
    assert "RuntimeError: injected link failure" in result.errors[0].message
    # the other routers' handlers and every finding survive
    assert not any(v.handler.path == "app/routers/admin.py" for v in result.verdicts)
    assert {v.handler.path for v in result.verdicts} >= {"app/routers/messages.py",
                                                         "app/routers/rooms.py"}
    assert {("SL401", "app/realtime.py"), ("SL201", "app/services/rooms.py")} <= found(result)


def test_a_crash_following_one_handler_costs_its_reach(monkeypatch: pytest.MonkeyPatch) -> None:
    original = project_module.Project._reach

    def failing(self, handler):  # type: ignore[no-untyped-def]
        if handler.name == "room_detail":
            raise IndexError("injected reach failure")
        return original(self, handler)

    monkeypatch.setattr(project_module.Project, "_reach", failing)
    result = run()
    assert [(e.stage, e.module) for e in result.errors] == [("link", "app.routers.rooms")]
    # the handler is still listed; only what it reaches is unknown
    assert any(v.handler.name == "room_detail" for v in result.verdicts)
    # load_room_rules is reached by room_detail only: its finding goes, the others stay
    assert found(result) == CLEAN - {("SL201", "app/services/rooms.py")}


def test_a_crash_in_a_shared_analysis_names_it_and_the_rule(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from statelint import effects

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("injected analysis failure")

    # only the connection-registry analysis asks this question
    monkeypatch.setattr(effects, "holds_connection", failing)
    monkeypatch.setattr(effects, "is_connection_value", failing)
    result = run()
    # every rule that needs the analysis says so, and only those rules lose findings
    assert {(e.stage, e.analysis, e.rule) for e in result.errors} == {
        ("analysis", "connection registries", code) for code in ("SL101", "SL401", "SL601")}
    first = next(e for e in result.errors if e.rule == "SL401")
    assert first.describe().startswith(
        "internal error in analysis (analysis 'connection registries', rule SL401): ValueError")
    assert found(result) == {("SL201", "app/services/directory.py"),
                             ("SL201", "app/services/rooms.py")}
    assert len(result.verdicts) == 12


def test_a_crash_in_one_rule_costs_that_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = rule_by_code("SL101")
    assert rule is not None

    def failing(self, project):  # type: ignore[no-untyped-def]
        yield from ()
        raise AttributeError("injected rule failure")

    monkeypatch.setattr(rule, "check", failing)
    result = run()
    assert [(e.stage, e.rule) for e in result.errors] == [("rule", "SL101")]
    assert found(result) == CLEAN - {("SL101", "app/limits.py")}


def test_the_command_line_writes_every_report_and_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = rule_by_code("SL201")
    assert rule is not None

    def failing(self, project):  # type: ignore[no-untyped-def]
        raise KeyError("<module>:<ViewSet class>")

    monkeypatch.setattr(rule, "check", failing)
    runner = CliRunner()
    for output_format in ("text", "concise", "json", "sarif", "github", "gitlab", "junit",
                          "markdown"):
        outcome = runner.invoke(main, ["check", ".", "--no-cache", "--jobs", "1",
                                       "--format", output_format])
        assert outcome.exit_code == 2, (output_format, outcome.output)
        assert "SL201" in outcome.output, output_format
        if output_format != "json":
            assert "internal error" in outcome.output, output_format
        assert "Traceback" not in outcome.output
    outcome = runner.invoke(main, ["check", ".", "--no-cache", "--jobs", "1",
                                   "--format", "json"])
    report = json.loads(outcome.output)
    assert report["errors"] == [{
        "stage": "rule", "path": "", "module": "", "rule": "SL201", "analysis": "",
        "message": report["errors"][0]["message"]}]
    assert report["errors"][0]["message"].startswith("KeyError: '<module>:<ViewSet class>'")
    assert report["summary"]["internal_errors"] == 1
    assert {(f["rule"], f["path"]) for f in report["findings"]} == {
        ("SL101", "app/limits.py"), ("SL401", "app/realtime.py")}
    assert len(report["handlers"]) == 12


def test_a_failed_run_is_not_memoised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next run computes again and reports the failure again (or its absence)."""
    rule = rule_by_code("SL101")
    assert rule is not None
    original = rule.check

    def failing(self, project):  # type: ignore[no-untyped-def]
        raise AttributeError("injected")

    monkeypatch.setattr(rule, "check", failing)
    first = scan(["."], jobs=1, cache=True, cache_dir=str(tmp_path / "cache"))
    second = scan(["."], jobs=1, cache=True, cache_dir=str(tmp_path / "cache"))
    assert first.errors == second.errors and len(first.errors) == 1
    monkeypatch.setattr(rule, "check", original)
    third = scan(["."], jobs=1, cache=True, cache_dir=str(tmp_path / "cache"))
    assert third.errors == [] and found(third) == CLEAN


DRF_PROJECT = {
    "site/__init__.py": "",
    "site/settings.py": '''
        INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "api"]
        ROOT_URLCONF = "site.urls"
        REST_FRAMEWORK = {
            "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
        }
    ''',
    "site/urls.py": '''
        from django.urls import include, path
        from rest_framework import routers

        from api.views import InvoiceViewSet, health

        router = routers.DefaultRouter()
        router.register(r"invoices", InvoiceViewSet, basename="invoice")

        urlpatterns = [
            path("api/", include(router.urls)),
            path("health/", health),
        ]
    ''',
    "api/__init__.py": "",
    "api/models.py": '''
        from django.db import models


        class Invoice(models.Model):
            total = models.IntegerField()
    ''',
    "api/views.py": '''
        from django.http import JsonResponse
        from rest_framework import viewsets
        from rest_framework.throttling import UserRateThrottle

        from api.models import Invoice


        class BurstThrottle(UserRateThrottle):
            rate = "20/min"


        class InvoiceViewSet(viewsets.ModelViewSet):
            queryset = Invoice.objects.all()
            throttle_classes = [BurstThrottle]


        def health(request):
            return JsonResponse({"ok": True})
    ''',
}


def test_a_router_registered_viewset_with_its_own_throttles(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A ViewSet registered with a router is a handler named by its class; the throttle
    check once looked it up as a method and ended the scan with a KeyError."""
    import textwrap

    root = tmp_path / "invoices"
    for relpath, text in DRF_PROJECT.items():
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip())
    monkeypatch.chdir(root)
    result = scan(["."], jobs=1)
    assert result.errors == []
    assert [(f.rule, f.path, f.line) for f in result.findings] == [("SL301", "api/views.py", 14)]
    assert "throttling on LocMemCache" in result.findings[0].message
    stateful = {v.handler.name for v in result.verdicts if v.verdict == "stateful"}
    assert stateful == {"InvoiceViewSet"}
    assert {v.handler.name for v in result.verdicts} == {"InvoiceViewSet", "health"}


def test_control_characters_in_file_names_are_escaped(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A file name holding terminal escape sequences cannot clear the screen or retitle the
    window of whoever reads the report: every reporter meant for a terminal escapes them."""
    app = tmp_path / "svc"
    app.mkdir()
    (app / "views\x1b[2Jcart.py").write_text(
        'from flask import Flask\n\napp = Flask(__name__)\nCARTS = {}\n\n\n'
        '@app.post("/cart/<user>")\ndef add(user):\n    CARTS[user] = 1\n    return "ok"\n')
    (app / "bad\x07\x1b]0;pwned\x07.py").write_text("def broken(:\n")
    monkeypatch.chdir(app)
    runner = CliRunner()
    for command in (["check", ".", "--no-cache"], ["check", ".", "--no-cache", "--format",
                                                    "concise"], ["handlers", "."]):
        outcome = runner.invoke(main, command)
        assert "\x1b" not in outcome.output and "\x07" not in outcome.output, command
        assert "views\\x1b[2Jcart.py" in outcome.output, command
    outcome = runner.invoke(main, ["check", ".", "--no-cache", "--format", "concise"])
    assert "bad\\x07\\x1b]0;pwned\\x07.py:1:12: SyntaxError" in outcome.output


def test_a_configured_cache_folder_outside_the_project_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A repository's own configuration cannot make statelint write elsewhere: a
    ``cache-dir`` that leads outside (by a relative path or a link) turns the cache off."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    (project / "linked").symlink_to(outside, target_is_directory=True)
    for configured in ("../elsewhere", "linked/cache", str(outside)):
        (project / "statelint.toml").write_text(f'cache-dir = "{configured}"\n')
        monkeypatch.chdir(project)
        outcome = CliRunner().invoke(main, ["check", ".", "--jobs", "1", "--format", "concise"])
        assert outcome.exit_code == 1, outcome.output
        assert "leads outside the scanned project" in outcome.output
        assert list(outside.iterdir()) == [], configured
        assert "SL401" in outcome.output
    # the user's own --cache-dir may point anywhere
    outcome = CliRunner().invoke(main, ["check", ".", "--jobs", "1", "--cache-dir",
                                        str(outside / "cache")])
    assert "leads outside" not in outcome.output
    assert (outside / "cache").is_dir()


def test_ignoring_e902_does_not_hide_a_failure_inside_statelint(
        monkeypatch: pytest.MonkeyPatch, in_project: Path) -> None:
    break_facts_of_directory_module(monkeypatch)
    (in_project / "app" / "py2_tool.py").write_text('print "rotate logs"\n')
    outcome = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1",
                                        "--ignore", "E902"])
    assert outcome.exit_code == 2
    problems = json.loads(outcome.stdout)["problems"]
    # The Python 2 file is ignored; the file statelint failed on is not.
    assert [(p["path"], p["kind"]) for p in problems] == [("app/services/directory.py", "internal")]

