"""statelint inside real workflows: the pre-commit hook and the GitHub Action's steps.

The pre-commit tests run ``pre-commit try-repo`` for real: pre-commit builds a
virtual environment and pip-installs statelint from a commit.  ``try-repo`` sees
only committed work, so the tests first copy this working tree (without .git and
caches) into a temporary repository and commit it there.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")  # PyYAML comes with pre-commit (the test extra)

CHECKOUT = Path(__file__).resolve().parents[1]

STATEFUL_FLASK = '''
from flask import Flask, jsonify, request, session

app = Flask(__name__)
app.secret_key = "change-me"

LOGGED_IN: set[str] = set()


@app.post("/login")
def login():
    user = request.form["user"]
    LOGGED_IN.add(user)
    session["user"] = user
    return jsonify(ok=True)


@app.get("/online")
def online():
    return jsonify(users=sorted(LOGGED_IN))
'''

CLEAN_FLASK = '''
import os

import redis
from flask import Flask, jsonify, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))


@app.post("/login")
def login():
    store.sadd("logged_in", request.form["user"])
    return jsonify(ok=True)


@app.get("/online")
def online():
    return jsonify(users=sorted(member.decode() for member in store.smembers("logged_in")))
'''

NEW_STATE_ON_BRANCH = '''

RECENT_SEARCHES: list[str] = []


@app.get("/search")
def search():
    RECENT_SEARCHES.append(request.args["q"])
    return jsonify(recent=RECENT_SEARCHES[-5:])
'''

_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **_GIT_IDENTITY}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=env).stdout


def make_app_repo(root: Path, app_source: str) -> Path:
    root.mkdir(parents=True)
    (root / "app.py").write_text(textwrap.dedent(app_source).lstrip(), encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "app")
    return root


# -- pre-commit ---------------------------------------------------------------

_NOT_COPIED = {".git", "__pycache__", ".pytest_cache", ".statelint_cache", ".mypy_cache",
               ".ruff_cache", "build", "dist", ".venv", "venv"}


def _ignore(directory: str, names: list[str]) -> set[str]:
    skipped = {name for name in names if name in _NOT_COPIED or name.endswith(".egg-info")}
    if Path(directory) == CHECKOUT:
        skipped |= {"tests", "benchmarks"} & set(names)
    return skipped


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree, committed in a repository of its own for ``try-repo``."""
    copy = tmp_path_factory.mktemp("hook") / "statelint"
    shutil.copytree(CHECKOUT, copy, ignore=_ignore)
    git(copy, "init", "-q", "-b", "main")  # the published repository's default branch
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "statelint working tree")
    return copy


def try_repo(hook_repo: Path, app: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **_GIT_IDENTITY, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "statelint",
         "--all-files", "--color", "never"],
        cwd=app, capture_output=True, text=True, env=env, timeout=600, check=False,
    )


def test_hook_definition_scans_the_whole_project() -> None:
    hooks = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [hook for hook in hooks if hook["id"] == "statelint"]
    assert hook["language"] == "python"
    assert hook["entry"] == "statelint check"
    assert hook["types"] == ["python"]
    assert hook["pass_filenames"] is False


@pytest.mark.slow
def test_pre_commit_hook_fails_on_a_stateful_app_and_passes_on_a_clean_one(
    hook_repo: Path, tmp_path: Path
) -> None:
    stateful = make_app_repo(tmp_path / "stateful", STATEFUL_FLASK)
    result = try_repo(hook_repo, stateful, tmp_path / "pre-commit-home")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "statelint" in result.stdout and "Failed" in result.stdout
    assert "app.py:6:1: SL101" in result.stdout
    assert "LOGGED_IN" in result.stdout

    clean = make_app_repo(tmp_path / "clean", CLEAN_FLASK)
    result = try_repo(hook_repo, clean, tmp_path / "pre-commit-home")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"statelint\.+Passed", result.stdout)


PUBLISHED_URL = "https://github.com/statelint/statelint"


def readme_section(title: str) -> str:
    text = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def fenced_blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


