"""The fast paths never change a result.

The facts cache, the memoised link stage and the process pool are there to make
a scan cheap enough for every commit; each test here scans the same tree with
and without one of them and requires byte-identical JSON output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from statelint.cache import CACHEDIR_TAG, FactsCache
from statelint.engine import PARALLEL_THRESHOLD, scan
from statelint.reporters import renderer
from statelint.rule import all_rules

REPO = Path(__file__).resolve().parent.parent
PROJECTS = sorted(p for p in (REPO / "tests" / "projects").iterdir() if p.is_dir())
EXAMPLES = sorted(p for p in (REPO / "examples").iterdir() if p.is_dir()) if (
    REPO / "examples").is_dir() else []


def as_json(paths: list[str], **options: object) -> str:
    """The JSON report of a scan, the contract other tools read."""
    result = scan(paths, **options)  # type: ignore[arg-type]
    return renderer("json")(result, list(all_rules()))


@pytest.fixture()
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work from a temporary folder so that reported paths do not depend on the checkout."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".statelint_cache", "__pycache__"))
    return target


def synthetic_service(root: Path, modules: int = PARALLEL_THRESHOLD + 6) -> Path:
    """A Flask service big enough for the process pool: routes, services and state."""
    package = root / "shop"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "app.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    for index in range(modules):
        stateful = index % 3 == 0
        (package / f"service_{index}.py").write_text(textwrap.dedent(f"""\
            RECENT_ORDERS = {{}}
            TAX_RATES = {{"fr": 0.2, "de": 0.19}}


            def record_{index}(order_id, total):
                {"RECENT_ORDERS[order_id] = total" if stateful else "return TAX_RATES['fr'] * total"}
                return total
            """))
        (package / f"routes_{index}.py").write_text(textwrap.dedent(f"""\
            from flask import request

            from shop.app import app
            from shop.service_{index} import record_{index}


            @app.post("/orders/{index}")
            def create_order_{index}():
                payload = request.get_json()
                return {{"total": record_{index}(payload["id"], payload["total"])}}
            """))
    return root


@pytest.mark.parametrize("project", PROJECTS + EXAMPLES, ids=lambda p: p.name)
def test_cached_scan_reports_exactly_what_an_uncached_scan_reports(project: Path, in_tmp: Path
                                                                   ) -> None:
    tree = copy_tree(project, in_tmp / project.name)
    cache_dir = str(in_tmp / "cache")
    plain = as_json([str(tree)], cache=False)
    cold = as_json([str(tree)], cache=True, cache_dir=cache_dir)
    warm = as_json([str(tree)], cache=True, cache_dir=cache_dir)
    assert cold == plain
    assert warm == plain


def test_default_cache_folder_does_not_change_the_summary(in_tmp: Path) -> None:
    tree = copy_tree(PROJECTS[0], in_tmp / "service")
    os.chdir(tree)
    first = as_json(["."], cache=True)
    assert (tree / ".statelint_cache").is_dir()
    assert as_json(["."], cache=True) == first
    assert as_json(["."], cache=False) == first


def test_cache_folder_is_tagged_and_ignored_by_git(in_tmp: Path) -> None:
    tree = copy_tree(PROJECTS[0], in_tmp / "service")
    as_json([str(tree)], cache=True, cache_dir=str(in_tmp / "cache"))
    assert (in_tmp / "cache" / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG
    assert "*" in (in_tmp / "cache" / ".gitignore").read_text().split()


def test_results_are_identical_with_one_worker_and_with_two(in_tmp: Path) -> None:
    tree = synthetic_service(in_tmp / "service")
    one = as_json([str(tree)], jobs=1)
    two = as_json([str(tree)], jobs=2)
    assert one == two
    assert '"stateful"' in one  # the tree does exercise the rules


def test_parallel_cold_cache_fills_the_cache_for_a_serial_warm_run(in_tmp: Path) -> None:
    tree = synthetic_service(in_tmp / "service")
    cache_dir = str(in_tmp / "cache")
    cold = as_json([str(tree)], jobs=2, cache=True, cache_dir=cache_dir)
    result = scan([str(tree)], jobs=1, cache=True, cache_dir=cache_dir)
    assert result.statistics["files parsed"] == 0
    assert renderer("json")(result, list(all_rules())) == cold


def test_corrupt_and_foreign_cache_entries_are_ignored_and_rebuilt(in_tmp: Path) -> None:
    tree = copy_tree(PROJECTS[0], in_tmp / "service")
    cache_dir = in_tmp / "cache"
    expected = as_json([str(tree)], cache=False)
    as_json([str(tree)], cache=True, cache_dir=str(cache_dir))
    entries = sorted((cache_dir / "facts").rglob("*.json"))
    assert entries
    for index, entry in enumerate(entries):
        if index % 3 == 0:
            entry.write_bytes(b'["statelint-cache", 2, "facts", ')
        elif index % 3 == 1:
            entry.write_text(json.dumps(["statelint-cache", 2, "facts", "some other key", {"x": 1}]))
        else:
            entry.write_text(json.dumps({"facts": "from another tool"}))
    for memo in (cache_dir / "memo").rglob("*.json"):
        memo.write_bytes(b"garbage")
    (next(cache_dir.glob("manifest-*.json"))).write_bytes(b"garbage")
    result = scan([str(tree)], cache=True, cache_dir=str(cache_dir))
    assert result.statistics["files parsed"] == len(entries)
    assert renderer("json")(result, list(all_rules())) == expected
    # and the rebuilt entries are good again
    again = scan([str(tree)], cache=True, cache_dir=str(cache_dir))
    assert again.statistics["files parsed"] == 0


def test_a_changed_file_is_parsed_again_and_its_change_reported(in_tmp: Path) -> None:
    tree = synthetic_service(in_tmp / "service", modules=4)
    cache_dir = str(in_tmp / "cache")
    before = as_json([str(tree)], cache=True, cache_dir=cache_dir)
    service = tree / "shop" / "service_1.py"
    service.write_text(service.read_text().replace("return TAX_RATES['fr'] * total",
                                                   "RECENT_ORDERS[order_id] = total"))
    result = scan([str(tree)], cache=True, cache_dir=cache_dir)
    assert result.statistics["files parsed"] == 1
    after = renderer("json")(result, list(all_rules()))
    assert after != before
    assert after == as_json([str(tree)], cache=False)


def test_unreadable_cache_folder_still_scans(in_tmp: Path) -> None:
    tree = copy_tree(PROJECTS[0], in_tmp / "service")
    blocker = in_tmp / "not-a-folder"
    blocker.write_text("a file where the cache folder should go")
    assert as_json([str(tree)], cache=True, cache_dir=str(blocker / "cache")) == as_json(
        [str(tree)], cache=False)


def test_cache_entries_are_keyed_by_the_facts_configuration(in_tmp: Path) -> None:
    class Settings:
        def __init__(self, decorators: tuple[str, ...]) -> None:
            self.handler_decorators = decorators

        def fingerprint_inputs(self) -> str:
            return ",".join(self.handler_decorators)

    one = FactsCache.open(in_tmp / "cache", Settings(("api.route",)))
    other = FactsCache.open(in_tmp / "cache", Settings(("web.get",)))
    none = FactsCache.open(in_tmp / "cache", None)
    assert len({one.salt, other.salt, none.salt}) == 3


COLD_RUN = """
import sys
from statelint.engine import scan
scan([sys.argv[1]], cache=True, cache_dir=sys.argv[2])
"""
WARM_RUN = """
import sys
from statelint.engine import scan
result = scan([sys.argv[1]], cache=True, cache_dir=sys.argv[2])
assert result.statistics["files parsed"] == 0, result.statistics
print("libcst" in sys.modules, result.statistics["link reused"])
"""


def test_a_warm_run_never_imports_libcst(in_tmp: Path) -> None:
    tree = copy_tree(PROJECTS[0], in_tmp / "service")
    cache_dir = str(in_tmp / "cache")
    # The cold run in a process of its own as well: both then fingerprint the same
    # statelint sources even while they are being edited.
    subprocess.run([sys.executable, "-c", COLD_RUN, str(tree), cache_dir], check=True, cwd=in_tmp)
    output = subprocess.run([sys.executable, "-c", WARM_RUN, str(tree), cache_dir],
                            capture_output=True, text=True, check=True, cwd=in_tmp).stdout
    assert output.split() == ["False", "1"]


def test_concurrent_cold_runs_share_one_cache_safely(in_tmp: Path) -> None:
    tree = synthetic_service(in_tmp / "service", modules=12)
    cache_dir = str(in_tmp / "cache")
    script = ("import sys; from statelint.engine import scan; from statelint.reporters import "
              "renderer; from statelint.rule import all_rules; "
              "print(renderer('json')(scan([sys.argv[1]], jobs=1, cache=True, "
              "cache_dir=sys.argv[2]), list(all_rules())))")
    runs = [subprocess.Popen([sys.executable, "-c", script, str(tree), cache_dir],
                             stdout=subprocess.PIPE, text=True, cwd=in_tmp) for _ in range(3)]
    outputs = [run.communicate()[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    expected = as_json([str(tree)], cache=False)
    assert [output.rstrip("\n") for output in outputs] == [expected.rstrip("\n")] * 3
    assert not list(Path(cache_dir).rglob(".tmp-*"))
