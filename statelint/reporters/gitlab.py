"""The ``gitlab`` format: a GitLab Code Quality report (a JSON list of Code Climate issues).

GitLab compares the issues of a merge request with those of its target branch
by ``fingerprint``, so the fingerprint must stay the same while code around a
finding moves, and must differ between two findings, or GitLab would merge them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from statelint.baseline import fingerprint as finding_fingerprint
from statelint.model import FileProblem, Finding, Location, ScanResult
from statelint.reporters.concise import finding_order, problem_label, problem_order, stage_errors
from statelint.rule import Rule

# A stateful handler is a correctness risk once a second worker or replica runs;
# GitLab's scale has no "error", so errors land on "major", leaving "critical"
# and "blocker" to teams that raise them on purpose.
SEVERITIES: dict[str, str] = {"error": "major", "warning": "minor", "info": "info"}
CATEGORIES: list[str] = ["Bug Risk"]


def _digest(*parts: str) -> str:
    # NUL cannot occur in paths or rule codes, so joined parts cannot collide.
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _lines(path: str, line: int, end_line: int) -> dict[str, Any]:
    begin = max(line, 1)
    return {"path": path, "lines": {"begin": begin, "end": max(end_line, begin)}}


def _location(location: Location) -> dict[str, Any]:
    return _lines(location.path, location.line, location.end_line)


def _finding_issue(finding: Finding, fingerprint: str) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "type": "issue",
        "check_name": finding.rule,
        "description": f"{finding.rule} {finding.message}",
        "content": {"body": finding.suggestion},
        "categories": list(CATEGORIES),
        "severity": SEVERITIES.get(finding.severity, "minor"),
        "fingerprint": fingerprint,
        "location": _lines(finding.path, finding.line, finding.end_line),
    }
    if finding.related:
        issue["other_locations"] = [_location(location) for location in finding.related]
    if finding.trace:
        # Code Climate's trace: the call chain from the handler down to the state.
        issue["trace"] = {
            "locations": [_location(location) for location in finding.trace],
            "stacktrace": True,
        }
    return issue


def _problem_issue(problem: FileProblem, fingerprint: str) -> dict[str, Any]:
    return {
        "type": "issue",
        "check_name": problem_label(problem),
        "description": f"statelint could not analyse this file: {problem.message}",
        "categories": list(CATEGORIES),
        "severity": "minor",
        "fingerprint": fingerprint,
        "location": _lines(problem.path, problem.line, problem.line),
    }


def _claim(base: str, occurrences: dict[str, int]) -> str:
    # The first holder keeps the plain fingerprint, so the usual single
    # occurrence is not renumbered and stays comparable with older reports.
    seen = occurrences.get(base, 0)
    occurrences[base] = seen + 1
    return base if seen == 0 else _digest(base, str(seen))


def render(result: ScanResult, rules: Sequence[type[Rule]]) -> str:
    """Render findings and unanalysable files as a Code Quality JSON list.

    Issues that would share a fingerprint (the same state reported twice by one
    rule in one file) get an occurrence number mixed in, in reading order, so
    each keeps its own stable fingerprint.  ``rules`` is accepted for a
    uniform reporter interface.
    """
    issues: list[dict[str, Any]] = []
    occurrences: dict[str, int] = {}
    for finding in sorted(result.findings, key=finding_order):
        # The engine's fingerprint (also the baseline's) survives moved lines.
        fingerprint = _claim(finding.fingerprint or finding_fingerprint(finding), occurrences)
        issues.append(_finding_issue(finding, fingerprint))
    for problem in sorted(result.problems, key=problem_order):
        fingerprint = _claim(_digest("problem", problem.path, problem.kind), occurrences)
        issues.append(_problem_issue(problem, fingerprint))
    for error in stage_errors(result):
        fingerprint = _claim(_digest("internal", error.stage, error.where), occurrences)
        issues.append({
            "type": "issue", "check_name": "InternalError", "description": error.describe(),
            "categories": list(CATEGORIES), "severity": "major", "fingerprint": fingerprint,
            "location": _lines(error.path or ".", 1, 1)})
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
