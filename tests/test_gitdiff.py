"""``--diff`` and ``respect-gitignore`` against real git repositories built in tmp_path."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from statelint.gitdiff import ChangedLines, DiffError, changed_lines, gitignored, touches_change
from statelint.model import Finding, Location

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

APP = """\
from flask import Flask

from shop.services.cart import CARTS, add_item

app = Flask(__name__)


@app.post("/cart/<user_id>")
def add_to_cart(user_id):
    add_item(user_id, "sku-1")
    return {"items": len(CARTS[user_id])}
"""

CART = """\
\"\"\"Shopping carts.\"\"\"

from collections import defaultdict

CARTS: dict[str, list[str]] = defaultdict(list)


def add_item(user_id: str, sku: str) -> None:
    CARTS[user_id].append(sku)
"""


@pytest.fixture(autouse=True)
def _isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's ~/.gitconfig out of the tests, and give commits an author."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Shop Dev")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "dev@shop.example")
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A Flask shop on ``main``, with a ``feature`` branch checked out."""
    repo = tmp_path / "shop"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo / ".gitignore", "build/\n*.log\nlocal_settings.py\n")
    write(repo / "src/shop/app.py", APP)
    write(repo / "src/shop/services/cart.py", CART)
    write(repo / "src/shop/services/__init__.py", "")
    commit_all(repo, "Shop with carts")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def finding(
    path: str, line: int, *, related: tuple[Location, ...] = (), trace: tuple[Location, ...] = ()
) -> Finding:
    return Finding(
        rule="SL101",
        name="mutable-module-state",
        severity="error",
        path=path,
        line=line,
        column=0,
        end_line=line,
        end_column=10,
        message="add_to_cart mutates module-level dict CARTS",
        symbol="shop.services.cart.CARTS",
        suggestion="keep carts in Redis",
        handlers=("shop.app.add_to_cart",),
        related=related,
        trace=trace,
    )


# -- changed_lines ----------------------------------------------------------------


def test_committed_staged_unstaged_and_untracked_changes_count(shop: Path) -> None:
    # Committed on the branch: a new line 10 in cart.py.
    write(
        shop / "src/shop/services/cart.py", CART + "    CARTS.setdefault('audit', []).append(sku)\n"
    )
    commit_all(shop, "Audit cart additions")
    # Staged: line 3 of app.py changed.
    write(
        shop / "src/shop/app.py",
        APP.replace(
            "from shop.services.cart import CARTS, add_item",
            "from shop.services.cart import CARTS, add_item  # noqa",
        ),
    )
    git(shop, "add", "src/shop/app.py")
    # Unstaged on top: a new last line.
    with (shop / "src/shop/app.py").open("a") as handle:
        handle.write("\n\nSESSIONS = {}\n")
    # Untracked, not ignored: every line counts.  Ignored files do not.
    write(
        shop / "src/shop/services/sessions.py",
        "SESSIONS = {}\n\n\ndef get(token):\n    return SESSIONS[token]\n",
    )
    write(shop / "local_settings.py", "DEBUG = True\n")
    write(shop / "build/lib/shop/app.py", APP)

    changed = changed_lines(shop, "main")
    assert isinstance(changed, ChangedLines)
    assert changed.prefix == ""
    assert changed["src/shop/services/cart.py"] == {10}
    assert changed["src/shop/app.py"] == {3, 12, 13, 14}
    assert changed["src/shop/services/sessions.py"] == {1, 2, 3, 4, 5}
    assert "local_settings.py" not in changed
    assert not any(path.startswith("build/") for path in changed)


def test_diff_is_against_the_merge_base_not_the_tip_of_main(shop: Path) -> None:
    write(shop / "src/shop/services/cart.py", CART.replace("defaultdict(list)", "{}"))
    commit_all(shop, "Plain dict")
    git(shop, "checkout", "-q", "main")
    write(
        shop / "src/shop/app.py", APP + "\n\n@app.get('/health')\ndef health():\n    return 'ok'\n"
    )
    commit_all(shop, "Health check on main")
    git(shop, "checkout", "-q", "feature")
    changed = changed_lines(shop, "main")
    assert changed == {"src/shop/services/cart.py": {5}}


def test_pure_deletions_and_deleted_files_add_no_lines(shop: Path) -> None:
    write(shop / "src/shop/services/cart.py", CART.replace('"""Shopping carts."""\n', ""))
    (shop / "src/shop/services/__init__.py").unlink()
    assert changed_lines(shop, "main") == {}


def test_renamed_file_reports_the_new_path(shop: Path) -> None:
    git(shop, "mv", "src/shop/services/cart.py", "src/shop/services/basket.py")
    text = (shop / "src/shop/services/basket.py").read_text() + "BASKETS = CARTS\n"
    write(shop / "src/shop/services/basket.py", text)
    changed = changed_lines(shop, "main")
    assert changed["src/shop/services/basket.py"] == {10}


