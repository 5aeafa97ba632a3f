"""The semantic model: which objects live for the whole process, and who changes them.

A points-to analysis over allocation sites (Andersen style: flow- and
context-insensitive, field-sensitive on attribute names and literal keys) follows
objects through assignments, ``global``, attributes, items, arguments and
parameters (positional, keyword, defaults, ``Depends``), returns, closures,
``functools.partial`` and what frameworks hand over: the keywords of view classes
(tornado URL specs, ``resource_class_kwargs``), the application behind
``request.app``/``current_app``/``self.application``, and the application passed to
``lifespan=``/``on_startup`` callbacks.  Call targets are decided by what the
callee expression points to (functions, classes running ``__init__`` on the new
object, bound methods, classmethods).

**What counts as process-lifetime state** (the one place this is decided):

* An object is *process-lifetime* when it is made at import time (module level,
  class bodies: also every module, class and function object), or in start-up
  code (app factories and other start-up functions the tables name, ``main()``,
  what module-level code and ``if __name__ == "__main__":`` blocks call, and
  everything those call) without also being made in request code, or when it is
  stored into a field, item or global of a process-lifetime object (it escapes).
* An object made in code a request handler reaches, that never escapes into a
  process-lifetime object, is *request-lifetime*; one made only in code nothing
  known reaches is *unknown*.
* *Process state* is a process-lifetime container, project-class instance or
  library object with at least one *request-time mutation*: an item or attribute
  store, ``del``, augmented assignment or mutating method call (the container
  mutators and library store methods of ``apis.toml``) in a function some request
  handler reaches (through its hooks, the link stage's call graph and the calls
  this model resolves), outside once-per-process initialisation.  Setting an
  attribute of ``self`` in the object's own ``__init__`` builds it, and a method
  call on a project instance whose class defines the method is followed into the
  method: neither counts as a mutation.  Its *readers* are the request-time reads
  of it.

Rules ask ``points_to(project).process_state()``; they do not walk facts.  The
analyses that name particular kinds of process state (backends chosen by
configuration, background work, application state, memo caches) are listed in
``statelint.analyses``.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from statelint.failures import analysis
from statelint.knowledge import load_table
from statelint.model import Handler, Span
from statelint.project import Project, Reach, Step
from statelint.semantic.constraints import (
    BOUND_METHOD,
    CLASS,
    CONTAINER,
    FUNCTION,
    INSTANCE,
    LIBRARY,
    MODULE,
    PARTIAL,
    ConstraintBuilder,
    MutationSite,
    Scope,
)
from statelint.semantic.solver import Solver

__all__ = ["AbstractObject", "BackgroundLoop", "Holder", "PointsTo", "ProcessState", "Use", "points_to", "STATE_KINDS"]

#: Calls that copy what they are given into a new container.
CONTAINER_CONSTRUCTORS = frozenset({"list", "dict", "set", "bytearray", "collections.deque",
                                    "collections.OrderedDict", "copy.copy", "copy.deepcopy"})
#: Object kinds that can hold data a request changes (the default of ``process_state``).
STATE_KINDS = (CONTAINER, INSTANCE, LIBRARY)
PROCESS, REQUEST, UNKNOWN = "process", "request", "unknown"
#: Functions that start a service by name, besides the start-up table.
MAIN_NAMES = frozenset({"main"})


@dataclass(frozen=True, slots=True)
class AbstractObject:
    """One allocation site (or one definition) standing for the objects it makes.

    ``kind`` is ``container`` (``class_name`` says which: ``dict``,
    ``collections.deque``...), ``instance`` (of the project class ``class_name``, a
    class id), ``library`` (an instance of the outside class ``class_name``),
    ``class``, ``function``, ``module``, ``bound_method`` or ``partial``.
    ``function`` is the function id that makes it ("" at import time).
    """

    id: str
    kind: str
    path: str
    line: int
    column: int
    class_name: str
    function: str
    lifetime: str  # process | request | unknown
    #: the lifetime of the code that makes it, before what holds it is considered: an
    #: object made per request that a process object keeps has ``origin`` request
    origin: str = ""


@dataclass(frozen=True, slots=True)
class Holder:
    """One place an object is kept: a module global, a class attribute, or an attribute
    or item of another object."""

    holder: AbstractObject
    kind: str  # global | class attribute | attribute | item
    name: str  # the global, attribute or ``[key]`` (``[]`` for any key)


@dataclass(frozen=True, slots=True)
class Use:
    """A request-time change (or read) of an object inside one function."""

    function_id: str
    path: str
    span: Span
    op: str  # setitem | delitem | setattr | delattr | augassign | mutate | rebind | read | call
    detail: str  # the method, the literal key or the attribute ("" when unknown)
    handlers: tuple[str, ...]  # ``path::name`` of the handlers that reach it


@dataclass(frozen=True, slots=True)
class ProcessState:
    """A process-lifetime object that requests change."""

    object: AbstractObject
    mutations: tuple[Use, ...]
    readers: tuple[Use, ...]
    #: handlers whose requests change it, and those that only read it
    writers: tuple[str, ...]
    reading_handlers: tuple[str, ...]

    @property
    def handlers(self) -> tuple[str, ...]:
        """Every handler that changes or reads the object."""
        return tuple(sorted({*self.writers, *self.reading_handlers}))


@dataclass(frozen=True, slots=True)
class BackgroundLoop:
    """A function that start-up code hands to a thread or greenlet and that sleeps between
    rounds: it runs in every worker process, on that worker's own schedule."""

    #: the function the thread or greenlet runs
    function_id: str
    #: the function (or ``module:<module>``) that starts it
    started_by: str
    #: what the loop runs, with the first chain found to each function
    reach: Reach
    #: ``loop``: started in a thread or greenlet; ``callback``: stored at start-up in an
    #: attribute of a library's object (``client.on_message = handle``), which calls it
    #: whenever its own events come, while the process serves requests
    kind: str = "loop"


