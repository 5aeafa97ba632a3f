"""The pre-scan: decide, from bytes and regular expressions only, which files
must be parsed for a scan to be exactly what parsing every file would give.

Parsing with LibCST is the cost centre of a scan.  Most files of a large tree
never matter: no handler is defined in them, no handler reaches them, and no
rule reads them.  The lazy facts stage (``engine.gather_facts`` without
``exhaustive``) therefore parses

1. the **seeds**: files holding a token that could make them matter on their
   own (see ``Tokens``): a handler idiom of ``frameworks.toml`` or of the
   configuration, a setting or object a rule looks for in *every* module (each
   rule's ``prescan_tokens`` and the tables it reads), or a class deriving, by
   name and transitively across files, from a view base;
2. then, round after round, every module that linking, handler discovery or a
   rule *looked up* but was not parsed (``Project.demanded``), the parent
   packages of parsed modules, and the files naming a function or class whose
   callers or instances an analysis reads (``reverse_names``),

until a whole link-and-rules run looks up nothing unparsed.  No LibCST here.

Everything here errs on the side of parsing more: a token in a comment or a
string still makes a seed.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from statelint.knowledge import load_table

if TYPE_CHECKING:
    from statelint.project import Project
    from statelint.rule import Rule

#: Handler idioms found anywhere in a file, whatever the framework.
HANDLER_WORDS = (
    "urlpatterns", "as_view", "include_router", "add_url_rule", "MIDDLEWARE", "ROOT_URLCONF",
    "handler400", "handler403", "handler404", "handler500", "route", "websocket",
    "add_route", "add_api_route", "add_websocket_route", "add_middleware", "register_blueprint",
    "Mount", "Route", "WebSocketRoute", "Router", "url_map",
    "lifespan", "on_startup", "on_shutdown", "app_factory", "create_app",
)

#: Table keys of ``frameworks.toml`` whose names are matched as words anywhere.
_WORD_KEYS = (
    "app_classes", "application_classes", "decorator_functions", "dependency_arguments",
    "hook_arguments", "hook_decorators", "hook_registration_methods", "include_functions",
    "link_functions", "link_methods", "method_decorators", "registration_functions",
    "registration_methods", "route_decorators", "route_defaults_decorators",
    "route_table_arguments", "prefix_arguments", "websocket_bases",
)

#: Keys whose names are functions (a bare call registers); the others are methods.
_FUNCTION_KEYS = frozenset({"decorator_functions", "registration_functions", "include_functions",
                            "link_functions", "route_defaults_decorators"})

#: Names too common to be matched as words; they count as decorators, as bare calls
#: (``path(...)``), or as method calls whose first argument is a route literal.
_COMMON = frozenset({
    "get", "post", "put", "patch", "delete", "head", "options", "list", "create", "retrieve",
    "update", "destroy", "path", "url", "include", "add", "register", "scan", "view",
    "api", "prefix", "routes", "name", "app", "application", "dependencies", "handlers",
    "default", "setup", "partial_update", "api_operation", "action", "expose", "start",
    "every", "map", "submit", "result", "cancel", "join", "exception",
})

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DECORATOR = re.compile(rb"^[ \t]*@[ \t]*([\w.]+)", re.M)
_CLASS = re.compile(rb"^[ \t]*class[ \t]+(\w+)[ \t]*(?:\(([^)]*)\))?", re.M)
_ALIAS = re.compile(rb"\b(\w+)[ \t]+as[ \t]+(\w+)")
_WORD = re.compile(rb"\w+")


def _last_parts(pattern: str) -> list[str]:
    """The name a dotted (glob) pattern's file must mention: its last plain part."""
    parts = [part for part in pattern.split(".") if part]
    while parts and not _IDENTIFIER.match(parts[-1].strip("*?")):
        parts.pop()
    if not parts:
        return []
    last = parts[-1]
    if "*" in last or "?" in last:
        # ``flask_appbuilder.*View``: the class is named ...View; ``generic.*``: the
        # module is imported by name.
        stripped = last.strip("*?")
        out = [stripped] if _IDENTIFIER.match(stripped) else []
        if len(parts) > 1:
            out.append(parts[-2])
        return out
    return [last]


def _token_pattern(token: str) -> str:
    """The regular expression of one token (see ``Rule.prescan_tokens``)."""
    if len(token) >= 2 and token[0] in "\"'" and token[-1] == token[0]:
        return r"""["']""" + re.escape(token[1:-1]) + r"""["']"""
    body = token
    call = body.endswith("(")
    method = body.startswith(".")
    body = body.rstrip("(").lstrip(".")
    pattern = re.escape(body)
    if method:
        pattern = r"\." + pattern
    elif body[:1].isalnum() or body[:1] == "_":
        pattern = r"\b" + pattern
    if call:
        pattern += r"\s*\("
    elif body[-1:].isalnum() or body[-1:] == "_":
        pattern += r"\b"
    return pattern


