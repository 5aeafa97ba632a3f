"""Plain data that flows through statelint's pipeline.

Every type here is a frozen dataclass made of strings, numbers, tuples and other
types from this module, so that facts can cross a process boundary (pickled in
memory, from the parsing workers), be stored in the cache as checked JSON
(``statelint.codec``) and be compared for equality in tests.  Nothing here knows about
LibCST: the parse stage turns syntax into these facts and everything after it
works on facts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}

# ---------------------------------------------------------------------------
# Facts: what one file says, gathered by a single LibCST pass
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """A source range: 1-based lines, 0-based columns (as LibCST reports them)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Value:
    """A summary of an expression, enough for rules to judge it without the tree.

    ``kind`` is one of: ``dict``, ``list``, ``set``, ``tuple``, ``comprehension``
    (with ``detail`` naming dict/list/set/generator), ``literal`` (a constant with
    ``literal`` holding the Python value, JSON-like), ``call`` (``target`` is the
    callee's dotted name, resolved through the file's imports, with ``args`` and
    ``kwargs``; a method called on a subscript or on a call's result, ``<subscript>.add``
    or ``Dict().tag``, keeps that receiver as its one item, and so does a call of a
    table's item, ``<subscript>()``), ``name``/``attribute``
    (``target`` is the dotted name),
    ``fstring`` (``args`` holds its replacement fields), ``binop`` (another binary
    operation: ``args`` holds both operands), ``lambda`` (``args`` holds the body), ``subscript`` (``target`` is the
    subscripted name, ``detail`` the key when it is a string literal),
    ``item-attribute`` (``target[...].detail``: an attribute of an item of a named
    container), ``concat`` (``[...] + other``: ``items`` holds both sides, made only
    when one of them is a list, tuple or another ``concat``), ``each`` (the name a
    ``for`` loop over a literal list or tuple binds: ``items`` holds what it takes in
    turn, ``detail`` the loop's first and last lines, ``"12-14"``), ``other``.
    """

    kind: str
    target: str = ""
    detail: str = ""
    literal: Any = None
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    items: tuple[tuple[Value | None, Value], ...] = ()

    def kwarg(self, name: str) -> Value | None:
        """Return the keyword argument ``name`` of a call summary, if given."""
        for key, value in self.kwargs:
            if key == name:
                return value
        return None

    def arg(self, index: int, name: str | None = None) -> Value | None:
        """Return a call argument by position, or by keyword when ``name`` is given."""
        if name is not None:
            found = self.kwarg(name)
            if found is not None:
                return found
        if 0 <= index < len(self.args):
            return self.args[index]
        return None

    @property
    def is_container(self) -> bool:
        """True for literal containers and comprehensions (mutable or not)."""
        return self.kind in ("dict", "list", "set", "comprehension")

    def strings(self) -> tuple[str, ...]:
        """Every string constant inside this value (literals, nested containers, call args)."""
        found: list[str] = []
        _collect_strings(self, found)
        return tuple(found)


