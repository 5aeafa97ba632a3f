"""The JSON contract of ARCHITECTURE.md: findings, handlers and a summary."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from statelint import __version__
from statelint.model import Finding, Location, Route, ScanResult, Verdict
from statelint.rule import Rule


def location_dict(location: Location) -> dict[str, Any]:
    """A related or trace location as plain data."""
    return {
        "path": location.path,
        "line": location.line,
        "column": location.column,
        "message": location.message,
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    """One finding as plain data, with the contract's field names."""
    return {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "message": finding.message,
        "symbol": finding.symbol,
        "handler": finding.handler,
        "handlers": list(finding.handlers),
        "writers": list(finding.writers),
        "how": finding.how,
        "trace": [location_dict(item) for item in finding.trace],
        "related": [location_dict(item) for item in finding.related],
        "suggestion": finding.suggestion,
        "fingerprint": finding.fingerprint,
    }


def route_dict(route: Route) -> dict[str, Any]:
    """One route of a handler: its full path, methods, endpoint name and namespace."""
    return {
        "path": route.path,
        "methods": list(route.methods),
        "added_methods": list(route.added_methods),
        "endpoint": route.endpoint,
        "namespace": route.namespace,
    }


def handler_dict(verdict: Verdict) -> dict[str, Any]:
    """One handler and its verdict as plain data."""
    handler = verdict.handler
    return {
        "path": handler.path,
        "line": handler.line,
        "column": handler.column,
        "name": handler.name,
        "module": handler.module,
        "framework": handler.framework,
        "kind": handler.kind,
        "route": handler.route,
        "methods": list(handler.methods),
        "endpoint": handler.all_routes[0].endpoint,
        "namespace": handler.all_routes[0].namespace,
        "routes": [route_dict(route) for route in handler.all_routes],
        "verdict": verdict.verdict,
        "reasons": [
            {
                "text": reason.text,
                "rule": reason.rule,
                "symbol": reason.symbol,
                "how": reason.how,
                "severity": reason.severity,
                "trace": [location_dict(item) for item in reason.trace],
            }
            for reason in verdict.reasons
        ],
    }


def result_dict(result: ScanResult) -> dict[str, Any]:
    """The whole result as the JSON contract's plain data."""
    by_severity = {"error": 0, "warning": 0, "info": 0}
    for finding in result.findings:
        by_severity[finding.severity] += 1
    return {
        "version": __version__,
        "findings": [finding_dict(item) for item in result.findings],
        "handlers": [handler_dict(item) for item in result.verdicts],
        "problems": [
            {
                "path": p.path,
                "line": p.line,
                "column": p.column,
                "message": p.message,
                "kind": p.kind,
            }
            for p in result.problems
        ],
        "errors": [
            {
                "stage": e.stage,
                "path": e.path,
                "module": e.module,
                "rule": e.rule,
                "analysis": e.analysis,
                "message": e.message,
            }
            for e in result.errors
        ],
        "summary": {
            "files_scanned": result.files_scanned,
            "files_skipped": result.files_skipped,
            "files_failed": result.files_failed,
            "folders_skipped": result.folders_skipped,
            "handlers": len(result.verdicts),
            "stateful_handlers": result.stateful_handlers,
            "self_contained_handlers": len(result.verdicts) - result.stateful_handlers,
            "findings": len(result.findings),
            "errors": by_severity["error"],
            "warnings": by_severity["warning"],
            "infos": by_severity["info"],
            "internal_errors": len(result.errors),
        },
    }


def render(result: ScanResult, rules: Sequence[type[Rule]]) -> str:
    """The result as indented, key-stable JSON."""
    return json.dumps(result_dict(result), indent=2, ensure_ascii=False) + "\n"