@dataclass
class Tokens:
    """What makes a file a seed: words, call forms, decorator names and view bases."""

    words: set[str]
    #: short or common method names: a decorator, or a method call given a route literal
    common: set[str]
    view_bases: set[str]
    view_suffixes: set[str]
    patterns: set[str]
    #: common function names: a bare call (``path("x/", view)``) or a decorator
    functions: set[str] = field(default_factory=set)

    def matcher(self) -> Matcher:
        return Matcher(self)

    def digest(self) -> str:
        """The tokens in a canonical form: pre-scans made with equal tokens agree."""
        parts = (self.words, self.common, self.view_bases, self.view_suffixes, self.patterns,
                 self.functions)
        return hashlib.sha256("\1".join("\0".join(sorted(part)) for part in parts).encode()
                              ).hexdigest()


class Matcher:
    """Matches a file's bytes against the tokens.

    A file's words are collected once (one ``findall``); each token pattern is
    tried only on files holding its word, so the cost is one pass over the bytes.
    """

    def __init__(self, tokens: Tokens) -> None:
        self.words = frozenset(word.encode() for word in tokens.words)
        self.gated: dict[bytes, list[re.Pattern[bytes]]] = {}
        for token in tokens.patterns:
            core = token.strip("\"'").rstrip("(").lstrip(".")
            if not _IDENTIFIER.match(core):
                continue
            self.gated.setdefault(core.encode(), []).append(
                re.compile(_token_pattern(token).encode()))
        for name in tokens.functions:
            self.gated.setdefault(name.encode(), []).append(
                re.compile(rb"(?<![\w.])" + re.escape(name.encode()) + rb"\s*\("))
        for name in tokens.common:
            self.gated.setdefault(name.encode(), []).append(re.compile(
                rb"\." + re.escape(name.encode()) + rb"\s*\(\s*[rbfuRBFU]{0,2}[\"'][/^]"))

    def search(self, data: bytes, words: set[bytes]) -> bool:
        if not self.words.isdisjoint(words):
            return True
        for word in self.gated.keys() & words:
            if any(pattern.search(data) for pattern in self.gated[word]):
                return True
        return False


def gather_tokens(rules: Iterable[type[Rule]], config: Any = None) -> Tokens:
    """Every token that can make a file matter on its own, for these rules and settings."""
    words: set[str] = set(HANDLER_WORDS)
    common: set[str] = set()
    view_bases: set[str] = set()
    view_suffixes: set[str] = set()
    patterns: set[str] = set()

    functions: set[str] = set()

    def add(name: str, function: bool = False) -> None:
        if not name:
            return
        if name in _COMMON or (name.islower() and len(name) <= 4):
            (functions if function else common).add(name)
        else:
            words.add(name)

    for spec in load_table("frameworks").values():
        for key in _WORD_KEYS:
            for pattern in spec.get(key, ()):
                for name in _last_parts(pattern):
                    add(name, function=key in _FUNCTION_KEYS)
        for key in ("controller_path_attribute", "route_name_argument"):
            value = spec.get(key)
            if isinstance(value, str):
                add(value)
        for pattern in [*spec.get("view_bases", ()), *spec.get("websocket_bases", ())]:
            last = pattern.rsplit(".", 1)[-1]
            if last.startswith("*") and _IDENTIFIER.match(last[1:] or "-"):
                view_suffixes.add(last[1:])
            # subclasses are found by the class closure in ``seeds``
            view_bases.update(_last_parts(pattern))
    for name in tuple(getattr(config, "handler_decorators", ()) or ()):
        for part in _last_parts(name):
            add(part, function=True)
    for name in tuple(getattr(config, "handler_base_classes", ()) or ()):
        view_bases.update(_last_parts(name))
    # What rules read in every module: their own tokens and the tables they read.
    for rule in rules:
        patterns.update(getattr(rule, "prescan_tokens", ()) or ())
    _table_tokens(words, patterns)
    return Tokens(words, common, view_bases, view_suffixes, patterns, functions)


