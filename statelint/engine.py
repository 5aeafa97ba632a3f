"""The pipeline: discover → facts → link → rules → filter → verdicts.

``scan`` is the one entry point the CLI, the tests and other tools call.  Data
flows one way; each stage takes the previous stage's plain results.
"""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

from statelint.discover import SourceFile, discover
from statelint.filtering import (
    apply_config,
    attach_ledger,
    discovery_filters,
    enabled_rules,
    scan_root,
)
from statelint.model import (
    SEVERITY_RANK,
    FileProblem,
    Finding,
    Handler,
    ModuleFacts,
    ParseError,
    Reason,
    ScanResult,
    Verdict,
)
from statelint.project import Project
from statelint.rule import Rule, all_rules

#: Below this many files a process pool costs more than it saves.
PARALLEL_THRESHOLD = 64

INTERNAL_ERROR_HELP = (
    "this is a bug in statelint; please report it with the file (or a reduced copy of it)"
)


def handler_key(handler: Handler) -> str:
    """How findings name a handler: ``path::name``."""
    return f"{handler.path}::{handler.name}"


def read_facts(file: SourceFile) -> ModuleFacts:
    """Read and parse one file; never raises."""
    from statelint.facts import extract_facts

    try:
        source = file.path.read_bytes()
    except OSError as error:
        return ModuleFacts(file.relpath, file.module, file.is_package,
                           error=ParseError(f"cannot read file: {error.strerror or error}",
                                            kind="unreadable"))
    try:
        return extract_facts(source, file.relpath, file.module, file.is_package)
    except Exception as error:  # noqa: BLE001 - one bad file must not end the scan
        return ModuleFacts(file.relpath, file.module, file.is_package,
                           error=ParseError(f"internal error: {type(error).__name__}: {error}; "
                                            f"{INTERNAL_ERROR_HELP}", kind="internal"))


def _read_many(files: list[SourceFile]) -> list[ModuleFacts]:
    return [read_facts(file) for file in files]


def collect_facts(files: list[SourceFile], jobs: int = 0) -> list[ModuleFacts]:
    """Facts for every file, in the order of ``files``, in parallel when it pays."""
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    if workers <= 1 or len(files) < PARALLEL_THRESHOLD:
        return _read_many(files)
    chunk = max(8, len(files) // (workers * 8))
    batches = [files[i:i + chunk] for i in range(0, len(files), chunk)]
    results: list[ModuleFacts] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for batch in pool.map(_read_many, batches):
            results.extend(batch)
    return results


def fingerprint(finding: Finding) -> str:
    """A fingerprint that survives moved lines: rule, path, state and handlers."""
    text = "\x1f".join([finding.rule, finding.path, finding.symbol, *sorted(finding.handlers)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def run_rules(project: Project, rules: Iterable[type[Rule]]) -> list[Finding]:
    """Run each rule over the linked project and return the findings, sorted."""
    findings: list[Finding] = []
    for rule_class in rules:
        for finding in rule_class().check(project):
            findings.append(replace(finding, fingerprint=finding.fingerprint or fingerprint(finding)))
    findings.sort(key=lambda f: (f.path, f.line, f.column, f.rule, f.symbol))
    return findings


def judge_handlers(handlers: list[Handler], findings: list[Finding]) -> list[Verdict]:
    """Give every handler its verdict, with the findings that make it stateful."""
    by_handler: dict[str, list[Finding]] = {}
    for finding in findings:
        for key in finding.handlers:
            by_handler.setdefault(key, []).append(finding)
    verdicts: list[Verdict] = []
    for handler in handlers:
        own = by_handler.get(handler_key(handler), [])
        if own:
            reasons = tuple(
                Reason(text=f.message, rule=f.rule, symbol=f.symbol, how=f.how,
                       severity=f.severity, trace=f.trace)
                for f in sorted(own, key=lambda f: (-SEVERITY_RANK[f.severity], f.rule, f.symbol))
            )
            verdicts.append(Verdict(handler, "stateful", reasons))
        else:
            verdicts.append(Verdict(handler, "self-contained", (Reason(
                text="reaches no state kept in this process: every request carries or fetches "
                     "what it needs, so any worker or replica can serve it"),)))
    return verdicts


def scan(paths: list[str], *, config: Any = None, jobs: int = 0,
         rules: Iterable[type[Rule]] | None = None) -> ScanResult:
    """Scan ``paths`` and return findings, verdicts and file problems."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    root = scan_root(paths)
    is_excluded, is_ignored = discovery_filters(config, root)
    discovery = discover(paths, is_excluded=is_excluded, is_ignored=is_ignored, root=root)
    timings["discover"] = time.perf_counter() - started

    mark = time.perf_counter()
    facts = collect_facts(discovery.files, jobs or getattr(config, "jobs", 0))
    timings["facts"] = time.perf_counter() - mark

    problems = list(discovery.problems)
    for item in facts:
        if item.error is not None:
            problems.append(FileProblem(item.path, item.error.message, item.error.line,
                                        item.error.column, item.error.kind))

    mark = time.perf_counter()
    project = Project(
        facts,
        handler_decorators=tuple(getattr(config, "handler_decorators", ()) or ()),
        handler_base_classes=tuple(getattr(config, "handler_base_classes", ()) or ()),
    )
    timings["link"] = time.perf_counter() - mark

    mark = time.perf_counter()
    selected = enabled_rules(rules if rules is not None else all_rules(), config)
    findings = run_rules(project, selected)
    # Declarations (per-file ignores, allow, severities, inline comments) come before
    # verdicts: state a team declared acceptable does not make a handler stateful.
    findings, ledger = apply_config(findings, config, root=discovery.root,
                                    suppressions={item.path: item.suppressions for item in facts})
    timings["rules"] = time.perf_counter() - mark

    verdicts = judge_handlers(project.handlers, findings)
    timings["total"] = time.perf_counter() - started
    failed = sum(1 for item in facts if item.error is not None)
    result = ScanResult(
        root=str(discovery.root),
        findings=findings,
        verdicts=verdicts,
        problems=sorted(problems, key=lambda p: (p.path, p.line)),
        files_scanned=len(facts) - failed,
        files_skipped=discovery.skipped,
        files_failed=failed + sum(1 for p in discovery.problems),
        statistics=timings,
    )
    attach_ledger(result, ledger)
    return result


def relative_root(result: ScanResult) -> Path:
    """The scan root as a path."""
    return Path(result.root)
