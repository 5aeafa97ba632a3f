"""The handler inventory: every request handler, grouped by application, with its verdict.

``statelint handlers`` and ``statelint check`` read the same :class:`ScanResult`:
the verdicts and their reasons are taken as the engine made them, never
recomputed, so the two commands cannot disagree.  This module only arranges
them for a reader: it groups handlers by the application (or router, or
blueprint) they hang off, works out for each stateful handler which piece of
state it depends on and whether *this* handler changes it or only looks at it,
and ties each verdict to one side of the stateless-versus-stateful comparison
that statelint is built around.

Everything here is plain data built from the result; the formats in
``statelint.handler_formats`` turn an :class:`Inventory` into text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from statelint.model import Finding, Handler, Location, Reason, Route, ScanResult, Verdict

# ---------------------------------------------------------------------------
# The comparison, in statelint's words
# ---------------------------------------------------------------------------

#: The points of the stateless-versus-stateful comparison a verdict can rest on.
#: Keys are stable (they appear in JSON); the phrases are what readers see.
STATEFUL_POINTS: dict[str, str] = {
    "not-independent": "requests are not independent",
    "server-held": "session or connection data is held by this server",
    "needs-sticky-or-shared": "scaling out needs sticky sessions or shared storage",
    "replicas-differ": "a different replica would answer differently",
}
SELF_CONTAINED_POINTS: dict[str, str] = {
    "independent": "each request stands on its own",
    "any-replica": "any worker or replica can serve it",
}

#: What each ``Finding.how`` means for one handler, as a role word.  ``reads``
#: and ``writes`` are refined per handler (see :func:`role_of`).
HOW_ROLES: dict[str, str] = {
    "caches": "caches",
    "connections": "holds connections",
    "disk": "writes local disk",
    "background": "starts background work",
    "config": "changes configuration",
    "key": "signs with a key of its own",
}

#: Words in a state's name that mark per-client session data (carts, logins,
#: tokens): such state ties a client to the worker that holds it.
SESSION_WORDS = ("session", "cart", "basket", "login", "token", "user", "visitor", "draft")

Role = str  # writes | reads | reads or writes | caches | holds connections | ...


@dataclass(frozen=True)
class Explanation:
    """Which side of the comparison a handler (or one of its states) falls on, and why."""

    side: Literal["stateful", "self-contained"]
    point: str  # a key of STATEFUL_POINTS or SELF_CONTAINED_POINTS
    text: str

    @property
    def headline(self) -> str:
        """The comparison point in words: ``requests are not independent``."""
        return {**STATEFUL_POINTS, **SELF_CONTAINED_POINTS}[self.point]


# ---------------------------------------------------------------------------
# The inventory's data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StateDependency:
    """One piece of process state a stateful handler depends on."""

    symbol: str
    rule: str
    severity: str
    how: str
    role: Role
    message: str
    suggestion: str
    definition: Location | None
    chain: tuple[Location, ...]
    #: The handler the recorded chain starts from.  Findings record one chain
    #: per piece of state, so for the other handlers that reach it the chain
    #: shown is a neighbour's, and this says whose.
    chain_from: str
    explanation: Explanation

    @property
    def name(self) -> str:
        """The state's own name: ``shop.services.cart.CARTS`` → ``CARTS``."""
        return self.symbol.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class HandlerEntry:
    """A handler, its verdict and reasons exactly as ``check`` reports them, and the detail."""

    verdict: Verdict
    application: str
    app_object: str
    states: tuple[StateDependency, ...]
    explanation: Explanation

    @property
    def handler(self) -> Handler:
        """The handler itself."""
        return self.verdict.handler

    @property
    def key(self) -> str:
        """The ``path::name`` key findings use for this handler."""
        return self.handler.key

    @property
    def is_stateful(self) -> bool:
        """True when some worker-local state decides this handler's answers."""
        return self.verdict.verdict == "stateful"

    def roles_by_state(self) -> dict[str, list[str]]:
        """Each state symbol this handler depends on, with its roles in first-seen order
        (the edges of the handler → state diagrams)."""
        roles: dict[str, list[str]] = {}
        for state in self.states:
            seen = roles.setdefault(state.symbol, [])
            if state.role not in seen:
                seen.append(state.role)
        return roles