@dataclass(frozen=True)
class PointsTo:
    """The solved model of one project."""

    objects: tuple[AbstractObject, ...]
    states: tuple[ProcessState, ...]
    #: each request handler's reach, extended with the calls the model found
    reaches: tuple[Reach, ...]
    statistics: dict[str, int] = field(default_factory=dict, compare=False)
    _solution: _Solution | None = field(default=None, repr=False, compare=False)
    #: background loops the service starts outside requests
    loops: tuple[BackgroundLoop, ...] = ()
    #: functions that run at import or start-up: the start-up table's code, ``main()``, what
    #: module-level code calls, the methods a library runs on the instance it launches
    startup: frozenset[str] = frozenset()

    def process_state(self, kinds: Iterable[str] = STATE_KINDS, class_name: str = ""
                      ) -> tuple[ProcessState, ...]:
        """Process objects of these kinds (and class, when given) with request-time mutations."""
        wanted = set(kinds)
        return tuple(state for state in self.states if state.object.kind in wanted
                     and (not class_name or state.object.class_name == class_name))

    def object(self, object_id: str) -> AbstractObject | None:
        """The object with this id."""
        if self._solution is None:
            return next((item for item in self.objects if item.id == object_id), None)
        return self._solution.by_id().get(object_id)

    def values_of(self, function_id: str, name: str) -> tuple[AbstractObject, ...]:
        """What a local name of a function (a parameter, a local, a name it closes over), or a
        path of attributes from one (``self.store``, ``request.app.state.drafts``), may
        point to, in source order."""
        if self._solution is None:
            return ()
        return self._solution.values_of(function_id, name)

    def holders(self, item: AbstractObject) -> tuple[Holder, ...]:
        """Where ``item`` may be kept, in source order of the holders."""
        if self._solution is None:
            return ()
        return self._solution.holders(item.id)

    def reach(self, handler_key: str) -> Reach | None:
        """The extended reach of the handler named ``path::name``."""
        return next((reach for reach in self.reaches if reach.handler.key == handler_key), None)


