"""The baseline: findings a team has accepted for now, so that only new ones fail a run.

A finding is remembered by a fingerprint of *what* it is: the rule and the state
it is about (its dotted symbol, which names the state and the module that
defines it).  Nothing else goes in: not lines, not the handlers that reach the
state, not the files the chain passes through.  So moving code, adding a handler
that reads or writes baselined state, or renaming a helper on the way to it
leaves old findings known.  Fingerprints are counted: a baseline holding two
identical fingerprints absorbs at most two findings.

Format 1 fingerprints also covered the handlers, so a new reader of known state
made its finding new.  A format 1 file is still read: each entry's fingerprint is
worked out again from the rule, symbol and path it stores.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from statelint import __version__
from statelint.model import Finding

__all__ = [
    "BASELINE_VERSION",
    "Baseline",
    "BaselineEntry",
    "BaselineError",
    "apply_baseline",
    "fingerprint",
    "load_baseline",
    "with_fingerprint",
    "write_baseline",
]

#: The baseline file format this statelint writes (it reads this one and format 1).
BASELINE_VERSION = 2
_TOOL = "statelint"


class BaselineError(Exception):
    """A baseline file that cannot be read or written; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """One accepted finding as stored in the baseline file."""

    fingerprint: str
    rule: str
    path: str
    symbol: str
    handler: str
    message: str


@dataclass(frozen=True, slots=True)
class Baseline:
    """A loaded baseline file."""

    path: str
    version: int
    tool_version: str
    entries: tuple[BaselineEntry, ...]
    #: The format the file was written in when older than :data:`BASELINE_VERSION`
    #: (its fingerprints were worked out again on loading), else 0.
    upgraded_from: int = 0


def fingerprint(finding: Finding) -> str:
    """A line-independent identity for a finding: 20 hex digits of a sha256 of the rule and
    the state's symbol (the finding's file too, for the rare finding without a symbol)."""
    return _fingerprint_of_parts(finding.rule, finding.symbol, finding.path)


def _fingerprint_of_parts(rule: str, symbol: str, path: str) -> str:
    # The symbol already names the module that defines the state; the finding's
    # file is left out because for state changed in several places it is the
    # first place, which a new writer elsewhere can change.
    parts = [rule, symbol] if symbol else [rule, "", path.replace("\\", "/")]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:20]


def with_fingerprint(finding: Finding) -> Finding:
    """The finding with its ``fingerprint`` field filled in (unchanged if already set)."""
    return finding if finding.fingerprint else replace(finding, fingerprint=fingerprint(finding))


def _fingerprint_of(finding: Finding) -> str:
    return finding.fingerprint or fingerprint(finding)


def _entry(finding: Finding) -> BaselineEntry:
    return BaselineEntry(
        fingerprint=_fingerprint_of(finding),
        rule=finding.rule,
        path=finding.path.replace("\\", "/"),
        symbol=finding.symbol,
        handler=finding.handler,
        message=finding.message,
    )


def _sort_key(entry: BaselineEntry) -> tuple[str, ...]:
    return (entry.path, entry.rule, entry.symbol, entry.handler, entry.fingerprint, entry.message)