#: What ``statelint handlers --sort`` orders the routes of each application by.
SORT_KEYS = ("file", "path", "endpoint", "methods", "handler", "framework", "verdict")


@dataclass(frozen=True)
class RouteRow:
    """One route of one handler: a line of the inventory, as a framework's route listing
    has one line per URL rule."""

    entry: HandlerEntry
    route: Route

    @property
    def handler(self) -> Handler:
        """The handler serving this route."""
        return self.entry.handler

    def methods(self, all_methods: bool = False) -> tuple[str, ...]:
        """The route's methods; with ``all_methods`` also those the framework adds."""
        if all_methods:
            return (*self.route.methods, *self.route.added_methods)
        return self.route.methods

    def sort_key(self, key: str) -> tuple[object, ...]:
        """What ``--sort KEY`` compares (the location breaks ties)."""
        handler = self.handler
        location = (handler.path, handler.line, handler.name, self.route.path)
        chosen: tuple[object, ...] = {
            "path": (self.route.path,),
            "endpoint": (self.route.endpoint,),
            "methods": (self.route.methods,),
            "handler": (handler.name,),
            "framework": (handler.framework,),
            "verdict": (self.entry.verdict.verdict,),
        }.get(key, ())
        return (*chosen, *location)


@dataclass(frozen=True)
class Application:
    """The handlers registered on the app, router or blueprint objects of one module."""

    module: str
    objects: tuple[str, ...]
    entries: tuple[HandlerEntry, ...]

    def rows(self, sort: str = "file") -> list[RouteRow]:
        """One row per route of each handler, ordered by ``sort`` (one of ``SORT_KEYS``)."""
        rows = [RouteRow(entry, route) for entry in self.entries
                for route in entry.handler.all_routes]
        if sort != "file":
            rows.sort(key=lambda row: row.sort_key(sort))
        return rows

    @property
    def stateful(self) -> int:
        """How many of this application's handlers are stateful."""
        return sum(1 for entry in self.entries if entry.is_stateful)


@dataclass(frozen=True)
class StateImpact:
    """How many verdicts one piece of state decides."""

    symbol: str
    handlers: tuple[str, ...]
    #: Handlers whose *only* cause is this state: externalising it alone makes
    #: them self-contained.
    frees: tuple[str, ...]
    definition: Location | None = None


@dataclass
class Inventory:
    """Every handler of a scan, grouped by application, with the state behind each verdict."""

    result: ScanResult
    applications: list[Application] = field(default_factory=list)
    impacts: list[StateImpact] = field(default_factory=list)
    #: how the routes of each application are ordered (one of ``SORT_KEYS``)
    sort: str = "file"
    #: show the methods a framework adds by itself (Flask's HEAD and OPTIONS)
    all_methods: bool = False

    def rows(self, app: Application) -> list[RouteRow]:
        """The routes of one application in the chosen order."""
        return app.rows(self.sort)

    def methods_text(self, row: RouteRow) -> str:
        """A row's methods as shown: ``GET, POST``, ``WS``, ``EVENT`` or ``ANY``."""
        return methods_label(row.methods(self.all_methods), row.handler.kind)

    @property
    def entries(self) -> list[HandlerEntry]:
        """Every handler entry, in application order."""
        return [entry for app in self.applications for entry in app.entries]

    @property
    def total(self) -> int:
        """How many handlers were found."""
        return len(self.result.verdicts)

    @property
    def stateful(self) -> int:
        """How many handlers are stateful."""
        return self.result.stateful_handlers

    @property
    def self_contained(self) -> int:
        """How many handlers are self-contained."""
        return self.total - self.stateful

    def summary_line(self, top: int = 3) -> str:
        """``N handlers: K self-contained, M stateful; fixing `X` frees 4 handlers; ...``.

        The states named are the ones behind the most stateful verdicts.
        """
        text = (f"{self.total} handler{_plural(self.total)}: {self.self_contained} "
                f"self-contained, {self.stateful} stateful")
        parts = [impact_phrase(impact) for impact in self.impacts[:top]]
        if parts:
            text += "; " + "; ".join(parts)
        return text


