"""The ``markdown`` format: a pull-request comment (GitHub-flavoured Markdown).

A heading, the counts a reviewer checks first, a findings table, the stateful
handlers, and a collapsed section with each finding's suggestion and call chain.
Text from the scanned code (messages, names, paths) is escaped so that it cannot
break the table, turn into HTML, or be read as emphasis: ``__init__`` must stay
``__init__``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from statelint.model import Finding, Location, ScanResult, Verdict
from statelint.reporters.concise import (
    count_by_severity,
    finding_order,
    handler_label,
    noun,
    plural,
    problem_label,
    problem_order,
    stage_errors,
)
from statelint.rule import Rule

#: Lets a CI bot find the comment it posted earlier and update it in place.
MARKER = "<!-- statelint-report -->"
#: GitHub rejects comments over 65,536 characters; long lists are cut well before that.
MAX_ROWS = 100
MAX_HANDLERS_PER_ROW = 3
NO_STATE = "No process-local state reached from any handler."

# Characters that start emphasis, links or escapes in prose.  ``#`` and list
# markers only matter at the start of a line, which escaped text never is.
_PROSE_PUNCTUATION = re.compile(r"([\\*_~\[\]])")


def _escape_prose(text: str, in_table: bool) -> str:
    text = _PROSE_PUNCTUATION.sub(r"\\\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|") if in_table else text


def _escape_line(line: str, in_table: bool) -> str:
    parts = line.split("`")
    if len(parts) % 2 == 0:
        # An odd number of backticks opens no code span: every backtick is literal.
        return "\\`".join(_escape_prose(part, in_table) for part in parts)
    # Inside `code spans` Markdown shows characters as they are, so only the pipe
    # needs escaping there (GFM splits table cells before it parses code spans).
    return "`".join(
        (part.replace("|", "\\|") if in_table else part)
        if index % 2
        else _escape_prose(part, in_table)
        for index, part in enumerate(parts)
    )


def inline(text: str, *, in_table: bool = False) -> str:
    """Escape text for inline Markdown, keeping any `code spans` it contains.

    Newlines become ``<br>`` so that a multi-line message stays in its table
    cell or list item.
    """
    return "<br>".join(_escape_line(line, in_table) for line in text.splitlines())


def code(text: str, *, in_table: bool = False) -> str:
    """Wrap text in a code span whose fence is longer than any backtick run inside it."""
    text = " ".join(text.splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # A space keeps a leading or trailing backtick from merging with the fence.
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    if in_table:
        padded = padded.replace("|", "\\|")
    return f"{fence}{padded}{fence}"


def _where(path: str, line: int, column: int) -> str:
    return f"{path}:{line}:{column + 1}" if line else path


def _handlers_cell(handlers: Sequence[str]) -> str:
    shown = [
        code(handler_label(handler), in_table=True) for handler in handlers[:MAX_HANDLERS_PER_ROW]
    ]
    hidden = len(handlers) - len(shown)
    if hidden:
        shown.append(f"+{hidden} more")
    return ", ".join(shown)


def _findings_table(findings: Sequence[Finding]) -> list[str]:
    lines = [
        "| Severity | Rule | Location | State | Handlers | Message |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for finding in findings[:MAX_ROWS]:
        cells = [
            finding.severity,
            f"{finding.rule} {inline(finding.name, in_table=True)}",
            code(_where(finding.path, finding.line, finding.column), in_table=True),
            code(finding.symbol, in_table=True) if finding.symbol else "",
            _handlers_cell(finding.handlers),
            inline(finding.message, in_table=True),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _chain_step(number: int, step: Location) -> str:
    where = code(_where(step.path, step.line, step.column))
    return f"{number}. {where} {inline(step.message)}".rstrip()


def _finding_details(finding: Finding) -> list[str]:
    title = f"**{finding.rule}** {inline(finding.name)}"
    if finding.symbol:
        title += f" on {code(finding.symbol)}"
    lines = [f"{title} at {code(_where(finding.path, finding.line, finding.column))}", ""]
    if finding.suggestion:
        lines += [f"Suggestion: {inline(finding.suggestion)}", ""]
    if finding.trace:
        lines += ["Chain:", ""]
        lines += [_chain_step(number, step) for number, step in enumerate(finding.trace, 1)]
        lines.append("")
    if finding.related:
        lines += ["Related:", ""]
        lines += [
            f"- {code(_where(place.path, place.line, place.column))} {inline(place.message)}".rstrip()
            for place in finding.related
        ]
        lines.append("")
    return lines


def _stateful_table(verdicts: Sequence[Verdict]) -> list[str]:
    lines = ["| Handler | Route | Location | Why |", "| --- | --- | --- | --- |"]
    for verdict in verdicts[:MAX_ROWS]:
        handler = verdict.handler
        route = " ".join(part for part in (" ".join(handler.methods), handler.route) if part)
        reasons = "<br>".join(inline(reason.text, in_table=True) for reason in verdict.reasons)
        cells = [
            code(handler.name, in_table=True),
            code(route, in_table=True) if route else "",
            code(_where(handler.path, handler.line, handler.column), in_table=True),
            reasons,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _more(total: int, word: str) -> list[str]:
    if total <= MAX_ROWS:
        return []
    hidden = total - MAX_ROWS
    return ["", f"…and {hidden} more {noun(hidden, word)}; run statelint locally to see them all."]


def _summary(result: ScanResult) -> list[str]:
    handlers = len(result.verdicts)
    stateful = result.stateful_handlers
    counts = [
        f"**{handlers}** {noun(handlers, 'handler')}",
        f"**{stateful}** stateful",
        f"**{handlers - stateful}** self-contained",
        f"**{result.files_scanned}** {noun(result.files_scanned, 'file')} scanned",
    ]
    if result.findings:
        by_severity = count_by_severity(result.findings)
        findings = " · ".join(
            f"**{count}** {noun(count, severity)}"
            for severity, count in by_severity.items()
            if count
        )
        finding_line = f"Findings: {findings}"
    else:
        finding_line = "Findings: none"
    # Two trailing spaces: a Markdown line break between the two count lines.
    return [" · ".join(counts) + "  ", finding_line]


def render(result: ScanResult, rules: Sequence[type[Rule]]) -> str:
    """Render the scan as a pull-request comment in GitHub-flavoured Markdown.

    ``rules`` is accepted for a uniform reporter interface; findings carry
    their rule's code and name.
    """
    findings = sorted(result.findings, key=finding_order)
    stateful = sorted(
        (verdict for verdict in result.verdicts if verdict.verdict == "stateful"),
        key=lambda verdict: (verdict.handler.path, verdict.handler.line, verdict.handler.name),
    )
    lines = [MARKER, "## statelint", ""]
    lines += _summary(result)
    lines.append("")
    if findings:
        lines += _findings_table(findings) + _more(len(findings), "finding")
    else:
        lines.append(NO_STATE)

    if stateful:
        lines += ["", "### Stateful handlers", ""]
        lines += _stateful_table(stateful) + _more(len(stateful), "handler")

    if findings:
        # <details> needs blank lines around its Markdown body, or GitHub shows
        # the body as raw text.
        lines += ["", "<details>", "<summary>Suggestions and call chains</summary>", ""]
        for finding in findings[:MAX_ROWS]:
            lines += _finding_details(finding)
        while lines[-1] == "":
            lines.pop()
        lines += _more(len(findings), "finding")
        lines += ["", "</details>"]

    problems = sorted(result.problems, key=problem_order)
    if problems:
        lines += ["", f"{plural(len(problems), 'file')} could not be analysed:", ""]
        lines += [
            f"- {code(_where(problem.path, problem.line, problem.column))}: "
            f"{problem_label(problem)}: {inline(problem.message)}"
            for problem in problems
        ]
    internal = stage_errors(result)
    if internal:
        lines += ["", "statelint failed inside (the rest of this report is complete):", ""]
        lines += [f"- {inline(error.describe())}" for error in internal]
    return "\n".join(lines).rstrip() + "\n"
