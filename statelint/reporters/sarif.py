"""The ``sarif`` format: a SARIF 2.1.0 log, as GitHub code scanning and IDE viewers read it.

One run, one tool component (statelint) carrying the rule catalogue, one result
per finding.  A finding's state definition and mutation sites become related
locations; the handler-to-state call chain becomes a code flow; files that could
not be analysed become tool execution notifications on the invocation.

Regions use SARIF's 1-based columns with an exclusive end column, which is the
model's 0-based, end-exclusive LibCST columns plus one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import statelint
from statelint.baseline import fingerprint
from statelint.model import FileProblem, Finding, Location, ScanResult
from statelint.reporters.concise import finding_order, problem_label, problem_order, stage_errors
from statelint.rule import Rule

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "statelintFingerprint/v1"
LEVELS: dict[str, str] = {"error": "error", "warning": "warning", "info": "note"}
# The labels under which a project usually publishes its home page; the first
# one found in the installed metadata becomes the driver's informationUri.
HOMEPAGE_LABELS: tuple[str, ...] = ("homepage", "documentation", "repository", "source")


def information_uri(labels: tuple[str, ...] = HOMEPAGE_LABELS) -> str:
    """The project's home page from the installed package metadata, or ``""`` if none is declared.

    Read from metadata rather than written here so that the URL has one home:
    ``[project.urls]`` in pyproject.toml.  ``labels`` are the URL labels to take,
    the first one declared winning.
    """
    try:
        urls = metadata.metadata("statelint").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return ""
    found: dict[str, str] = {}
    for entry in urls:
        label, _, url = entry.partition(",")
        found.setdefault(label.strip().lower(), url.strip())
    for label in labels:
        if found.get(label):
            return found[label]
    return ""


def _artifact_uri(path: str) -> str:
    # Paths are relative already; spaces and other reserved characters must be
    # percent-encoded to make a valid URI reference.
    return quote(path.replace("\\", "/"), safe="/")


def _root_uri(root: str) -> str:
    # %SRCROOT% must be an absolute URI ending in a slash for viewers to resolve
    # the relative artifact URIs against it.
    uri = Path(root or ".").absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _region(line: int, column: int, end_line: int = 0, end_column: int = 0) -> dict[str, int]:
    region = {"startLine": max(line, 1), "startColumn": max(column, 0) + 1}
    # An end before the start, or one the engine did not know (0), is left out
    # rather than invented: viewers then highlight the start position.
    if end_line > line or (end_line == line and end_column >= column):
        region["endLine"] = end_line
        region["endColumn"] = max(end_column, 0) + 1
    return region


def _physical_location(
    path: str, line: int, column: int, end_line: int = 0, end_column: int = 0
) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": _artifact_uri(path), "uriBaseId": SRCROOT}
    }
    if line > 0:
        physical["region"] = _region(line, column, end_line, end_column)
    return physical


def _location(location: Location, **extra: Any) -> dict[str, Any]:
    sarif: dict[str, Any] = dict(extra)
    sarif["physicalLocation"] = _physical_location(
        location.path, location.line, location.column, location.end_line, location.end_column
    )
    if location.message:
        sarif["message"] = {"text": location.message}
    return sarif


def _rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    documentation = rule.documentation()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary or rule.name},
        "fullDescription": {"text": rule.what_it_finds.strip() or rule.summary or rule.name},
        # The Markdown source doubles as the plain-text help: it is written to
        # read well unrendered, and viewers without Markdown show ``text``.
        "help": {"text": documentation, "markdown": documentation},
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": {
            "tags": sorted({"statelint", "scalability", rule.how}),
            "how": rule.how,
        },
    }


def _fallback_descriptor(finding: Finding) -> dict[str, Any]:
    # A finding whose rule was not passed in (a plugin, a stale baseline) still
    # needs a descriptor for ruleIndex to point at.
    return {
        "id": finding.rule,
        "name": finding.name,
        "shortDescription": {"text": finding.name or finding.rule},
        "defaultConfiguration": {"level": LEVELS.get(finding.severity, "warning")},
    }


def _rule_descriptors(
    rules: Sequence[type[Rule]], findings: Sequence[Finding]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rule in sorted(rules, key=lambda item: item.code):
        if rule.code and rule.code not in index:
            index[rule.code] = len(descriptors)
            descriptors.append(_rule_descriptor(rule))
    for finding in findings:
        if finding.rule not in index:
            index[finding.rule] = len(descriptors)
            descriptors.append(_fallback_descriptor(finding))
    return descriptors, index


def _code_flow(finding: Finding) -> dict[str, Any]:
    steps = [
        {
            "location": _location(step),
            # Each step of the chain is one call deeper than the one before.
            "nestingLevel": depth,
            "executionOrder": depth + 1,
        }
        for depth, step in enumerate(finding.trace)
    ]
    return {
        "message": {"text": f"How a handler reaches {finding.symbol or 'the state'}"},
        "threadFlows": [{"locations": steps}],
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    primary: dict[str, Any] = {
        "physicalLocation": _physical_location(
            finding.path, finding.line, finding.column, finding.end_line, finding.end_column
        )
    }
    if finding.symbol:
        primary["logicalLocations"] = [{"fullyQualifiedName": finding.symbol}]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.message},
        "locations": [primary],
    }
    if finding.related:
        # Ids start at 1 so that messages may link them as ``[text](1)``.
        result["relatedLocations"] = [
            _location(location, id=number)
            for number, location in enumerate(finding.related, start=1)
        ]
    if finding.trace:
        result["codeFlows"] = [_code_flow(finding)]
    # The engine fills the fingerprint; a finding built elsewhere gets the same one here.
    result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint or fingerprint(finding)}
    result["properties"] = {
        "name": finding.name,
        "symbol": finding.symbol,
        "handlers": list(finding.handlers),
        "how": finding.how,
        "suggestion": finding.suggestion,
    }
    return result


def _problem_notification(problem: FileProblem) -> dict[str, Any]:
    location = {"physicalLocation": _physical_location(problem.path, problem.line, problem.column)}
    return {
        "level": "error",
        "message": {"text": f"{problem_label(problem)}: {problem.message}"},
        "locations": [location],
        "descriptor": {"id": problem.kind or "error"},
    }


def _invocation(result: ScanResult) -> dict[str, Any]:
    notifications = [
        _problem_notification(problem) for problem in sorted(result.problems, key=problem_order)
    ]
    notifications += [
        {"level": "error", "message": {"text": error.describe()},
         "descriptor": {"id": f"internal-{error.stage}"}}
        for error in stage_errors(result)
    ]
    # dict.fromkeys drops repeated notes: SARIF asks for distinct notifications.
    notifications += [
        {"level": "note", "message": {"text": note}} for note in dict.fromkeys(result.notes)
    ]
    return {
        # A file with a syntax error is a finding about the scanned code, not a
        # failure of statelint; only an internal error means the run went wrong.
        "executionSuccessful": not result.failed,
        "toolExecutionNotifications": notifications,
    }


def build_log(result: ScanResult, rules: Sequence[type[Rule]]) -> dict[str, Any]:
    """Build the SARIF log as plain data, for callers that post-process it before writing."""
    findings = sorted(result.findings, key=finding_order)
    descriptors, index = _rule_descriptors(rules, findings)
    driver: dict[str, Any] = {
        "name": "statelint",
        "version": statelint.__version__,
    }
    uri = information_uri()
    if uri:
        driver["informationUri"] = uri
    driver["rules"] = descriptors
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"uri": _root_uri(result.root)}},
        "columnKind": "unicodeCodePoints",
        "invocations": [_invocation(result)],
        "results": [_result(finding, index[finding.rule]) for finding in findings],
        "properties": {
            "filesScanned": result.files_scanned,
            "filesSkipped": result.files_skipped,
            "filesFailed": result.files_failed,
            "foldersSkipped": result.folders_skipped,
            "handlers": len(result.verdicts),
            "statefulHandlers": result.stateful_handlers,
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: ScanResult, rules: Sequence[type[Rule]]) -> str:
    """Render the scan as a SARIF 2.1.0 log (JSON text, valid against the OASIS schema)."""
    return json.dumps(build_log(result, rules), indent=2, ensure_ascii=False) + "\n"