class _Solution:
    """The solver's state after the fixed point, read by ``PointsTo``."""

    def __init__(self, project: Project, builder: ConstraintBuilder,
                 objects: dict[int, AbstractObject]) -> None:
        self.project = project
        self.builder = builder
        self.objects = objects
        self._by_id: dict[str, AbstractObject] | None = None
        self._holders: dict[str, tuple[Holder, ...]] = {}
        self._ids: dict[str, list[int]] | None = None
        self._held: dict[int, list[int]] | None = None
        self._owner_of: dict[int, int] = {}
        self._fields: dict[int, tuple] | None = None

    def by_id(self) -> dict[str, AbstractObject]:
        if self._by_id is None:
            self._by_id = {item.id: item for item in self.objects.values()}
        return self._by_id

    def holders(self, object_id: str) -> tuple[Holder, ...]:
        """The globals, class attributes, attributes and items that hold the object(s)
        with this id, in source order of the holders.

        Built per object asked about, from an index of which field variables point to
        each object: a large project's model holds millions of (field, object) pairs,
        and the analyses ask about a few hundred objects.
        """
        found = self._holders.get(object_id)
        if found is None:
            field_keys = self._field_keys()
            holding: list[Holder] = []
            for obj in self._objects_by_id().get(object_id, ()):
                for var in self._held_in().get(obj, ()):
                    key = field_keys[var]
                    name = key[2]
                    kind = {"global": "global", "classattr": "class attribute"}.get(
                        key[0], "item" if name.startswith("[") else "attribute")
                    holding.append(Holder(self.objects[self._owner_of[var]], kind, name))
            found = tuple(sorted(set(holding),
                                 key=lambda h: (*_object_order(h.holder), h.name)))
            self._holders[object_id] = found
        return found

    def _objects_by_id(self) -> dict[str, list[int]]:
        if self._ids is None:
            self._ids = {}
            for obj, item in self.objects.items():
                self._ids.setdefault(item.id, []).append(obj)
        return self._ids

    def _held_in(self) -> dict[int, list[int]]:
        """Object → the field variables (of objects the model describes) that point to it."""
        if self._held is None:
            solver = self.builder.solver
            field_keys = self._field_keys()
            held_in: dict[int, list[int]] = {}
            for owner, variables in self.builder.fields_of.items():
                if owner not in self.objects:
                    continue
                for var in variables:
                    held = solver.pts[var]
                    if not held or var not in field_keys:
                        continue
                    self._owner_of[var] = owner
                    for obj in held:
                        held_in.setdefault(obj, []).append(var)
            self._held = held_in
        return self._held

    def _field_keys(self) -> dict[int, tuple]:
        if self._fields is None:
            self._fields = {var: key for key, var in self.builder.solver.var_ids.items()
                            if isinstance(key, tuple) and key
                            and key[0] in ("global", "classattr", "field")}
        return self._fields

    def pts(self, function_id: str, dotted: str) -> set[int]:
        """The objects a local name, or a path of attributes from one, points to; read
        from the solved sets without adding constraints."""
        builder, solver = self.builder, self.builder.solver
        head, _, rest = dotted.partition(".")
        var = builder.local_var(function_id, head) if function_id in self.project.functions else None
        if var is None:
            return set()
        found = set(solver.pts[var])
        for part in rest.split(".") if rest else ():
            following: set[int] = set()
            for obj in found:
                kind, name = solver.obj_keys[obj][0], solver.obj_keys[obj][1]
                keys: list[tuple[object, ...]] = [("field", obj, part)]
                if kind == "module":
                    keys = [("global", name, part)]
                class_id = builder.object_class.get(obj)
                if class_id:
                    keys += [("classattr", ancestor, part) for ancestor in self.project.mro(class_id)]
                for key in keys:
                    target = solver.var_ids.get(key)
                    if target is not None:
                        following |= solver.pts[target]
            found = following
        return found

    def values_of(self, function_id: str, name: str) -> tuple[AbstractObject, ...]:
        found = self.pts(function_id, name)
        return tuple(sorted((self.objects[obj] for obj in found if obj in self.objects),
                            key=_object_order))


def _object_order(item: AbstractObject) -> tuple[str, int, int, str]:
    return (item.path, item.line, item.column, item.id)


def _object_id(key: tuple) -> str:
    kind = key[0]
    if kind == "alloc":
        _, scope, line, column, ordinal, what, class_name = key
        return f"{scope}@{line}:{column}#{ordinal} {what} {class_name}".rstrip()
    if kind == "instance":
        (caller, line, column), class_id = key[1], key[2]
        return f"{caller}@{line}:{column} {class_id}()"
    if kind == "request-instance":
        return f"{key[1]}() per request"
    if kind in ("module", "class", "function"):
        return f"{kind} {key[1]}"
    return ""


