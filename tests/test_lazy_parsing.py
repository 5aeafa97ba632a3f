"""Demand-driven parsing gives exactly the result of parsing every file.

The default scan parses only the seeds the pre-scan finds and what linking and
the rules look up; ``exhaustive=True`` parses everything.  The JSON report
(timings and statistics aside) and the summary counts must be identical: a
file the lazy scan does not parse is still counted as scanned, and one that does
not parse is still reported (unparsed files are syntax-checked with CPython's
parser, and a file that fails is parsed after all so that its problem reads the
same).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statelint.engine import scan
from statelint.reporters import renderer
from statelint.rule import all_rules

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = sorted(p for p in (ROOT / "tests" / "projects").iterdir() if p.is_dir())


def _report(result) -> dict:
    data = json.loads(renderer("json")(result, all_rules()))
    data.get("summary", {}).pop("statistics", None)
    data.pop("statistics", None)
    data.get("summary", {}).pop("timings", None)
    return data


def _both(paths: list[str], monkeypatch, where: Path):
    monkeypatch.chdir(where)
    lazy = scan(paths, jobs=1, exhaustive=False)
    full = scan(paths, jobs=1, exhaustive=True)
    return lazy, full


def _assert_same(lazy, full) -> None:
    assert _report(lazy) == _report(full)
    assert (lazy.files_scanned, lazy.files_skipped, lazy.files_failed) == (
        full.files_scanned, full.files_skipped, full.files_failed)
    assert lazy.problems == full.problems
    assert lazy.statistics["files parsed"] <= full.statistics["files parsed"]


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_lazy_equals_exhaustive_on_projects(project, monkeypatch):
    _assert_same(*_both(["."], monkeypatch, project))


def test_lazy_equals_exhaustive_on_examples(monkeypatch):
    _assert_same(*_both(["."], monkeypatch, ROOT / "examples"))


EXAMPLES = [(rule, index, example) for rule in all_rules()
            for index, example in enumerate(rule.examples)]


@pytest.mark.parametrize("rule,index,example", EXAMPLES,
                         ids=[f"{rule.code}-{index}" for rule, index, _ in EXAMPLES])
def test_lazy_equals_exhaustive_on_rule_examples(rule, index, example, tmp_path, monkeypatch):
    for relpath, text in example.files.items():
        target = tmp_path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    _assert_same(*_both(["."], monkeypatch, tmp_path))


def _write(root: Path, files: dict[str, str]) -> None:
    for relpath, text in files.items():
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


DEEP = {
    "app/__init__.py": "",
    "app/web.py": (
        "from flask import Flask\n"
        "from app.one import step_one\n"
        "app = Flask(__name__)\n\n"
        "@app.route('/count')\n"
        "def count():\n"
        "    return str(step_one())\n"
    ),
    # three modules without a single token between the handler and the state
    "app/one.py": "from app.two import step_two\n\ndef step_one():\n    return step_two()\n",
    "app/two.py": "from app import three\n\ndef step_two():\n    return three.step_three()\n",
    "app/three.py": (
        "from app.store import remember\n\n"
        "def step_three():\n    return remember('hit')\n"
    ),
    "app/store.py": "SEEN = []\n\ndef remember(item):\n    SEEN.append(item)\n    return len(SEEN)\n",
}


def _unrelated(count: int) -> dict[str, str]:
    return {f"tools/helper_{i}.py": f"def helper_{i}(x):\n    return x * {i}\n"
            for i in range(count)}


def test_state_three_modules_away_through_tokenless_modules(tmp_path, monkeypatch):
    _write(tmp_path, {**DEEP, **_unrelated(5)})
    lazy, full = _both(["."], monkeypatch, tmp_path)
    _assert_same(lazy, full)
    assert any(f.symbol.endswith("SEEN") for f in lazy.findings)


def test_lazy_parses_strictly_fewer_files(tmp_path, monkeypatch):
    _write(tmp_path, {**DEEP, **_unrelated(12)})
    lazy, full = _both(["."], monkeypatch, tmp_path)
    _assert_same(lazy, full)
    assert full.statistics["files parsed"] == len(DEEP) + 12
    assert lazy.statistics["files parsed"] < full.statistics["files parsed"]
    assert lazy.statistics["files parsed"] <= len(DEEP)


def test_unneeded_file_with_syntax_error_is_still_reported(tmp_path, monkeypatch):
    _write(tmp_path, {**DEEP, **_unrelated(3), "tools/broken.py": "def broken(:\n    pass\n"})
    lazy, full = _both(["."], monkeypatch, tmp_path)
    _assert_same(lazy, full)
    assert lazy.files_failed == 1
    assert [p.path for p in lazy.problems] == ["tools/broken.py"]


def test_helper_given_the_app_elsewhere_is_found(tmp_path, monkeypatch):
    # the module calling ``register(app)`` holds no handler token of its own
    _write(tmp_path, {
        "svc/__init__.py": "",
        "svc/main.py": "from svc.factory import app\nfrom svc.routes import register\n"
                       "register(app)\n",
        "svc/factory.py": "from flask import Flask\napp = Flask(__name__)\n",
        "svc/routes.py": "HITS = {}\n\ndef register(app):\n"
                         "    @app.route('/hit')\n    def hit():\n"
                         "        HITS['n'] = HITS.get('n', 0) + 1\n        return 'ok'\n",
        **_unrelated(4),
    })
    _assert_same(*_both(["."], monkeypatch, tmp_path))


def test_duplicate_module_names_and_suffix_lookups(tmp_path, monkeypatch):
    # two files named ``pkg.util`` (src layout and flat): the first by path wins in both modes
    _write(tmp_path, {
        "a/pkg/__init__.py": "", "a/pkg/util.py": "CACHE = {}\n\ndef put(k):\n    CACHE[k] = 1\n",
        "b/pkg/__init__.py": "", "b/pkg/util.py": "def put(k):\n    return k\n",
        "web.py": "from flask import Flask\nfrom pkg.util import put\napp = Flask(__name__)\n"
                  "@app.get('/x')\ndef x():\n    put('a')\n    return ''\n",
    })
    _assert_same(*_both(["."], monkeypatch, tmp_path))


def _service_modules(count: int) -> dict[str, str]:
    """``count`` helper modules, each a link of a chain the handler walks down."""
    files = {}
    for i in range(count):
        nxt = (f"from app.chain.step_{i + 1} import run_{i + 1}\n" if i + 1 < count
               else "from app.store import remember\n")
        call = f"run_{i + 1}(order)" if i + 1 < count else "remember(order)"
        files[f"app/chain/step_{i}.py"] = (
            f"{nxt}\n\ndef run_{i}(order):\n    \"\"\"Step {i} of checkout.\"\"\"\n"
            f"    order = dict(order, step={i})\n    return {call}\n")
    files["app/chain/__init__.py"] = ""
    return files


def test_a_large_tree_whose_handlers_reach_most_code_is_parsed_at_once(tmp_path, monkeypatch):
    # 230 modules, nearly all reached through a chain of imports: rounds would find
    # them a few at a time; past half of the bytes the rest is parsed in one go.
    web = DEEP["app/web.py"].replace("from app.one import step_one", "from app.chain.step_0 import run_0")
    web = web.replace("str(step_one())", "str(run_0({}))")
    _write(tmp_path, {**DEEP, "app/web.py": web, **_service_modules(220), **_unrelated(4)})
    lazy, full = _both(["."], monkeypatch, tmp_path)
    _assert_same(lazy, full)
    assert lazy.statistics["all parsed after round"] >= 1
    assert lazy.statistics["files parsed"] == full.statistics["files parsed"]
    assert any(f.symbol.endswith("SEEN") for f in lazy.findings)


def test_a_large_tree_whose_handlers_reach_little_stays_demand_driven(tmp_path, monkeypatch):
    _write(tmp_path, {**DEEP, **_unrelated(240)})
    lazy, full = _both(["."], monkeypatch, tmp_path)
    _assert_same(lazy, full)
    assert lazy.statistics["all parsed after round"] == 0
    assert lazy.statistics["files parsed"] <= len(DEEP)
