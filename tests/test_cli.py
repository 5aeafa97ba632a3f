"""The ``check`` and ``config`` commands end to end: exit codes, formats, output files,
configuration, suppressions, the baseline and ``--diff``, through click's runner and
one real ``python -m statelint`` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from statelint.cli import main
from statelint.reporters import available_formats

# A Flask shop: carts kept in a module-level dict, a visit counter rebound with `global`.
SHOP_APP = '''
from flask import Flask, jsonify, request

app = Flask(__name__)

CARTS: dict[str, list[str]] = {}
VISITS = 0


@app.post("/carts/<user_id>/items")
def add_item(user_id):
    CARTS.setdefault(user_id, []).append(request.json["sku"])
    return jsonify(items=CARTS[user_id]), 201


@app.get("/visits")
def count_visit():
    global VISITS
    VISITS += 1
    return jsonify(visits=VISITS)


@app.get("/health")
def health():
    return "ok"
'''

# A FastAPI service whose handlers keep nothing between requests.
CLEAN_API = '''
from fastapi import Depends, FastAPI
from redis.asyncio import Redis

app = FastAPI()
PRICES = {"basic": 10, "pro": 25}


async def get_redis() -> Redis:
    return Redis.from_url("redis://cache:6379/0")


@app.get("/plans/{plan}")
async def price(plan: str):
    return {"plan": plan, "price": PRICES[plan]}


@app.post("/sessions/{user_id}")
async def login(user_id: str, redis: Redis = Depends(get_redis)):
    await redis.set(f"session:{user_id}", "active", ex=3600)
    return {"ok": True}
'''

# A stateful FastAPI endpoint added on a feature branch.
RATE_LIMIT_API = '''
from fastapi import FastAPI, HTTPException

app = FastAPI()
HITS: dict[str, int] = {}


@app.get("/quota/{client_id}")
async def quota(client_id: str):
    HITS[client_id] = HITS.get(client_id, 0) + 1
    if HITS[client_id] > 100:
        raise HTTPException(status_code=429)
    return {"used": HITS[client_id]}
'''


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def rules_of(result: Result) -> list[tuple[str, str]]:
    findings = json.loads(result.stdout)["findings"]
    return sorted((finding["rule"], finding["symbol"]) for finding in findings)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Flask shop with two stateful handlers, as the working directory."""
    write(tmp_path, {"shop/__init__.py": "", "shop/app.py": SHOP_APP})
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- exit codes -------------------------------------------------------------


def test_stateful_app_exits_1(shop: Path) -> None:
    result = run("check", "--format", "json")
    assert result.exit_code == 1
    assert rules_of(result) == [("SL101", "shop.app.CARTS"), ("SL102", "shop.app.VISITS")]


