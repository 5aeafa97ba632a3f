"""The points-to solver: variables and objects are small integers, a variable's
points-to set is a Python ``set`` of object ids, and a worklist of (variable,
new objects) pairs propagates differences only (Andersen style, flow- and
context-insensitive) until nothing changes.

The solver knows nothing about Python: what a field load, a field store or a
call means for one particular object is asked of a ``Semantics`` callback (the
constraint generator), which may add variables, objects and edges while the
solver runs.  Everything is processed in insertion order, so the same
constraints in the same order give the same ids and the same sets.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol


@dataclass(slots=True)
class CallSite:
    """A call whose targets are decided by what its callee variable points to."""

    callee: int
    args: tuple[int | None, ...]  # ``None``: an argument with no objects; ``STAR``: ``*args``
    kwargs: tuple[tuple[str, int | None], ...]
    result: int
    caller: str  # a function id, or ``module:<name>`` for import-time code
    line: int
    column: int
    once: bool = False


#: stands for a ``*args``/``**kwargs`` argument: positions after it are unknown
STAR = -1
#: The points-to set of a variable nothing has reached yet (most never are): shared, and
#: replaced by a set of its own on the first object.
EMPTY: frozenset[int] = frozenset()


class Semantics(Protocol):
    """What loads, stores and calls mean for one object."""

    def load(self, solver: Solver, obj: int, name: str, target: int) -> None: ...

    def store(self, solver: Solver, obj: int, name: str, source: int) -> None: ...

    def call(self, solver: Solver, obj: int, site: CallSite) -> None: ...


class Solver:
    """Sets of small integers, copy edges, and field/call constraints on variables."""

    def __init__(self) -> None:
        self.var_ids: dict[Hashable, int] = {}
        self.pts: list[set[int] | frozenset[int]] = []
        #: copy edges by source variable (most variables have none: kept only when some)
        self.succ: dict[int, list[int]] = {}
        self._succ_sets: dict[int, set[int]] = {}
        self.loads: dict[int, list[tuple[str, int]]] = {}
        self.stores: dict[int, list[tuple[str, int]]] = {}
        self.calls: dict[int, list[CallSite]] = {}
        self.obj_ids: dict[Hashable, int] = {}
        self.obj_keys: list[Hashable] = []
        self.worklist: deque[tuple[int, set[int]]] = deque()
        self.semantics: Semantics | None = None

    # -- variables and objects -------------------------------------------------

    def var(self, key: Hashable) -> int:
        """The variable named ``key`` (created empty on first use)."""
        found = self.var_ids.get(key)
        if found is None:
            found = self.fresh()
            self.var_ids[key] = found
        return found

    def fresh(self) -> int:
        """A new anonymous variable (a call result, a loaded value)."""
        self.pts.append(EMPTY)
        return len(self.pts) - 1

    def obj(self, key: Hashable) -> tuple[int, bool]:
        """The object named ``key`` and whether it was just created."""
        found = self.obj_ids.get(key)
        if found is not None:
            return found, False
        found = len(self.obj_keys)
        self.obj_ids[key] = found
        self.obj_keys.append(key)
        return found, True

    # -- constraints -------------------------------------------------------------

    def add_object(self, var: int, obj: int) -> None:
        """``var ⊇ {obj}``."""
        if obj not in self.pts[var]:
            self.worklist.append((var, {obj}))

    def add_copy(self, source: int, target: int) -> None:
        """``target ⊇ source``."""
        if source == target:
            return
        known = self._succ_sets.get(source)
        if known is None:
            known = self._succ_sets[source] = set()
            self.succ[source] = []
        elif target in known:
            return
        known.add(target)
        self.succ[source].append(target)
        if self.pts[source]:
            self.worklist.append((target, set(self.pts[source])))

    def add_load(self, base: int, name: str, target: int) -> None:
        """``target ⊇ o.name`` for every ``o`` in ``base``."""
        self.loads.setdefault(base, []).append((name, target))
        if self.semantics is not None:
            for obj in sorted(self.pts[base]):
                self.semantics.load(self, obj, name, target)

    def add_store(self, base: int, name: str, source: int) -> None:
        """``o.name ⊇ source`` for every ``o`` in ``base``."""
        self.stores.setdefault(base, []).append((name, source))
        if self.semantics is not None:
            for obj in sorted(self.pts[base]):
                self.semantics.store(self, obj, name, source)

    def add_call(self, site: CallSite) -> None:
        """A call through ``site.callee``: its targets come as the callee's objects do."""
        self.calls.setdefault(site.callee, []).append(site)
        if self.semantics is not None:
            for obj in sorted(self.pts[site.callee]):
                self.semantics.call(self, obj, site)

    # -- solving -------------------------------------------------------------------

    def solve(self, semantics: Semantics) -> None:
        """Propagate to a fixed point."""
        self.semantics = semantics
        pts, succ, worklist = self.pts, self.succ, self.worklist
        while worklist:
            var, incoming = worklist.popleft()
            current = pts[var]
            new = incoming - current
            if not new:
                continue
            if current is EMPTY:
                current = pts[var] = set()
            current |= new
            for target in succ.get(var, ()):
                worklist.append((target, new))
            ordered = sorted(new) if len(new) > 1 else new
            loads = self.loads.get(var)
            if loads:
                for obj in ordered:
                    for name, target in list(loads):
                        semantics.load(self, obj, name, target)
            stores = self.stores.get(var)
            if stores:
                for obj in ordered:
                    for name, source in list(stores):
                        semantics.store(self, obj, name, source)
            calls = self.calls.get(var)
            if calls:
                for obj in ordered:
                    for site in list(calls):
                        semantics.call(self, obj, site)
