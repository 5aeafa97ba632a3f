"""Shared test helpers: write small projects to disk and scan them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from statelint.engine import scan
from statelint.model import ScanResult


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
