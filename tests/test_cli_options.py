"""The options of ``check`` and ``handlers`` a ruff user reaches for: ``-q``,
``--output-format``, ``--show-source``, ``--statistics`` / ``--timings``, the cache
options of ``handlers`` and ``--add-noqa``, on the example projects of
``tests/projects`` (``--watch`` has its own file, ``test_watch.py``)."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from statelint.add_noqa import add_noqa
from statelint.cli import main
from statelint.engine import scan
from statelint.reporters import render_report
from statelint.rule import all_rules

PROJECTS = Path(__file__).parent / "projects"

CATALOGUE_STATISTICS = (
    "4\tSL501\tlocal-disk-state\n"
    "3\tSL801\tprocess-bound-background-work\n"
    "2\tSL301\tin-memory-backend\n"
    "2\tSL701\tapp-state-mutation\n"
    "1\tSL601\tclass-level-state\n"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def copy_project(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(PROJECTS / name, target, ignore=shutil.ignore_patterns("expected.toml", ".statelint_cache"))
    return target


def snapshot(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*.py"))}


@pytest.fixture
def flask_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The Flask shop (a cart dict and a `global` counter), as the working directory."""
    project = copy_project("flask_shop", tmp_path)
    monkeypatch.chdir(project)
    return project


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The catalogue service: Flask, FastAPI and a scheduler, twelve findings of five rules."""
    project = copy_project("catalogue_mix", tmp_path)
    monkeypatch.chdir(project)
    return project


# -- -q / --quiet -------------------------------------------------------------------------


def test_quiet_prints_findings_without_inventory_or_summary(flask_shop: Path) -> None:
    loud = run("check", "--no-cache")
    quiet = run("check", "--no-cache", "-q")
    assert loud.exit_code == quiet.exit_code == 1
    assert "Handlers: 17 found, 11 self-contained, 6 stateful" in loud.stdout
    assert "Handlers:" not in quiet.stdout and "Found 2 findings" not in quiet.stdout
    assert quiet.stdout.startswith("shop/services/cart.py:17:1: SL101 error `CARTS` is a module")
    assert "\nshop/views/main.py:14:1: SL102 error `_requests_served`" in quiet.stdout
    # the findings themselves are printed in full, chain and fix included
    assert loud.stdout.startswith(quiet.stdout.rstrip("\n"))


def test_quiet_concise_is_one_line_per_finding(flask_shop: Path) -> None:
    result = run("check", "--no-cache", "--quiet", "--format", "concise")
    assert result.exit_code == 1
    assert [line.split(": ", 1)[0] for line in result.stdout.splitlines()] == [
        "shop/services/cart.py:17:1", "shop/views/main.py:14:1"]


def test_quiet_clean_service_prints_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project("flask_shop", tmp_path)
    monkeypatch.chdir(project)
    loud = run("check", "--no-cache", "--select", "SL9")  # no SL9 state in the shop
    assert loud.exit_code == 0 and "Handlers: 17 found, 17 self-contained" in loud.stdout
    quiet = run("check", "--no-cache", "--select", "SL9", "-q")
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_quiet_leaves_out_notes_on_stderr(flask_shop: Path) -> None:
    loud = run("check", "--no-cache", "--write-baseline", "baseline.json")
    assert loud.stderr == "statelint: wrote 2 findings to the baseline baseline.json\n"
    quiet = run("check", "--no-cache", "-q", "--write-baseline", "baseline.json")
    assert quiet.exit_code == 0 and quiet.stderr == ""


# -- --output-format ----------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["json", "concise", "sarif"])
def test_output_format_is_format(flask_shop: Path, output_format: str) -> None:
    by_format = run("check", "--no-cache", "--format", output_format)
    by_alias = run("check", "--no-cache", "--output-format", output_format)
    assert by_alias.exit_code == by_format.exit_code == 1
    assert by_alias.stdout == by_format.stdout


def test_output_format_takes_the_same_choices(flask_shop: Path) -> None:
    result = run("check", "--output-format", "yaml")
    assert result.exit_code == 2 and "'yaml' is not one of" in result.stderr
    inventory = run("handlers", "--no-cache", "--output-format", "json")
    assert inventory.exit_code == 0
    assert inventory.stdout == run("handlers", "--no-cache", "--format", "json").stdout


# -- --show-source ------------------------------------------------------------------------


def test_show_source_frames_each_finding(flask_shop: Path) -> None:
    result = run("check", "--no-cache", "--show-source")
    assert result.exit_code == 1
    assert (
        "shop/services/cart.py:17:1: SL101 error `CARTS` is a module-level dict that add_to_cart, "
    ) in result.stdout
    frame = (
        "     |\n"
        "  17 | CARTS: dict[str, dict[int, int]] = {}\n"
        "     | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ SL101\n"
        "     |\n"
        "  chain:\n"
    )
    assert frame in result.stdout
    assert ("  14 | _requests_served = 0\n"
            "     | ^^^^^^^^^^^^^^^^^^^^ SL102\n") in result.stdout


def test_show_source_marks_the_column_in_concise_output(catalogue: Path) -> None:
    result = run("check", "--no-cache", "--show-source", "--format", "concise")
    assert result.exit_code == 1
    assert (
        "src/catalogue/web/views.py:143:12: SL501 audit_log opens `AUDIT_DB` with "
    ) in result.stdout
    assert ("143 |     conn = sqlite3.connect(AUDIT_DB)\n"
            "    |            ^^^^^^^^^^^^^^^^^^^^^^^^^ SL501\n") in result.stdout
    assert result.stdout.splitlines()[-1].startswith("Found 12 findings (")


BANNER_APP = """\
from flask import Flask

