"""What function bodies say about loops and conditions, and the judgements that use it:
the iterable of a ``for`` variable (files copied out of an installed package), the
conditions of ``if`` blocks (writes behind a test or documentation-build switch), and
blocks that read standard input (command-line code a request never runs)."""

from __future__ import annotations

import pytest

from statelint.facts import extract_facts
from statelint.model import Finding, ScanResult


def findings_of(result: ScanResult, code: str) -> list[Finding]:
    return [finding for finding in result.findings if finding.rule == code]


def handler_names(result: ScanResult) -> set[str]:
    return {verdict.handler.name for verdict in result.verdicts}


def at(result: ScanResult, path: str) -> list[tuple[str, int]]:
    """(rule, line) of every finding in one file."""
    return sorted((finding.rule, finding.line) for finding in result.findings
                  if finding.path == path)


# ---------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------

EXPORTER = '''
import os
import shutil
from importlib import resources

from flask import request


def export_assets(target):
    if os.environ.get("ASSETS_MODE") == "bundled":
        for entry in resources.files("shop").joinpath("assets").iterdir():
            shutil.copy(entry, target)
    elif request.args.get("full"):
        names = [name for name in os.listdir(target)]
        return names
    else:
        for index, name in enumerate(os.listdir(target)):
            print(index, name)
'''


def test_facts_record_loop_iterables_and_the_conditions_of_each_block():
    facts = extract_facts(EXPORTER.encode(), "shop/export.py", "shop.export", False)
    (fn,) = facts.functions
    loops = dict(fn.loop_values)
    assert loops["entry"].target == "importlib.resources.files().joinpath().iterdir"
    assert loops["name"].target == "os.listdir"  # the comprehension's variable
    assert "index" not in loops  # an unpacked target is not one value of the iterable

    (copy_guard,) = fn.guards_at(12)
    assert copy_guard.subject.target == "os.environ.get"
    assert copy_guard.equals is not None and copy_guard.equals.literal == "bundled"
    assert copy_guard.holds

    outer, inner = fn.guards_at(14)  # the ``elif``: the first test is false there
    assert (outer.subject.target, outer.holds) == ("os.environ.get", False)
    assert (inner.subject.target, inner.holds, inner.equals) == ("flask.request.args.get", True, None)

    outer, inner = fn.guards_at(18)  # the ``else`` of the ``elif``
    assert not outer.holds and not inner.holds
    assert fn.guards_at(9) == ()  # the ``if`` line itself runs unconditionally


# ---------------------------------------------------------------------------
# SL501: files copied out of the installed package
# ---------------------------------------------------------------------------

THEMES = {
    "themes/__init__.py": "",
    "themes/installer.py": '''
import os
import shutil
from importlib import resources

THEMES_DIR = os.environ.get("THEMES_DIR", "/var/lib/site/themes")
ICONS_DIR = os.path.join(THEMES_DIR, "icons")
BUNDLED = os.path.join(os.path.dirname(__file__), "bundled")


def install_default_themes(target=THEMES_DIR):
    for entry in resources.files("themes").joinpath("defaults").iterdir():
        if entry.is_file():
            shutil.copy(str(entry), os.path.join(target, entry.name))


def install_bundled_icons(target):
    for name in os.listdir(BUNDLED):
        shutil.copyfile(os.path.join(BUNDLED, name), os.path.join(target, name))


def import_theme(source_dir, name):
    for entry in os.scandir(source_dir):
        shutil.copy(entry.path, os.path.join(THEMES_DIR, name, entry.name))
''',
    "themes/app.py": '''
from fastapi import FastAPI

from themes.installer import (
    ICONS_DIR,
    import_theme,
    install_bundled_icons,
    install_default_themes,
)

app = FastAPI()


@app.post("/admin/themes/reset")
async def reset_themes():
    install_default_themes()
    install_bundled_icons(ICONS_DIR)
    return {"ok": True}


@app.post("/themes/{name}/import")
async def import_theme_route(name: str, source: str):
    import_theme(source, name)
    return {"ok": True}
''',
}


def test_copies_of_files_installed_with_the_package_are_not_disk_state(scan_files):
    result = scan_files(THEMES)
    assert {"reset_themes", "import_theme_route"} <= handler_names(result)
    (finding,) = findings_of(result, "SL501")
    # a theme imported from a folder the request names is still a local write
    assert (finding.path, finding.line) == ("themes/installer.py", 23)
    assert finding.message.startswith(
        "`import_theme` (reached from import_theme_route) copies a file into a local folder")
    # the bundled themes and icons are the same on every machine
    assert "reset_themes" not in {verdict.handler.name for verdict in result.verdicts
                                  if verdict.verdict == "stateful"}


