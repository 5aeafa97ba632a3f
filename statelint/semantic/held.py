"""Process state kept inside long-lived objects, named the way code reaches it.

The points-to model (``points_to``) says which process-lifetime objects requests
change.  This analysis decides which of them are worth a finding of their own and
how to name them:

* an object that a global or a class attribute holds is a *root*
  (``Controller._instance``, a module's ``store``);
* an object that code made per request and keeps only as an *entry* of another
  object (an item of a registry dict, or an attribute of such an entry) is part of
  that registry: the registry is the state, each entry is one row of it;
* any other object is *part of* the objects that hold it through an attribute
  (``self._computes = {}`` in a singleton's ``__init__``) and stands on its own.

Objects made in test or development modules, or inside a copy of a web framework kept in
the tree, are not the application's state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from statelint.config_values import non_production_module
from statelint.failures import analysis
from statelint.knowledge import load_table, matches
from statelint.model import Value
from statelint.project import Project
from statelint.semantic import (
    CLASS,
    CONTAINER,
    INSTANCE,
    LIBRARY,
    MODULE,
    PROCESS,
    REQUEST,
    AbstractObject,
    Holder,
    PointsTo,
    ProcessState,
    Use,
    points_to,
)
from statelint.semantic.constraints import ANY_ITEM, UNKNOWN_ITEM

__all__ = ["HeldState", "held_states"]


@dataclass(frozen=True, slots=True)
class HeldState:
    """A process object that requests change, with the name code reaches it by."""

    state: ProcessState
    #: ``Controller._computes``, ``Registry._instance``, ``store`` (a module global)
    name: str
    #: a dotted symbol for the finding (module, class and attribute)
    symbol: str
    #: how the object is kept: global | class attribute | attribute | item | "" (unknown)
    kept_as: str
    #: the class whose instance (or class object) keeps it ("" for module globals)
    owner_class: str
    #: made while a request is served (a lazily created singleton) rather than at start-up
    made_per_request: bool
    #: the global or class attribute the object is reached from through attributes
    #: (``app.realtime.manager`` for ``manager.rooms``), and whether that root is bound at
    #: import time (made then, or bound by the module or class body); "" when none is known
    root: str = ""
    root_at_import: bool = False
    #: request-time changes of the rows it keeps (objects a request made and stored in it,
    #: each changed later by other requests): part of this state, not findings of their own
    row_changes: tuple[Use, ...] = ()
    #: the object that keeps it under ``name`` (the container it is an entry of, the
    #: object it is an attribute of); None for globals and class attributes of nothing known
    kept_in: AbstractObject | None = None


@analysis("held state")
def held_states(project: Project) -> tuple[HeldState, ...]:
    """The request-changed process objects that are not mere entries of another one."""
    model = points_to(project)
    production = {facts.path for facts in project.modules.values()
                  if not non_production_module(facts)
                  and not project.is_vendored_framework(facts.module)}
    standing: dict[str, bool] = {}
    found: list[HeldState] = []
    rows: dict[str, list[Use]] = {}
    folded: dict[str, list[ProcessState]] = {}
    table = load_table("process_state")
    stoppers = tuple(table["app_state"]["server_stoppers"])
    listers = tuple(table["local_disk"]["directory_listers"])
    readers = _attribute_readers(project, model)
    for state in model.process_state():
        item = state.object
        if item.path not in production:
            continue
        state = _without_derived_changes(project, model, state, stoppers, listers, readers)
        if not state.mutations:
            continue
        registry = _start_up_row_of(model, item, standing)
        if registry is not None:
            folded.setdefault(registry.id, []).append(replace(state, object=registry))
            continue
        if _is_entry(model, item, standing, set()):
            for registry in _registries(model, item, standing):
                rows.setdefault(registry, []).extend(state.mutations)
            continue
        if project.shared_classes and _in_shared_object(model, item, project.shared_classes):
            continue
        found.append(_held(project, model, state))
    standing_ids = {held.state.object.id for held in found}
    for registry_id, changes in sorted(folded.items()):
        if registry_id in standing_ids:
            rows.setdefault(registry_id, []).extend(use for state in changes
                                                     for use in state.mutations)
        else:
            found.append(_held(project, model, _merged(changes)))
    return tuple(replace(held, row_changes=_sorted_uses(rows.get(held.state.object.id, ())))
                 for held in found)


def _held(project: Project, model: PointsTo, state: ProcessState) -> HeldState:
    item = state.object
    holder = _naming_holder(model, item)
    container = (_naming_holder(model, holder.holder)
                 if holder is not None and holder.kind == "item" else None)
    name, symbol, owner = _name(
        item, holder, container if container is not None and container.kind != "item" else None)
    root, _, bound = _root(project, model, item)
    return HeldState(state, name, symbol, holder.kind if holder else "", owner,
                     item.origin == REQUEST, root, bound,
                     kept_in=holder.holder if holder else None)


def _attribute_readers(project: Project, model: PointsTo) -> dict[str, set[str]]:
    """The request-time functions that read each attribute name (``self.ready``, ``x.ready``)
    without setting it themselves."""
    found: dict[str, set[str]] = {}
    for function_id in {key for reach in model.reaches for key in reach.parents}:
        entry = project.functions.get(function_id)
        accesses = entry[1].accesses if entry is not None else ()
        written = {access.ref for access in accesses if access.op == "setattr"}
        for access in accesses:
            if access.op == "read" and "." in access.ref and access.ref not in written:
                found.setdefault(access.ref.rpartition(".")[2], set()).add(function_id)
    return found


def _without_derived_changes(project: Project, model: PointsTo, state: ProcessState,
                             stoppers: tuple[str, ...], listers: tuple[str, ...],
                             readers: dict[str, set[str]]) -> ProcessState:
    """The state without the changes that are not data later requests are answered from:
    a flag set to True or False by a function that stops the server (``self.closing = True``
    before ``await self.app.shutdown()``) marks the process as going away; a flag only the
    function that sets it reads (``if self.ready: return`` then ``self.ready = True``) makes
    its work run once per process; an index a function rebuilds whole from a directory
    listing (``self.paths = {}`` and then one entry per file ``os.walk`` finds) is derived
    from the files on disk."""

    def derived(use: Use) -> bool:
        found = project.functions.get(use.function_id)
        if found is None:
            return False
        fn = found[1]
        access = next((access for access in fn.accesses if access.op == use.op
                       and (access.span.line, access.span.column)
                       == (use.span.line, use.span.column)), None)
        if access is None:
            return False
        written = fn.written_value(access) if use.op == "setattr" else None
        if written is not None and written.kind == "literal" and isinstance(written.literal, bool):
            guard = (not readers.get(use.detail) and any(
                other.op == "read" and other.ref == access.ref
                and other.span.line < access.span.line for other in fn.accesses))
            return guard or _calls_any(project, model, use.function_id, stoppers)
        # a fresh container bound to the attribute, or an entry put into the attribute the
        # same function binds to a fresh container
        rebuilt = (written.is_container if written is not None else any(
            other.op == "setattr" and other.ref == access.ref
            and (fn.written_value(other) or Value("other")).is_container
            for other in fn.accesses))
        return rebuilt and _calls_any(project, model, use.function_id, listers)

    kept = tuple(use for use in state.mutations if not derived(use))
    if len(kept) == len(state.mutations):
        return state
    writers = tuple(sorted({key for use in kept for key in use.handlers}))
    return replace(state, mutations=kept, writers=writers)


def _calls_any(project: Project, model: PointsTo, function_id: str,
               wanted: tuple[str, ...]) -> bool:
    """True when the function calls one of ``wanted``: a function (``sys.exit``,
    ``os.walk``), or a method of a library object its receiver may be
    (``self.app.shutdown()`` on an aiohttp application)."""
    found = project.functions.get(function_id)
    if found is None:
        return False
    for call in found[1].calls:
        if matches(call.target, wanted):
            return True
        owner, _, method = call.target.rpartition(".")
        if not owner or "(" in owner or owner.startswith("<"):
            continue
        if any(item.kind == LIBRARY and matches(f"{item.class_name}.{method}", wanted)
               for item in model.values_of(function_id, owner)):
            return True
    return False


def _merged(states: list[ProcessState]) -> ProcessState:
    """The changes of a registry's rows, as changes of the registry."""
    writers = sorted({key for state in states for key in state.writers})
    reading = sorted({key for state in states for key in state.reading_handlers} - set(writers))
    return ProcessState(states[0].object, _sorted_uses(use for state in states
                                                       for use in state.mutations),
                        _sorted_uses(use for state in states for use in state.readers),
                        tuple(writers), tuple(reading))


