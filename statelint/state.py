"""Request-time uses of state, indexed once per project for every rule to judge.

A *use* is one access (read or write) to module-level or class-level state, made
by a function that some handler reaches, with the chain that reaches it.  Rules
pick the uses they care about and turn them into findings with
``finding_for_state``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from statelint.failures import analysis
from statelint.knowledge import api_list, matches
from statelint.model import Access, Finding, Location, ModuleFacts, Severity, Value
from statelint.project import Project, Reach, StateTarget

if TYPE_CHECKING:
    from statelint.semantic import BackgroundLoop

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
        return handler.key


@analysis("state uses")
def state_uses(project: Project) -> list[StateUse]:
    """Every request-time access to module or class state (computed once per project)."""
    uses: list[StateUse] = []
    # Each function's state accesses are resolved once: a function reached by many
    # handlers is met once per handler (millions of times on a large project).
    resolved: dict[str, list[tuple[Access, StateTarget]]] = {}
    for reach, function_id in reached_functions(project):
        found = resolved.get(function_id)
        if found is None:
            found = resolved[function_id] = [
                (access, target) for access in request_accesses(project, function_id)
                if (target := project.resolve_access(function_id, access)) is not None]
        uses.extend(StateUse(reach, function_id, access, target) for access, target in found)
    return uses


@dataclass(frozen=True)
class LoopRebind:
    """A module global rebound with ``global`` by a background loop (``loop``)."""

    loop: BackgroundLoop
    function_id: str
    access: Access
    target: StateTarget


@analysis("loop rebinds")
def loop_rebinds(project: Project) -> dict[str, list[LoopRebind]]:
    """Module globals that background loops rebind, by symbol."""
    from statelint.semantic import points_to

    found: dict[str, list[LoopRebind]] = {}
    for loop in points_to(project).loops:
        for function_id in loop.reach.parents:
            _, fn = project.functions[function_id]
            for access in fn.accesses:
                if (access.op != "rebind" or access.head != "global" or access.once
                        or access.method == "lazy-init"):
                    continue
                target = project.resolve_access(function_id, access)
                if target is not None and target.kind == "module" and not target.rest:
                    found.setdefault(target.symbol, []).append(
                        LoopRebind(loop, function_id, access, target))
    return dict(sorted(found.items()))


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
    return describe_change(access.op, access.method)


def describe_change(op: str, method: str = "") -> str:
    """A few words on a change of kind ``op`` (``mutate``: a call of ``method``)."""
    if op == "mutate":
        return f"calls .{method}()"
    return {
        "setitem": "assigns an item",
        "delitem": "deletes an item",
        "augassign": "updates it in place",
        "rebind": "rebinds it (global)",
        "setattr": "sets an attribute",
        "delattr": "deletes an attribute",
    }.get(op, "changes it")


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
    return make_finding(rule, primary, message(uses, write_uses, readers), symbol, suggestion,
                        handler_keys, trace, related, severity=severity, how=how,
                        writers=sorted({use.handler_key for use in write_uses}))


def make_finding(rule: type, primary: Location, message: str, symbol: str, suggestion: str,
                 handlers: Iterable[str], trace: tuple[Location, ...],
                 related: Iterable[Location], *, severity: Severity | None = None,
                 how: str | None = None, writers: Iterable[str] = (),
                 anchors: Iterable[str] = ()) -> Finding:
    """A finding of ``rule`` at ``primary``: the one place findings are put together."""
    return Finding(
        rule=rule.code,
        name=rule.name,
        severity=severity or rule.severity,
        path=primary.path,
        line=primary.line,
        column=primary.column,
        end_line=primary.end_line or primary.line,
        end_column=primary.end_column or primary.column,
        message=message,
        symbol=symbol,
        suggestion=suggestion,
        handlers=tuple(handlers),
        trace=trace,
        related=tuple(related),
        how=how or rule.how,
        writers=tuple(writers),
        anchors=tuple(anchors),
    )


def _use_order(use: StateUse) -> tuple[str, int, int, str]:
    handler = use.reach.handler
    return (handler.path, handler.line, use.access.span.line, use.function_id)


def handler_names(uses: Iterable[StateUse], excluding: Iterable[StateUse] = ()) -> list[str]:
    """The name of each handler the uses run for, once per handler (two handlers both
    named ``get`` give ``get`` twice), in order of appearance; handlers of ``excluding``
    are left out."""
    return reach_names([use.reach for use in sorted(uses, key=_use_order)],
                       excluding=[use.reach for use in excluding])


def reach_names(reaches: Iterable[Reach], excluding: Iterable[Reach] = ()) -> list[str]:
    """The name of each distinct handler of ``reaches`` (by handler, not by name), in order."""
    seen = {reach.handler.key for reach in excluding}
    names: list[str] = []
    for reach in reaches:
        if reach.handler.key not in seen:
            seen.add(reach.handler.key)
            names.append(reach.handler.name)
    return names


def frameworks_of(uses: Iterable[StateUse]) -> set[str]:
    """The frameworks of the handlers that reach some state."""
    return {use.reach.handler.framework for use in uses}


def name_list(names: list[str], limit: int = 3) -> str:
    """``a, b, c and 107 more``: up to ``limit`` distinct names, then how many of ``names``
    (one per handler, so a name may repeat) are not shown."""
    shown = list(dict.fromkeys(names))[:limit]
    more = len(names) - len(shown)
    text = ", ".join(shown)
    return f"{text} and {more} more" if more > 0 else text


from statelint.model import Function, Span  # noqa: E402  (helpers appended below)

# ---------------------------------------------------------------------------
# Sites: rules about calls and accesses that are not a named module container
# (files written, the application's own state, background work) judge *sites*.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """One place where something happens: at request time (``reach`` set) or at import
    or start-up (``reach`` is ``None``)."""

    path: str
    span: Span
    function_id: str = ""
    reach: Reach | None = None
    note: str = ""

    @property
    def handler_key(self) -> str:
        """The ``path::name`` key of the handler, or ``""`` for import-time sites."""
        if self.reach is None:
            return ""
        return self.reach.handler.key


def reads_bindings(project: Project, reach: Reach, symbols: set[str]) -> bool:
    """True when a function the handler reaches reads one of the module-level names
    ``symbols`` (``module.NAME``), directly or through an import."""
    if not symbols:
        return False
    for function_id in reach.parents:
        _, fn = project.functions[function_id]
        for access in fn.accesses:
            if access.head == "global":
                symbol, _ = project.resolve(access.ref)
                if symbol.kind == "binding" and symbol.key in symbols:
                    return True
    return False


@analysis("handler reaches")
def handler_reaches(project: Project) -> tuple[Reach, ...]:
    """Every handler's reach: the functions it runs, found through names by the link stage
    and through objects by the semantic model (``store.add()`` on an object handed down
    through a factory, a parameter, an attribute or a registry). Without the model (when
    solving it failed) the reaches found through names."""
    from statelint.failures import AnalysisError
    from statelint.semantic import points_to

    try:
        extended = {reach.handler.key: reach for reach in points_to(project).reaches}
    except AnalysisError:
        return tuple(project.reaches)
    return tuple(extended.get(reach.handler.key, reach) for reach in project.reaches)


def reached_functions(project: Project) -> list[tuple[Reach, str]]:
    """Every (reach, function id) pair: each function a handler runs, once per handler."""
    return [(reach, function_id) for reach in handler_reaches(project)
            for function_id in reach.parents]


def request_accesses(project: Project, function_id: str) -> Iterator[Access]:
    """The accesses of a function that run on every call (not once per process)."""
    for access in project.functions[function_id][1].accesses:
        if access.once and access.op != "rebind":
            continue  # lazy initialisation runs once per process
        yield access


def local_value(fn: Function, name: str) -> Value | None:
    """The value last assigned to local ``name`` in ``fn`` (``with ... as name`` included)."""
    return _last(fn.local_assignments, name)


def loop_value(fn: Function, name: str) -> Value | None:
    """What the last ``for`` loop over local ``name`` in ``fn`` iterates over."""
    return _last(fn.loop_values, name)


def _last(pairs: tuple[tuple[str, Value], ...], name: str) -> Value | None:
    found: Value | None = None
    for local, value in pairs:
        if local == name:
            found = value
    return found


def iter_values(value: Value) -> Iterable[Value]:
    """``value`` and every value nested in it (call arguments, container items)."""
    stack = [value]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.args)
        stack.extend(item for _, item in current.kwargs)
        stack.extend(item for key, item in current.items)
        stack.extend(key for key, _ in current.items if key is not None)


def site_finding(
    project: Project,
    rule: type,
    symbol: str,
    sites: list[Site],
    *,
    message: str,
    suggestion: str,
    final_message: str,
    severity: Severity | None = None,
    how: str | None = None,
    primary: Location | None = None,
    related: Iterable[Location] = (),
    readers: Iterable[Site] = (),
) -> Finding:
    """Build a finding for one or more sites of the same thing.

    The primary location is the first site (or ``primary``); ``trace`` runs from a
    handler to the first request-time site, or is the site alone when nothing
    reaches it at request time; ``related`` lists every site and every handler.
    ``readers`` are request-time sites that depend on what the sites leave behind:
    their handlers are named too, but the trace follows a site.
    """
    ordered = sorted(sites, key=_site_order)
    first = next((site for site in ordered if site.reach is not None), ordered[0])
    if primary is None:
        span = first.span
        primary = Location(first.path, span.line, span.column, "", span.end_line, span.end_column)
    final = Location(first.path, first.span.line, first.span.column, final_message)
    if first.reach is not None and first.function_id:
        trace = project.trace(first.reach, first.function_id, final)
    else:
        trace = (final,)
    locations: list[Location] = list(related)
    seen: set[tuple[str, int, int]] = {(loc.path, loc.line, loc.column) for loc in locations}
    for site in [*ordered, *sorted(readers, key=_site_order)]:
        key = (site.path, site.span.line, site.span.column)
        if key not in seen and site.note:
            seen.add(key)
            locations.append(Location(site.path, site.span.line, site.span.column, site.note))
    handlers_seen: set[str] = set()
    for site in [*ordered, *sorted(readers, key=_site_order)]:
        if site.reach is None or site.handler_key in handlers_seen:
            continue
        handlers_seen.add(site.handler_key)
        handler = site.reach.handler
        locations.append(Location(handler.path, handler.line, handler.column,
                                  f"handler {handler.name} reaches it"))
    return make_finding(rule, primary, message, symbol, suggestion, sorted(handlers_seen), trace,
                        locations, severity=severity, how=how)


def _site_order(site: Site) -> tuple[int, str, int, int, str]:
    handler = site.reach.handler if site.reach is not None else None
    return (0 if handler else 1, handler.path if handler else site.path,
            handler.line if handler else 0, site.span.line, site.function_id)


def site_handler_names(sites: Iterable[Site], excluding: Iterable[Site] = ()) -> list[str]:
    """The name of each handler of request-time sites, once per handler, in a stable
    order; handlers of ``excluding`` are left out."""
    return reach_names([site.reach for site in sorted(sites, key=_site_order)
                        if site.reach is not None],
                       excluding=[site.reach for site in excluding if site.reach is not None])


# ---------------------------------------------------------------------------
# Shared judgements: state that a more specific rule owns
# ---------------------------------------------------------------------------
#
# Two kinds of module-level container are reported by their own rules rather
# than as plain mutable state: memo caches over I/O (process-local-cache, a
# warning, found by ``statelint.analyses.memo``) and registries of open
# connections (connection-registry, an error, found below).  The predicates
# let the general rule skip them, so one container never gets two findings
# with different severities.

@dataclass(frozen=True)
class ConnectionRegistry:
    """A long-lived collection that request handlers put open connections into.

    ``symbol`` is the state as reported: the module-level container, the class
    attribute, or the module-level instance whose attributes hold the
    connections (``manager = ConnectionManager()``).  ``members`` are the
    state symbols it covers (the instance attributes for a manager object).
    """

    symbol: str
    uses: tuple[StateUse, ...]
    adds: tuple[StateUse, ...]
    members: tuple[str, ...]
    binding_path: str = ""
    binding: object = None  # statelint.model.Binding | None


@analysis("connection registries")
def connection_registries(project: Project) -> dict[str, ConnectionRegistry]:
    """Long-lived collections that handlers add open connections to.

    A container at module level or on a class, or an attribute of an object
    created at module level, is a registry when some request-time call puts a
    connection into it: the element is a websocket, a stream or a subscriber
    queue (by its annotation, its constructor, or because it is the socket a
    websocket handler receives), or, when the element cannot be seen
    (``clients[user_id] = ws``), the collection's name says it holds
    connections and the function storing into it holds one.
    """
    from statelint.effects import (
        connection_name,
        effect_list,
        holds_connection,
        is_connection_value,
    )

    adders = set(effect_list("connections", "adders"))
    uses = state_uses(project)
    by_target = group_uses(use for use in uses
                           if use.target.kind in ("module", "class_attr", "instance_attr"))
    registries: dict[str, list[StateUse]] = {}
    for symbol, group in by_target.items():
        target = group[0].target
        if target.kind != "instance_attr" and (
                target.binding is None or not is_mutable_container(project, target.binding.value)):
            continue
        if target.kind == "instance_attr" and target.rest:
            continue
        adds: list[StateUse] = []
        for use in group:
            access = use.access
            if not (access.op == "setitem" or (access.op == "mutate" and access.method in adders)):
                continue
            verdict: bool | None = None
            if access.op == "mutate":
                element = _added_element(project, use)
                if element is not None:
                    verdict = is_connection_value(project, use.function_id, element)
            if verdict is None:
                verdict = (connection_name(short_name(symbol))
                           and holds_connection(project, use.function_id)) or None
            if verdict:
                adds.append(use)
        if adds:
            registries[symbol] = adds
    found: dict[str, ConnectionRegistry] = {}
    instance_members: dict[str, list[str]] = {}
    for symbol, adds in registries.items():
        target = adds[0].target
        if target.kind != "instance_attr":
            found[symbol] = ConnectionRegistry(
                symbol, tuple(by_target[symbol]), tuple(adds), (symbol,),
                target.path, target.binding)
            continue
        class_id = project.class_of(adds[0].function_id)
        if class_id is None:
            continue
        for instance in _module_instances(project, class_id):
            instance_members.setdefault(instance, []).append(symbol)
    for instance, members in instance_members.items():
        member_set = set(members)
        instance_uses = [use for use in uses
                         if use.target.symbol in member_set or use.target.symbol == instance]
        adds = [use for symbol in members for use in registries[symbol]]
        module, _, name = instance.rpartition(".")
        facts = project.modules[module]
        found[instance] = ConnectionRegistry(
            instance, tuple(instance_uses), tuple(adds), tuple(sorted(member_set)),
            facts.path, facts.binding(name))
    return found


def _added_element(project: Project, use: StateUse) -> Value | None:
    """The element a mutating call adds (``clients.add(ws)`` gives ``ws``)."""
    _, fn = project.functions[use.function_id]
    for call in fn.calls:
        if call.span == use.access.span and call.value.kind == "call":
            if call.value.args:
                return call.value.args[-1]
            return None
    return None


def _module_instances(project: Project, class_id: str) -> list[str]:
    """Module-level names bound to an instance of ``class_id`` or of a subclass."""
    found: list[str] = []
    for facts in project.modules.values():
        for binding in facts.bindings:
            instance_of = project.instance_class(binding.value)
            if instance_of is not None and class_id in project.mro(instance_of):
                found.append(f"{facts.module}.{binding.name}")
    return found


def is_connection_registry(project: Project, symbol: str) -> bool:
    """True when ``symbol`` holds open connections (reported as a connection registry)."""
    for registry in connection_registries(project).values():
        if symbol == registry.symbol or symbol in registry.members:
            return True
    return False


@analysis("start-up functions")
def startup_functions(project: Project) -> set[str]:
    """Function ids that run once per worker at start-up, and everything they call.

    Start-up code is found by how frameworks are told about it: decorators such as
    ``@app.on_event("startup")``, ``@app.before_serving``, ``@app.listener(...)``;
    functions passed as ``lifespan=``/``on_startup=`` to an app; callbacks appended
    to ``app.on_startup``/``app.cleanup_ctx``; app factories named ``create_app``; and
    functions that run the web server (``bottle.run(...)``, ``uvicorn.run(app)``), whose
    code before that call runs once per process.
    Handlers and hooks defined inside a factory are not start-up code.
    """
    from statelint.config_values import call_target
    from statelint.knowledge import load_table

    table = load_table("process_state")["background"]
    decorator_methods = set(table["startup_decorator_methods"])
    kwargs = set(table["startup_kwargs"])
    names = set(table["startup_names"])
    list_calls = tuple(f".{name}.{method}" for name in table["startup_lists"]
                       for method in ("append", "insert"))
    runners = table["server_runners"]
    roots: set[str] = set()

    def add_reference(value: Value) -> None:
        for item in iter_values(value):
            if item.kind in ("name", "attribute") and item.target:
                symbol, rest = project.resolve(item.target)
                if symbol.kind == "function" and not rest:
                    roots.add(symbol.key)

    for facts in project.modules.values():
        values: list[Value] = [binding.value for binding in facts.bindings]
        values += [s.call.value for s in facts.statements if s.call is not None]
        for fn in facts.functions:
            values += [call.value for call in fn.calls]
            function_id = f"{facts.module}:{fn.qualname}"
            if fn.name in names or any(call.target and matches(call_target(project, call.target),
                                                               runners) for call in fn.calls):
                roots.add(function_id)
            for decorator in fn.decorators:
                last = decorator.target.rsplit(".", 1)[-1] if decorator.target else ""
                if last in decorator_methods:
                    roots.add(function_id)
        for value in values:
            for call in iter_values(value):
                if call.kind != "call":
                    continue
                for key, argument in call.kwargs:
                    if key in kwargs:
                        add_reference(argument)
                if call.target.endswith(list_calls):
                    for argument in call.args:
                        add_reference(argument)
    # A factory "calls" the functions defined inside it; the handlers and hooks among
    # them run per request, not at start-up, and so does what only they call.
    serving = {handler.function_id for handler in project.handlers} - roots
    found: set[str] = set()
    queue = [root for root in roots if root in project.functions]
    while queue:
        current = queue.pop()
        if current in found:
            continue
        found.add(current)
        queue.extend(callee for callee, _ in project.callees(current)
                     if callee not in found and callee not in serving)
    return found


def process_startup(project: Project) -> set[str]:
    """Functions that run at import or start-up as the semantic model sees them (the
    start-up table's code, ``main()``, what module-level code calls, the methods a library
    runs on the application it launches); the table's start-up code alone when the model
    could not be solved."""
    from statelint.failures import AnalysisError
    from statelint.semantic import points_to

    try:
        return set(points_to(project).startup)
    except AnalysisError:
        return startup_functions(project)


def request_reaches(project: Project) -> list[Reach]:
    """The reaches of handlers that serve requests (start-up hooks left out)."""
    startup = startup_functions(project)
    return [reach for reach in handler_reaches(project)
            if reach.handler.function_id not in startup]


# -- synchronisation primitives ------------------------------------------------


def is_sync_primitive(project: Project, value: Value | None, annotation: str = "") -> bool:
    """True for a lock, semaphore, event or condition (by value or by annotation).

    A lock created once per process (even lazily, per class) guards code; it holds
    nothing that a request's answer depends on, so rules about state skip it.
    """
    primitives = api_list("sync", "primitives")
    if annotation and matches(project.qualify(annotation), primitives):
        return True
    if value is not None and value.kind == "call" and value.target:
        return matches(project.qualify(value.target), primitives)
    return False


def is_per_thread(project: Project, value: Value | None) -> bool:
    """True for an instance of per-thread storage (``threading.local()``, or a project class
    built on it): each thread sees its own attributes, so requests do not share them."""
    if value is None or value.kind != "call" or not value.target:
        return False
    per_thread = api_list("sync", "per_thread")
    qualified = project.qualify(value.target)
    if matches(qualified, per_thread):
        return True
    symbol, rest = project.resolve(value.target)
    return (symbol.kind == "class" and not rest
            and any(matches(base, per_thread) for base in project.external_bases(symbol.key)))


def writes_sync_primitive(project: Project, use: StateUse) -> bool:
    """True when a use is an assignment of a lock/semaphore/... (``cls._lock = Lock()``)."""
    if use.access.op != "setattr":
        return False
    _, fn = project.functions[use.function_id]
    return is_sync_primitive(project, fn.written_value(use.access))


# -- what the web process imports ---------------------------------------------------


@analysis("modules the web process loads")
def web_loaded_modules(project: Project) -> set[str]:
    """Modules a web worker imports: those defining handlers, and everything they
    import, transitively (with parent packages, which importing runs too).

    Import-time work in other modules (a CLI, a job consumer started as its own
    process, a test helper) does not happen in the web workers.
    """
    seeds = {handler.module for handler in project.handlers}
    for entries in project.entries.values():
        for entry in entries:
            if entry in project.functions:
                seeds.add(project.functions[entry][0].module)
    loaded: set[str] = set()
    queue = [module for module in seeds if module in project.modules]
    while queue:
        module = queue.pop()
        if module in loaded:
            continue
        loaded.add(module)
        parts = module.split(".")
        for cut in range(1, len(parts)):
            parent = ".".join(parts[:cut])
            if parent in project.modules and parent not in loaded:
                queue.append(parent)
        facts = project.modules[module]
        named = [project.find_module(imported.dotted) or project.find_module(imported.module)
                 for imported in facts.imports]
        named += [project.find_module(name) for name in _modules_named_in_strings(facts)]
        for found in named:
            if found is not None and found.module not in loaded:
                queue.append(found.module)
    return loaded


#: Calls that import a module named by a string: ``app.config.from_object("site.config.Prod")``,
#: ``importlib.import_module("site.plugins")``.
STRING_IMPORTS = frozenset({"from_object", "import_module", "import_string"})


def _modules_named_in_strings(facts: ModuleFacts) -> list[str]:
    """Modules a module imports by naming them in a string: the argument of a call in
    ``STRING_IMPORTS``, given directly or as the default of the calling function's
    parameter (``def create_app(config="site.config.Config"): app.config.from_object(config)``).
    Each candidate is the string and its parents (``site.config.Config`` → ``site.config``)."""
    found: list[str] = []
    calls = [(None, statement.call) for statement in facts.statements if statement.call]
    calls += [(fn, call) for fn in facts.functions for call in fn.calls]
    for fn, call in calls:
        if call is None or call.target.rsplit(".", 1)[-1] not in STRING_IMPORTS:
            continue
        argument = call.value.arg(0)
        if argument is not None and argument.kind == "name" and fn is not None:
            argument = next((param.default for param in fn.params
                             if param.name == argument.target), None)
        if argument is None or argument.kind != "literal" or not isinstance(argument.literal, str):
            continue
        parts = argument.literal.split(".")
        found += [".".join(parts[:cut]) for cut in range(len(parts), 0, -1)]
    return found