def _table_tokens(words: set[str], patterns: set[str]) -> None:
    backends = load_table("backends")
    for section in backends.values():
        entries = section if isinstance(section, list) else [section]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for key, value in entry.items():
                if key in ("fix", "library", "purpose", "default_cache", "session_fix",
                           "throttle_fix", "uses", "drf_bases", "drf_decorators", "in_process",
                           "on_disk", "memory", "cache_sessions", "file_sessions", "frameworks",
                           "app_wide"):
                    continue
                values = value if isinstance(value, list) else [value]
                for item in values:
                    if not isinstance(item, str):
                        continue
                    if key in ("key", "within", "storage_keyword", "storage"):
                        if item != "*":
                            patterns.add(f'"{item}"')
                            if _IDENTIFIER.match(item) and not item.islower():
                                words.add(item)
                        continue
                    for name in _last_parts(item):
                        if name.islower() and len(name) <= 4:
                            patterns.add(f'"{name}"')
                        else:
                            words.add(name)
    background = load_table("process_state").get("background", {})
    for key in ("threads", "executors", "schedulers", "schedule_calls", "task_factories"):
        for item in background.get(key, ()):
            for name in _last_parts(item):
                patterns.add(f".{name}(" if name.islower() and len(name) <= 5 else name)
    for key in ("executor_methods", "scheduler_methods", "task_methods"):
        for item in background.get(key, ()):
            patterns.add(f".{item}(")
    # start-up idioms (``state.startup_functions``), for every rule that tells
    # start-up work from request-time work
    for key in ("startup_decorator_methods", "startup_kwargs", "startup_names", "startup_lists"):
        for item in background.get(key, ()):
            patterns.add(item)


@dataclass(frozen=True)
class FileScan:
    """What the pre-scan learned about one file."""

    token: bool
    #: (class name, words of its bases) for every ``class`` statement
    classes: tuple[tuple[str, tuple[str, ...]], ...]
    #: decorator last names
    decorators: tuple[str, ...]
    #: ``X as Y`` pairs
    aliases: tuple[tuple[str, str], ...]


def scan_bytes(data: bytes, matcher: Matcher) -> FileScan:
    """Pre-scan one file's bytes."""
    words = set(_WORD.findall(data))
    classes = []
    for match in _CLASS.finditer(data):
        bases = match.group(2) or b""
        classes.append((match.group(1).decode("latin-1"),
                        tuple(word.decode("latin-1") for word in _WORD.findall(bases))))
    decorators = tuple(dict.fromkeys(
        match.group(1).rsplit(b".", 1)[-1].decode("latin-1") for match in _DECORATOR.finditer(data)))
    aliases = tuple(dict.fromkeys(
        (a.decode("latin-1"), b.decode("latin-1")) for a, b in _ALIAS.findall(data)))
    return FileScan(matcher.search(data, words), tuple(classes), decorators, aliases)


def seeds(scans: list[FileScan], tokens: Tokens) -> set[int]:
    """Indexes of the files that must be parsed whatever a handler reaches."""
    decorator_names = tokens.words | tokens.common | tokens.functions
    found = {index for index, scan in enumerate(scans)
             if scan.token or any(name in decorator_names for name in scan.decorators)}
    # classes deriving, by name and transitively across files, from a view base
    viewish = set(tokens.view_bases)
    suffixes = tuple(tokens.view_suffixes)

    def is_view(word: str) -> bool:
        return word in viewish or (bool(suffixes) and word.endswith(suffixes))

    changed = True
    while changed:
        changed = False
        for index, scan in enumerate(scans):
            for name, bases in scan.classes:
                if name not in viewish and any(is_view(word) for word in bases):
                    viewish.add(name)
                    changed = True
                    found.add(index)
                elif any(is_view(word) for word in bases):
                    found.add(index)
            for original, alias in scan.aliases:
                if alias not in viewish and is_view(original):
                    viewish.add(alias)
                    changed = True
    return found


_LONG_LINE = re.compile(rb"^[^\n]{200,}$", re.M)
_OPERATORS = (b".", b"+", b"-", b"*", b"/", b"|", b"&", b"%", b"@", b"<", b">", b"'", b'"')