@analysis("points-to")
def points_to(project: Project) -> PointsTo:
    """Solve the semantic model of ``project`` (once per project)."""
    # The model makes many small, long-lived containers next to the project's facts;
    # the cyclic collector would walk all of them again and again for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _solve(project)
    finally:
        if enabled:
            gc.enable()


def _solve(project: Project) -> PointsTo:
    from statelint.state import startup_functions

    solver = Solver()
    builder = ConstraintBuilder(project, solver)
    for module in sorted(project.modules):
        builder.add_module(project.modules[module])
    # class-based handlers: the framework makes the view object for each request
    for reach in project.reaches:
        for entry in project.entries.get(reach.handler.function_id, (reach.handler.function_id,)):
            class_id = project.class_of(entry)
            found = project.functions.get(entry)
            for param in found[1].params if found is not None else ():
                if builder.is_request_param(param.name, param.annotation):
                    solver.add_object(solver.var(("local", entry, param.name)),
                                      builder.request_object(entry, param.name))
            if class_id is None or found is None or not found[1].params:
                continue
            if builder.is_static(entry) or builder.is_classmethod(entry):
                continue
            solver.add_object(solver.var(("local", entry, found[1].params[0].name)),
                              builder.request_instance(class_id))
    solver.solve(builder)

    startup_roots = startup_functions(project)
    table = load_table("process_state")["background"]
    serving = [reach for reach in project.reaches if not _startup_hook(project, reach, table)]
    reaches = tuple(_extend(project, reach, builder.edges) for reach in serving)
    request_functions: dict[str, set[str]] = {}
    for reach in reaches:
        for function_id in reach.parents:
            request_functions.setdefault(function_id, set()).add(reach.handler.key)
    startup = _startup(project, builder, startup_roots)

    # the receivers of request-time changes and reads, then solve what they added
    pending: list[tuple[MutationSite, int | None, int | None]] = []
    callers: dict[str, set[str]] = {}
    for caller, found in builder.edges.items():
        for callee, _, _, _ in found:
            callers.setdefault(callee, set()).add(caller)
    for site in builder.mutations:
        if site.once or site.function_id not in request_functions:
            continue
        scope = _scope(project, site.function_id)
        ref = site.receiver[1]
        owner = ref.rpartition(".")[0]
        if site.target == "owner" and _constructing(project, scope, owner, callers):
            continue
        own = builder.path(scope, ref) if site.target in ("self", "method", "augassign") else None
        parent = builder.path(scope, owner) if owner and site.target in ("owner", "augassign") else None
        if own is not None and site.items:
            # the items the method is called on; the mapping when none of them is known
            parent, own = own, builder.solver.fresh()
            for name in site.items:
                builder.solver.add_copy(builder.load_path(parent, [name]), own)
        pending.append((site, own, parent))
    reads: list[tuple[str, Span, str, str, int]] = []
    for function_id in sorted(request_functions):
        facts, fn = project.functions[function_id]
        scope = _scope(project, function_id)
        for access in fn.accesses:
            if access.op in ("read", "getitem") and not access.once:
                var = builder.path(scope, access.ref)
                if var is not None:
                    reads.append((function_id, access.span, "read", access.key, var))
        for call in fn.calls:
            owner, _, method = call.target.rpartition(".")
            if owner and call.head in ("local", "param", "self", "cls", "global") and not call.once:
                var = builder.path(scope, owner)
                if var is not None:
                    reads.append((function_id, call.span, "call", method, var))
    solver.solve(builder)

    lifetimes, origins = _lifetimes(builder, solver, request_functions, startup)
    objects: dict[int, AbstractObject] = {}
    for obj, allocation in builder.allocations.items():
        objects[obj] = AbstractObject(
            _object_id(solver.obj_keys[obj]) or _derived_id(solver.obj_keys[obj], builder),
            allocation.kind, allocation.path, allocation.line, allocation.column,
            allocation.class_name, allocation.function, lifetimes.get(obj, UNKNOWN),
            origins.get(obj, UNKNOWN))

    mutations: dict[int, list[Use]] = {}
    for site, own, parent in pending:
        handlers = tuple(sorted(request_functions[site.function_id]))
        path = project.functions[site.function_id][0].path
        for obj in _changed(project, builder, solver, site, own, parent):
            if lifetimes.get(obj) != PROCESS:
                continue
            mutations.setdefault(obj, []).append(
                Use(site.function_id, path, site.span, site.op, site.detail, handlers))
    readers: dict[int, list[Use]] = {}
    for function_id, span, op, detail, var in reads:
        for obj in solver.pts[var]:
            if obj in mutations:
                path = project.functions[function_id][0].path
                readers.setdefault(obj, []).append(
                    Use(function_id, path, span, op, detail,
                        tuple(sorted(request_functions[function_id]))))
    states = []
    for obj, uses in mutations.items():
        changed = _unique(uses)
        written = {(use.function_id, use.span) for use in changed}
        read = [use for use in _unique(readers.get(obj, [])) if (use.function_id, use.span) not in written]
        writers = sorted({key for use in changed for key in use.handlers})
        reading = sorted({key for use in read for key in use.handlers} - set(writers))
        states.append(ProcessState(objects[obj], tuple(changed), tuple(read), tuple(writers),
                                   tuple(reading)))
    states.sort(key=lambda state: _object_order(state.object))
    ordered = tuple(sorted(objects.values(), key=_object_order))
    statistics = {"objects": len(solver.obj_keys), "variables": len(solver.pts),
                  "call_edges": sum(len(found) for found in builder.edges.values())}
    return PointsTo(ordered, tuple(states), reaches, statistics,
                    _Solution(project, builder, objects),
                    _background_loops(project, builder, request_functions)
                    + _library_callbacks(project, builder, lifetimes, request_functions),
                    frozenset(startup))


