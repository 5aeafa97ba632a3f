"""Failures stay where they happen.

A bug inside statelint must cost the one file, module, handler, analysis or rule
it happened in, never the report: each stage runs its parts under ``Failures.guard``,
which turns an exception into an ``InternalError`` naming the stage and the part,
and the scan goes on with everything else.

Shared analyses (what the rules ask of the linked project) are computed once per
project through ``analysis``: the result is kept in a table owned by this module
and keyed weakly by the project, never set as an attribute on it.  An analysis that
fails is remembered as failed, so every rule that needs it reports the same
``AnalysisError`` instead of computing it again.
"""

from __future__ import annotations

import functools
import traceback
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from statelint.model import InternalError

T = TypeVar("T")

#: Appended to every internal error: what the user can do about it.
REPORT_HELP = "this is a bug in statelint; please report it with this message"


def innermost_frame(error: BaseException) -> str:
    """``file.py:line in function`` of the frame that raised, for bug reports."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown location"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"


def explain(error: BaseException) -> str:
    """An exception as one line: type, message and where it was raised."""
    text = " ".join(str(error).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(error).__name__}: {text} (at {innermost_frame(error)}); {REPORT_HELP}"


class AnalysisError(Exception):
    """A shared analysis failed; raised to every rule that asks for it."""

    def __init__(self, name: str, cause: BaseException) -> None:
        super().__init__(f"{name}: {type(cause).__name__}: {cause}")
        self.name = name
        self.cause = cause


class Failures:
    """The internal errors of one scan, in the order they happened."""

    def __init__(self) -> None:
        self.errors: list[InternalError] = []

    @contextmanager
    def guard(self, stage: str, *, path: str = "", module: str = "", rule: str = "") -> Iterator[None]:
        """Run the body; an exception in it becomes an ``InternalError`` and is swallowed."""
        try:
            yield
        except AnalysisError as error:
            self.add(InternalError("analysis", explain(error.cause), path=path, module=module,
                                   rule=rule, analysis=error.name))
        except Exception as error:  # noqa: BLE001 - the point: one part fails, not the scan
            self.add(InternalError(stage, explain(error), path=path, module=module, rule=rule))

    def add(self, error: InternalError) -> None:
        """Record ``error`` (once: a failed analysis is reported by every rule that needs it)."""
        if error not in self.errors:
            self.errors.append(error)


_TABLES: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def memo_table(project: Any, name: str) -> dict[Any, Any]:
    """A per-project dictionary for an analysis's own intermediate memos."""
    table = _TABLES.setdefault(project, {})
    return table.setdefault(f"memo:{name}", {})


def analysis(name: str) -> Callable[[Callable[[Any], T]], Callable[[Any], T]]:
    """Compute ``function(project)`` once per project; a failure becomes ``AnalysisError``."""

    def decorate(function: Callable[[Any], T]) -> Callable[[Any], T]:
        @functools.wraps(function)
        def run(project: Any) -> T:
            table = _TABLES.setdefault(project, {})
            if name in table:
                stored = table[name]
                if isinstance(stored, _Failed):
                    raise AnalysisError(name, stored.error)
                return stored
            try:
                result = function(project)
            except AnalysisError:
                raise  # a failure of the analysis this one reads: named by that one
            except Exception as error:  # noqa: BLE001 - reported by the rule that asked
                table[name] = _Failed(error)
                raise AnalysisError(name, error) from error
            table[name] = result
            return result

        return run

    return decorate