def write_baseline(path: Path | str, findings: Iterable[Finding]) -> int:
    """Write ``findings`` as the baseline at ``path``; returns how many entries were written.

    The file is JSON, sorted and indented the same way on every run so that it
    diffs well in review, and it is replaced atomically: a reader never sees a
    half-written baseline.  Missing parent directories are created.
    """
    path = Path(path)
    entries = sorted((_entry(finding) for finding in findings), key=_sort_key)
    document = {
        "version": BASELINE_VERSION,
        "tool": _TOOL,
        "tool_version": __version__,
        "entries": [
            {
                "fingerprint": entry.fingerprint,
                "rule": entry.rule,
                "path": entry.path,
                "symbol": entry.symbol,
                "handler": entry.handler,
                "message": entry.message,
            }
            for entry in entries
        ],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    _write_atomically(path, text.encode("utf-8"))
    return len(entries)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # os.open with 0o666 lets the umask decide the mode, as for any file a user creates.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        try:
            temporary.unlink()
        except OSError:
            pass
        raise BaselineError(f"{path}: cannot write baseline: {error.strerror or error}") from None


def load_baseline(path: Path | str) -> Baseline:
    """Read a baseline written by :func:`write_baseline`.

    Raises :class:`BaselineError` naming the file when it is missing,
    unreadable, not JSON, not a statelint baseline, or from a newer format.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found") from None
    except IsADirectoryError:
        raise BaselineError(f"{path}: is a directory, not a baseline file") from None
    except OSError as error:
        raise BaselineError(f"{path}: cannot read baseline: {error.strerror or error}") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise BaselineError(f"{path}: baseline is not UTF-8 text (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise BaselineError(
            f"{path}: baseline is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
    return _parse_document(path, document)


def _parse_document(path: Path, document: Any) -> Baseline:
    if not isinstance(document, dict) or document.get("tool") != _TOOL or "entries" not in document:
        raise BaselineError(
            f"{path}: not a statelint baseline (expected a JSON object with "
            f'"tool": "statelint" and "entries")'
        )
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise BaselineError(f'{path}: baseline has no integer "version"')
    if version > BASELINE_VERSION:
        raise BaselineError(
            f"{path}: baseline format {version} is newer than this statelint "
            f"({__version__}) reads (format {BASELINE_VERSION}); upgrade statelint"
        )
    if version < 1:
        raise BaselineError(f"{path}: baseline format {version} does not exist (formats are 1 "
                            f"to {BASELINE_VERSION})")
    raw_entries = document["entries"]
    if not isinstance(raw_entries, list):
        raise BaselineError(f'{path}: baseline "entries" must be a list')
    entries: list[BaselineEntry] = []
    upgrade = version < BASELINE_VERSION
    for index, item in enumerate(raw_entries, start=1):
        if not isinstance(item, dict):
            raise BaselineError(f"{path}: baseline entry {index} is not an object")
        value = item.get("fingerprint")
        if not isinstance(value, str) or not value:
            raise BaselineError(f'{path}: baseline entry {index} has no "fingerprint"')
        fields = {}
        for name in ("rule", "path", "symbol", "handler", "message"):
            text = item.get(name, "")
            if not isinstance(text, str):
                raise BaselineError(f'{path}: baseline entry {index}: "{name}" must be a string')
            fields[name] = text
        if upgrade and fields["rule"] and (fields["symbol"] or fields["path"]):
            value = _fingerprint_of_parts(fields["rule"], fields["symbol"], fields["path"])
        entries.append(BaselineEntry(fingerprint=value, **fields))
    tool_version = document.get("tool_version", "")
    return Baseline(
        path=str(path),
        version=version,
        tool_version=tool_version if isinstance(tool_version, str) else "",
        entries=tuple(entries),
        upgraded_from=version if upgrade else 0,
    )


def apply_baseline(
    findings: Iterable[Finding],
    baseline: Baseline,
    *,
    in_scope: Callable[[BaselineEntry], bool] | None = None,
) -> tuple[list[Finding], list[Finding], list[BaselineEntry]]:
    """Split findings into new ones and ones the baseline accepts.

    Returns ``(new_findings, matched, removable_entries)``.  Each baseline
    entry absorbs at most one finding.  ``removable_entries`` are entries no
    finding used any more: the state was fixed, so the baseline can shrink.
    When a run looked at only part of the project (some paths, ``--select``),
    pass ``in_scope`` so that entries outside it are not called removable.
    """
    budget = Counter(entry.fingerprint for entry in baseline.entries)
    new: list[Finding] = []
    matched: list[Finding] = []
    for finding in findings:
        key = _fingerprint_of(finding)
        if budget[key] > 0:
            budget[key] -= 1
            matched.append(finding)
        else:
            new.append(finding)
    removable: list[BaselineEntry] = []
    for entry in baseline.entries:
        if budget[entry.fingerprint] > 0 and (in_scope is None or in_scope(entry)):
            budget[entry.fingerprint] -= 1
            removable.append(entry)
    return new, matched, removable