def _start_up_row_of(model: PointsTo, item: AbstractObject, standing: dict[str, bool]
                     ) -> AbstractObject | None:
    """The registry whose row ``item`` is when start-up code made it and keeps it only as an
    item of that one process object, under keys it computes (``measures[key] = Histogram()``
    while configuring):
    what requests change in it is the registry's data, reported there."""
    if item.origin != PROCESS or item.kind in (MODULE, CLASS):
        return None
    holders = [h for h in model.holders(item) if h.holder.lifetime == PROCESS]
    owners = {h.holder.id: h.holder for h in holders}
    if len(owners) != 1 or any(h.kind != "item" or h.name not in (ANY_ITEM, UNKNOWN_ITEM)
                               for h in holders):
        return None  # an item under a literal key is a named slot, not a row
    (owner,) = owners.values()
    if owner.kind not in (CONTAINER, INSTANCE) or _is_entry(model, owner, standing, set()):
        return None
    return owner


def _sorted_uses(uses: Iterable[Use]) -> tuple[Use, ...]:
    unique = {(use.path, use.span.line, use.span.column, use.op, use.detail): use for use in uses}
    return tuple(unique[key] for key in sorted(unique))


def _registries(model: PointsTo, item: AbstractObject, standing: dict[str, bool]) -> list[str]:
    """The objects that keep ``item`` as a row: the first holders, going up through items
    and attributes of other rows, that are not rows themselves."""
    found: list[str] = []

    def climb(current: AbstractObject) -> list[AbstractObject]:
        rows = []
        for holder in model.holders(current):
            owner = holder.holder
            if owner.lifetime != PROCESS:
                continue
            if owner.id != item.id and not _is_entry(model, owner, standing, set()):
                if owner.id not in found:
                    found.append(owner.id)
            else:
                rows.append(owner)
        return rows

    for _ in _upwards(item, climb):
        pass
    return found