def _derived_id(key: tuple, builder: ConstraintBuilder) -> str:
    if key[0] in ("bound", "attribute"):
        parent = builder.solver.obj_keys[key[1]]
        name = key[2].rpartition(".")[2]
        return f"{_object_id(parent) or _derived_id(parent, builder)}.{name}"
    if key[0] == "request":
        return f"{key[1]}({key[2]}) per request"
    if key[0] == "partial":
        return repr(key)
    return repr(key)


#: Methods that build their object: setting its attributes there is not changing it.
CONSTRUCTORS = frozenset({"__init__", "__new__", "__post_init__"})


def _constructing(project: Project, scope: Scope, owner: str, callers: dict[str, set[str]]
                  ) -> bool:
    """``self.x = ...`` inside the object's own constructor, or inside a method only
    constructors call (``self._compile()`` from ``__init__``)."""
    fn = scope.fn
    if fn is None or not fn.params or owner != fn.params[0].name or not fn.class_name:
        return False
    if fn.name in CONSTRUCTORS:
        return True
    found = callers.get(scope.function_id)
    return bool(found) and all(
        caller in project.functions and project.functions[caller][1].name in CONSTRUCTORS
        and bool(project.functions[caller][1].class_name) for caller in found)


def _startup_hook(project: Project, reach: Reach, table: dict[str, list[str]]) -> bool:
    """A hook that runs at start-up (``@app.on_event("startup")``), not per request.  A hook
    or handler merely defined inside an app factory still serves requests."""
    if reach.handler.kind != "hook" or reach.handler.function_id not in project.functions:
        return False
    fn = project.functions[reach.handler.function_id][1]
    return fn.name in table["startup_names"] or any(
        decorator.target.rpartition(".")[2] in table["startup_decorator_methods"]
        for decorator in fn.decorators)


def _unique(uses: list[Use]) -> list[Use]:
    seen: dict[tuple[str, int, int, str, str], Use] = {}
    for use in uses:
        seen.setdefault((use.path, use.span.line, use.span.column, use.op, use.detail), use)
    return [seen[key] for key in sorted(seen)]


def _scope(project: Project, function_id: str) -> Scope:
    facts, fn = project.functions[function_id]
    return Scope(facts, function_id, fn)