def test_paths_with_spaces_and_non_ascii_characters(shop: Path) -> None:
    write(shop / "src/shop/café views.py", "HITS = {}\n")
    commit_all(shop, "Café views")
    write(shop / "src/shop/café views.py", "HITS = {}\nVISITS = []\n")
    changed = changed_lines(shop, "main")
    assert changed["src/shop/café views.py"] == {1, 2}


def test_user_diff_settings_do_not_change_the_result(shop: Path) -> None:
    for key, value in (
        ("diff.noprefix", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("color.ui", "always"),
        ("diff.external", "false"),
        ("core.quotePath", "true"),
    ):
        git(shop, "config", key, value)
    write(shop / "src/shop/services/cart.py", CART + "ORDERS = []\n")
    assert changed_lines(shop, "main") == {"src/shop/services/cart.py": {10}}


def test_scan_root_in_a_subdirectory_maps_finding_paths(shop: Path) -> None:
    write(shop / "src/shop/services/cart.py", CART + "ORDERS: list[str] = []\n")
    changed = changed_lines(shop / "src", "main")
    assert changed.prefix == "src/"
    assert "src/shop/services/cart.py" in changed
    # Findings from a scan rooted at src/ have paths relative to src/.
    assert touches_change(finding("shop/services/cart.py", 10), changed)
    assert not touches_change(finding("shop/services/cart.py", 5), changed)
    assert not touches_change(finding("src/shop/services/cart.py", 10), changed)


# -- touches_change ------------------------------------------------------------------


def test_touches_change_through_related_and_trace_locations() -> None:
    changed = ChangedLines({"src/shop/app.py": {10}})
    definition = Location("src/shop/services/cart.py", 5, 0, "defined here")
    call = Location("src/shop/app.py", 10, 4, "add_to_cart calls add_item")
    mutation = Location("src/shop/services/cart.py", 9, 4, "CARTS[user_id].append(sku)")
    assert not touches_change(finding("src/shop/services/cart.py", 5, related=(mutation,)), changed)
    assert touches_change(finding("src/shop/services/cart.py", 5, trace=(call, mutation)), changed)
    assert touches_change(
        finding("src/shop/services/cart.py", 9, related=(definition, call)), changed
    )


def test_touches_change_covers_the_whole_span_of_a_multi_line_finding() -> None:
    changed = ChangedLines({"src/shop/services/cart.py": {7}})
    # CARTS = {\n "alice": [],\n ...\n} spans lines 5-8; an edit inside it touches the finding.
    spanning = dataclasses.replace(finding("src/shop/services/cart.py", 5), end_line=8)
    assert touches_change(spanning, changed)
    assert touches_change(finding("./src/shop/services/cart.py", 7), changed)
    assert touches_change(finding("services/cart.py", 7), changed, prefix="src/shop/")


# -- errors ------------------------------------------------------------------------


def message_of(root: Path, ref: str) -> str:
    with pytest.raises(DiffError) as caught:
        changed_lines(root, ref)
    text = str(caught.value)
    assert "\n" not in text
    return text


def test_outside_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert "is not inside a git repository" in message_of(plain, "main")


def test_repository_without_commits(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    assert "no commits yet" in message_of(repo, "main")


def test_unknown_local_ref_suggests_fetching_it(shop: Path) -> None:
    text = message_of(shop, "develop")
    assert text.startswith('git reference "develop" not found')
    # No remote to fetch it from: only the local check is suggested.
    assert text.endswith("check the name with `git branch -a` (this repository has no remotes)")
    assert message_of(shop, "--output=/tmp/x") == '"--output=/tmp/x" is not a git reference'


def test_unknown_remote_branch_suggests_the_exact_fetch(shop: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--branch", "feature", f"file://{shop}", str(clone))
    text = message_of(clone, "origin/release-2024")
    assert (
        text == 'git reference "origin/release-2024" not found; run `git fetch origin release-2024`'
    )
    # The remote-tracking branch that does exist works.
    assert changed_lines(clone, "origin/main") == {}
    # A branch missing locally in a clone: fetch it from the remote.
    assert message_of(clone, "develop").endswith("or run `git fetch origin develop`")


def test_unrelated_histories(shop: Path) -> None:
    git(shop, "checkout", "-q", "--orphan", "rewrite")
    commit_all(shop, "Start over")
    assert "no common history" in message_of(shop, "main")


@pytest.fixture
def diverged(shop: Path) -> Path:
    """main and feature have each moved on from their common commit."""
    write(shop / "src/shop/services/cart.py", CART + "ORDERS = []\n")
    commit_all(shop, "Orders on feature")
    git(shop, "checkout", "-q", "main")
    write(shop / "src/shop/app.py", APP + "\nVERSION = '2'\n")
    commit_all(shop, "Version on main")
    git(shop, "checkout", "-q", "feature")
    return shop


def test_shallow_clone_without_merge_base_says_to_fetch_history(
    diverged: Path, tmp_path: Path
) -> None:
    clone = tmp_path / "ci-checkout"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--no-single-branch",
        "--branch",
        "feature",
        f"file://{diverged}",
        str(clone),
    )
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"
    text = message_of(clone, "origin/main")
    assert text.startswith('no merge base between "origin/main" and HEAD in this shallow clone')
    assert "git fetch --unshallow" in text and "fetch-depth: 0" in text


def test_shallow_single_branch_clone_missing_the_ref(diverged: Path, tmp_path: Path) -> None:
    clone = tmp_path / "ci-checkout"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        f"file://{diverged}",
        str(clone),
    )
    text = message_of(clone, "origin/main")
    assert "run `git fetch origin main`" in text and "shallow clone" in text


def test_full_history_clone_of_the_same_branches_works(diverged: Path, tmp_path: Path) -> None:
    clone = tmp_path / "full"
    git(tmp_path, "clone", "-q", "--branch", "feature", f"file://{diverged}", str(clone))
    assert changed_lines(clone, "origin/main") == {"src/shop/services/cart.py": {10}}


# -- gitignored ------------------------------------------------------------------------


def test_gitignored_reports_ignored_paths_in_one_batch(shop: Path) -> None:
    write(shop / "build/lib/shop/app.py", APP)
    write(shop / "logs/server.log", "")
    write(shop / "src/shop/local_settings.py", "DEBUG = True\n")
    candidates = [
        "build",
        "build/lib/shop/app.py",
        "logs/server.log",
        "src/shop/local_settings.py",
        "src/shop/app.py",
        "src/shop/services/cart.py",
    ]
    assert gitignored(shop, candidates) == {
        "build",
        "build/lib/shop/app.py",
        "logs/server.log",
        "src/shop/local_settings.py",
    }


def test_tracked_files_are_never_reported_as_ignored(shop: Path) -> None:
    write(shop / "deploy/release.log", "v1\n")
    git(shop, "add", "-f", "deploy/release.log")
    assert gitignored(shop, ["deploy/release.log"]) == set()


def test_gitignored_relative_to_a_subdirectory_root(shop: Path) -> None:
    write(shop / "src/shop/local_settings.py", "DEBUG = True\n")
    assert gitignored(shop / "src", ["shop/local_settings.py", "shop/app.py"]) == {
        "shop/local_settings.py"
    }


def test_gitignored_outside_git_is_empty(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    write(plain / "build/app.py", APP)
    assert gitignored(plain, ["build/app.py"]) == set()
    assert gitignored(plain, []) == set()


@pytest.mark.skipif(
    sys.platform == "win32", reason="quotes and tabs are not valid in Windows file names"
)
def test_paths_git_must_quote_are_unquoted(shop: Path) -> None:
    name = 'src/shop/legacy "v1"\tviews.py'
    write(shop / name, "HITS = {}\n")
    commit_all(shop, "Legacy views")
    write(shop / name, "HITS = {}\nVISITS = []\n")
    assert changed_lines(shop, "main")[name] == {1, 2}


def test_added_lines_that_look_like_diff_headers_are_content(shop: Path) -> None:
    # A doctest-ish docstring line "++ b/…" must not be taken for a "+++ b/file" header.
    write(
        shop / "src/shop/services/cart.py",
        CART + '"""\n++ b/src/shop/other.py\n@@ not a hunk\n"""\n',
    )
    assert changed_lines(shop, "main") == {"src/shop/services/cart.py": {10, 11, 12, 13}}


def test_missing_scan_root_is_a_diff_error_not_a_git_error(tmp_path: Path) -> None:
    assert message_of(tmp_path / "nowhere", "main").endswith("nowhere: no such directory")


def test_remote_branch_hint_never_names_the_remote_twice(shop: Path, tmp_path: Path) -> None:
    # A scratch repository with no remote yet: `origin/main` is a branch of a remote to add.
    text = message_of(shop, "origin/main")
    assert "git fetch origin origin/main" not in text
    assert text == (
        'git reference "origin/main" not found; this repository has no remotes: add one '
        "(`git remote add origin <url>`) and run `git fetch origin main`, or name a local branch "
        "(`git branch` lists them)"
    )
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--single-branch", "--branch", "feature", f"file://{shop}",
        str(clone))
    # The full spelling of a remote-tracking branch gets the same fetch.
    for ref in ("origin/main", "remotes/origin/main", "refs/remotes/origin/main"):
        assert message_of(clone, ref).endswith("; run `git fetch origin main`"), ref
    # A remote that does not exist is named as such, not fetched from another remote.
    text = message_of(clone, "upstream/main")
    assert "git fetch" not in text
    assert "`upstream` is not a remote of this repository; its remotes: origin" in text