def _upwards(item: AbstractObject, climb: Callable[[AbstractObject], list[AbstractObject]]
             ) -> Iterator[AbstractObject]:
    """``item`` and the objects ``climb`` leads to from it, each once."""
    seen: set[str] = set()
    queue = [item]
    while queue:
        current = queue.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        yield current
        queue += climb(current)


def _root(project: Project, model: PointsTo, item: AbstractObject
          ) -> tuple[str, AbstractObject | None, bool]:
    """The global or class attribute ``item`` hangs from, through attributes (and items of a
    registry it names), and whether what hangs there is bound at import: made by the module
    or class body, or bound there to something other than ``None`` (what import binds is
    judged by name; a ``_instance = None`` filled in later, or an entry put into a registry
    later, is not)."""
    seen: set[str] = set()
    current: AbstractObject | None = item
    entry = False
    while current is not None and current.id not in seen:
        seen.add(current.id)
        holder = _naming_holder(model, current)
        if holder is None or (holder.kind == "item" and not _named_registry(model, holder)):
            return "", None, False
        if holder.kind in ("global", "class attribute"):
            # an entry put into a registry later is not what import binds
            return (_name(current, holder)[1], current, not entry and (
                _bound_at_import(project, holder) or current.function == ""))
        entry = entry or holder.kind == "item"
        current = holder.holder
    return "", None, False


def _bound_at_import(project: Project, holder: Holder) -> bool:
    if holder.kind == "class attribute":
        found = project.class_attribute(holder.holder.class_name, holder.name)
        binding = found[1] if found is not None else None
    else:
        facts = project.modules.get(holder.holder.class_name)
        binding = next((item for item in facts.bindings if item.name == holder.name),
                       None) if facts is not None else None
    return binding is not None and not (binding.value.kind == "literal"
                                        and binding.value.literal is None)