def test_self_contained_app_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"billing/api.py": CLEAN_API})
    monkeypatch.chdir(tmp_path)
    result = run("check", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["handlers"] == 2


def test_missing_path_exits_2(shop: Path) -> None:
    result = run("check", "no/such/dir")
    assert result.exit_code == 2
    assert result.stderr == "statelint: error: path does not exist: no/such/dir\n"


def test_missing_path_next_to_real_ones_is_reported_after_scanning_the_rest(shop: Path) -> None:
    result = run("check", "--format", "json", "shop", "no/such/dir")
    assert result.exit_code == 2
    assert rules_of(result) == [("SL101", "shop.app.CARTS"), ("SL102", "shop.app.VISITS")]
    assert result.stderr.endswith(
        "statelint: error: path does not exist: no/such/dir (the other paths were scanned)\n")
    # --exit-zero forgives findings, not a path that is not there.
    assert run("check", "--exit-zero", "shop", "no/such/dir").exit_code == 2
    inventory = run("handlers", "--format", "json", "no/such/dir", "shop")
    assert inventory.exit_code == 2
    assert {h["name"] for h in json.loads(inventory.stdout)["handlers"]} == {
        "add_item", "count_visit", "health"}
    assert "path does not exist: no/such/dir" in inventory.stderr


def test_a_path_without_python_files_says_nothing_was_scanned(shop: Path) -> None:
    write(shop, {"docs/index.md": "# Shop\n", "docs/api.md": "GET /visits\n"})
    result = run("check", "docs")
    assert result.exit_code == 0
    assert result.stderr == "statelint: docs: no Python files to scan there; nothing was scanned\n"
    # Next to a folder with code, only the empty one is named; the exit code is the scan's.
    result = run("check", "--format", "concise", "shop", "docs")
    assert result.exit_code == 1
    assert result.stderr == "statelint: docs: no Python files to scan there; nothing was scanned\n"
    # Python files that are all excluded: nothing scanned either, and it says why.
    result = run("check", "--extend-exclude", "*.py")
    assert result.exit_code == 0
    assert result.stderr == ("statelint: nothing was scanned: the 2 Python files found are "
                             "excluded by the configuration or ignored by git\n")


def test_skipped_counts_files_and_folders_apart(shop: Path) -> None:
    write(shop, {
        ".git/hooks/pre-commit.py": "print('hook')\n",
        "node_modules/gyp/gyp_main.py": "import sys\n",
        ".venv/pyvenv.cfg": "home = /usr/bin\n",
        "shop/legacy_admin.py": "from shop.app import app\n",
    })
    result = run("check", "--format", "json", "--extend-exclude", "shop/legacy_admin.py")
    summary = json.loads(result.stdout)["summary"]
    assert (summary["files_scanned"], summary["files_skipped"]) == (2, 1)
    assert summary["folders_skipped"] == 3  # .git, node_modules, .venv
    text = run("check", "--no-cache", "--extend-exclude", "shop/legacy_admin.py").stdout
    assert text.rstrip().endswith("Found 2 findings in 2 files (1 skipped, 0 failed).")


def test_exit_zero_and_fail_on_never_exit_0_with_findings(shop: Path) -> None:
    assert run("check", "--exit-zero").exit_code == 0
    assert run("check", "--fail-on", "never").exit_code == 0


def test_fail_on_error_ignores_warnings(shop: Path) -> None:
    write(shop, {"pyproject.toml": '[tool.statelint]\nseverity = { SL1 = "warning" }\n'})
    assert run("check").exit_code == 1  # default fail-on is warning
    assert run("check", "--fail-on", "error").exit_code == 0


def test_syntax_error_in_a_file_exits_1(shop: Path) -> None:
    write(shop, {"shop/broken.py": "def view(:\n    pass\n"})
    result = run("check", "--select", "SL102", "--ignore", "SL102", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"]["files_failed"] == 1


# A Python 2 maintenance script kept next to the app: it will never parse as Python 3.
PY2_SCRIPT = '''
import urllib2

print "warming the cache"
urllib2.urlopen("http://localhost:5000/health")
'''


def test_e902_can_be_ignored_on_the_command_line(shop: Path) -> None:
    write(shop, {"scripts/warm_cache.py": PY2_SCRIPT})
    result = run("check", "--fail-on", "never", "--format", "text")
    assert "scripts/warm_cache.py:3:1: E902 syntax error: Missing parentheses" in result.stdout
    assert run("check", "--select", "SL102", "--ignore", "SL102").exit_code == 1
    # Ignored: not reported, not failing; findings still are.
    result = run("check", "--ignore", "E902", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"] == []
    assert rules_of(result) == [("SL101", "shop.app.CARTS"), ("SL102", "shop.app.VISITS")]
    assert run("check", "scripts").exit_code == 1
    assert run("check", "--ignore", "E902", "scripts").exit_code == 0
    assert "E902" not in run("check", "--ignore", "E902").stdout


def test_e902_can_be_ignored_in_the_configuration(shop: Path) -> None:
    write(shop, {"scripts/warm_cache.py": PY2_SCRIPT, "shop/legacy.py": PY2_SCRIPT})
    (shop / "statelint.toml").write_text(
        'per-file-ignores = { "scripts/*" = ["E902"] }\nselect = ["SL101"]\n')
    result = run("check", "--format", "json")
    # `select` picks rules; it does not switch off the file problem.
    assert [p["path"] for p in json.loads(result.stdout)["problems"]] == ["shop/legacy.py"]
    (shop / "statelint.toml").write_text('ignore = ["E902", "SL101"]\n')
    result = run("check", "--format", "json", "--fail-on", "error")
    assert result.exit_code == 1  # SL102 still fails the run
    assert json.loads(result.stdout)["problems"] == []
    assert run("config").stdout.count('"E902"') == 1


# -- formats and output files ----------------------------------------------


@pytest.mark.parametrize("output_format", available_formats())
def test_every_format_is_selectable(shop: Path, output_format: str) -> None:
    result = run("check", "--format", output_format)
    assert result.exit_code == 1, result.output
    assert result.stdout.strip()
    if output_format in ("json", "sarif", "gitlab"):
        json.loads(result.stdout)


def test_output_file_is_written_without_leftovers(shop: Path) -> None:
    result = run("check", "--format", "sarif", "--output", "reports/statelint.sarif")
    assert result.exit_code == 2  # reports/ does not exist yet
    (shop / "reports").mkdir()
    result = run("check", "--format", "sarif", "--output", "reports/statelint.sarif")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert json.loads((shop / "reports/statelint.sarif").read_text())["version"] == "2.1.0"
    assert os.listdir(shop / "reports") == ["statelint.sarif"]


def test_output_into_missing_folder_is_a_one_line_error(shop: Path) -> None:
    result = run("check", "--output", "missing/report.txt")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "cannot write missing/report.txt: folder missing does not exist" in result.stderr
    assert not (shop / "missing").exists()


# -- configuration ----------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('selct = ["SL1"]', 'pyproject.toml: [tool.statelint] unknown key "selct" (did you mean "select"?)'),
        ("respect-gitignore = \"yes\"", '"respect-gitignore" must be true or false, got a string'),
        ('ignore = ["SL109"]', '"ignore" names unknown rule "SL109"'),
        ('fail-on = "warnings"', '(did you mean "warning"?)'),
        ('allow = [{ symbol = "shop.app.CARTS" }]', 'without a "reason"'),
    ],
)
def test_config_errors_name_file_and_key_and_exit_2(shop: Path, table: str, expected: str) -> None:
    write(shop, {"pyproject.toml": f"[project]\nname = 'shop'\n\n[tool.statelint]\n{table}\n"})
    result = run("check")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("statelint: error: pyproject.toml")
    assert expected in result.stderr
    assert result.stderr.count("\n") == 1


def test_config_file_option_overrides_discovery(shop: Path) -> None:
    write(shop, {"pyproject.toml": '[tool.statelint]\nignore = ["SL101"]\n',
                 "ci/statelint.toml": 'select = ["SL101"]\n'})
    assert rules_of(run("check", "--format", "json")) == [("SL102", "shop.app.VISITS")]
    result = run("check", "--format", "json", "--config", "ci/statelint.toml")
    assert rules_of(result) == [("SL101", "shop.app.CARTS")]
    missing = run("check", "--config", "ci/nope.toml")
    assert missing.exit_code == 2 and "ci/nope.toml: configuration file not found" in missing.stderr


def test_config_command_shows_values_and_their_sources(shop: Path) -> None:
    write(shop, {"pyproject.toml": '[tool.statelint]\nignore = ["global-rebinding"]\n'})
    result = run("config", "--fail-on", "error")
    assert result.exit_code == 0
    assert 'ignore = ["SL102"]  # from pyproject.toml:[tool.statelint]' in result.stdout
    assert 'fail-on = "error"  # from --fail-on' in result.stdout
    assert "respect-gitignore = true  # from default" in result.stdout


def test_allow_with_reason_makes_the_handler_self_contained(shop: Path) -> None:
    write(shop, {"pyproject.toml": textwrap.dedent('''
        [tool.statelint]
        allow = [{ symbol = "shop.app.VISITS", reason = "a per-worker debug counter" }]
    ''')})
    data = json.loads(run("check", "--format", "json").stdout)
    assert [f["symbol"] for f in data["findings"]] == ["shop.app.CARTS"]
    verdicts = {h["name"]: h["verdict"] for h in data["handlers"]}
    assert verdicts["count_visit"] == "self-contained"
    assert verdicts["add_item"] == "stateful"


def test_patterns_are_relative_to_the_config_file_not_the_scanned_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write(tmp_path / "project", {
        "pyproject.toml": textwrap.dedent('''
            [tool.statelint]
            extend-exclude = ["services/shop/legacy"]
            per-file-ignores = { "services/shop/app.py" = ["SL102"] }
        '''),
        "services/shop/app.py": SHOP_APP,
        "services/shop/legacy/old_app.py": SHOP_APP,
    })
    # Scanned from inside the subfolder: paths in the report are relative to it,
    # patterns still to the folder of pyproject.toml.
    monkeypatch.chdir(project / "services" / "shop")
    result = run("check", "--format", "json")
    assert rules_of(result) == [("SL101", "app.CARTS")]
    # Scanned from a folder outside the project: paths are relative to the scanned
    # folder, and the configuration is found from it and still applies.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run("check", "--format", "json", str(project / "services" / "shop"))
    assert [(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]] == [
        ("app.py", "SL101")]


def test_gitignored_files_are_skipped_unless_told_otherwise(shop: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=shop, check=True)
    write(shop, {".gitignore": "generated/\n", "generated/app.py": RATE_LIMIT_API})
    assert ("SL101", "generated.app.HITS") not in rules_of(run("check", "--format", "json"))
    result = run("check", "--format", "json", "--no-respect-gitignore")
    assert ("SL101", "generated.app.HITS") in rules_of(result)


# -- suppressions -----------------------------------------------------------


def test_comment_on_the_definition_line_suppresses(shop: Path) -> None:
    app = shop / "shop/app.py"
    app.write_text(app.read_text().replace(
        "CARTS: dict[str, list[str]] = {}",
        "CARTS: dict[str, list[str]] = {}  # statelint: ignore[SL101]",
    ).replace("VISITS = 0", "VISITS = 0  # statelint: ignore"))
    result = run("check", "--format", "json")
    assert result.exit_code == 0
    assert rules_of(result) == []


def test_comment_naming_another_rule_does_not_suppress(shop: Path) -> None:
    app = shop / "shop/app.py"
    app.write_text(app.read_text().replace(
        "CARTS: dict[str, list[str]] = {}", "CARTS: dict[str, list[str]] = {}  # statelint: ignore[SL102]"
    ))
    assert ("SL101", "shop.app.CARTS") in rules_of(run("check", "--format", "json"))


def test_suppression_text_inside_a_string_is_not_a_comment(shop: Path) -> None:
    app = shop / "shop/app.py"
    app.write_text(app.read_text().replace(
        "CARTS: dict[str, list[str]] = {}", 'CARTS: dict[str, list[str]] = {"#": ["# statelint: ignore"]}'
    ))
    assert ("SL101", "shop.app.CARTS") in rules_of(run("check", "--format", "json"))


def test_report_unused_ignores(shop: Path) -> None:
    app = shop / "shop/app.py"
    app.write_text(app.read_text().replace(
        "CARTS: dict[str, list[str]] = {}",
        "CARTS: dict[str, list[str]] = {}  # statelint: ignore[SL101]",
    ).replace("VISITS = 0", "VISITS = 0  # statelint: ignore[SL102]").replace(
        'app = Flask(__name__)', 'app = Flask(__name__)  # statelint: ignore'
    ))
    assert run("check").exit_code == 0
    result = run("check", "--report-unused-ignores")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "shop/app.py:3:1: unused suppression `# statelint: ignore`: it silences no finding; remove it"
    ]
    # A comment for a rule that did not run is not called unused.
    assert run("check", "--report-unused-ignores", "--ignore", "SL102").exit_code == 1
    assert "shop/app.py:6" not in run("check", "--report-unused-ignores", "--ignore", "SL102").stderr