def _changed(project: Project, builder: ConstraintBuilder, solver: Solver, site: MutationSite,
             own: int | None, parent: int | None) -> list[int]:
    """The objects a mutation site changes."""
    if site.items and own is not None and not solver.pts[own]:
        own = parent  # ``cache[key].append(x)`` on items nothing made known: the mapping's
    own_objects = [obj for obj in sorted(solver.pts[own]) if builder.allocations.get(obj) and
                   builder.allocations[obj].kind not in (FUNCTION, BOUND_METHOD, PARTIAL)
                   ] if own is not None else []
    ref = site.receiver[1]
    if "." not in ref and _copied_locally(project, site.function_id, ref):
        # ``pieces = list(pieces)`` then ``del pieces[-1]``: the function changes its own
        # copy, not what the caller passed in
        own_objects = [obj for obj in own_objects
                       if builder.allocations[obj].function == site.function_id]
    if site.target == "method":
        if site.detail not in builder.store_methods:
            # any method of a class the configuration says keeps data in the process
            return [obj for obj in own_objects if builder.declared_stateful(obj)]
        found = []
        for obj in own_objects:
            allocation = builder.allocations[obj]
            if allocation.kind in (MODULE, CLASS):
                continue
            class_id = builder.object_class.get(obj)
            if class_id and project.method_of(class_id, site.detail) is not None:
                continue  # the call is followed into the method instead
            found.append(obj)
        return found
    if site.target == "self":
        return own_objects
    if site.target == "augassign" and own_objects:
        return own_objects
    return sorted(solver.pts[parent]) if parent is not None else []


def _copied_locally(project: Project, function_id: str, name: str) -> bool:
    """True when the function binds ``name`` to a container it builds itself."""
    found = project.functions.get(function_id)
    if found is None:
        return False
    for local, value in found[1].local_assignments:
        if local == name and (value.is_container or (
                value.kind == "call" and value.target in CONTAINER_CONSTRUCTORS)):
            return True
    return False


def _extend(project: Project, reach: Reach, edges: dict[str, dict[tuple[str, int, int, bool], None]]
            ) -> Reach:
    """A handler's reach, with the calls only the model resolves (``store.add()`` on an
    object handed down through a closure, a parameter or an attribute)."""
    parents: dict[str, Step | None] = dict(reach.parents)
    queue: deque[tuple[str, bool]] = deque((function_id, False) for function_id in reach.parents)
    while queue:
        current, added = queue.popleft()
        found = [(callee, Span(line, column, line, column))
                 for callee, line, column, once in edges.get(current, ()) if not once]
        if added:
            found += project.callees(current)
        for callee, span in found:
            if callee not in parents and callee in project.functions \
                    and not project.serves_another_request(callee):
                parents[callee] = Step(current, callee, span)
                queue.append((callee, True))
    return Reach(reach.handler, parents)


def _startup(project: Project, builder: ConstraintBuilder, roots: set[str]) -> set[str]:
    """Functions that run at import or start-up: the table's start-up code, ``main()``,
    what module-level code calls, and everything those call."""
    queue = [root for root in roots if root in project.functions]
    queue += [function_id for function_id, (_, fn) in project.functions.items()
              if fn.name in MAIN_NAMES and not fn.class_name]
    for caller, found in builder.edges.items():
        if caller.endswith(":<module>"):
            queue += [callee for callee, _, _, _ in found]
    seen: set[str] = set()
    while queue:
        current = queue.pop()
        if current in seen:
            continue
        seen.add(current)
        queue += [callee for callee, _, _, _ in builder.edges.get(current, ())]
        queue += [callee for callee, _ in project.callees(current)]
    return seen


def _background_loops(project: Project, builder: ConstraintBuilder,
                      request_functions: dict[str, set[str]]) -> tuple[BackgroundLoop, ...]:
    """Functions started in a thread or greenlet outside any request that sleep between
    rounds, each with what it runs."""
    sleeps = frozenset(load_table("process_state")["background"]["sleeps"])
    loops: list[BackgroundLoop] = []
    for caller, line, column in sorted(set(builder.started)):
        if caller in request_functions:
            continue  # started by a request: part of that request's reach already
        for callee, at_line, at_column, _ in builder.edges.get(caller, ()):
            found = project.functions.get(callee)
            if (at_line, at_column) != (line, column) or found is None or not any(
                    call.target in sleeps for call in found[1].calls):
                continue
            root = Reach(Handler(found[0].path, found[1].span.line, found[1].span.column,
                                 found[1].qualname, found[0].module, callee, "background",
                                 kind="background"))
            root.parents[callee] = None
            loops.append(BackgroundLoop(callee, caller, _extend(project, root, builder.edges)))
    return tuple(loops)