def _in_shared_object(model: PointsTo, item: AbstractObject, shared: tuple[str, ...]) -> bool:
    """True when the object, or an object that holds it through attributes, is of a class
    the configuration names in ``shared-classes`` (a client of a shared store)."""

    def climb(current: AbstractObject) -> list[AbstractObject]:
        return [holder.holder for holder in model.holders(current)
                if holder.kind == "attribute" and holder.holder.lifetime == PROCESS]

    return any(current.kind in (INSTANCE, LIBRARY)
               and matches(current.class_name.replace(":", "."), shared)
               for current in _upwards(item, climb))


def _is_entry(model: PointsTo, item: AbstractObject, standing: dict[str, bool],
              visiting: set[str]) -> bool:
    """True when ``item`` was made per request and is kept only as a row of a registry
    (an item of another object, or an attribute of such a row)."""
    known = standing.get(item.id)
    if known is not None:
        return known
    if item.origin == PROCESS or item.kind in (MODULE, CLASS):
        standing[item.id] = False
        return False
    if item.id in visiting:
        return True
    visiting.add(item.id)
    holders = [h for h in model.holders(item) if h.holder.lifetime == PROCESS]
    if not holders or any(h.kind in ("global", "class attribute") for h in holders):
        entry = False
    elif all(h.kind == "item" for h in holders):
        entry = True
    else:
        entry = all(_is_entry(model, h.holder, standing, visiting)
                    for h in holders if h.kind == "attribute")
    visiting.discard(item.id)
    standing[item.id] = entry
    return entry


def _naming_holder(model: PointsTo, item: AbstractObject) -> Holder | None:
    """The holder that names the object best: a global or class attribute first, then
    an attribute of an object that is not itself an entry."""
    holders = [h for h in model.holders(item) if h.holder.lifetime == PROCESS]
    order = {"class attribute": 0, "global": 1, "attribute": 3, "item": 4}

    def rank(holder: Holder) -> int:
        # an entry of a registry a global or class attribute names (``BREAKERS[host]``) is
        # reached through that registry, whatever else keeps a reference to it
        if holder.kind == "item" and _named_registry(model, holder):
            return 2
        return order.get(holder.kind, 5)

    ranked = sorted(holders, key=lambda h: (rank(h), h.holder.path != item.path,
                                            h.name in (ANY_ITEM, UNKNOWN_ITEM),
                                            h.holder.line, h.name))
    return ranked[0] if ranked else None


def _named_registry(model: PointsTo, holder: Holder) -> Holder | None:
    """For an item holder: the global or class attribute that keeps its container."""
    return next((up for up in model.holders(holder.holder) if up.holder.lifetime == PROCESS
                 and up.kind in ("global", "class attribute")), None)


def _name(item: AbstractObject, holder: Holder | None, registry: Holder | None = None
          ) -> tuple[str, str, str]:
    """(short name, dotted symbol, owner class id) of an object as its holder names it
    (``registry``: what names the container it is an item of: a global, a class attribute
    or an attribute of another object)."""
    if registry is not None and holder is not None and holder.kind == "item":
        name, symbol, owner = _name(holder.holder, registry)
        key = holder.name if holder.name != ANY_ITEM else "[...]"
        return f"{name}{key}", f"{symbol}{key}", owner
    if holder is None:
        label = item.class_name.rpartition(":")[2].rpartition(".")[2] or item.kind
        return label, f"{item.path}:{item.line}.{label}", ""
    owner = holder.holder
    if holder.kind == "global":
        return holder.name, f"{owner.class_name}.{holder.name}", ""
    if owner.kind in (CLASS, INSTANCE):
        class_id = owner.class_name
        class_name = class_id.rpartition(":")[2]
        short = class_name.rpartition(".")[2]
        return (f"{short}.{holder.name}", f"{class_id.replace(':', '.')}.{holder.name}", class_id)
    parent = owner.class_name.rpartition(".")[2] or owner.kind
    if holder.kind == "item":
        key = holder.name if holder.name not in (ANY_ITEM, UNKNOWN_ITEM) else "[...]"
        return (f"{parent}{key}", f"{owner.id}{key}", "")
    return (f"{parent}.{holder.name}", f"{owner.id}.{holder.name}", "")
