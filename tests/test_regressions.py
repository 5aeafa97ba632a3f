"""Inputs that once crashed statelint, found by fuzzing or by scanning real code.

Each one is kept as a fixed example: it must give its precise outcome (facts, or a
problem of a known kind naming the line), never an internal error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from statelint.cli import main
from statelint.facts import extract_facts


def check_json(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict]:
    monkeypatch.chdir(folder)
    outcome = CliRunner().invoke(main, ["check", "--format", "json", "--no-cache", "."])
    return outcome.exit_code, json.loads(outcome.stdout)


def test_identifier_of_a_newer_unicode_is_a_syntax_error_not_a_bug() -> None:
    # U+31350 is a CJK ideograph from Unicode 15.0.  LibCST's tokenizer takes it for
    # a name; Python 3.11 (Unicode 14.0) does not, and LibCST's own node check then
    # refused it with an exception of its own (once reported as an internal error).
    facts = extract_facts("\U00031350".encode(), "app/labels.py", "app.labels", False)
    assert facts.error is not None
    assert facts.error.kind == "syntax"
    assert facts.error.line == 1
    assert "U+31350" in facts.error.message or "invalid" in facts.error.message


def test_newer_unicode_identifier_costs_one_file_and_exits_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "labels.py").write_text("\U00031350\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(
        "from flask import Flask\napp = Flask(__name__)\nHITS = {}\n\n"
        "@app.get('/')\ndef index():\n    HITS['/'] = HITS.get('/', 0) + 1\n    return 'ok'\n",
        encoding="utf-8")
    code, report = check_json(tmp_path, monkeypatch)
    assert code == 1
    kinds = {problem["path"]: problem["kind"] for problem in report["problems"]}
    assert kinds == {"labels.py": "syntax"}
    assert "internal" not in json.dumps(report["problems"])
    assert report["findings"], "the other file is still analysed"
