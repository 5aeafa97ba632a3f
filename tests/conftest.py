"""Shared test helpers: write small projects to disk and scan them.

Also the Hypothesis settings every property test runs under.  The suite is
deterministic: examples come from a fixed seed (``derandomize``), their number is
bounded, and no example database is kept, so a failure found once cannot make
later runs fail and every run (locally and in CI) checks the same inputs.  Crashes
that a search finds become fixed regression tests (``tests/test_regressions.py``).

``STATELINT_FUZZ=open`` switches to an open-ended search: a random seed per run
(``--hypothesis-seed`` picks one) and ``STATELINT_FUZZ_SCALE`` times (default 10)
each test's bounded number of examples.  Only ``benchmarks/fuzz.py`` sets it.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from statelint.engine import scan
from statelint.model import ScanResult

#: True when ``benchmarks/fuzz.py`` (or a person) asked for an open-ended search.
OPEN_FUZZ = os.environ.get("STATELINT_FUZZ", "").strip().lower() == "open"
#: How many times more examples each test runs in an open-ended search.
FUZZ_SCALE = max(1, int(os.environ.get("STATELINT_FUZZ_SCALE", "10") or 10)) if OPEN_FUZZ else 1

settings.register_profile(
    "statelint",
    derandomize=True,
    database=None,
    max_examples=30,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "statelint-open",
    derandomize=False,
    database=None,
    max_examples=30 * FUZZ_SCALE,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("statelint-open" if OPEN_FUZZ else "statelint")


def examples(bounded: int) -> int:
    """A test's number of examples: ``bounded`` in the deterministic suite,
    ``STATELINT_FUZZ_SCALE`` times that in an open-ended search."""
    return bounded * FUZZ_SCALE


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path → source) under ``root``."""
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def scan_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Scan a project given as a dict of files; paths in results are relative to it."""

    def run(files: dict[str, str], **kwargs) -> ScanResult:
        write_project(tmp_path, files)
        monkeypatch.chdir(tmp_path)
        return scan([str(tmp_path)], **kwargs)

    return run