app = Flask(__name__)


class Banners:
\tACTIVE = {"\x1b[1mSALE\x1b[0m": "bold"}


@app.post("/banners/<name>")
def add_banner(name):
\tBanners.ACTIVE[name] = name
\treturn "ok"
"""


def test_show_source_escapes_control_characters_and_expands_tabs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "banners.py").write_text(BANNER_APP, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("check", "--no-cache", "--show-source", "--no-color")
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout
    assert ("  7 |     ACTIVE = {\"\\x1b[1mSALE\\x1b[0m\": \"bold\"}\n"
            f"    |     {'^' * 39} SL601\n") in result.stdout


def test_show_source_skips_files_that_changed_or_went_away(tmp_path: Path) -> None:
    project = copy_project("flask_shop", tmp_path)
    result = scan([str(project)], jobs=1)
    cart, main_view = project / "shop/services/cart.py", project / "shop/views/main.py"
    assert {finding.path for finding in result.findings} == {
        "shop/services/cart.py", "shop/views/main.py"}
    cart.write_text("CARTS = {}\n", encoding="utf-8")  # line 17 is gone
    main_view.unlink()
    os.mkfifo(main_view)  # not a regular file: never opened (reading it would block)
    text = render_report(result, all_rules(), "text", show_source=True)
    assert "shop/services/cart.py:17:1: SL101 error" in text
    assert "shop/views/main.py:14:1: SL102 error" in text
    assert " | " not in text
    assert text == render_report(result, all_rules(), "text")


def test_show_source_does_not_change_machine_formats(flask_shop: Path) -> None:
    plain = run("check", "--no-cache", "--format", "json")
    framed = run("check", "--no-cache", "--format", "json", "--show-source", "-q")
    assert framed.stdout == plain.stdout


# -- --statistics and --timings -----------------------------------------------------------


def test_statistics_counts_findings_per_rule(catalogue: Path) -> None:
    result = run("check", "--no-cache", "--statistics")
    assert result.exit_code == 1
    assert result.stdout == CATALOGUE_STATISTICS
    assert result.stderr == ""


def test_statistics_as_json(catalogue: Path) -> None:
    result = run("check", "--no-cache", "--statistics", "--output-format", "json")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert rows[0] == {"code": "SL501", "name": "local-disk-state", "count": 4}
    assert [(row["code"], row["count"]) for row in rows] == [
        ("SL501", 4), ("SL801", 3), ("SL301", 2), ("SL701", 2), ("SL601", 1)]


def test_statistics_follow_the_filters_and_count_unreadable_files(catalogue: Path) -> None:
    (catalogue / "src/catalogue/broken.py").write_text("def feed(:\n    pass\n", encoding="utf-8")
    result = run("check", "--no-cache", "--statistics", "--ignore", "SL5,SL8")
    assert result.exit_code == 1
    assert result.stdout == ("2\tSL301\tin-memory-backend\n"
                             "2\tSL701\tapp-state-mutation\n"
                             "1\tE902 \tfile-not-analysed\n"
                             "1\tSL601\tclass-level-state\n")


def test_statistics_refuses_report_formats(catalogue: Path) -> None:
    result = run("check", "--statistics", "--format", "sarif")
    assert result.exit_code == 2
    assert result.stderr == ("statelint: error: --statistics prints text, concise or json, "
                             "not --format sarif\n")


def test_timings_print_stage_times_and_counts(catalogue: Path) -> None:
    result = run("check", "--no-cache", "--timings", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"]["findings"] == 12  # the report is unchanged
    stages = [line.split(":")[0].strip() for line in result.stderr.splitlines()]
    # the semantic model is solved once, before the rules, and timed as a stage of its own
    assert stages[:6] == ["discover", "facts", "link", "model", "rules", "total"]
    assert "files parsed" in stages and "SL501" not in result.stderr


# -- handlers: cache and discovery options ------------------------------------------------


def test_handlers_uses_the_cache_check_uses(flask_shop: Path, tmp_path: Path) -> None:
    uncached = run("handlers", "--no-cache")
    assert uncached.exit_code == 0 and "stateful" in uncached.stdout
    assert not (flask_shop / ".statelint_cache").exists()
    default = run("handlers")
    assert default.stdout == uncached.stdout
    assert (flask_shop / ".statelint_cache" / "CACHEDIR.TAG").is_file()
    elsewhere = tmp_path / "handler-cache"
    moved = run("handlers", "--cache-dir", str(elsewhere), "--exhaustive",
                "--no-respect-gitignore", "-j", "1")
    assert moved.stdout == uncached.stdout
    assert (elsewhere / "CACHEDIR.TAG").is_file()
    again = run("handlers", "--cache-dir", str(elsewhere), "--format", "json")
    assert again.exit_code == 0
    assert len(json.loads(again.stdout)["handlers"]) == 17


# -- --add-noqa ---------------------------------------------------------------------------


def test_add_noqa_suppresses_every_finding_and_touches_nothing_else(catalogue: Path) -> None:
    before = snapshot(catalogue)
    findings = json.loads(run("check", "--no-cache", "--format", "json").stdout)["findings"]
    with_findings = {finding["path"] for finding in findings}
    assert len(findings) == 12 and len(with_findings) == 5

    added = run("check", "--no-cache", "--add-noqa")
    assert added.exit_code == 0
    assert added.stdout == ""
    assert added.stderr == (
        "statelint: added 12 suppression comments (12 findings) in 5 files; replace each "
        "`reason: TODO` with why that state may stay in the process\n")
    after = snapshot(catalogue)
    assert {path for path in before if before[path] != after[path]} == with_findings
    pricing = (catalogue / "src/catalogue/pricing.py").read_text(encoding="utf-8").splitlines()
    assert pricing[14] == ("    _overrides: dict[str, Decimal] = {}  "
                           "# statelint: ignore[SL601]  # reason: TODO")
    old_pricing = before["src/catalogue/pricing.py"].decode().splitlines()
    assert [line for line in pricing if line not in old_pricing] == [pricing[14]]

    rescan = run("check", "--no-cache", "--format", "json", "--report-unused-ignores")
    assert rescan.exit_code == 0, rescan.stderr  # every comment silences a finding
    report = json.loads(rescan.stdout)
    assert report["findings"] == []
    assert report["summary"]["handlers"] == 23 and report["summary"]["stateful_handlers"] == 0


def test_add_noqa_twice_adds_nothing(catalogue: Path) -> None:
    assert run("check", "--no-cache", "--add-noqa").exit_code == 0
    once = snapshot(catalogue)
    again = run("check", "--no-cache", "--add-noqa")
    assert again.exit_code == 0
    assert again.stderr == "statelint: added no suppression comment: no finding needs one\n"
    assert snapshot(catalogue) == once


SESSIONS_APP = '''\
# -*- coding: latin-1 -*-
"""Sessions of the café's ordering API."""
from flask import Flask, request

