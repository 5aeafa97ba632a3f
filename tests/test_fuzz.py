"""Issue 7: fuzzing.  Whatever bytes a file holds, statelint returns facts or a
precise problem, never raises and never blames itself; and a scan's JSON is the same
bytes for the same input, whatever the order of the paths or the number of jobs.

Inputs: random bytes and text, programs generated from Python's grammar by
hypothesmith (when installed), and mutations of the project's own example apps
(lines deleted, duplicated or swapped, random bytes inserted).  Example counts are
bounded and the seed fixed (the ``statelint`` profile in ``conftest.py``) so the
suite stays fast and deterministic; ``benchmarks/fuzz.py`` runs the same tests with
random seeds and many more examples.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statelint import engine
from statelint.cli import main
from statelint.engine import scan
from statelint.facts import extract_facts
from statelint.model import ModuleFacts

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_FILES = sorted(
    path for folder in (REPO / "examples", REPO / "tests" / "projects")
    for path in folder.rglob("*.py")
)
# The examples with handlers and state are the interesting ones to break.
RICH_EXAMPLES = [path for path in EXAMPLE_FILES if len(path.read_bytes()) > 400]

FUZZ = settings(max_examples=examples(30),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
KINDS = {"syntax", "encoding", "unreadable"}


def assert_facts_or_precise_problem(facts: ModuleFacts) -> None:
    assert isinstance(facts, ModuleFacts)
    if facts.error is not None:
        assert facts.error.kind in KINDS, facts.error.message
        assert facts.error.message and "\n" not in facts.error.message
        assert facts.error.line >= 0 and facts.error.column >= 0


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes(source: bytes) -> None:
    assert_facts_or_precise_problem(extract_facts(source, "app/views.py", "app.views", False))


@FUZZ
@given(st.text(max_size=2000))
def test_random_text(text: str) -> None:
    source = text.encode("utf-8", "surrogatepass")
    assert_facts_or_precise_problem(extract_facts(source, "app/views.py", "app.views", False))


@FUZZ
@given(prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"# -*- coding: latin-1 -*-\n",
                               b"#!/usr/bin/env python\n# coding: cp1252\n",
                               b"# vim: set fileencoding=utf-16 :\n", b"# coding: undefined\n",
                               b"# coding: unicode_escape\n", b"# coding: base64\n"]),
       body=st.binary(max_size=400))
def test_coding_cookies_with_random_bodies(prefix: bytes, body: bytes) -> None:
    assert_facts_or_precise_problem(extract_facts(prefix + body, "legacy.py", "legacy", False))


try:
    import hypothesmith
except ImportError:  # pragma: no cover - hypothesmith is in the test extra
    hypothesmith = None

needs_hypothesmith = pytest.mark.skipif(hypothesmith is None, reason="hypothesmith not installed")


@needs_hypothesmith
@FUZZ
@given(st.builds(lambda: None) if hypothesmith is None else hypothesmith.from_grammar())
def test_programs_from_the_grammar(text: str) -> None:
    source = text.encode("utf-8", "surrogatepass")
    facts = extract_facts(source, "generated.py", "generated", False)
    assert_facts_or_precise_problem(facts)


@needs_hypothesmith
@settings(FUZZ, max_examples=examples(5))
@given(st.builds(lambda: None) if hypothesmith is None else hypothesmith.from_node())
def test_programs_from_libcst_nodes(text: str) -> None:
    facts = extract_facts(text.encode("utf-8", "surrogatepass"), "generated.py", "generated", False)
    assert_facts_or_precise_problem(facts)


# -- mutations of the example apps ------------------------------------------

MUTATION = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
    st.tuples(st.just("duplicate"), st.integers(0, 10_000)),
    st.tuples(st.just("swap"), st.integers(0, 10_000), st.integers(0, 10_000)),
    st.tuples(st.just("insert"), st.integers(0, 100_000), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("dedent"), st.integers(0, 10_000)),
)


def mutate(source: bytes, mutations: list[tuple]) -> bytes:
    """Apply line and byte mutations, each index taken modulo the current size."""
    for mutation in mutations:
        lines = source.splitlines(keepends=True) or [b""]
        kind = mutation[0]
        if kind == "delete":
            del lines[mutation[1] % len(lines)]
        elif kind == "duplicate":
            index = mutation[1] % len(lines)
            lines.insert(index, lines[index])
        elif kind == "swap":
            first, second = mutation[1] % len(lines), mutation[2] % len(lines)
            lines[first], lines[second] = lines[second], lines[first]
        elif kind == "dedent":
            index = mutation[1] % len(lines)
            lines[index] = lines[index].lstrip(b" ")
        source = b"".join(lines)
        if kind == "insert":
            at = mutation[1] % (len(source) + 1)
            source = source[:at] + mutation[2] + source[at:]
    return source


@FUZZ
@given(example=st.sampled_from(RICH_EXAMPLES), mutations=st.lists(MUTATION, min_size=1, max_size=6))
def test_mutated_example_files(example: Path, mutations: list[tuple]) -> None:
    source = mutate(example.read_bytes(), mutations)
    facts = extract_facts(source, example.name, example.stem, example.name == "__init__.py")
    assert_facts_or_precise_problem(facts)


PROJECTS = sorted(path.parent for path in (REPO / "tests" / "projects").glob("*/expected.toml"))


@settings(FUZZ, max_examples=examples(12))
@given(project=st.sampled_from(PROJECTS), data=st.data())
def test_mutated_projects_scan_without_losing_a_file(tmp_path_factory: pytest.TempPathFactory,
                                                     project: Path, data: st.DataObject) -> None:
    copy = tmp_path_factory.mktemp("mutated") / project.name
    shutil.copytree(project, copy)
    files = sorted(copy.rglob("*.py"))
    for target in data.draw(st.lists(st.sampled_from(files), min_size=1, max_size=3, unique=True)):
        mutations = data.draw(st.lists(MUTATION, min_size=1, max_size=4))
        target.write_bytes(mutate(target.read_bytes(), mutations))
    result = scan([str(copy)], jobs=1)
    assert not [p for p in result.problems if p.kind == "internal"], result.problems
    assert result.files_scanned + result.files_failed == len(files)
    assert {p.path for p in result.problems} <= {f.relative_to(copy).as_posix() for f in files}


# -- deterministic output ------------------------------------------------------


def json_report(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> bytes:
    monkeypatch.chdir(folder)
    outcome = CliRunner().invoke(main, ["check", "--format", "json", "--no-cache", *args])
    assert outcome.exit_code in (0, 1), outcome.output
    return outcome.stdout_bytes


def write_in_order(root: Path, files: dict[str, bytes], order: list[str]) -> None:
    for name in order:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[name])


@settings(FUZZ, max_examples=examples(4))
@given(data=st.data())
def test_same_input_same_json_bytes_whatever_the_order_or_jobs(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
        data: st.DataObject) -> None:
    project = data.draw(st.sampled_from(PROJECTS))
    files = {path.relative_to(project).as_posix(): path.read_bytes()
             for path in sorted(project.rglob("*")) if path.is_file()}
    python_files = sorted(name for name in files if name.endswith(".py"))
    broken = data.draw(st.sampled_from(python_files))
    files[broken] = mutate(files[broken], data.draw(st.lists(MUTATION, min_size=1, max_size=3)))
    order = data.draw(st.permutations(sorted(files)))

    first = tmp_path_factory.mktemp("first")
    second = tmp_path_factory.mktemp("second")
    write_in_order(first, files, sorted(files))
    write_in_order(second, files, list(order))
    tops = sorted({name.split("/")[0] for name in files if "/" in name})

    baseline = json_report(first, monkeypatch, "--jobs", "1")
    assert json_report(second, monkeypatch, "--jobs", "1") == baseline
    assert json_report(second, monkeypatch, "--jobs", "1", *reversed(tops), *tops) == \
        json_report(second, monkeypatch, "--jobs", "1", *tops)
    # a pool of two workers, even for a small project
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 1)
    assert json_report(second, monkeypatch, "--jobs", "2") == baseline
    json.loads(baseline)


def test_the_suite_is_derandomized_and_keeps_no_example_database() -> None:
    # A failure found once must not make later runs fail: every run checks the same
    # examples and remembers none (see the profile in conftest.py).
    from conftest import OPEN_FUZZ

    if OPEN_FUZZ:
        pytest.skip("STATELINT_FUZZ=open: an open-ended search (benchmarks/fuzz.py)")
    assert settings.default.derandomize is True
    assert settings.default.database is None
    assert settings.default.deadline is None
    assert FUZZ.derandomize is True and FUZZ.database is None