def _library_callbacks(project: Project, builder: ConstraintBuilder, lifetimes: dict[int, str],
                       request_functions: dict[str, set[str]]) -> tuple[BackgroundLoop, ...]:
    """Functions of the project stored in an attribute of a process-lifetime library object
    (``client.on_message = remember``): the library calls them when its own events come,
    outside any request, each with what it runs."""
    solver = builder.solver
    found: dict[str, str] = {}
    for key, var in solver.var_ids.items():
        if not (isinstance(key, tuple) and len(key) == 3 and key[0] == "field"):
            continue
        holder, name = key[1], key[2]
        allocation = builder.allocations.get(holder)
        if (allocation is None or allocation.kind != LIBRARY or lifetimes.get(holder) != PROCESS
                or not isinstance(name, str) or name.startswith("[")):
            continue
        for obj in solver.pts[var]:
            obj_key = solver.obj_keys[obj]
            if obj_key[0] == "function" and obj_key[1] not in request_functions:
                found.setdefault(obj_key[1], allocation.function or f"module:{allocation.module}")
    callbacks: list[BackgroundLoop] = []
    for callee, stored_by in sorted(found.items()):
        facts, fn = project.functions[callee]
        root = Reach(Handler(facts.path, fn.span.line, fn.span.column, fn.qualname, facts.module,
                             callee, "background", kind="background"))
        root.parents[callee] = None
        callbacks.append(BackgroundLoop(callee, stored_by, _extend(project, root, builder.edges),
                                        kind="callback"))
    return tuple(callbacks)


def _lifetimes(builder: ConstraintBuilder, solver: Solver, request_functions: dict[str, set[str]],
               startup: set[str]) -> tuple[dict[int, str], dict[int, str]]:
    """Each object's lifetime, and the lifetime of the code that made it."""
    lifetimes: dict[int, str] = {}
    for obj, allocation in builder.allocations.items():
        if allocation.scope == "<request>":
            lifetimes[obj] = REQUEST
        elif allocation.scope == "<bound>":
            continue
        elif not allocation.function:
            lifetimes[obj] = PROCESS
        elif allocation.function in request_functions:
            lifetimes[obj] = REQUEST
        elif allocation.function in startup:
            lifetimes[obj] = PROCESS
        else:
            lifetimes[obj] = UNKNOWN
    # the application object lives as long as the process, wherever it is made
    for obj in solver.pts[builder.apps]:
        if lifetimes.get(obj) == UNKNOWN:
            lifetimes[obj] = PROCESS
    # what an attribute's computed default (``@default("users")``) makes is made once for
    # each object it is computed for: it is made when that object is
    for function_id, owners in builder.computed_defaults.items():
        made = [lifetimes[owner] for owner in owners if owner in lifetimes]
        if PROCESS not in made:
            continue
        for obj, allocation in builder.allocations.items():
            if allocation.function == function_id and lifetimes.get(obj) == UNKNOWN:
                lifetimes[obj] = PROCESS
    origins = dict(lifetimes)
    # what a process object holds lives as long as it does
    queue = [obj for obj, lifetime in lifetimes.items() if lifetime == PROCESS]
    while queue:
        current = queue.pop()
        for var in builder.fields_of.get(current, ()):
            for held in solver.pts[var]:
                if lifetimes.get(held) != PROCESS and builder.allocations[held].scope != "<bound>":
                    lifetimes[held] = PROCESS
                    queue.append(held)
    for obj, allocation in builder.allocations.items():
        if allocation.scope == "<bound>":
            lifetimes[obj] = lifetimes.get(solver.obj_keys[obj][1], UNKNOWN)
            origins[obj] = origins.get(solver.obj_keys[obj][1], UNKNOWN)
    return lifetimes, origins