def impact_phrase(impact: StateImpact) -> str:
    """What externalising one piece of state buys: ``fixing `X` frees 4 handlers``."""
    reached = len(impact.handlers)
    freed = len(impact.frees)
    if freed == reached:
        return f"fixing `{impact.symbol}` frees {freed} handler{_plural(freed)}"
    if freed:
        return (f"fixing `{impact.symbol}` frees {freed} of the {reached} handlers "
                "it makes stateful")
    return (f"`{impact.symbol}` makes {reached} handler{_plural(reached)} stateful, "
            f"{'each' if reached > 1 else 'which'} also depends on other state")


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


# ---------------------------------------------------------------------------
# Building the inventory
# ---------------------------------------------------------------------------


def build_inventory(result: ScanResult, *, sort: str = "file",
                    all_methods: bool = False) -> Inventory:
    """Arrange a scan's verdicts into an inventory; reasons are used as the engine made them.

    ``sort`` orders each application's routes (one of ``SORT_KEYS``); ``all_methods``
    shows the methods a framework adds by itself.
    """
    if sort not in SORT_KEYS:
        raise ValueError(f"unknown sort key {sort!r}; expected one of {', '.join(SORT_KEYS)}")
    by_state: dict[tuple[str, str], list[Finding]] = {}
    for finding in result.findings:
        by_state.setdefault((finding.rule, finding.symbol), []).append(finding)
    project_roots = {verdict.handler.module.split(".", 1)[0] for verdict in result.verdicts}

    grouped: dict[str, list[HandlerEntry]] = {}
    objects: dict[str, set[str]] = {}
    for verdict in result.verdicts:
        module, obj = application_of(verdict.handler, project_roots)
        states = tuple(
            _dependency(verdict.handler, reason, _finding_for(by_state, verdict.handler, reason))
            for reason in verdict.reasons if verdict.verdict == "stateful"
        )
        entry = HandlerEntry(verdict, module, obj, states, explain_verdict(verdict, states))
        grouped.setdefault(module, []).append(entry)
        if obj:
            objects.setdefault(module, set()).add(obj)

    applications = [
        Application(module, tuple(sorted(objects.get(module, ()))),
                    tuple(sorted(entries, key=lambda e: (e.handler.path, e.handler.line,
                                                         e.handler.name))))
        for module, entries in sorted(grouped.items())
    ]
    inventory = Inventory(result, applications, sort=sort, all_methods=all_methods)
    inventory.impacts = rank_states(inventory.entries)
    return inventory


def application_of(handler: Handler, project_roots: set[str]) -> tuple[str, str]:
    """The module an app/router object lives in, and the object's name.

    ``Handler.app`` names the object a route hangs off (``shop.views.cart.bp``).
    Some frameworks register routes through a library function instead (a
    Django ``urls.py`` gives ``django.urls``); such names are not part of the
    scanned project, so those handlers are grouped by their own module.
    """
    app = handler.app
    if "." in app:
        module, obj = app.rsplit(".", 1)
        if module.split(".", 1)[0] in project_roots:
            return module, obj
    return handler.module, ""


def _finding_for(by_state: dict[tuple[str, str], list[Finding]], handler: Handler,
                 reason: Reason) -> Finding | None:
    key = handler.key
    candidates = by_state.get((reason.rule, reason.symbol), [])
    for finding in candidates:
        if key in finding.handlers:
            return finding
    return candidates[0] if candidates else None


def _dependency(handler: Handler, reason: Reason, finding: Finding | None) -> StateDependency:
    how = reason.how or (finding.how if finding else "") or "reads"
    trace = finding.trace if finding is not None else reason.trace
    role = role_of(handler, finding, how)
    definition = None
    if finding is not None:
        definition = Location(finding.path, finding.line, finding.column, "defined here")
    return StateDependency(
        symbol=reason.symbol,
        rule=reason.rule,
        severity=reason.severity,
        how=how,
        role=role,
        message=reason.text,
        suggestion=finding.suggestion if finding is not None else "",
        definition=definition,
        chain=trace,
        chain_from=chain_owner(trace),
        explanation=explain_state(reason.symbol, role),
    )


