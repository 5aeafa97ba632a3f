"""Warm, touched and edited runs report exactly what a cold scan of the same tree reports.

Each test scans a copy of a fixture service with no cache (the reference), then
with a cache that is cold, warm, after an edit that leaves a file's facts as they
were (a comment at its end) and after an edit of a function body, with one or
two workers, demand-driven and exhaustive, and requires byte-identical JSON.
The statistics show which shortcut served each run.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from statelint.engine import balanced_batches, scan
from statelint.reporters import renderer
from statelint.rule import all_rules

REPO = Path(__file__).resolve().parent.parent
SERVICES = ["flask_shop", "django_notes", "fastapi_chat"]


def report(tree: Path, **options: object) -> tuple[str, dict[str, float]]:
    result = scan([str(tree)], **options)  # type: ignore[arg-type]
    return renderer("json")(result, list(all_rules())), result.statistics


def service(tmp_path: Path, name: str) -> Path:
    tree = tmp_path / name
    shutil.copytree(REPO / "tests" / "projects" / name, tree,
                    ignore=shutil.ignore_patterns(".statelint_cache", "__pycache__"))
    return tree


def handler_module(tree: Path) -> Path:
    """The first module (by path) that defines a function returning something."""
    for path in sorted(tree.rglob("*.py")):
        if re.search(r"^\s+return\b", path.read_text(), re.M):
            return path
    raise AssertionError(f"no function in {tree}")


def edit_a_body(path: Path) -> None:
    """Add a statement before the first ``return`` of a function: later lines move."""
    text = path.read_text()
    match = re.search(r"^(\s+)return\b", text, re.M)
    assert match is not None
    indent = match.group(1).lstrip("\n")
    path.write_text(text[:match.start(1)] + "\n" + indent + "audit_marker = None"
                    + text[match.start(1):])


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("exhaustive", [False, True], ids=["lazy", "exhaustive"])
def test_cold_warm_touched_and_edited_runs_agree(name: str, exhaustive: bool, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree = service(tmp_path, name)
    cache = {"cache": True, "cache_dir": str(tmp_path / "cache"), "exhaustive": exhaustive}
    reference, _ = report(tree, exhaustive=True)
    assert '"stateful"' in reference  # the service does exercise the rules

    cold, stats = report(tree, jobs=2, **cache)
    assert cold == reference
    assert stats["link reused"] == 0 and stats["files parsed"] > 0

    warm, stats = report(tree, jobs=1, **cache)
    assert warm == reference
    assert stats["link reused"] == 1 and stats["files parsed"] == 0

    module = handler_module(tree)
    with module.open("a") as stream:
        stream.write("\n# reviewed: no change in behaviour\n")
    touched, stats = report(tree, jobs=2, **cache)
    assert touched == reference
    assert stats["files parsed"] == 1 and stats["link reused"] == 1

    edit_a_body(module)
    edited_reference, _ = report(tree, exhaustive=True)
    assert edited_reference != reference  # lines moved
    edited, stats = report(tree, jobs=1, **cache)
    assert edited == edited_reference
    assert stats["files parsed"] == 1 and stats["link reused"] == 0
    assert report(tree, jobs=2, **cache)[0] == edited_reference
    assert report(tree, exhaustive=not exhaustive, cache=False)[0] == edited_reference


def test_a_suppression_comment_changes_the_facts_and_is_not_served_from_the_memo(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree = service(tmp_path, "flask_shop")
    cache = {"cache": True, "cache_dir": str(tmp_path / "cache")}
    result = scan([str(tree)], **cache)
    finding = result.findings[0]
    path = Path(result.root) / finding.path
    lines = path.read_text().splitlines(keepends=True)
    lines[finding.line - 1] = lines[finding.line - 1].rstrip("\n") + \
        f"  # statelint: ignore[{finding.rule}]\n"
    path.write_text("".join(lines))
    silenced, stats = report(tree, **cache)
    assert stats["link reused"] == 0 and stats["files parsed"] == 1
    assert silenced == report(tree, cache=False)[0]
    assert not any(item.rule == finding.rule and item.line == finding.line and item.path == finding.path
                   for item in scan([str(tree)], **cache).findings)


def test_an_unchanged_tree_is_not_pre_scanned_again(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    tree = service(tmp_path, "django_notes")
    cache = {"cache": True, "cache_dir": str(tmp_path / "cache")}
    files = len(list(tree.rglob("*.py")))
    _, stats = report(tree, **cache)
    assert stats["files pre-scanned"] == files
    edit_a_body(handler_module(tree))
    _, stats = report(tree, **cache)
    assert stats["link reused"] == 0
    assert stats["files pre-scanned"] == 1


def test_batches_hold_every_file_once_and_even_out_the_bytes() -> None:
    sizes = [120_000, 3_000, 45_000, 45_000, 800, 60_000, 2_500, 90_000, 15_000, 15_000] * 7
    batches = balanced_batches(sizes, 8)
    assert sorted(i for batch in batches for i in batch) == list(range(len(sizes)))
    totals = [sum(sizes[i] for i in batch) for batch in batches]
    assert totals == sorted(totals, reverse=True)  # the heaviest batch starts first
    assert max(totals) - min(totals) <= max(sizes)
    assert balanced_batches([10, 20], 8) == [[1], [0]]
