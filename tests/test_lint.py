"""The project's own code passes the linter configured in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_passes_on_the_engine_rules_and_benchmarks():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it comes with the `test` extra)")
    completed = subprocess.run([ruff, "check", "statelint", "rules", "benchmarks"], cwd=ROOT,
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_catalogue_ships_inside_the_statelint_namespace():
    # ``rules/`` in the source tree is ``statelint.rules`` once installed: no
    # top-level ``rules`` package lands in a user's site-packages.
    import statelint.rules

    assert Path(statelint.rules.__file__).resolve().parent == ROOT / "rules"
    completed = subprocess.run([sys.executable, "-c", "import rules"], cwd=ROOT / "tests",
                               capture_output=True, text=True, check=False)
    assert completed.returncode != 0