def test_a_folder_listed_from_a_request_argument_is_not_package_data(scan_files):
    files = dict(THEMES)
    files["themes/installer.py"] = files["themes/installer.py"].replace(
        "os.listdir(BUNDLED)", "os.listdir(target)").replace(
        "os.path.join(BUNDLED, name)", "os.path.join(target, name)")
    result = scan_files(files)
    assert at(result, "themes/installer.py") == [("SL501", 18), ("SL501", 23)]


# ---------------------------------------------------------------------------
# SL501: writes behind a switch of the test suite or of a documentation build
# ---------------------------------------------------------------------------

SAMPLES = '''
import json
import os

from fastapi import FastAPI

app = FastAPI()


def record_sample(name, payload):
    if os.environ.get({switch}) == "1":
        os.makedirs("docs/samples", exist_ok=True)
        with open(os.path.join("docs/samples", name + ".json"), "w") as out:
            json.dump(payload, out, indent=2)


def log_slow(name, seconds):
    if os.getenv("TRACE_SLOW_REQUESTS"):
        with open("/var/log/site/slow.log", "a") as out:
            out.write(f"{{name}} {{seconds}}\\n")


@app.post("/orders")
async def create_order(order: dict):
    record_sample("order.created", order)
    log_slow("create_order", 0.2)
    return {{"ok": True}}
'''


@pytest.mark.parametrize("switch", ['"PYTEST_RECORD_SAMPLES"', '"BUILD_DOCS"'])
def test_writes_only_a_test_or_docs_build_switch_turns_on_are_not_reported(scan_files, switch):
    result = scan_files({"app.py": SAMPLES.format(switch=switch)})
    assert "create_order" in handler_names(result)
    # an opt-in switch of production (a tracing flag) still writes on this machine
    (finding,) = findings_of(result, "SL501")
    assert finding.line == 18
    assert finding.message.startswith(
        "`log_slow` (reached from create_order) appends to a local file")


@pytest.mark.parametrize("test", [
    'os.environ.get("PYTEST_RECORD_SAMPLES") != "1"',  # runs unless the switch is set
    'os.environ.get("PYTEST_RECORD_SAMPLES", "1") == "1"',  # on unless switched off
    'os.environ.get("SAMPLES_DIR")',  # a production setting, not a test switch
])
def test_writes_that_run_when_the_switch_is_unset_are_reported(scan_files, test):
    source = SAMPLES.format(switch='"X"').replace('os.environ.get("X") == "1"', test)
    result = scan_files({"app.py": source})
    assert sorted(finding.line for finding in findings_of(result, "SL501")) == [12, 18]


# ---------------------------------------------------------------------------
# Blocks that read standard input are command-line code
# ---------------------------------------------------------------------------

CONVERTER = {
    "convert/__init__.py": "",
    "convert/inputs.py": '''
import io
import sys

from flask import request

_piped: dict[str, str] = {{}}


def open_input(path, mode="r"):
    if path == "-":
        if path not in _piped:
            _piped[path] = {reader}
        return io.StringIO(_piped[path])
    return open(path, mode)
''',
    "convert/app.py": '''
import os

from flask import Flask, jsonify

from convert.inputs import open_input

app = Flask(__name__)
REPORTS = os.environ.get("REPORTS_DIR", "/srv/reports")


@app.get("/reports/<name>/lines")
def report_lines(name):
    path = os.path.abspath(os.path.join(REPORTS, name))
    with open_input(path) as handle:
        return jsonify(lines=len(handle.readlines()))
''',
}


def test_a_block_reading_standard_input_is_not_request_time_work(scan_files):
    files = {path: text.format(reader="sys.stdin.read()") for path, text in CONVERTER.items()}
    result = scan_files(files)
    assert "report_lines" in handler_names(result)
    assert at(result, "convert/inputs.py") == []


def test_the_same_block_filled_from_the_request_is_state(scan_files):
    files = {path: text.format(reader="request.get_data(as_text=True)")
             for path, text in CONVERTER.items()}
    result = scan_files(files)
    assert [finding.symbol for finding in result.findings
            if finding.path == "convert/inputs.py"] == ["convert.inputs._piped"]