def syntax_ok(data: bytes, path: str) -> bool:
    """True when the file surely parses: CPython's parser accepts it and no line is
    a chain long enough to exceed statelint's own nesting limits (a cheap check, no
    LibCST).  False means "let LibCST say": the file is parsed after all."""
    for match in _LONG_LINE.finditer(data):
        line = match.group(0)
        if sum(line.count(op) for op in _OPERATORS) >= 200:
            return False
    try:
        compile(data, path, "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST)
    except BaseException:  # noqa: BLE001 - anything odd: let LibCST say what is wrong
        return False
    return True


def app_method_names(config: Any = None) -> frozenset[str]:
    """Last names of every call or decorator through which an app object registers
    something (``route``, ``add_url_rule``, ``before_request``, ``include_router``,
    ...), from ``frameworks.toml`` and the configured handler decorators."""
    names: set[str] = set()
    for spec in load_table("frameworks").values():
        for key in _WORD_KEYS:
            for pattern in spec.get(key, ()):
                names.update(_last_parts(pattern))
    for name in tuple(getattr(config, "handler_decorators", ()) or ()):
        names.update(_last_parts(name))
    return frozenset(names)


def _registers_through(value: Any, params: set[str], app_methods: frozenset[str], *,
                       decorator: bool = False) -> bool:
    """Whether a call (or decorator) registers something on a parameter: ``app.route(...)``.

    A distinctive method name (``add_url_rule``, ``include_router``) is enough; a
    common one (``get``, ``register``, ``add``) also needs the shape of a route:
    a decorator, a route literal (``"/items"``, ``r"^items/$"``) or, for
    ``register``, a prefix and a view (DRF routers).
    """
    head, _, rest = value.target.partition(".")
    if head not in params or not rest:
        return False
    method = rest.rsplit(".", 1)[-1]
    if method not in app_methods:
        return False
    if method not in _COMMON and not (method.islower() and len(method) <= 4):
        return True
    if decorator:
        return True
    first = value.args[0] if value.args else None
    if first is None or not isinstance(first.literal, str) or first.kind != "literal":
        return False
    return first.literal.startswith(("/", "^")) or (method == "register" and len(value.args) >= 2)


def reverse_names(project: Project, app_methods: frozenset[str]) -> set[str]:
    """Names whose mentions in unparsed files may change the result.

    * helpers handed an app object (``register_routes(app)``): their call sites
      tell handler discovery which app a parameter stands for.  A helper counts
      when it registers through a parameter (``param.route(...)``, ``@param.get``,
      ``param.router.add_get(...)``: a call whose last name is in ``app_methods``)
      or hands a parameter on to such a helper;
    * classes whose reached methods put something into a container on ``self``
      (``self.active[key] = ws``, ``self.clients.add(ws)``): module-level
      instances of them anywhere are connection registries
      (``state.connection_registries`` asks for no other kind of change).
    """
    from statelint.effects import effect_list

    adders = set(effect_list("connections", "adders"))
    names: set[str] = set()
    helpers: list[tuple[str, str, set[str], list[tuple[str, set[str]]]]] = []
    for facts in project.modules.values():
        # decorators that could register through a receiver (``@x.route``), by function
        decorated = [(other.qualname, decorator) for other in facts.functions
                     for decorator in other.decorators
                     if decorator.target.rsplit(".", 1)[-1] in app_methods]
        for fn in facts.functions:
            params = {param.name for param in fn.params} - {"self", "cls"}
            if not params:
                continue
            inner = fn.qualname + "."
            registers = any(
                (qualname == fn.qualname or qualname.startswith(inner))
                and _registers_through(decorator, params, app_methods, decorator=True)
                for qualname, decorator in decorated)
            handed: list[tuple[str, set[str]]] = []
            for call in fn.calls:
                if not call.target:
                    continue
                if _registers_through(call.value, params, app_methods):
                    registers = True
                passed = {arg.target.split(".")[0] for arg in call.value.args
                          if arg.kind in ("name", "attribute")} & params
                if passed:
                    handed.append((call.target.rsplit(".", 1)[-1], passed))
            owner = fn.class_name.rsplit(".", 1)[-1] if fn.class_name else ""
            if registers:
                names.update(name for name in (fn.name, owner) if name)
            else:
                helpers.append((fn.name, owner, params, handed))
    changed = True
    while changed:  # helpers that hand a parameter on to a helper that registers
        changed = False
        for name, owner, _, handed in helpers:
            if name not in names and any(callee in names for callee, _ in handed):
                names.update(item for item in (name, owner) if item)
                changed = True
    for reach in project.reaches:
        for function_id in reach.parents:
            facts, fn = project.functions[function_id]
            if fn.class_name and any(access.head == "self" and (
                    access.op == "setitem" or (access.op == "mutate" and access.method in adders))
                    for access in fn.accesses):
                names.add(fn.class_name.rsplit(".", 1)[-1])
    return {name for name in names if name and _IDENTIFIER.match(name)}


def mentions(names: set[str]) -> re.Pattern[bytes] | None:
    """A pattern matching where a file calls, instantiates, renames or subclasses
    one of ``names``: ``name(``, ``mod.name (``, ``import name as alias`` and
    ``class Sub(name)``.  A mere mention (an import, a type hint, a docstring) is
    not enough: call sites and instances are what ``reverse_names`` are for, and
    an import alone is parsed anyway once something demands the module."""
    if not names:
        return None
    group = b"(?:" + b"|".join(re.escape(n.encode()) for n in sorted(names)) + b")"
    return re.compile(rb"\b" + group + rb"(?:\s*\(|\s+as\b)"
                      rb"|^[ \t]*class[ \t]+\w+[ \t]*\([^)]*\b" + group + rb"\b", re.M)
