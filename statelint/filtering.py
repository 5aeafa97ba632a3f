"""The filter stage: which findings a run keeps, and which of those make it fail.

Two kinds of filter, applied at two moments:

* **Declarations** say that some state is not a problem: rule selection and
  ``per-file-ignores``, ``allow`` entries, ``severity`` overrides and inline
  ``# statelint: ignore`` comments.  :func:`apply_config` runs them inside
  ``engine.scan``, before verdicts are given, so a suppressed or allowed state
  does not make a handler stateful.
* **Gates** say which findings this run should report: ``--baseline`` (only
  findings the baseline does not already hold) and ``--diff REF`` (only findings
  a change touches).  :func:`apply_gates` runs them on a finished
  :class:`ScanResult`; verdicts stay as they are, because a baselined handler is
  still stateful, it just does not fail the build any more.

Path patterns in the configuration are relative to the configuration file's
folder, while finding paths are relative to the scan root (the working directory
or the common folder of the scanned paths); :func:`config_relpath` converts the
one into the other before any pattern is matched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from statelint.baseline import BASELINE_VERSION, Baseline, BaselineEntry, apply_baseline
from statelint.discover import common_root
from statelint.gitdiff import gitignored, touches_change
from statelint.model import FileProblem, Finding, ScanResult, Suppression
from statelint.suppress import apply_suppressions, unused_suppressions

__all__ = [
    "GateReport",
    "SuppressionLedger",
    "apply_config",
    "apply_gates",
    "attach_ledger",
    "config_relpath",
    "discovery_filters",
    "enabled_rules",
    "ledger_of",
    "reported_problems",
    "scan_root",
]


def scan_root(paths: Sequence[str]) -> Path:
    """The folder finding paths are relative to, decided exactly as discovery decides it."""
    given = [Path(p) for p in paths] or [Path(".")]
    return common_root([p for p in given if p.exists()] or [Path(".")])


def config_relpath(relpath: str, root: Path | str, config: Any) -> str:
    """A scan-root-relative path made relative to the configuration file's folder.

    Without a configuration file, or for a file outside its folder, the path is
    returned as it is: patterns without a slash (``tests``, ``conftest.py``) still
    match its components.
    """
    base = getattr(config, "base_dir", None)
    if base is None:
        return relpath
    absolute = (Path(root) / relpath).resolve()
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return relpath


def discovery_filters(
    config: Any, root: Path
) -> tuple[Callable[[str], bool] | None, Callable[[list[str]], set[str]] | None]:
    """``is_excluded`` and ``is_ignored`` callbacks for ``discover``, from the configuration."""
    if config is None:
        return None, None

    def is_excluded(relpath: str) -> bool:
        return bool(config.is_excluded(config_relpath(relpath, root, config)))

    is_ignored = None
    if getattr(config, "respect_gitignore", False):

        def is_ignored(relpaths: list[str]) -> set[str]:
            return gitignored(root, relpaths)

    return is_excluded, is_ignored


def enabled_rules(rules: Iterable[Any], config: Any) -> list[Any]:
    """The rules that ``select``/``ignore`` leave on for at least some file."""
    rules = list(rules)
    if config is None:
        return rules
    return [rule for rule in rules if config.rule_enabled(rule.code, "")]


@dataclass
class SuppressionLedger:
    """Every suppression comment of the scanned files, and which ones silenced a finding."""

    comments: dict[str, tuple[Suppression, ...]] = field(default_factory=dict)
    used: set[tuple[str, int]] = field(default_factory=set)

    def unused(
        self, *, rules: Iterable[Any] = (), config: Any = None, root: Path | str = "."
    ) -> list[tuple[str, int, tuple[str, ...]]]:
        """Comments that silenced nothing (``--report-unused-ignores``), by path and line.

        A comment naming only rules that did not run on its file is not reported.
        """
        catalogue = [(rule.code, rule.name) for rule in rules]
        enabled = None
        if config is not None:

            def enabled(code: str, path: str) -> bool:
                return bool(config.rule_enabled(code, config_relpath(path, root, config)))

        return unused_suppressions(
            self.comments, self.used, rules=catalogue or None, rule_enabled=enabled
        )


def _span_ends(finding: Finding) -> Iterable[tuple[str, int]]:
    """Besides the finding's first line, its last line and any "defined here" location."""
    if finding.end_line > finding.line:
        yield finding.path, finding.end_line
    for location in finding.related:
        if location.message.strip().lower().startswith("defined here"):
            yield location.path, location.line


