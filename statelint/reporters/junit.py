"""The ``junit`` format: JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure).

One test suite; one test case per handler (``classname`` the file, ``name`` the
handler), failing when the handler is stateful, with the findings that reach it
as the failure text.  Findings no handler could be matched to, and files that
could not be analysed, get test cases of their own so that nothing is dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import statelint
from statelint.engine import handler_key
from statelint.model import FileProblem, Finding, Location, ScanResult, Verdict
from statelint.reporters.concise import (
    finding_order,
    plural,
    problem_label,
    problem_order,
    stage_errors,
)
from statelint.rule import Rule

# XML 1.0 forbids most control characters, even escaped; ElementTree writes them
# as they are, and one stray byte in a message would make the whole report
# unreadable to the CI system.
_NOT_XML_CHARACTERS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Replace characters that XML 1.0 cannot carry with U+FFFD; ElementTree escapes the rest."""
    return _NOT_XML_CHARACTERS.sub("\ufffd", text)


def _step(location: Location) -> str:
    where = f"{location.path}:{location.line}"
    return f"{location.message} ({where})" if location.message else where


def _finding_text(finding: Finding) -> str:
    where = f"{finding.path}:{finding.line}:{finding.column + 1}"
    lines = [f"{where}: {finding.rule} {finding.name} [{finding.severity}]: {finding.message}"]
    if finding.symbol:
        lines.append(f"  state: {finding.symbol}")
    if finding.trace:
        lines.append("  chain: " + " -> ".join(_step(step) for step in finding.trace))
    if finding.suggestion:
        lines.append(f"  fix: {finding.suggestion}")
    return "\n".join(lines)


def _reason_text(verdict: Verdict) -> str:
    # Used only when no finding could be matched to a stateful handler: the
    # verdict's own reasons are then the best account of why it failed.
    lines = []
    for reason in verdict.reasons:
        tag = " ".join(part for part in (reason.rule, reason.symbol) if part)
        lines.append(f"{tag}: {reason.text}" if tag else reason.text)
    return "\n".join(lines)


def match_findings(
    verdicts: Sequence[Verdict], findings: Sequence[Finding]
) -> tuple[dict[int, list[Finding]], list[Finding]]:
    """Attach each finding to the verdicts (by index) of the handlers it names.

    Findings name handlers by the engine's ``handler_key``, the same key the
    engine judges verdicts with, so a handler's test case lists exactly the
    findings that made it stateful.  Returns the attached findings per verdict
    and the findings that name no handler of the scan.
    """
    by_key: dict[str, list[int]] = {}
    for number, verdict in enumerate(verdicts):
        by_key.setdefault(handler_key(verdict.handler), []).append(number)
    attached: dict[int, list[Finding]] = {}
    unmatched: list[Finding] = []
    for finding in findings:
        targets = sorted({number for key in finding.handlers for number in by_key.get(key, ())})
        for number in targets:
            attached.setdefault(number, []).append(finding)
        if not targets:
            unmatched.append(finding)
    return attached, unmatched


def _testcase(parent: ET.Element, classname: str, name: str, path: str, line: int) -> ET.Element:
    attributes = {
        "classname": xml_safe(classname),
        "name": xml_safe(name),
        "file": xml_safe(path),
        "line": str(line),
    }
    return ET.SubElement(parent, "testcase", attributes)


def _fail(case: ET.Element, tag: str, message: str, kind: str, text: str) -> None:
    element = ET.SubElement(case, tag, {"message": xml_safe(message), "type": xml_safe(kind)})
    element.text = xml_safe(text)


def _problem_case(suite: ET.Element, problem: FileProblem) -> None:
    case = _testcase(suite, problem.path, problem_label(problem), problem.path, problem.line)
    where = f"{problem.path}:{problem.line}:{problem.column + 1}" if problem.line else problem.path
    # <error>, not <failure>: the file was never judged, which is not the same
    # as a handler judged stateful.
    _fail(case, "error", problem.message, problem.kind, f"{where}: {problem.message}")


def render(result: ScanResult, rules: Sequence[type[Rule]]) -> str:
    """Render handlers as JUnit test cases, failing the stateful ones.

    ``rules`` is accepted for a uniform reporter interface.
    """
    findings = sorted(result.findings, key=finding_order)
    attached, unmatched = match_findings(result.verdicts, findings)
    suites = ET.Element("testsuites", {"name": "statelint"})
    suite = ET.SubElement(suites, "testsuite", {"name": "statelint"})
    properties = ET.SubElement(suite, "properties")
    version = {"name": "statelint.version", "value": statelint.__version__}
    ET.SubElement(properties, "property", version)

    failures = 0
    numbered = sorted(
        enumerate(result.verdicts),
        key=lambda pair: (pair[1].handler.path, pair[1].handler.line, pair[1].handler.name),
    )
    for number, verdict in numbered:
        handler = verdict.handler
        case = _testcase(suite, handler.path, handler.name, handler.path, handler.line)
        if verdict.verdict != "stateful":
            continue
        failures += 1
        reached = attached.get(number, [])
        text = "\n\n".join(map(_finding_text, reached)) if reached else _reason_text(verdict)
        count = len(reached) or len(verdict.reasons)
        summary = f"{handler.name} is stateful: {plural(count, 'finding' if reached else 'reason')}"
        _fail(case, "failure", summary, "stateful", text)

    for finding in unmatched:
        name = f"{finding.rule} {finding.symbol}".strip()
        case = _testcase(suite, finding.path, name, finding.path, finding.line)
        failures += 1
        _fail(case, "failure", finding.message, finding.rule, _finding_text(finding))

    problems = sorted(result.problems, key=problem_order)
    for problem in problems:
        _problem_case(suite, problem)

    internal = stage_errors(result)
    for error in internal:
        case = _testcase(suite, error.path or "statelint", f"internal error in {error.stage}",
                         error.path, 0)
        _fail(case, "error", error.describe(), "internal", error.describe())

    tests = len(result.verdicts) + len(unmatched) + len(problems) + len(internal)
    counts = {
        "tests": str(tests),
        "failures": str(failures),
        "errors": str(len(problems) + len(internal)),
        "skipped": "0",
    }
    suites.attrib.update(counts)
    suite.attrib.update(counts)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