# -- baseline ---------------------------------------------------------------


def test_baseline_round_trip_survives_moved_lines(shop: Path) -> None:
    written = run("check", "--write-baseline", ".statelint-baseline.json")
    assert written.exit_code == 0
    assert "wrote 2 findings to the baseline .statelint-baseline.json" in written.stderr
    entries = json.loads((shop / ".statelint-baseline.json").read_text())["entries"]
    assert sorted(entry["symbol"] for entry in entries) == ["shop.app.CARTS", "shop.app.VISITS"]

    # Unrelated edits move every line down: nothing new.
    app = shop / "shop/app.py"
    app.write_text('"""The shop front end."""\n\nimport logging\n\nlog = logging.getLogger(__name__)\n'
                   + app.read_text())
    result = run("check", "--baseline", ".statelint-baseline.json", "--format", "json")
    assert result.exit_code == 0, result.output
    assert rules_of(result) == []
    assert "2 known findings not reported" in result.stderr

    # New state is reported, the baselined state is not.
    app.write_text(app.read_text() + textwrap.dedent('''

        RECENT: list[str] = []


        @app.get("/recent/<sku>")
        def remember(sku):
            RECENT.append(sku)
            return jsonify(RECENT[-10:])
    '''))
    result = run("check", "--baseline", ".statelint-baseline.json", "--format", "json")
    assert result.exit_code == 1
    assert rules_of(result) == [("SL101", "shop.app.RECENT")]

    # Fixing baselined state makes its entry removable.
    app.write_text(app.read_text().replace("    global VISITS\n    VISITS += 1\n", ""))
    result = run("check", "--baseline", ".statelint-baseline.json", "--format", "concise")
    assert "1 entry no longer found and can be removed" in result.stderr
    assert "SL102 shop.app.VISITS (shop/app.py)" in result.stderr