def _collect_strings(value: Any, found: list[str]) -> None:
    if isinstance(value, Value):
        if value.kind == "literal":
            _collect_strings(value.literal, found)
        for arg in value.args:
            _collect_strings(arg, found)
        for _, arg in value.kwargs:
            _collect_strings(arg, found)
        for key, item in value.items:
            if key is not None:
                _collect_strings(key, found)
            _collect_strings(item, found)
    elif isinstance(value, str):
        found.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _collect_strings(key, found)
            _collect_strings(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_strings(item, found)


@dataclass(frozen=True, slots=True)
class Import:
    """One name bound by an import statement.

    ``import a.b as c`` gives ``local="c", module="a.b", name=""``;
    ``from a import b as c`` gives ``local="c", module="a", name="b"``.
    Relative imports are already resolved against the importing module.
    """

    local: str
    module: str
    name: str
    line: int

    @property
    def dotted(self) -> str:
        """The fully qualified dotted name the local name stands for."""
        return f"{self.module}.{self.name}" if self.name else self.module


@dataclass(frozen=True, slots=True)
class Guard:
    """A condition code runs under: the test of an enclosing ``if`` (``if REDIS_URL:``
    ... ``else:``) of an import-time assignment, or of a block of a function body.

    ``subject`` is the value tested; ``equals`` the literal it is compared with
    (``if PROVIDER == "s3"``), ``None`` for a truth test (``if URL``, ``if URL is
    not None``); ``holds`` says whether the assignment runs when the test is true
    (the ``if`` body) or when it is false (the ``else`` branch, a ``not`` test).
    """

    subject: Value
    holds: bool
    equals: Value | None = None


@dataclass(frozen=True, slots=True)
class Branch:
    """A block of a function body that runs under a condition: the body of an ``if``
    (``guard.holds``) or what runs when its test is false (its ``else`` or ``elif``).

    ``line``/``end_line`` are the block's first and last lines; blocks nest, so the
    conditions a statement runs under are those of every block containing its line.
    """

    line: int
    end_line: int
    guard: Guard


@dataclass(frozen=True, slots=True)
class Binding:
    """A module-level (or class-level) assignment of a name.

    ``value`` summarises the first assigned expression; ``assignments`` counts how
    many times the name is bound at import time.
    """

    name: str
    span: Span
    value: Value
    annotation: str = ""
    assignments: int = 1
    #: resolved names inside a subscripted annotation: ``set[WebSocket]`` → ``("starlette.websockets.WebSocket",)``
    annotation_args: tuple[str, ...] = ()
    #: the later assignments at the same level, in order (``if not KEY: KEY = make_key()``)
    alternatives: tuple[tuple[Span, Value], ...] = ()
    #: the import-time conditions of the first assignment (innermost last), then of each
    #: alternative, in order: empty when it is made unconditionally
    guards: tuple[Guard, ...] = ()
    alternative_guards: tuple[tuple[Guard, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Access:
    """A use of a non-local name inside a function.

    ``ref`` is a dotted path whose head is resolved: a module-level name of the
    same file becomes ``<module>.NAME``, an imported name becomes what it was
    imported from, while ``self``/``cls`` and parameter heads stay as written
    (``self.items``, ``request.app.state``).  ``head`` says which: ``global``,
    ``self``, ``cls``, ``param`` or ``local``.

    ``op`` is one of ``read``, ``setitem``, ``delitem``, ``augassign``,
    ``getitem`` (a read of ``NAME["literal"]``, ``key`` holds the literal),
    ``mutate`` (a method call, ``method`` names it), ``rebind`` (assignment to
    a name declared ``global``), ``setattr``, ``delattr``.
    """

    ref: str
    head: str
    op: str
    span: Span
    method: str = ""
    #: the literal subscript key for ``setitem``/``delitem``/``getitem`` (``config["DEBUG"]``)
    key: str = ""
    #: inside a once-per-process block (``if _client is None: ...``) or a command-line block
    #: that reads standard input (``if path == "-": sys.stdin.read()``): not request-time work
    once: bool = False


@dataclass(frozen=True, slots=True)
class Call:
    """A call made inside a function or at module level."""

    target: str
    head: str
    span: Span
    value: Value
    #: inside a once-per-process block (``if _store is None: ...``) or a command-line block
    #: that reads standard input: not request-time work
    once: bool = False


@dataclass(frozen=True, slots=True)
class Param:
    """A function parameter: its annotation (dotted) and default summary."""

    name: str
    annotation: str = ""
    default: Value | None = None
    #: 1 for ``*args``, 2 for ``**kwargs``, 0 for every other parameter
    star: int = 0


@dataclass(frozen=True, slots=True)
class Function:
    """Facts about one function or method: what it reads, mutates and calls."""

    qualname: str
    name: str
    class_name: str
    span: Span
    is_async: bool
    decorators: tuple[Value, ...]
    params: tuple[Param, ...]
    globals_declared: tuple[str, ...]
    accesses: tuple[Access, ...]
    calls: tuple[Call, ...]
    local_assignments: tuple[tuple[str, Value], ...] = ()
    #: values assigned by item/attribute writes, keyed by the write's (line, column)
    write_values: tuple[tuple[int, int, Value], ...] = ()
    #: what each ``return`` statement returns, keyed by the statement's (line, column)
    returns: tuple[tuple[int, int, Value], ...] = ()
    #: the line of each entry of ``local_assignments``, in the same order
    assignment_lines: tuple[int, ...] = ()
    #: what each ``for`` loop (or comprehension) variable iterates over: the variable's
    #: name and a summary of the iterable (``for entry in folder.iterdir()``)
    loop_values: tuple[tuple[str, Value], ...] = ()
    #: the conditional blocks of the body, outermost first (``if``, ``elif``, ``else``)
    branches: tuple[Branch, ...] = ()

    def guards_at(self, line: int) -> tuple[Guard, ...]:
        """The conditions under which the statement on ``line`` runs, outermost first."""
        return tuple(branch.guard for branch in self.branches
                     if branch.line <= line <= branch.end_line)
    #: each call a ``with`` statement enters, with the statement's first and last lines
    blocks: tuple[tuple[int, int, Value], ...] = ()

    def written_value(self, access: Access) -> Value | None:
        """The value an item or attribute write assigns, when it is known."""
        for line, column, value in self.write_values:
            if line == access.span.line and column == access.span.column:
                return value
        return None


@dataclass(frozen=True, slots=True)
class ClassFacts:
    """A class: its bases (dotted), decorators, class-level bindings and methods."""

    name: str
    span: Span
    bases: tuple[str, ...]
    decorators: tuple[Value, ...]
    attributes: tuple[Binding, ...]
    methods: tuple[str, ...]
    keywords: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True, slots=True)
class Statement:
    """A module-level statement that is not a plain binding: a call, a mutation."""

    kind: str  # "call" | "access"
    span: Span
    call: Call | None = None
    access: Access | None = None
    in_main_guard: bool = False
    #: for item/attribute assignments, a summary of the value assigned
    value: Value | None = None
    #: an attribute assignment on a call's result (``conf.get_default().on_event = f``):
    #: the call, whose result the attribute is set on (the access's ref is ``<call>.name``)
    receiver: Value | None = None


@dataclass(frozen=True, slots=True)
class Suppression:
    """A ``# statelint: ignore[...]`` comment; empty ``codes`` means every rule."""

    line: int
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParseError:
    """Why a file could not be turned into facts."""

    message: str
    line: int = 1
    column: int = 0
    kind: str = "syntax"  # syntax | encoding | unreadable | too-large | internal


@dataclass(frozen=True, slots=True)
class ModuleFacts:
    """Everything statelint knows about one source file."""

    path: str
    module: str
    is_package: bool
    imports: tuple[Import, ...] = ()
    bindings: tuple[Binding, ...] = ()
    functions: tuple[Function, ...] = ()
    classes: tuple[ClassFacts, ...] = ()
    statements: tuple[Statement, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    error: ParseError | None = None

    def binding(self, name: str) -> Binding | None:
        """Return the module-level binding ``name``, if any."""
        for item in self.bindings:
            if item.name == name:
                return item
        return None


# ---------------------------------------------------------------------------
# Linked results: handlers, findings and verdicts
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a scanned file, with a short note on why it is cited."""

    path: str
    line: int
    column: int
    message: str = ""
    end_line: int = 0
    end_column: int = 0


@dataclass(frozen=True, slots=True)
class Route:
    """One URL rule (or event) a handler serves, as the framework's own listing shows it.

    ``methods`` are the ones the route declares, or the framework's default when it
    declares none (``GET`` for a Flask route; empty when any method is served);
    ``added_methods`` are those the framework adds by itself (Flask's ``HEAD`` and
    ``OPTIONS``), which ``flask routes`` shows only with ``--all-methods``.
    ``endpoint`` is the name the framework knows the route by (Flask's ``cart.view``,
    a Django URL name with its namespace, a FastAPI route name) and ``namespace`` the
    blueprint or URL namespace it belongs to.
    """

    path: str
    methods: tuple[str, ...] = ()
    endpoint: str = ""
    namespace: str = ""
    added_methods: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Handler:
    """A request handler: a function or method a web framework calls per request.

    ``route`` and ``methods`` are those of its first route; ``routes`` lists every
    route it serves (a function under stacked route decorators, a view registered
    at several URLs).
    """

    path: str
    line: int
    column: int
    name: str
    module: str
    function_id: str
    framework: str
    route: str = ""
    methods: tuple[str, ...] = ()
    app: str = ""
    kind: str = "http"  # http | websocket | event | hook
    routes: tuple[Route, ...] = ()

    @property
    def key(self) -> str:
        """How findings name this handler: ``path::name``."""
        return f"{self.path}::{self.name}"

    @property
    def all_routes(self) -> tuple[Route, ...]:
        """Every route of the handler (one made of ``route`` and ``methods`` when
        ``routes`` was not filled in)."""
        return self.routes or (Route(self.route, self.methods),)


@dataclass(frozen=True, slots=True)
class Finding:
    """One judgement of one rule about one piece of process-local state."""

    rule: str
    name: str
    severity: Severity
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    symbol: str
    suggestion: str
    handlers: tuple[str, ...] = ()
    trace: tuple[Location, ...] = ()
    related: tuple[Location, ...] = ()
    how: str = "reads"  # reads | writes | caches | connections | disk | background | config | key
    fingerprint: str = ""
    #: the handlers (``path::name``) whose requests change the state; the others only read it
    writers: tuple[str, ...] = ()
    #: other symbols of the same state (the global or class attribute an object found
    #: through the semantic model hangs from): a finding of a rule that reads the model is
    #: left out when another rule reports the state under one of these names
    anchors: tuple[str, ...] = ()

    @property
    def handler(self) -> str:
        """The first handler that reaches the state (the JSON contract's ``handler``)."""
        return self.handlers[0] if self.handlers else ""


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a handler got its verdict, tied to one finding when stateful."""

    text: str
    rule: str = ""
    symbol: str = ""
    how: str = ""
    severity: str = ""
    trace: tuple[Location, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """A handler and whether any worker or replica could serve it."""

    handler: Handler
    verdict: Literal["self-contained", "stateful"]
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class FileProblem:
    """A file that was skipped or failed, and why."""

    path: str
    message: str
    line: int = 0
    column: int = 0
    kind: str = "syntax"


@dataclass(frozen=True, slots=True)
class InternalError:
    """A failure inside statelint itself, kept with the stage and the part it hit.

    ``stage`` is ``facts`` (one file), ``link`` (one module, or one handler's
    reach), ``analysis`` (one shared analysis, asked for by ``rule``) or ``rule``
    (one rule).  Everything else the scan found is still reported.
    """

    stage: str
    message: str
    path: str = ""
    module: str = ""
    rule: str = ""
    analysis: str = ""

    @property
    def where(self) -> str:
        """What failed, in words: ``rule SL301``, ``module shop.views (shop/views.py)``."""
        parts = []
        if self.analysis:
            parts.append(f"analysis '{self.analysis}'")
        if self.rule:
            parts.append(f"rule {self.rule}")
        if self.module:
            parts.append(f"module {self.module}")
        if self.path:
            parts.append(self.path)
        return ", ".join(parts) or "the scan"

    def describe(self) -> str:
        """One line: the stage, what failed and why."""
        return f"internal error in {self.stage} ({self.where}): {self.message}"


@dataclass
class ScanResult:
    """The outcome of a whole scan, as reporters see it."""

    root: str
    findings: list[Finding] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    files_scanned: int = 0
    #: Python files left out; folders not entered are counted apart in ``folders_skipped``
    files_skipped: int = 0
    files_failed: int = 0
    folders_skipped: int = 0
    statistics: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: failures inside statelint; each cost only the file, module, analysis or rule it names
    errors: list[InternalError] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when something went wrong inside statelint (exit code 2)."""
        return bool(self.errors) or any(problem.kind == "internal" for problem in self.problems)

    @property
    def stateful_handlers(self) -> int:
        """How many handlers are stateful."""
        return sum(1 for verdict in self.verdicts if verdict.verdict == "stateful")


def _positional_reduce(cls: type) -> None:
    """Pickle instances of a frozen, slotted dataclass as ``cls(*fields)``.

    The default for such classes goes through ``dataclasses``' generic
    ``__setstate__``, which looks the fields up again for every object: taking
    a large project's facts back from the parsing workers spent most of its
    time there.  Rebuilding through the constructor is the same object, several
    times faster.  (Only the process pool pickles facts; the cache never does.)
    """
    names = tuple(item.name for item in fields(cls))
    if len(names) == 1:
        name = names[0]

        def reduce_one(self: Any) -> tuple[Any, ...]:
            return (type(self), (getattr(self, name),))

        cls.__reduce__ = reduce_one  # type: ignore[method-assign]
        return
    getter = attrgetter(*names)

    def reduce_many(self: Any) -> tuple[Any, ...]:
        return (type(self), getter(self))

    cls.__reduce__ = reduce_many  # type: ignore[method-assign]


for _cls in (Span, Value, Import, Binding, Access, Call, Param, Function, ClassFacts, Statement,
             Suppression, ParseError, ModuleFacts, Location, Route, Handler, Finding, Reason, Verdict):
    _positional_reduce(_cls)
del _cls
