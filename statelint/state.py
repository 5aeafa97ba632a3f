"""Request-time uses of state, indexed once per project for every rule to judge.

A *use* is one access (read or write) to module-level or class-level state, made
by a function that some handler reaches, with the chain that reaches it.  Rules
pick the uses they care about and turn them into findings with
``finding_for_state``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from statelint.knowledge import api_list, matches
from statelint.model import Access, Finding, Location, Severity, Value
from statelint.project import Project, Reach, StateTarget

WRITE_OPS = frozenset({"setitem", "delitem", "augassign", "rebind", "setattr", "delattr"})


@dataclass(frozen=True)
class StateUse:
    """One request-time access to a piece of state."""

    reach: Reach
    function_id: str
    access: Access
    target: StateTarget

    @property
    def handler_key(self) -> str:
        """The ``path::name`` key of the handler this use is made for."""
        handler = self.reach.handler
        return f"{handler.path}::{handler.name}"


def state_uses(project: Project) -> list[StateUse]:
    """Every request-time access to module or class state (computed once per project)."""
    cached = getattr(project, "_state_uses", None)
    if cached is not None:
        return cached
    uses: list[StateUse] = []
    resolved: dict[tuple[str, Access], StateTarget | None] = {}
    for reach, function_id, access in project.reached_accesses():
        key = (function_id, access)
        if key not in resolved:
            resolved[key] = project.resolve_access(function_id, access)
        target = resolved[key]
        if target is not None:
            uses.append(StateUse(reach, function_id, access, target))
    project._state_uses = uses  # type: ignore[attr-defined]
    return uses


def is_write(access: Access) -> bool:
    """True when the access changes the state (not a read)."""
    if access.op in WRITE_OPS:
        return True
    return access.op == "mutate" and access.method in api_list("containers", "mutators")


def is_mutable_container(project: Project, value: Value) -> bool:
    """True for values that build a mutable container: ``{}``, ``[]``, ``defaultdict(list)``."""
    if value.kind in ("dict", "list", "set"):
        return True
    if value.kind == "comprehension":
        return value.detail in ("dict", "list", "set")
    if value.kind == "call" and value.target:
        qualified = project.qualify(value.target)
        return matches(qualified, api_list("containers", "constructors"))
    return False


def group_uses(uses: Iterable[StateUse]) -> dict[str, list[StateUse]]:
    """Uses grouped by state symbol, in a stable order."""
    grouped: dict[str, list[StateUse]] = {}
    for use in uses:
        grouped.setdefault(use.target.symbol, []).append(use)
    return dict(sorted(grouped.items()))


def short_name(symbol: str) -> str:
    """``shop.services.cart.CARTS`` → ``CARTS``."""
    return symbol.rsplit(".", 1)[-1]


def describe_write(access: Access) -> str:
    """A few words on how an access changes the state."""
    if access.op == "mutate":
        return f"calls .{access.method}()"
    return {
        "setitem": "assigns an item",
        "delitem": "deletes an item",
        "augassign": "updates it in place",
        "rebind": "rebinds it (global)",
        "setattr": "sets an attribute",
        "delattr": "deletes an attribute",
    }.get(access.op, "changes it")


def finding_for_state(
    project: Project,
    rule: type,
    symbol: str,
    uses: list[StateUse],
    *,
    message: Callable[[list[StateUse], list[StateUse], list[str]], str],
    suggestion: str,
    writes: Callable[[StateUse], bool] = lambda use: is_write(use.access),
    severity: Severity | None = None,
    how: str | None = None,
    primary: Location | None = None,
) -> Finding | None:
    """Build the finding for one piece of state from its request-time uses.

    The primary location is the state's definition (or its first request-time
    write when it has none); ``related`` lists the write sites and the handlers'
    entry points; ``trace`` is the chain from one handler (preferring one that
    writes) to the access.
    """
    write_uses = [use for use in uses if writes(use)]
    if not write_uses and primary is None:
        return None
    target = uses[0].target
    handler_keys = sorted({use.handler_key for use in uses})
    first_write = min(write_uses, key=_use_order) if write_uses else min(uses, key=_use_order)
    if primary is None:
        if target.binding is not None:
            span = target.binding.span
            primary = Location(target.path, span.line, span.column, "", span.end_line, span.end_column)
        else:
            facts, _ = project.functions[first_write.function_id]
            span = first_write.access.span
            primary = Location(facts.path, span.line, span.column, "", span.end_line, span.end_column)
    related: list[Location] = []
    seen: set[tuple[str, int, int]] = set()
    for use in sorted(write_uses, key=_use_order):
        facts, fn = project.functions[use.function_id]
        key = (facts.path, use.access.span.line, use.access.span.column)
        if key in seen:
            continue
        seen.add(key)
        related.append(Location(facts.path, use.access.span.line, use.access.span.column,
                                f"{fn.qualname} {describe_write(use.access)} at request time"))
    handlers_seen: set[str] = set()
    for use in sorted(uses, key=_use_order):
        handler = use.reach.handler
        if use.handler_key in handlers_seen:
            continue
        handlers_seen.add(use.handler_key)
        related.append(Location(handler.path, handler.line, handler.column,
                                f"handler {handler.name} reaches {short_name(symbol)}"))
    facts, _ = project.functions[first_write.function_id]
    verb = describe_write(first_write.access) if writes(first_write) else "reads it"
    final = Location(facts.path, first_write.access.span.line, first_write.access.span.column,
                     f"{verb}: {short_name(symbol)}")
    trace = project.trace(first_write.reach, first_write.function_id, final)
    readers = sorted({use.handler_key for use in uses} - {use.handler_key for use in write_uses})
    return Finding(
        rule=rule.code,
        name=rule.name,
        severity=severity or rule.severity,
        path=primary.path,
        line=primary.line,
        column=primary.column,
        end_line=primary.end_line or primary.line,
        end_column=primary.end_column or primary.column,
        message=message(uses, write_uses, readers),
        symbol=symbol,
        suggestion=suggestion,
        handlers=tuple(handler_keys),
        trace=trace,
        related=tuple(related),
        how=how or rule.how,
    )


def _use_order(use: StateUse) -> tuple[str, int, int, str]:
    handler = use.reach.handler
    return (handler.path, handler.line, use.access.span.line, use.function_id)


def handler_names(uses: Iterable[StateUse]) -> list[str]:
    """Distinct handler names, in order of appearance."""
    names: list[str] = []
    for use in sorted(uses, key=_use_order):
        if use.reach.handler.name not in names:
            names.append(use.reach.handler.name)
    return names


def frameworks_of(uses: Iterable[StateUse]) -> set[str]:
    """The frameworks of the handlers that reach some state."""
    return {use.reach.handler.framework for use in uses}


def name_list(names: list[str], limit: int = 3) -> str:
    """``a, b and 2 more``."""
    shown = [f"{name}" for name in names[:limit]]
    more = len(names) - limit
    text = ", ".join(shown)
    return f"{text} and {more} more" if more > 0 else text