app = Flask(__name__)

SESSIONS: dict[str, str] = {
    "kiosk": "seed",
}
TOKENS: dict[str, str] = {}  # type: dict[str, str]
VISITS: dict[str, int] = {}  # statelint: ignore[SL102] -- counted by the proxy
HELP = dict(text="""
Notes kept per user.
""")


@app.post("/login/<user>")
def login(user):
    SESSIONS[user] = request.headers["X-Token"]
    TOKENS[user] = request.headers["X-Token"]
    VISITS[user] = VISITS.get(user, 0) + 1
    HELP[user] = request.json["note"]
    return "ok"
'''


def test_add_noqa_keeps_comments_encoding_and_line_endings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = tmp_path / "cafe.py"
    app.write_bytes(SESSIONS_APP.replace("\n", "\r\n").encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    result = run("check", "--no-cache", "--add-noqa")
    assert result.exit_code == 0, result.stderr
    assert "added 4 suppression comments (4 findings) in 1 file" in result.stderr
    data = app.read_bytes()
    assert data.count(b"\r\n") == SESSIONS_APP.count("\n") and b"\n" not in data.replace(
        b"\r\n", b"")
    lines = data.decode("latin-1").split("\r\n")
    assert lines[1] == '"""Sessions of the café\'s ordering API."""'
    assert lines[6] == 'SESSIONS: dict[str, str] = {  # statelint: ignore[SL101]  # reason: TODO'
    assert lines[9] == ("TOKENS: dict[str, str] = {}  # type: dict[str, str]  "
                        "# statelint: ignore[SL101]  # reason: TODO")
    assert lines[10] == ("VISITS: dict[str, int] = {}  # statelint: ignore[SL102, SL101] "
                         "-- counted by the proxy")
    assert lines[13] == '""")  # statelint: ignore[SL101]  # reason: TODO'  # the last line
    clean = run("check", "--no-cache", "--format", "json")
    assert clean.exit_code == 0 and json.loads(clean.stdout)["summary"]["handlers"] == 1


def test_add_noqa_leaves_a_file_that_no_longer_parses(tmp_path: Path) -> None:
    project = copy_project("flask_shop", tmp_path)
    result = scan([str(project)], jobs=1)
    cart = project / "shop/services/cart.py"
    broken = cart.read_bytes().replace(b"def _cart_for(", b"def _cart_for(:", 1)
    assert broken != cart.read_bytes()
    cart.write_bytes(broken)
    report = add_noqa(Path(result.root), result.findings)
    assert cart.read_bytes() == broken
    assert len(report.problems) == 1
    assert report.problems[0].startswith("shop/services/cart.py: left unchanged: it does not parse")
    assert (report.comments, report.files) == (1, 1)  # the other file got its comment
    assert (project / "shop/views/main.py").read_text(encoding="utf-8").splitlines()[13] == (
        "_requests_served = 0  # statelint: ignore[SL102]  # reason: TODO")


def test_add_noqa_reports_a_finding_with_no_line_end_and_exits_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "log.py").write_text(textwrap.dedent('''\
        from flask import Flask

        app = Flask(__name__)
        LOG = [] \\


        @app.post("/log/<line>")
        def log(line):
            LOG.append(line)
            return "ok"
        '''), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / "log.py").read_bytes()
    result = run("check", "--no-cache", "--add-noqa")
    assert result.exit_code == 1
    assert result.stderr == ("statelint: log.py:4:1: SL101 got no comment: its lines end inside "
                             "a string or with a backslash; add one by hand\n")
    assert (tmp_path / "log.py").read_bytes() == before


def test_add_noqa_does_not_go_with_watch_or_write_baseline(flask_shop: Path) -> None:
    result = run("check", "--add-noqa", "--watch")
    assert result.exit_code == 2
    assert result.stderr == "statelint: error: --add-noqa and --watch cannot be used together\n"
    baseline = run("check", "--add-noqa", "--write-baseline", "b.json")
    assert baseline.exit_code == 2
    assert baseline.stderr == ("statelint: error: --add-noqa and --write-baseline cannot be used "
                               "together\n")