def apply_config(
    findings: Iterable[Finding],
    config: Any,
    *,
    root: Path | str,
    suppressions: Mapping[str, Sequence[Suppression]],
) -> tuple[list[Finding], SuppressionLedger]:
    """Apply the declarations: per-file rule selection, ``allow``, severities, inline comments.

    ``suppressions`` maps each scanned file (scan-root-relative) to its
    ``ModuleFacts.suppressions``.  Inline comments work without a configuration
    (``config=None``).  Returns the findings that remain and the ledger of
    comments for ``--report-unused-ignores``.
    """
    kept: list[Finding] = []
    for finding in findings:
        if config is not None:
            if not config.rule_enabled(finding.rule, config_relpath(finding.path, root, config)):
                continue
            if config.is_allowed(finding.symbol) is not None:
                continue
            severity = config.severity_for(finding.rule, finding.severity)
            if severity != finding.severity:
                finding = replace(finding, severity=severity)
        kept.append(finding)
    comments = {path: tuple(items) for path, items in suppressions.items() if items}
    remaining, used = apply_suppressions(kept, comments, definition_lines=_span_ends)
    return remaining, SuppressionLedger(comments, used)


def reported_problems(problems: Iterable[FileProblem], config: Any, *,
                      root: Path | str) -> list[FileProblem]:
    """The file problems to report: all but those ``ignore``/``per-file-ignores`` switch off
    with ``E902``.  A failure inside statelint (kind ``internal``) is always reported."""
    if config is None:
        return list(problems)
    return [problem for problem in problems
            if problem.kind == "internal"
            or config.reports_file_problem(config_relpath(problem.path, root, config))]


_LEDGER_ATTRIBUTE = "suppression_ledger"


def attach_ledger(result: ScanResult, ledger: SuppressionLedger) -> None:
    """Keep the suppression ledger with the result it belongs to.

    ``ScanResult`` has no field for it yet; until it does, the ledger rides along
    as an attribute that :func:`ledger_of` reads back.
    """
    setattr(result, _LEDGER_ATTRIBUTE, ledger)


def ledger_of(result: ScanResult) -> SuppressionLedger:
    """The suppression ledger of a scan (empty for results built elsewhere)."""
    ledger = getattr(result, _LEDGER_ATTRIBUTE, None)
    return ledger if isinstance(ledger, SuppressionLedger) else SuppressionLedger()


@dataclass
class GateReport:
    """What the gates took out of a result, for the summary line and the exit code."""

    baseline: str | None = None
    baselined: int = 0
    #: the older format the baseline file was written in (0: the current one)
    upgraded_from: int = 0
    removable: list[BaselineEntry] = field(default_factory=list)
    diff_ref: str | None = None
    outside_diff: int = 0

    def lines(self) -> list[str]:
        """One line per gate that ran, as printed on stderr and added to ``result.notes``."""
        lines: list[str] = []
        if self.baseline is not None and self.upgraded_from:
            lines.append(
                f"baseline {self.baseline}: written in format {self.upgraded_from}, read as "
                f"format {BASELINE_VERSION} (fingerprints no longer include the handlers); "
                f"rerun with --write-baseline {self.baseline} to update the file"
            )
        if self.baseline is not None:
            lines.append(
                f"baseline {self.baseline}: {self.baselined} known finding"
                f"{'s' if self.baselined != 1 else ''} not reported"
            )
            if self.removable:
                lines.append(
                    f"baseline {self.baseline}: {len(self.removable)} entr"
                    f"{'ies' if len(self.removable) != 1 else 'y'} no longer found and can be "
                    f"removed (rerun with --write-baseline {self.baseline}): "
                    + ", ".join(f"{entry.rule} {entry.symbol} ({entry.path})" for entry in self.removable)
                )
        if self.diff_ref is not None:
            lines.append(
                f"diff {self.diff_ref}: {self.outside_diff} finding"
                f"{'s' if self.outside_diff != 1 else ''} outside the changed lines not reported"
            )
        return lines


def apply_gates(
    result: ScanResult,
    *,
    baseline: Baseline | None = None,
    changed: dict[str, set[int]] | None = None,
    diff_ref: str | None = None,
    in_scope: Callable[[BaselineEntry], bool] | None = None,
) -> tuple[ScanResult, GateReport]:
    """Keep only the findings that are new (``baseline``) and touched by a change (``changed``).

    ``changed`` is what :func:`statelint.gitdiff.changed_lines` returns.  The
    baseline is applied to every finding first, so that entries for fixed state
    are reported as removable whatever the diff covers.  Verdicts are unchanged.
    """
    report = GateReport(diff_ref=diff_ref if changed is not None else None)
    findings = list(result.findings)
    if baseline is not None:
        findings, matched, removable = apply_baseline(findings, baseline, in_scope=in_scope)
        report.baseline = baseline.path
        report.baselined = len(matched)
        report.upgraded_from = baseline.upgraded_from
        report.removable = removable
    if changed is not None:
        touched = [finding for finding in findings if touches_change(finding, changed)]
        report.outside_diff = len(findings) - len(touched)
        findings = touched
    gated = replace(result, findings=findings, notes=[*result.notes, *report.lines()])
    ledger = getattr(result, _LEDGER_ATTRIBUTE, None)
    if ledger is not None:
        attach_ledger(gated, ledger)
    return gated, report
