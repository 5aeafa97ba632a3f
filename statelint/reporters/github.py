"""The ``github`` format: GitHub Actions workflow commands that become annotations.

Each finding becomes ``::error file=...,line=...,col=...,endLine=...,endColumn=...,
title=CODE name::message``.  GitHub numbers columns from 1, so LibCST's 0-based
columns are shifted by one, and the end column is exclusive like the model's.
"""

from __future__ import annotations

from collections.abc import Sequence

from statelint.model import FileProblem, Finding, ScanResult
from statelint.reporters.concise import (
    finding_order,
    handler_label,
    problem_label,
    problem_order,
    stage_errors,
)
from statelint.rule import Rule

# GitHub has no "info" annotation; "notice" is its mildest level.
COMMANDS: dict[str, str] = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message the way the Actions runner decodes it.

    ``%`` goes first, otherwise the ``%`` of the other escapes would be escaped
    again.  Newlines survive as ``%0A`` and show as line breaks in the annotation.
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property: as a message, plus ``:`` and ``,`` which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_command(command: str, properties: Sequence[tuple[str, str]], message: str) -> str:
    """Build one ``::command key=value,...::message`` line with everything escaped."""
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{command} {joined}::{escape_data(message)}"


def _finding_message(finding: Finding) -> str:
    # The annotation is all a reviewer sees in the diff view, so it carries the
    # handlers and the fix as well as the message.
    lines = [finding.message]
    if finding.handlers:
        lines.append(f"Reached from: {', '.join(map(handler_label, finding.handlers))}")
    if finding.suggestion:
        lines.append(f"Fix: {finding.suggestion}")
    return "\n".join(lines)


def _finding_command(finding: Finding) -> str:
    properties = [
        ("file", finding.path),
        ("line", str(finding.line)),
        ("col", str(finding.column + 1)),
    ]
    if finding.end_line:
        properties += [
            ("endLine", str(finding.end_line)),
            ("endColumn", str(finding.end_column + 1)),
        ]
    properties.append(("title", f"{finding.rule} {finding.name}"))
    return format_command(
        COMMANDS.get(finding.severity, "warning"), properties, _finding_message(finding)
    )


def _problem_command(problem: FileProblem) -> str:
    properties = [("file", problem.path)]
    if problem.line:
        properties += [("line", str(problem.line)), ("col", str(problem.column + 1))]
    properties.append(
        ("title", f"statelint could not analyse this file ({problem_label(problem)})")
    )
    return format_command("error", properties, problem.message)


def render(result: ScanResult, rules: Sequence[type[Rule]]) -> str:
    """Render one workflow command per finding and per file that could not be analysed.

    Prints nothing when there is nothing to annotate: any other line would only
    clutter the job log.  ``rules`` is accepted for a uniform reporter interface.
    """
    lines = [_finding_command(finding) for finding in sorted(result.findings, key=finding_order)]
    lines += [_problem_command(problem) for problem in sorted(result.problems, key=problem_order)]
    lines += [format_command("error", [("file", error.path)] if error.path else [],
                             error.describe()) for error in stage_errors(result)]
    return "".join(f"{line}\n" for line in lines)
