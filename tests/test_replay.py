"""A ``statelint check`` whose every input is as it was prints its recorded report.

Each test runs the real command (``python -m statelint``, as a hook or CI would)
on a copy of a fixture service whose files were last modified an hour ago, with
the cache outside the tree, and compares stdout, stderr and the exit code with a
scan that uses no cache at all.  A replayed run is told apart by the facts
manifest, which every scan that is not replayed writes again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from statelint import replay
from statelint.cli import check

REPO = Path(__file__).resolve().parent.parent
AN_HOUR_AGO = time.time() - 3600


def aged_copy(tmp_path: Path, name: str) -> Path:
    tree = tmp_path / name
    shutil.copytree(REPO / "tests" / "projects" / name, tree,
                    ignore=shutil.ignore_patterns(".statelint_cache", "__pycache__"))
    age(tree)
    return tree


def age(tree: Path) -> None:
    """Date every file and folder of ``tree`` an hour back (as a checkout is)."""
    for path in sorted(tree.rglob("*"), reverse=True):
        os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))
    os.utime(tree, (AN_HOUR_AGO, AN_HOUR_AGO))


def statelint(tree: Path, *options: str) -> tuple[str, str, int]:
    completed = subprocess.run([sys.executable, "-m", "statelint", "check", *options],
                               cwd=tree, capture_output=True, text=True, timeout=300,
                               stdin=subprocess.DEVNULL, check=False)
    return completed.stdout, completed.stderr, completed.returncode


def manifest_signature(cache: Path) -> list[tuple[int, int]]:
    return sorted((path.stat().st_ino, path.stat().st_mtime_ns) for path in cache.glob("manifest-*"))


def records(cache: Path) -> list[Path]:
    return sorted((cache / replay.FOLDER).glob("*.json"))


@pytest.mark.parametrize("output_format", ["json", "text"])
def test_an_unchanged_tree_is_answered_from_the_record_of_the_last_run(
        tmp_path: Path, output_format: str) -> None:
    tree = aged_copy(tmp_path, "flask_shop")
    cache = tmp_path / "cache"
    options = (".", "--format", output_format, "--cache-dir", str(cache))
    reference = statelint(tree, ".", "--format", output_format, "--no-cache")
    assert '"stateful"' in reference[0] or "stateful" in reference[0]  # handlers were judged
    assert reference[2] == 1  # the shop keeps state: findings

    assert statelint(tree, *options) == reference  # cold: fills the cache and the record
    assert len(records(cache)) == 1
    before = manifest_signature(cache)
    assert statelint(tree, *options) == reference  # replayed
    assert manifest_signature(cache) == before  # no scan ran: the manifest was not written


def test_an_edit_a_new_module_and_a_new_configuration_are_scanned_again(
        tmp_path: Path) -> None:
    tree = aged_copy(tmp_path, "flask_shop")
    cache = tmp_path / "cache"
    options = (".", "--format", "json", "--cache-dir", str(cache))
    first = statelint(tree, *options)
    assert statelint(tree, *options) == first and records(cache)

    # A line added above a finding (the lines below it move), and the tree dated back
    # again: the file's size tells.
    first_path = first[0].split('"path": "', 1)[1].split('"', 1)[0]
    views = tree / first_path
    views.write_text("# audited\n" + views.read_text())
    age(tree)
    edited = statelint(tree, ".", "--format", "json", "--no-cache")
    assert edited[0] != first[0]
    assert statelint(tree, *options) == edited
    assert statelint(tree, *options) == edited

    # A module added: its folder's modification time changed.
    (views.parent / "audit.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\nSEEN = []\n\n\n"
        "@app.route('/seen')\ndef seen():\n    SEEN.append(1)\n    return str(len(SEEN))\n")
    added = statelint(tree, ".", "--format", "json", "--no-cache")
    assert "audit.py" in added[0]
    assert statelint(tree, *options) == added

    # A configuration file written next to the tree's root selects one rule only.
    age(tree)
    (tree / ".statelint.toml").write_text('select = ["SL101"]\n')
    configured = statelint(tree, ".", "--format", "json", "--no-cache")
    assert configured[0] != added[0]
    assert statelint(tree, *options) == configured


def test_a_damaged_or_foreign_record_is_a_miss(tmp_path: Path) -> None:
    tree = aged_copy(tmp_path, "flask_shop")
    cache = tmp_path / "cache"
    options = (".", "--format", "json", "--cache-dir", str(cache))
    reference = statelint(tree, *options)
    statelint(tree, *options)
    (record,) = records(cache)
    good = record.read_bytes()
    forged = replay.Record.from_json(good)
    assert forged is not None
    planted = [
        b"\x00not json",
        b'["statelint-replay", 1, "x"]',
        good.replace(b'"statelint-replay"', b'"something-else"'),
        replay.Record(forged.fingerprint, forged.paths, "0" * 64, '{"findings": []}', "", 0)
        .to_json(),
        replay.Record(forged.fingerprint, [], forged.state, '{"findings": []}', "", 0).to_json(),
        replay.Record("0" * 64, forged.paths, forged.state, '{"findings": []}', "", 0).to_json(),
    ]
    for data in planted:
        record.write_bytes(data)
        assert statelint(tree, *options) == reference
    record.unlink()
    os.symlink(tmp_path / "elsewhere.json", record)
    (tmp_path / "elsewhere.json").write_bytes(good.replace(b'"findings"', b'"planted"'))
    assert statelint(tree, *options) == reference


def test_runs_whose_report_depends_on_more_than_the_tree_leave_no_record(tmp_path: Path) -> None:
    tree = aged_copy(tmp_path, "flask_shop")
    cache = tmp_path / "cache"
    for extra in (["--output", str(tmp_path / "report.json")], ["--timings"], ["--statistics"]):
        for _ in range(2):
            statelint(tree, ".", "--format", "json", "--cache-dir", str(cache), *extra)
        assert not records(cache)


def test_the_paths_of_a_command_line_are_its_words_that_are_not_options() -> None:
    assert replay.scanned_paths(["src", "--format", "json", "--cache-dir", "/tmp/c", "-j", "2",
                                 "tests", "--fail-on=error", "--", "-odd.py"]) == [
        "src", "tests", "-odd.py"]
    assert replay.scanned_paths(["--diff", "main", "."]) is None
    assert replay.scanned_paths(["--output=report.json"]) is None


def test_the_replay_knows_every_option_of_check_that_takes_a_value() -> None:
    takes_value = {name for param in check.params if isinstance(param, click.Option)
                   and not param.is_flag and not param.count for name in param.opts}
    assert takes_value == replay.VALUE_OPTIONS


def test_the_state_covers_the_packages_above_every_scanned_path(tmp_path: Path) -> None:
    tree = aged_copy(tmp_path, "flask_shop")
    first, second = (tree / "shop" / "first"), (tree / "other" / "second")
    for folder in (first, second):
        folder.mkdir(parents=True)
        (folder / "views.py").write_text("ITEMS = []\n")
    age(tree)
    paths = ["shop/first/views.py", "other/second"]
    before = replay.tree_state(str(tree), paths)
    assert before is not None and replay.tree_state(str(tree), paths) == before
    # A package made above the second path renames its modules (other.second.views).
    (tree / "other" / "__init__.py").write_text("")
    age(tree)
    assert replay.tree_state(str(tree), paths) != before


def test_the_state_covers_the_ignore_file_git_is_configured_to_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = aged_copy(tmp_path, "flask_shop")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[core]\n\texcludesFile = ~/global-ignore\n")
    (home / "global-ignore").write_text("*.log\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    before = replay.tree_state(str(tree), ["."])
    (home / "global-ignore").write_text("*.log\nshop/\n")
    assert replay.tree_state(str(tree), ["."]) != before


def test_a_tree_with_links_is_vouched_for_by_the_links_and_what_they_reach(tmp_path: Path) -> None:
    tree = aged_copy(tmp_path, "flask_shop")
    (tree / "deploy").mkdir()
    (tree / "deploy" / "site").symlink_to(tree / "shop", target_is_directory=True)
    (tree / "deploy" / "loop").symlink_to(tree / "deploy", target_is_directory=True)
    (tree / "deploy" / "outside").symlink_to(tmp_path, target_is_directory=True)
    age(tree)
    before = replay.tree_state(str(tree), ["."])
    assert before is not None and replay.tree_state(str(tree), ["."]) == before
    (tree / "deploy" / "site").unlink()
    (tree / "deploy" / "site").symlink_to(tree / "shop" / "services", target_is_directory=True)
    assert replay.tree_state(str(tree), ["."]) != before