def test_baseline_errors_exit_2(shop: Path) -> None:
    result = run("check", "--baseline", "nope.json")
    assert result.exit_code == 2
    assert result.stderr == "statelint: error: nope.json: baseline file not found\n"
    (shop / "bad.json").write_text('{"entries": []}')
    assert "not a statelint baseline" in run("check", "--baseline", "bad.json").stderr


# -- --diff -----------------------------------------------------------------


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          env=env).stdout


@pytest.fixture
def shop_repo(shop: Path) -> Path:
    """The shop committed on main, then a feature branch adding a stateful rate limiter."""
    git(shop, "init", "-q", "-b", "main")
    git(shop, "add", "-A")
    git(shop, "commit", "-q", "-m", "shop")
    git(shop, "checkout", "-q", "-b", "rate-limit")
    write(shop, {"shop/quota.py": RATE_LIMIT_API})
    git(shop, "add", "-A")
    git(shop, "commit", "-q", "-m", "rate limiter")
    return shop


def test_diff_reports_only_what_the_branch_added(shop_repo: Path) -> None:
    result = run("check", "--diff", "main", "--format", "json")
    assert result.exit_code == 1
    assert rules_of(result) == [("SL101", "shop.quota.HITS")]
    assert "2 findings outside the changed lines not reported" in result.stderr


