"""Inline suppressions: ``# statelint: ignore[SL101]`` comments.

A comment suppresses a finding when it sits on the finding's own line or on the
line where the state is defined (a ``related`` location whose message starts
with "defined here"), so one comment on ``CARTS: dict[str, Cart] = {}`` silences
every finding about ``CARTS``.  The comment may name rule codes, code prefixes
(``SL1``) or rule names (``mutable-module-state``); a bare ``# statelint: ignore``
silences every rule on that line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from statelint.model import Finding, Suppression

__all__ = [
    "DefinitionLines",
    "apply_suppressions",
    "extend_suppression_comment",
    "format_suppression_comment",
    "parse_suppression_comment",
    "suppression_matches",
    "unused_suppressions",
]

# "#", "statelint", ":", "ignore", then an optional bracketed list; spacing and case are free.
# "ignore" must end the word: "ignored" and "ignore-file" are not suppressions.
_COMMENT = re.compile(
    r"#\s*statelint\s*:\s*ignore(?![\w-])(?:\s*\[(?P<codes>[^\]]*)\])?",
    re.IGNORECASE,
)
# Codes and prefixes (SL101, SL1, SL, and typos such as SL1O1) are upper-cased; rule names
# (mutable-module-state) are lower-cased.
_CODE_SHAPE = re.compile(r"^[A-Za-z]+[0-9][A-Za-z0-9]*$|^[A-Za-z]{1,3}$")

#: Given a finding, the extra ``(path, line)`` places where a comment suppresses it.
DefinitionLines = Callable[[Finding], Iterable[tuple[str, int]]]


def parse_suppression_comment(text: str) -> tuple[str, ...] | None:
    """Parse a comment's text.

    Returns the codes it names (upper-cased codes, lower-cased rule names), ``()``
    for a bare ``# statelint: ignore`` (or an empty ``[]``), or ``None`` if the
    comment is not a statelint suppression (``# noqa`` and ``# type: ignore`` are
    not).  The suppression may follow other text in the same comment, as in
    ``# type: ignore  # statelint: ignore[SL101]``.
    """
    match = _COMMENT.search(text)
    if match is None:
        return None
    raw = match.group("codes")
    if raw is None:
        return ()
    codes: list[str] = []
    for item in re.split(r"[,\s]+", raw):
        item = item.strip()
        if not item:
            continue
        normalised = item.upper() if _CODE_SHAPE.match(item) else item.lower()
        if normalised not in codes:
            codes.append(normalised)
    return tuple(codes)


def format_suppression_comment(codes: Sequence[str]) -> str:
    """The comment that silences ``codes`` on its line: ``# statelint: ignore[SL101, SL102]``."""
    return f"# statelint: ignore[{', '.join(codes)}]"


def extend_suppression_comment(text: str, codes: Sequence[str]) -> str | None:
    """``text`` (a whole comment) with ``codes`` added to the statelint suppression in it,
    keeping the codes it names and the rest of the comment; None when it holds none.

    A bare ``# statelint: ignore`` already covers every rule and is returned as it is.
    """
    match = _COMMENT.search(text)
    if match is None:
        return None
    present = parse_suppression_comment(match.group(0))
    if not present:
        return text
    merged = list(present) + [code for code in codes if code not in present]
    return text[:match.start()] + format_suppression_comment(merged) + text[match.end():]


def suppression_matches(codes: Sequence[str], finding: Finding) -> bool:
    """Whether a suppression naming ``codes`` covers ``finding`` (``()`` covers every rule)."""
    if not codes:
        return True
    rule = finding.rule.upper()
    return any(
        rule.startswith(code.upper()) or code.lower() == finding.name.lower() for code in codes
    )


def _default_definition_lines(finding: Finding) -> Iterable[tuple[str, int]]:
    """The ``related`` locations that mark the state's definition ("defined here ...")."""
    for location in finding.related:
        if location.message.strip().lower().startswith("defined here"):
            yield location.path, location.line


def apply_suppressions(
    findings: Iterable[Finding],
    suppressions_by_path: Mapping[str, Sequence[Suppression]],
    *,
    definition_lines: DefinitionLines | None = None,
) -> tuple[list[Finding], set[tuple[str, int]]]:
    """Drop the findings that an inline comment suppresses.

    ``suppressions_by_path`` maps each scanned file's relative path to its
    ``ModuleFacts.suppressions``.  A finding is looked up on its own line and on
    the lines ``definition_lines(finding)`` yields; by default those are the
    ``related`` locations whose message starts with "defined here".  Pass a
    callable to name the definition explicitly, e.g.
    ``lambda f: [(f.path, definition_line_of[f.symbol])]``.  Definition lines are
    honoured in any file, since the definition may live in another module than
    the finding.

    Returns the findings that remain, in their original order, and the set of
    ``(path, line)`` suppressions that silenced at least one finding.
    """
    lookup = _index(suppressions_by_path)
    extra = definition_lines or _default_definition_lines
    kept: list[Finding] = []
    used: set[tuple[str, int]] = set()
    for finding in findings:
        places = [(finding.path, finding.line), *extra(finding)]
        hit = None
        for place in places:
            codes = lookup.get(place)
            if codes is not None and suppression_matches(codes, finding):
                hit = place
                break
        if hit is None:
            kept.append(finding)
        else:
            used.add(hit)
    return kept, used


def _index(
    suppressions_by_path: Mapping[str, Sequence[Suppression]],
) -> dict[tuple[str, int], tuple[str, ...]]:
    """(path, line) -> codes; several comments on one line merge, a bare one covers all."""
    lookup: dict[tuple[str, int], tuple[str, ...]] = {}
    for path, suppressions in suppressions_by_path.items():
        for suppression in suppressions:
            key = (path, suppression.line)
            if key in lookup:
                previous = lookup[key]
                if not previous or not suppression.codes:
                    lookup[key] = ()
                else:
                    lookup[key] = tuple(dict.fromkeys((*previous, *suppression.codes)))
            else:
                lookup[key] = tuple(suppression.codes)
    return lookup


def unused_suppressions(
    all_suppressions: Mapping[str, Sequence[Suppression]],
    used: set[tuple[str, int]],
    *,
    rules: Iterable[tuple[str, str]] | None = None,
    rule_enabled: Callable[[str, str], bool] | None = None,
) -> list[tuple[str, int, tuple[str, ...]]]:
    """The suppressions that silenced nothing, sorted by path and line, for ``--report-unused-ignores``.

    ``rules`` lists the catalogue as ``(code, name)`` pairs and
    ``rule_enabled(code, path)`` says whether a rule ran on a file (pass
    ``Config.rule_enabled``).  With both given, a comment is not reported when
    every rule it names exists but did not run on its file (``ignore[SL101]`` in
    a run with ``--select SL2`` could not have been used).  A comment naming no
    known rule at all (a typo such as ``SL1O1``) is always reported, and so is an
    unused bare comment.
    """
    catalogue = list(rules) if rules is not None else None
    unused: list[tuple[str, int, tuple[str, ...]]] = []
    for (path, line), codes in _index(all_suppressions).items():
        if (path, line) in used:
            continue
        if codes and catalogue is not None and rule_enabled is not None:
            covered = [
                code
                for code, name in catalogue
                if any(
                    code.upper().startswith(item.upper()) or item.lower() == name.lower()
                    for item in codes
                )
            ]
            if covered and not any(rule_enabled(code, path) for code in covered):
                continue
        unused.append((path, line, codes))
    unused.sort(key=lambda item: (item[0], item[1]))
    return unused
