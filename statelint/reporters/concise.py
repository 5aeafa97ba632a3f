"""The ``concise`` format: one ``path:line:col: CODE message`` line per finding.

The shape follows ruff's concise output so that editors and terminals that
already jump to ``path:line:col`` work unchanged.  Columns are printed 1-based,
as editors count them; the model keeps LibCST's 0-based columns.

This module is also where the few helpers every format shares live (ordering,
severity counts, labels for unreadable files): it is the plainest rendering, and
keeping them here means the other formats agree on order and wording.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from statelint.model import FileProblem, Finding, InternalError, ScanResult
from statelint.rule import Rule

if TYPE_CHECKING:
    from statelint.reporters._source_frame import SourceFrames

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")

# Worded like Python's exception names, the vocabulary readers already know for
# "this file could not be read as Python".
PROBLEM_LABELS: dict[str, str] = {
    "syntax": "SyntaxError",
    "encoding": "EncodingError",
    "unreadable": "ReadError",
    "too-large": "FileTooLarge",
    "internal": "InternalError",
}


def finding_order(finding: Finding) -> tuple[str, int, int, str, str, str]:
    """Sort key that puts findings in reading order, so every format is deterministic.

    The engine may collect findings from worker processes in any order; sorting
    here keeps reports byte-identical between runs.
    """
    return (
        finding.path,
        finding.line,
        finding.column,
        finding.rule,
        finding.symbol,
        finding.message,
    )


def problem_order(problem: FileProblem) -> tuple[str, int, int, str]:
    """Sort key for files that could not be analysed."""
    return (problem.path, problem.line, problem.column, problem.message)


def problem_label(problem: FileProblem) -> str:
    """A short, exception-like name for why a file could not be analysed."""
    return PROBLEM_LABELS.get(problem.kind, problem.kind or "Error")


#: Control characters (C0 but tab, DEL, C1) as escapes: a file name or a source line in a
#: message must not move the cursor or change a terminal's state.
_CONTROL = {code: f"\\x{code:02x}" for code in [*range(0, 9), *range(11, 32), *range(127, 160)]}


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` (newlines kept)."""
    return text.translate(_CONTROL)


def stage_errors(result: ScanResult) -> list[InternalError]:
    """Internal errors that are not already listed as a file that failed: those of
    the link, analysis and rule stages (a file's own failure is one of its problems)."""
    return [error for error in result.errors if error.stage != "facts"]


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """Count findings per severity, always listing error, warning and info in that order."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return counts


def handler_label(key: str) -> str:
    """The handler's name from a finding's ``path::name`` handler key, for readers.

    The path is left out because the finding's trace already shows where the
    handler lives, and full keys make annotations and table cells hard to read.
    """
    return key.rsplit("::", 1)[-1]


def noun(count: int, word: str) -> str:
    """``finding`` or ``findings`` for ``count``; ``info``, used as a severity, has no plural."""
    return word if count == 1 or word == "info" else f"{word}s"


def plural(count: int, word: str) -> str:
    """``1 finding``, ``2 findings``: enough English for statelint's summaries."""
    return f"{count} {noun(count, word)}"


def single_line(text: str) -> str:
    """Collapse all whitespace, newlines included, so that one item stays on one line,
    with control characters escaped."""
    return printable(" ".join(text.split()))


def summarise(result: ScanResult) -> str:
    """One sentence with the counts a reader checks first: findings, stateful handlers, failures."""
    findings = len(result.findings)
    if findings:
        counts = count_by_severity(result.findings)
        by_severity = ", ".join(
            plural(count, severity) for severity, count in counts.items() if count
        )
        parts = [f"Found {plural(findings, 'finding')} ({by_severity})"]
    else:
        parts = ["No findings"]
    parts.append(
        f"{result.stateful_handlers} of {plural(len(result.verdicts), 'handler')} stateful"
    )
    if result.files_failed:
        parts.append(f"{plural(result.files_failed, 'file')} could not be analysed")
    if stage_errors(result):
        parts.append(f"{plural(len(stage_errors(result)), 'internal error')} in statelint")
    return "; ".join(parts) + "."


def render(result: ScanResult, rules: Sequence[type[Rule]], *, quiet: bool = False,
           source: SourceFrames | None = None) -> str:
    """Render findings as ``path:line:col: CODE message`` lines followed by a summary line.

    Files that could not be analysed get a line of their own in the same shape,
    with an exception-like label in place of a rule code.  ``rules`` is accepted
    for a uniform reporter interface; the line carries only the code.  ``quiet``
    leaves out the summary line (``-q``); with ``source``, each finding is
    followed by a frame of the code it points at (``--show-source``).
    """
    lines: list[str] = []
    for finding in sorted(result.findings, key=finding_order):
        lines.append(f"{printable(finding.path)}:{finding.line}:{finding.column + 1}: "
                     f"{finding.rule} {single_line(finding.message)}")
        if source is not None:
            lines.extend(source.frame(finding, indent=""))
    for problem in sorted(result.problems, key=problem_order):
        where = printable(
            f"{problem.path}:{problem.line}:{problem.column + 1}" if problem.line else problem.path
        )
        lines.append(f"{where}: {problem_label(problem)}: {single_line(problem.message)}")
    for error in stage_errors(result):
        lines.append(f"{printable(error.path or 'statelint')}: InternalError: "
                     f"{single_line(error.describe())}")
    if quiet:
        return "\n".join(lines) + "\n" if lines else ""
    lines.append(summarise(result))
    return "\n".join(lines) + "\n"
