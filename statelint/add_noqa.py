"""``statelint check --add-noqa``: a suppression comment at every current finding.

Adopting statelint on a codebase that already keeps state in its workers starts
with marking what is there.  Each line a finding points at gets
``# statelint: ignore[CODE]  # reason: TODO``, so the next scan reports nothing
old and the placeholder asks for the reason in review.  (``--baseline`` is the
other way to adopt statelint: it keeps the record out of the code.)

The files are rewritten through LibCST: only the comment at the end of the
chosen line changes; every other byte, the encoding and the line endings stay as
they were.  The comment goes on the finding's first line, where the line ends
in the code (after a statement, a decorator, a block's colon or an opening
bracket); when that line ends inside a string or with a backslash, it goes on
the finding's last line, which suppresses it as well.  A line that already has a
comment keeps it: the suppression is added after it, or its codes are added to
the statelint suppression it already holds.

Only files with findings are opened; one that LibCST cannot parse (it may have
changed since the scan) is left as it is, with a message.  A second run adds
nothing, since the first one's comments suppress every finding it saw.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from statelint.model import Finding, ScanResult
from statelint.reporters.concise import plural, printable
from statelint.suppress import extend_suppression_comment, format_suppression_comment

if TYPE_CHECKING:  # LibCST is imported only when comments are added
    import libcst as cst

#: Written after each new suppression, for the team to replace with its reason.
REASON_PLACEHOLDER = "# reason: TODO"


@dataclass
class Annotated:
    """What adding comments to one file's source produced."""

    source: bytes
    #: comments added or extended, one per line
    comments: int = 0
    #: findings that have no line where a comment can go (both lines end inside a string)
    unplaced: list[Finding] = field(default_factory=list)


@dataclass
class NoqaReport:
    """What ``--add-noqa`` did over a whole scan."""

    comments: int = 0
    findings: int = 0
    files: int = 0
    #: one line each: a file left unchanged, a finding that got no comment
    problems: list[str] = field(default_factory=list)


def annotate(source: bytes, findings: Sequence[Finding]) -> Annotated:
    """Add a suppression comment for each finding to a module's ``source``.

    Raises LibCST's ``ParserSyntaxError`` when the source does not parse.
    """
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    wrapper = MetadataWrapper(cst.parse_module(source))
    positions = wrapper.resolve(PositionProvider)
    # Every line that ends in the code ends in a TrailingWhitespace node, which holds the
    # line's comment; lines ending inside a string or with a backslash have none (the
    # node's whitespace then holds the backslash, and its comment is on a later line).
    line_ends = {positions[node].start.line + node.whitespace.value.count("\n"): node
                 for node in positions if isinstance(node, cst.TrailingWhitespace)}
    codes_at: dict[int, list[str]] = {}
    result = Annotated(source)
    for finding in findings:
        line = next((candidate for candidate in (finding.line, finding.end_line)
                     if candidate in line_ends), None)
        if line is None:
            result.unplaced.append(finding)
            continue
        codes = codes_at.setdefault(line, [])
        if finding.rule not in codes:
            codes.append(finding.rule)
    if not codes_at:
        return result
    targets = {id(line_ends[line]): sorted(codes) for line, codes in codes_at.items()}

    class AddComments(cst.CSTTransformer):
        def leave_TrailingWhitespace(self, original_node: cst.TrailingWhitespace,
                                     updated_node: cst.TrailingWhitespace,
                                     ) -> cst.TrailingWhitespace:
            codes = targets.get(id(original_node))
            if codes is None:
                return updated_node
            return _with_suppression(updated_node, codes)

    module = wrapper.module.visit(AddComments())
    result.source = module.bytes
    result.comments = len(codes_at)
    return result


def _with_suppression(node: cst.TrailingWhitespace, codes: list[str]) -> cst.TrailingWhitespace:
    """A line end whose comment also suppresses ``codes``."""
    import libcst as cst

    new = f"{format_suppression_comment(codes)}  {REASON_PLACEHOLDER}"
    if node.comment is None:
        whitespace = node.whitespace.value
        kept = whitespace[:whitespace.rfind("\n") + 1]  # a continuation before the comment
        return node.with_changes(whitespace=cst.SimpleWhitespace(kept + "  "),
                                 comment=cst.Comment(new))
    extended = extend_suppression_comment(node.comment.value, codes)
    text = extended if extended is not None else f"{node.comment.value.rstrip()}  {new}"
    return node.with_changes(comment=cst.Comment(text))


def add_noqa(root: Path, findings: Iterable[Finding]) -> NoqaReport:
    """Write a suppression comment for each of ``findings`` (paths relative to ``root``)."""
    import libcst as cst

    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    report = NoqaReport()
    for relpath in sorted(by_path):
        shown = printable(relpath)
        path = root / relpath
        try:
            target = path.resolve(strict=True)
            info = os.stat(target)
            if not stat.S_ISREG(info.st_mode):
                report.problems.append(f"{shown}: left unchanged: not a regular file")
                continue
            source = target.read_bytes()
        except (OSError, RuntimeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            report.problems.append(f"{shown}: left unchanged: cannot read it: {reason}")
            continue
        try:
            annotated = annotate(source, by_path[relpath])
        except cst.ParserSyntaxError as error:
            report.problems.append(f"{shown}: left unchanged: it does not parse "
                                   f"(line {error.editor_line}, column {error.editor_column}); "
                                   "it may have changed since the scan")
            continue
        except (RecursionError, MemoryError, ValueError) as error:
            report.problems.append(f"{shown}: left unchanged: LibCST cannot rewrite it "
                                   f"({type(error).__name__})")
            continue
        for finding in annotated.unplaced:
            report.problems.append(f"{shown}:{finding.line}:{finding.column + 1}: {finding.rule} "
                                   "got no comment: its lines end inside a string or with a "
                                   "backslash; add one by hand")
        if annotated.comments == 0 or annotated.source == source:
            continue
        try:
            _replace(target, annotated.source, info.st_mode)
        except OSError as error:
            report.problems.append(f"{shown}: left unchanged: cannot write it: "
                                   f"{error.strerror or error}")
            continue
        report.files += 1
        report.comments += annotated.comments
        report.findings += len(by_path[relpath]) - len(annotated.unplaced)
    return report


def _replace(target: Path, data: bytes, mode: int) -> None:
    """Write ``data`` over ``target`` atomically, keeping its permission bits."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.statelint-tmp")
    try:
        with open(temporary, "xb") as handle:
            handle.write(data)
        os.chmod(temporary, stat.S_IMODE(mode))
        os.replace(temporary, target)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def add_noqa_comments(result: ScanResult, *, quiet: bool = False) -> bool:
    """``--add-noqa`` for a finished scan: write the comments and say what was done on
    stderr.  Returns whether every finding got its comment."""
    report = add_noqa(Path(result.root), result.findings)
    for problem in report.problems:
        click.echo(f"statelint: {problem}", err=True)
    if report.comments and not quiet:
        click.echo(f"statelint: added {plural(report.comments, 'suppression comment')} "
                   f"({plural(report.findings, 'finding')}) in {plural(report.files, 'file')}; "
                   "replace each `reason: TODO` with why that state may stay in the process",
                   err=True)
    elif not report.comments and not report.problems and not quiet:
        click.echo("statelint: added no suppression comment: no finding needs one", err=True)
    return not report.problems