def test_diff_includes_uncommitted_edits_touching_a_mutation_site(shop_repo: Path) -> None:
    app = shop_repo / "shop/app.py"
    app.write_text(app.read_text().replace(
        "    VISITS += 1\n", "    VISITS += 2  # count the retry too\n"))
    assert rules_of(run("check", "--diff", "main", "--format", "json")) == [
        ("SL101", "shop.quota.HITS"), ("SL102", "shop.app.VISITS")]


def test_diff_of_a_clean_branch_exits_0(shop_repo: Path) -> None:
    git(shop_repo, "checkout", "-q", "-b", "docs", "main")
    write(shop_repo, {"shop/billing.py": CLEAN_API})
    assert run("check", "--diff", "main").exit_code == 0


def test_diff_with_unknown_ref_says_what_to_fetch(shop_repo: Path) -> None:
    git(shop_repo, "remote", "add", "origin", "https://example.com/shop.git")
    result = run("check", "--diff", "origin/develop")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "run `git fetch origin develop`" in result.stderr


def test_diff_outside_a_repository_is_an_error(shop: Path) -> None:
    result = run("check", "--diff", "main")
    assert result.exit_code == 2
    assert "not inside a git repository" in result.stderr


# -- the other commands, and a real process --------------------------------


def test_rules_and_explain_still_work() -> None:
    listing = run("rules")
    assert listing.exit_code == 0 and "SL101  mutable-module-state" in listing.stdout
    explained = run("explain", "mutable-module-state")
    assert explained.exit_code == 0 and explained.stdout.startswith("# SL101 mutable-module-state")
    assert run("explain", "SL999").exit_code == 2


def test_rules_listing_keeps_its_columns_apart() -> None:
    from statelint.rule import all_rules

    lines = run("rules").stdout.splitlines()
    rules = all_rules()
    assert len(lines) == len(rules)
    # Each column starts at the same offset on every line, two spaces after the widest entry.
    severity_at = {line.index(f"  {rule.severity}  ") + 2 for line, rule in zip(lines, rules, strict=True)}
    summary_at = {line.index(rule.summary) for line, rule in zip(lines, rules, strict=True)}
    assert len(severity_at) == 1 and len(summary_at) == 1
    longest = max(len(rule.name) for rule in rules)
    assert severity_at.pop() == len("SL101  ") + longest + 2
    (background,) = [line for line in lines if line.startswith("SL801")]
    assert background.split()[:3] == ["SL801", "process-bound-background-work", "error"]


def test_python_dash_m_statelint_in_a_subprocess(shop: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "statelint", "check", "--format", "json", "--fail-on", "error", "."],
        cwd=shop, capture_output=True, text=True, timeout=120, check=False,
    )
    assert process.returncode == 1, process.stderr
    summary = json.loads(process.stdout)["summary"]
    assert summary["stateful_handlers"] == 2 and summary["findings"] == 2
    usage = subprocess.run([sys.executable, "-m", "statelint", "check", "--format", "yaml"],
                           cwd=shop, capture_output=True, text=True, timeout=120, check=False)
    assert usage.returncode == 2

