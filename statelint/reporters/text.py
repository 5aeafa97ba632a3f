"""Human-readable output in the style of ruff: ``path:line:col: CODE message``,
then the chain from a handler to the state, the other sites, and the way out."""

from __future__ import annotations

from collections.abc import Sequence

from statelint.model import ScanResult
from statelint.reporters._source_frame import SourceFrames
from statelint.reporters.concise import printable, stage_errors
from statelint.rule import Rule

STYLES = {
    "error": "\x1b[1;31m",
    "warning": "\x1b[1;33m",
    "info": "\x1b[1;36m",
    "path": "\x1b[1m",
    "dim": "\x1b[2m",
    "code": "\x1b[1;35m",
    "reset": "\x1b[0m",
    "ok": "\x1b[32m",
    "bad": "\x1b[31m",
}

#: Set by the CLI when stdout is a terminal and colour is wanted.
COLOUR = False


def _style(name: str, text: str) -> str:
    return f"{STYLES[name]}{text}{STYLES['reset']}" if COLOUR else text


def render(result: ScanResult, rules: Sequence[type[Rule]], *, quiet: bool = False,
           source: SourceFrames | None = None) -> str:
    """Findings with their chains and suggestions, file problems, verdicts and a summary.

    ``quiet`` leaves out the handler inventory and the summary (``-q``); with
    ``source``, each finding is followed by a frame of the code it points at
    (``--show-source``).
    """
    lines: list[str] = []
    for finding in result.findings:
        lines.append(
            f"{_style('path', f'{printable(finding.path)}:{finding.line}:{finding.column + 1}')}: "
            f"{_style('code', finding.rule)} {_style(finding.severity, finding.severity)} "
            f"{printable(finding.message)}"
        )
        if source is not None:
            lines.extend(source.frame(finding))
        if finding.trace:
            lines.append("  chain:")
            for step in finding.trace:
                lines.append(printable(f"    {step.path}:{step.line}:{step.column + 1}  {step.message}"))
        others = [loc for loc in finding.related if not loc.message.startswith("handler ")]
        if len(others) > 1:
            lines.append("  also changed at:")
            for loc in others[1:]:
                lines.append(printable(f"    {loc.path}:{loc.line}:{loc.column + 1}  {loc.message}"))
        handler_names = [h.split("::")[-1] for h in finding.handlers if h]
        if handler_names:
            lines.append(f"  handlers: {', '.join(handler_names)}")
        lines.append(f"  {_style('ok', 'fix')}: {finding.suggestion}")
        lines.append("")
    for problem in result.problems:
        where = printable(
            f"{problem.path}:{problem.line}:{problem.column + 1}" if problem.line else problem.path
        )
        lines.append(f"{_style('path', where)}: {_style('error', 'E902')} "
                     f"{printable(problem.message)}")
    for error in stage_errors(result):
        lines.append(f"{_style('error', 'statelint')}: {printable(error.describe())}")
    if quiet:
        return "\n".join(lines) + "\n" if lines else ""
    if result.problems or stage_errors(result):
        lines.append("")
    stateful = [v for v in result.verdicts if v.verdict == "stateful"]
    if result.verdicts:
        lines.append(
            f"Handlers: {len(result.verdicts)} found, "
            f"{len(result.verdicts) - len(stateful)} self-contained, "
            f"{len(stateful)} stateful"
        )
        for verdict in stateful:
            handler = verdict.handler
            causes = sorted({reason.symbol.rsplit(".", 1)[-1] for reason in verdict.reasons})
            lines.append(
                f"  {_style('bad', 'stateful')}  {printable(handler.path)}:{handler.line} "
                f"{handler.name} {handler.route}".rstrip()
                + f"  ← {', '.join(causes)}"
            )
    else:
        lines.append(
            "Handlers: none found (no Flask, FastAPI, Django, ... routes in the scanned files)"
        )
    lines.append(
        f"Found {len(result.findings)} finding{'s' if len(result.findings) != 1 else ''} in "
        f"{result.files_scanned} file{'s' if result.files_scanned != 1 else ''} "
        f"({result.files_skipped} skipped, {result.files_failed} failed)."
    )
    return "\n".join(lines) + "\n"