def chain_owner(trace: tuple[Location, ...]) -> str:
    """The handler a recorded chain starts from (its first step is ``handler NAME (...)``)."""
    if not trace or not trace[0].message.startswith("handler "):
        return ""
    return trace[0].message[len("handler "):].split(" ", 1)[0]


def role_of(handler: Handler, finding: Finding | None, how: str) -> Role:
    """Whether this handler changes the state, only reads it, or cannot be told apart.

    Rules with a specific kind of state (caches, connections, disk, background
    work, configuration) say what the handler does through ``how``.  For plain
    reads and writes a finding records the request-time write sites (in
    ``related``, each naming the function that writes) and one chain from a
    writing handler (``trace``).  A handler writes when that chain starts at it
    or when one of the write sites is its own function.  When every write site
    is some other handler's own function, this one can only be reading.  What is
    left reaches a shared helper that writes; the finding does not record
    whether this handler's path goes through it, so the role stays open.
    """
    if how in HOW_ROLES:
        return HOW_ROLES[how]
    if finding is None:
        return how
    if finding.writers:
        # The rule recorded which handlers' requests write: no guessing needed.
        return "writes" if handler.key in finding.writers else "reads"
    writers = _write_sites(finding)
    if not writers:
        return "reads" if how == "reads" else how
    trace_writes = bool(finding.trace) and not finding.trace[-1].message.startswith("reads it")
    if trace_writes and chain_owner(finding.trace) == handler.name and _starts_at(finding, handler):
        return "writes"
    if (handler.path, handler.name) in writers:
        return "writes"
    handler_functions = _handler_functions(finding)
    if writers <= handler_functions:
        return "reads"
    return "reads or writes"


def _starts_at(finding: Finding, handler: Handler) -> bool:
    first = finding.trace[0]
    return first.path == handler.path and first.line == handler.line


def _write_sites(finding: Finding) -> set[tuple[str, str]]:
    """(path, function qualname) of each request-time write the finding records."""
    sites: set[tuple[str, str]] = set()
    for location in finding.related:
        if location.message.startswith("handler ") or " at request time" not in location.message:
            continue
        sites.add((location.path, location.message.split(" ", 1)[0]))
    return sites


def _handler_functions(finding: Finding) -> set[tuple[str, str]]:
    """(path, name) of the handlers the finding names: their own functions."""
    functions: set[tuple[str, str]] = set()
    for key in finding.handlers:
        path, _, name = key.rpartition("::")
        functions.add((path, name))
    return functions


# ---------------------------------------------------------------------------
# Tying verdicts to the comparison
# ---------------------------------------------------------------------------


def _is_session_like(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SESSION_WORDS)


def explain_state(symbol: str, role: Role) -> Explanation:
    """Why depending on one piece of state puts a handler on the stateful side.

    The point is chosen by the kind of state: per-client data ties a client to
    one server, connections live where they were opened, files live on one
    machine's disk, caches and settings drift apart between replicas, and plain
    shared data makes one request's answer depend on the ones before it.
    """
    name = f"`{symbol.rsplit('.', 1)[-1]}`"
    if role == "holds connections":
        return Explanation("stateful", "server-held",
                           f"the open connections in {name} belong to this one process; a client "
                           "connected to another worker never hears what is sent here, so scaling "
                           "out needs sticky routing or a broker every worker subscribes to")
    if role == "writes local disk":
        return Explanation("stateful", "needs-sticky-or-shared",
                           "files written to this machine's disk are missing on every other "
                           "replica and gone when the container is replaced; keep them in "
                           "storage all replicas share")
    if role == "caches":
        return Explanation("stateful", "replicas-differ",
                           f"each worker fills its own {name} cache, so replicas serve answers of "
                           "different ages and clearing it clears only the process that ran "
                           "the request")
    if role == "changes configuration":
        return Explanation("stateful", "replicas-differ",
                           f"a setting changed at request time in {name} changes this process "
                           "only; the other workers keep running with the old value")
    if role == "signs with a key of its own":
        return Explanation("stateful", "needs-sticky-or-shared",
                           f"{name} is a key this process drew for itself; session cookies and "
                           "tokens it signs fail the check on every other worker and replica, so "
                           "a client stays tied to the process that signed them, and loses them "
                           "when it restarts")
    if role == "starts background work":
        return Explanation("stateful", "not-independent",
                           "the work this handler starts runs inside this process; a later request "
                           "about it may land on a worker that knows nothing of it, and the work "
                           "dies with the process")
    if _is_session_like(name) and role in ("writes", "reads", "reads or writes"):
        return Explanation("stateful", "server-held",
                           f"per-client data in {name} is held by the worker that served the "
                           "client's earlier requests, so the client must keep coming back to "
                           "that worker (sticky sessions) or the data must move to a shared store")
    if role == "writes":
        return Explanation("stateful", "not-independent",
                           f"what this handler puts into {name} stays in this worker's memory; "
                           "a later request sees it only if it happens to reach the same process")
    if role == "reads":
        return Explanation("stateful", "replicas-differ",
                           f"the answer comes from {name}, which holds whatever earlier requests "
                           "left in this particular process; another worker holds other data")
    return Explanation("stateful", "not-independent",
                       f"the answer depends on what earlier requests left in {name} inside this "
                       "process, and every worker has its own copy")


