"""``--statistics``: how many findings each rule reported, in place of the report.

The text shape follows ``ruff --statistics``: one line per rule with the count,
the code and the rule's name, most frequent first.  Files that could not be
analysed are counted on a line of their own under ``E902``, the label the text
report gives them.  ``--format json`` prints the same rows as a list of
``{"code", "name", "count"}`` objects.

This module's name starts with an underscore so that the reporters package does
not take it for an output format.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass

from statelint.model import ScanResult
from statelint.reporters.concise import printable

#: The formats ``--statistics`` can print; the others are reports, not tables.
STATISTICS_FORMATS = ("text", "concise", "json")

#: The pseudo-code of files that could not be analysed, as the text report labels them.
FILE_PROBLEM_CODE = "E902"
FILE_PROBLEM_NAME = "file-not-analysed"


@dataclass(frozen=True)
class RuleCount:
    """One row of ``--statistics``."""

    code: str
    name: str
    count: int


def rule_counts(result: ScanResult) -> list[RuleCount]:
    """The findings of ``result`` counted per rule, most frequent first, then by code."""
    counts = Counter(finding.rule for finding in result.findings)
    names = {finding.rule: finding.name for finding in result.findings}
    rows = [RuleCount(code, names[code], count) for code, count in counts.items()]
    if result.problems:
        rows.append(RuleCount(FILE_PROBLEM_CODE, FILE_PROBLEM_NAME, len(result.problems)))
    rows.sort(key=lambda row: (-row.count, row.code))
    return rows


def render_statistics(result: ScanResult, output_format: str) -> str:
    """The per-rule counts as aligned text, or as JSON for ``json``."""
    rows = rule_counts(result)
    if output_format == "json":
        return json.dumps([asdict(row) for row in rows], indent=2) + "\n"
    if not rows:
        return ""
    count_width = max(len(str(row.count)) for row in rows)
    code_width = max(len(row.code) for row in rows)
    return "".join(f"{row.count:>{count_width}}\t{row.code:<{code_width}}\t{printable(row.name)}\n"
                   for row in rows)