def test_readme_pre_commit_snippet_names_a_rev_the_repository_has() -> None:
    (snippet, *_) = fenced_blocks(readme_section("pre-commit"), "yaml")
    (repo,) = yaml.safe_load(snippet)["repos"]
    assert repo["repo"] == PUBLISHED_URL
    assert [hook["id"] for hook in repo["hooks"]] == ["statelint"]
    # No release is tagged yet: a tag such as v0.1.0 would stop pre-commit at once.
    assert repo["rev"] == "main"
    (command,) = [line for block in fenced_blocks(readme_section("pre-commit"), "bash")
                  for line in block.splitlines() if "pre-commit autoupdate" in line]
    assert PUBLISHED_URL in command


@pytest.mark.slow
def test_readme_pre_commit_snippet_works_against_a_clone(hook_repo: Path,
                                                         tmp_path: Path) -> None:
    """The README's snippet, with only the URL replaced by a clone of this repository, pinned
    the way the README says, runs the hook."""
    clone = tmp_path / "statelint-clone"
    git(tmp_path, "clone", "-q", f"file://{hook_repo}", str(clone))
    section = readme_section("pre-commit")
    (snippet, *_) = fenced_blocks(section, "yaml")
    (command,) = [line for block in fenced_blocks(section, "bash")
                  for line in block.splitlines() if "pre-commit autoupdate" in line]
    app = make_app_repo(tmp_path / "app", STATEFUL_FLASK)
    config = app / ".pre-commit-config.yaml"
    config.write_text(snippet.replace(PUBLISHED_URL, str(clone)), encoding="utf-8")
    git(app, "add", "-A")
    git(app, "commit", "-q", "-m", "pre-commit")
    env = {**os.environ, **_GIT_IDENTITY, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "NO_COLOR": "1"}

    def pre_commit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=app,
                              capture_output=True, text=True, env=env, timeout=600, check=False)

    assert pre_commit("validate-config", ".pre-commit-config.yaml").returncode == 0
    # As written, the snippet runs (pre-commit warns that a branch is a mutable reference).
    result = pre_commit("run", "--all-files", "--color", "never")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "mutable reference" in result.stdout + result.stderr
    assert "app.py:6:1: SL101" in result.stdout
    # Pinned with the README's command, the same URL replaced.
    words = command.replace(PUBLISHED_URL, str(clone)).split()
    assert words[:2] == ["pre-commit", "autoupdate"]
    updated = pre_commit(*words[1:])
    assert updated.returncode == 0, updated.stdout + updated.stderr
    (repo,) = yaml.safe_load(config.read_text(encoding="utf-8"))["repos"]
    assert repo["rev"] == git(clone, "rev-parse", "HEAD").strip()
    assert repo["repo"] == str(clone)

    result = pre_commit("run", "--all-files", "--color", "never")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "mutable reference" not in result.stdout + result.stderr
    assert re.search(r"statelint\.+Failed", result.stdout)
    assert "app.py:6:1: SL101" in result.stdout and "LOGGED_IN" in result.stdout


# -- the GitHub Action ------------------------------------------------------

_EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def action_steps() -> list[dict]:
    action = yaml.safe_load((CHECKOUT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    return action["runs"]["steps"]


def substitute(text: str, context: dict[str, str]) -> str:
    """Replace ``${{ inputs.x }}`` / ``${{ github.x }}`` the way the runner would (a step
    output that was never set is empty, as on the runner)."""
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        return context.get(expression, "") if expression.startswith("steps.") else context[expression]

    return _EXPRESSION.sub(value, text)


_CLAUSE = re.compile(r"([\w.\-]+)\s*(==|!=)\s*'([^']*)'")


def condition_holds(condition: str | None, context: dict[str, str], failed: bool) -> bool:
    """The ``if:`` of a step: clauses joined by ``&&`` (``always()``, ``!cancelled()`` or
    ``name op 'text'``), optionally inside ``${{ }}``.

    Without ``always()`` or ``!cancelled()``, a step does not run once an earlier step failed."""
    always = False
    text = (condition or "").strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    for clause in text.split("&&"):
        clause = clause.strip()
        if not clause:
            continue
        if clause in ("always()", "!cancelled()"):
            always = True
            continue
        match = _CLAUSE.fullmatch(clause)
        assert match is not None, f"teach the test the condition {clause!r}"
        name, operator, text = match.groups()
        actual = context.get(name, "") if name.startswith("steps.") else context[name]
        if (actual == text) != (operator == "=="):
            return False
    return always or not failed


class CacheService:
    """The actions/cache service: saved folders by key, the newest first for a prefix."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.saved: list[str] = []

    def restore(self, path: Path, key: str, restore_keys: list[str]) -> str:
        """Restore the entry of ``key``, else the newest whose key starts with a restore
        key (tried in order); returns the key restored ("" on a miss)."""
        found = key if key in self.saved else ""
        for prefix in restore_keys:
            if found:
                break
            found = next((saved for saved in reversed(self.saved) if saved.startswith(prefix)), "")
        if found:
            shutil.rmtree(path, ignore_errors=True)
            shutil.copytree(self.root / str(self.saved.index(found)), path)
        return found

    def save(self, path: Path, key: str) -> None:
        if key not in self.saved and path.is_dir():
            self.saved.append(key)
            shutil.copytree(path, self.root / str(len(self.saved) - 1))


def hash_files(workspace: Path, *patterns: str) -> str:
    """``hashFiles``: one digest of the matching files, empty when none matches."""
    digest = hashlib.sha256()
    found = False
    for pattern in patterns:
        for path in sorted(workspace.glob(pattern)):
            found = True
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest() if found else ""


def run_action(workspace: Path, *, base_ref: str, inputs: dict[str, str] | None = None,
               summary: Path | None = None, cache: CacheService | None = None,
               runner_temp: Path | None = None,
               ) -> tuple[list[subprocess.CompletedProcess[str]], dict[str, str]]:
    """Run the action's shell steps in ``workspace`` as the runner would on a pull request.

    The install step is left out: it pip-installs the action's own checkout, which
    is the statelint these tests already import (so it counts as a success).  Steps
    whose ``if:`` is false are skipped; after a failing step only those whose ``if:``
    holds ``!cancelled()`` or ``always()`` run, as in a job.  ``summary`` is the file
    ``$GITHUB_STEP_SUMMARY`` names (one in ``workspace``'s parent by default).  With
    ``cache``, the actions/cache steps restore from and save to it (on a fresh
    ``runner_temp``, as on a new runner); without, the action's cache is off.
    """
    action = yaml.safe_load((CHECKOUT / "action.yml").read_text())
    context = {f"inputs.{name}": str(spec.get("default", ""))
               for name, spec in action["inputs"].items()}
    context["inputs.cache"] = "true" if cache is not None else "false"
    context.update({f"inputs.{name}": value for name, value in (inputs or {}).items()})
    context.update({"github.base_ref": base_ref, "github.action_path": str(CHECKOUT),
                    "github.sha": git(workspace, "rev-parse", "HEAD").strip(),
                    "steps.install.outcome": "success"})
    summary = summary or workspace.parent / "step-summary.md"
    summary.touch()
    hashed = re.compile(r"hashFiles\(([^)]*)\)")
    temp = runner_temp or workspace.parent / "runner-temp"
    temp.mkdir(parents=True, exist_ok=True)
    outputs = temp / "github-output"
    environment = {**os.environ, **_GIT_IDENTITY, "NO_COLOR": "1",
                   "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_OS": "Linux", "RUNNER_TEMP": str(temp), "GITHUB_OUTPUT": str(outputs),
                   "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    results: list[subprocess.CompletedProcess[str]] = []
    failed = False
    for step in action["runs"]["steps"]:
        for expression in _EXPRESSION.findall(yaml.safe_dump(step)):
            if (match := hashed.fullmatch(expression)) is not None:
                context[expression] = hash_files(
                    workspace, *(part.strip().strip("'") for part in match.group(1).split(",")))
        uses = step.get("uses", "")
        if step.get("id") == "install" or ("run" not in step and not uses.startswith(
                "actions/cache/")):
            continue  # installing this checkout, another action (set up Python, upload SARIF)
        if not condition_holds(step.get("if"), context, failed):
            continue
        if uses.startswith("actions/cache/"):
            assert cache is not None
            options = {key: substitute(str(value), context) for key, value in step["with"].items()}
            path = Path(options["path"])
            assert path.is_absolute() and options["key"].startswith("statelint-Linux-")
            if uses.startswith("actions/cache/restore@"):
                restored = cache.restore(path, options["key"], [
                    line.strip() for line in options.get("restore-keys", "").splitlines() if line.strip()])
                context[f"steps.{step['id']}.outputs.cache-hit"] = str(
                    restored == options["key"]).lower()
            else:
                assert uses.startswith("actions/cache/save@")
                cache.save(path, options["key"])
            continue
        assert step["shell"] == "bash"
        env = {**environment, **{key: substitute(str(value), context)
                                 for key, value in step.get("env", {}).items()}}
        assert "${{" not in step["run"], "scripts must read inputs from env, not inline them"
        outputs.write_text("")
        # GitHub runs `shell: bash` steps as `bash --noprofile --norc -eo pipefail {0}`.
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                                 step["run"]], cwd=workspace, env=env, capture_output=True,
                                text=True, timeout=300, check=False)
        results.append(result)
        for line in outputs.read_text().splitlines():
            name, _, value = line.partition("=")
            context[f"steps.{step.get('id')}.outputs.{name}"] = value
        failed = failed or result.returncode != 0
    return results, context


def make_pull_request(tmp_path: Path, branch_change: str) -> Path:
    """A remote with main (already stateful) and a branch; the runner's shallow checkout of it."""
    origin = tmp_path / "origin.git"
    seed = make_app_repo(tmp_path / "seed", STATEFUL_FLASK)
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(seed, "remote", "add", "origin", str(origin))
    git(seed, "push", "-q", "origin", "main")
    git(seed, "checkout", "-q", "-b", "feature")
    with (seed / "app.py").open("a", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(branch_change))
    git(seed, "commit", "-q", "-am", "feature work")
    git(seed, "push", "-q", "origin", "feature")
    workspace = tmp_path / "workspace"
    # actions/checkout fetches one commit by default: a shallow clone of the branch.
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature",
        f"file://{origin}", str(workspace))
    return workspace


def test_action_reads_every_input_from_the_environment() -> None:
    names = [step.get("name") for step in action_steps()]
    assert "Run statelint" in names
    (upload,) = [step for step in action_steps() if "upload-sarif" in step.get("uses", "")]
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert "always()" in upload["if"]


def test_action_on_a_pull_request_reports_only_new_state(tmp_path: Path) -> None:
    workspace = make_pull_request(tmp_path, NEW_STATE_ON_BRANCH)
    results, _ = run_action(workspace, base_ref="main")
    fetch, check, summary = results
    assert summary.returncode == 0, summary.stderr
    assert fetch.returncode == 0, fetch.stderr
    assert check.returncode == 1, check.stdout + check.stderr
    annotations = [line for line in check.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1
    assert annotations[0].startswith("::error file=app.py,line=")
    assert "RECENT_SEARCHES" in annotations[0]
    sarif = json.loads((workspace / "statelint.sarif").read_text())
    messages = [result["message"]["text"] for result in sarif["runs"][0]["results"]]
    assert len(messages) == 1 and "RECENT_SEARCHES" in messages[0]


def test_action_passes_a_pull_request_that_adds_no_state(tmp_path: Path) -> None:
    workspace = make_pull_request(tmp_path, '''

        @app.get("/version")
        def version():
            return jsonify(version="1.4.2")
    ''')
    results, _ = run_action(workspace, base_ref="main")
    assert [result.returncode for result in results] == [0, 0, 0], results[-1].stderr
    sarif = json.loads((workspace / "statelint.sarif").read_text())
    assert sarif["runs"][0]["results"] == []


def test_action_outside_a_pull_request_scans_everything(tmp_path: Path) -> None:
    workspace = make_app_repo(tmp_path / "push", STATEFUL_FLASK)
    summary = tmp_path / "step-summary.md"
    results, _ = run_action(workspace, base_ref="", summary=summary)
    (check,) = results
    assert check.returncode == 1
    assert "LOGGED_IN" in check.stdout
    assert summary.read_text() == ""  # the handler report is for pull requests


def test_action_writes_the_handler_report_to_the_job_summary_on_a_pull_request(
        tmp_path: Path) -> None:
    workspace = make_pull_request(tmp_path, NEW_STATE_ON_BRANCH)
    summary = tmp_path / "step-summary.md"
    summary.write_text("## Tests\n\n412 passed\n", encoding="utf-8")  # an earlier step's
    results, _ = run_action(workspace, base_ref="main", summary=summary)
    names = [step.get("name") for step in action_steps() if "run" in step]
    assert names.index("Write the handler report to the job summary") > names.index(
        "Run statelint")
    fetch, check, report = results
    # The check fails the job (the branch adds state); the report is written all the same.
    assert check.returncode == 1
    assert report.returncode == 0, report.stderr
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## Tests\n\n412 passed\n## statelint: request handlers")
    assert "```mermaid" in text
    rows = {line.split(" | ")[3]: line for line in text.splitlines()
            if line.startswith("| **stateful**") or line.startswith("| self-contained")}
    assert set(rows) == {"`login`", "`online`", "`search`"}
    assert rows["`search`"].startswith("| **stateful**") and "RECENT_SEARCHES" in rows["`search`"]


SHOP_MODULES = {
    "shop/__init__.py": "",
    "shop/app.py": """
        from flask import Flask

        app = Flask(__name__)
        """,
    "shop/pricing.py": """
        TAX_RATES = {"fr": 0.2, "de": 0.19}


        def with_tax(country, amount):
            return amount * (1 + TAX_RATES.get(country, 0.0))
        """,
    "shop/views.py": """
        from flask import jsonify, request

        from shop.app import app
        from shop.pricing import with_tax

        VISITS = {}


        @app.get("/price")
        def price():
            VISITS[request.remote_addr] = VISITS.get(request.remote_addr, 0) + 1
            return jsonify(total=with_tax(request.args["country"], float(request.args["amount"])))
        """,
}


def test_action_restores_and_saves_the_cache_across_commits(tmp_path: Path) -> None:
    workspace = tmp_path / "shop-repo"
    for name, text in SHOP_MODULES.items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    git(workspace.parent, "init", "-q", "-b", "main", str(workspace))
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "shop")
    service = CacheService(tmp_path / "actions-cache")
    service.root.mkdir()

    # A first run: nothing to restore; the scan fills the cache, which is saved.
    results, context = run_action(workspace, base_ref="", cache=service,
                                  runner_temp=tmp_path / "runner-1")
    assert results[-1].returncode == 1 and "VISITS" in results[-1].stdout
    first_key = context["steps.cache-key.outputs.prefix"] + context["github.sha"]
    assert service.saved == [first_key]
    version = subprocess.run([sys.executable, "-m", "statelint", "--version"], check=True,
                             capture_output=True, text=True).stdout.split()[-1]
    assert first_key.startswith(f"statelint-Linux-{version}-")
    saved_entries = sorted((service.root / "0" / "facts").rglob("*.json"))
    assert saved_entries

    # A change, committed; a new runner restores the previous commit's cache by prefix.
    views = workspace / "shop" / "views.py"
    views.write_text(views.read_text().replace(
        "    return jsonify(", "    VISITS.setdefault(\"last\", request.path)\n    return jsonify(", 1))
    git(workspace, "commit", "-q", "-am", "remember the last path")
    runner = tmp_path / "runner-2"
    results, context = run_action(workspace, base_ref="", cache=service, runner_temp=runner)
    assert context["steps.cache-restore.outputs.cache-hit"] == "false"  # a partial hit
    cache_dir = Path(context["steps.cache-key.outputs.dir"])
    assert cache_dir.is_relative_to(runner)
    entries = sorted(path.relative_to(cache_dir) for path in (cache_dir / "facts").rglob("*.json"))
    restored = sorted(path.relative_to(service.root / "0") for path in saved_entries)
    # Served from the cache: every restored entry is still there, and the only new
    # facts are those of the changed file.
    assert set(restored) <= set(entries) and len(entries) == len(restored) + 1
    assert results[-1].returncode == 1
    fresh = subprocess.run([sys.executable, "-m", "statelint", "check", "--no-cache",
                            "--format", "github", "."], cwd=workspace, capture_output=True,
                           text=True, check=False)
    assert results[-1].stdout == fresh.stdout
    assert len(service.saved) == 2 and service.saved[1].startswith(
        context["steps.cache-key.outputs.prefix"])