def explain_verdict(verdict: Verdict, states: tuple[StateDependency, ...]) -> Explanation:
    """The side of the comparison a handler falls on, in one sentence."""
    if verdict.verdict == "stateful":
        if not states:  # a stateful verdict always has reasons; stay truthful if one has none
            return Explanation("stateful", "replicas-differ",
                               f"{STATEFUL_POINTS['replicas-differ']}: it depends on state kept "
                               "in this process")
        first = states[0].explanation
        return Explanation("stateful", first.point, f"{first.headline}: {first.text}")
    return Explanation("self-contained", "any-replica",
                       "it reaches no state kept in this process, so each request stands on its "
                       "own and any worker or replica can serve it")


def rank_states(entries: list[HandlerEntry]) -> list[StateImpact]:
    """State objects ordered by how many verdicts they decide, most first."""
    reached: dict[str, list[str]] = {}
    frees: dict[str, list[str]] = {}
    definitions: dict[str, Location | None] = {}
    for entry in entries:
        symbols = list(dict.fromkeys(state.symbol for state in entry.states))
        for state in entry.states:
            definitions.setdefault(state.symbol, state.definition)
        for symbol in symbols:
            reached.setdefault(symbol, []).append(entry.key)
        if len(symbols) == 1:
            frees.setdefault(symbols[0], []).append(entry.key)
    impacts = [
        StateImpact(symbol, tuple(keys), tuple(frees.get(symbol, ())), definitions.get(symbol))
        for symbol, keys in reached.items()
    ]
    impacts.sort(key=lambda item: (-len(item.handlers), -len(item.frees), item.symbol))
    return impacts


# ---------------------------------------------------------------------------
# Small helpers the formats share
# ---------------------------------------------------------------------------


def methods_label(methods: tuple[str, ...], kind: str) -> str:
    """``GET, POST``; ``WS`` for a websocket; ``EVENT`` for a Socket.IO event; ``ANY``
    when the framework takes every method."""
    if methods:
        return ", ".join(methods)
    return {"websocket": "WS", "event": "EVENT"}.get(kind, "ANY")


def methods_text(handler: Handler) -> str:
    """The methods of a handler's first route (see ``methods_label``)."""
    return methods_label(handler.methods, handler.kind)


def location_text(location: Location | Handler) -> str:
    """``path:line``."""
    return f"{location.path}:{location.line}"


def chain_text(chain: tuple[Location, ...], arrow: str = " → ") -> str:
    """A recorded chain on one line: entry, each call, then the access itself."""
    steps: list[str] = []
    for index, step in enumerate(chain):
        message = step.message
        if index == 0 and message.startswith("handler "):
            message = message[len("handler "):].split(" ", 1)[0]
        elif message.startswith("calls "):
            message = message[len("calls "):]
        steps.append(f"{message} ({step.path}:{step.line})")
    return arrow.join(steps)
