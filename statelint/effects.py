"""What a function does beyond its own memory, judged over linked facts.

Three questions that several rules ask, answered from ``rules/effects.toml``:

* does a function (or anything it calls) perform I/O, and of which kind:
  a database, an HTTP service, a remote store, the local file system, a
  subprocess (``reached_io``);
* what built the object a name stands for (``origin_of``): ``client`` in
  ``client = httpx.Client()`` comes from ``httpx.Client``, ``db`` in
  ``with SessionLocal() as db`` from ``sqlalchemy.orm.sessionmaker``;
* does a value stand for one client's open connection: a websocket, an SSE
  stream, a subscriber's queue (``is_connection_value``).

Everything is computed lazily and memoised on the ``Project``; nothing here
imports or runs the scanned code.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from statelint.failures import memo_table
from statelint.knowledge import load_table, matches
from statelint.model import Call, Param, Span, Value
from statelint.project import Project, dependency_of

#: How many hops ``origin_of`` follows through locals, parameters and bindings.
MAX_ORIGIN_DEPTH = 6
#: Annotations that wrap the real type (``Annotated[Session, Depends(get_db)]``).
WRAPPER_ANNOTATIONS = ("typing.Annotated", "typing_extensions.Annotated", "typing.Optional",
                       "Annotated", "Optional")


@dataclass(frozen=True)
class IoCategory:
    """One kind of I/O from ``effects.toml``: its patterns and whether it is remote."""

    name: str
    scope: str  # remote | local
    calls: tuple[str, ...]
    clients: tuple[str, ...]
    objects: tuple[str, ...]
    methods: tuple[str, ...]


@dataclass(frozen=True)
class IoUse:
    """One call that performs I/O: where, what and of which kind."""

    function_id: str
    span: Span
    api: str
    category: str
    scope: str


@lru_cache(maxsize=1)
def effects() -> dict[str, Any]:
    """The ``effects.toml`` table."""
    return load_table("effects")


@lru_cache(maxsize=1)
def io_categories() -> tuple[IoCategory, ...]:
    """Every I/O category, in table order."""
    found = []
    for name, spec in effects().get("io", {}).items():
        found.append(IoCategory(
            name=name,
            scope=str(spec.get("scope", "remote")),
            calls=tuple(spec.get("calls", ())),
            clients=tuple(spec.get("clients", ())),
            objects=tuple(spec.get("objects", ())),
            methods=tuple(spec.get("methods", ())),
        ))
    return tuple(found)


def effect_list(section: str, key: str) -> tuple[str, ...]:
    """One list of ``effects.toml`` outside the I/O tables (``caches``, ``connections``)."""
    return tuple(effects().get(section, {}).get(key, ()))


def _memo(project: Project, name: str) -> dict[Any, Any]:
    return memo_table(project, f"effects {name}")


# ---------------------------------------------------------------------------
# Origins: what built the object a name stands for
# ---------------------------------------------------------------------------


def origin_in_module(project: Project, value: Value, depth: int = 0) -> str:
    """The fully qualified constructor behind a module-level value, or ``""``.

    ``SessionLocal = sessionmaker(bind=engine)`` gives
    ``sqlalchemy.orm.sessionmaker``; ``db = SessionLocal()`` one module further
    gives the same, since calling a session factory builds a session.
    """
    if depth > MAX_ORIGIN_DEPTH or value.kind not in ("call", "name", "attribute"):
        return ""
    target = value.target
    if not target:
        return ""
    if "()" in target:
        return origin_in_module(project, Value("call", target=target.split("()", 1)[0]), depth + 1)
    symbol, _ = project.resolve(target)
    if symbol.kind == "external":
        return symbol.key
    if symbol.kind == "binding":
        binding = project.binding(symbol)
        if binding is not None and binding.value.target != target:
            return origin_in_module(project, binding.value, depth + 1)
    return ""


def origin_of(project: Project, function_id: str, dotted: str, depth: int = 0) -> str:
    """The fully qualified constructor behind ``dotted`` as used inside a function.

    Locals follow their assignment (``with httpx.Client() as client``),
    parameters their annotation or the dependency that injects them
    (``db: Session = Depends(get_db)``), module-level names their binding.
    What a method of an object returns keeps the object's origin: a cursor
    comes from its connection, a response from its client.
    """
    if depth > MAX_ORIGIN_DEPTH or not dotted or function_id not in project.functions:
        return ""
    if "()" in dotted:
        return origin_of(project, function_id, dotted.split("()", 1)[0], depth + 1)
    _, fn = project.functions[function_id]
    head = dotted.split(".", 1)[0]
    local_values = dict(fn.local_assignments)
    if head in local_values:
        value = local_values[head]
        if value.kind in ("call", "name", "attribute") and value.target.split(".", 1)[0] != head:
            return origin_of(project, function_id, value.target, depth + 1)
        return ""
    params = {param.name: param for param in fn.params}
    if head in params:
        return _origin_of_param(project, params[head], depth + 1)
    if head in ("self", "cls"):
        return ""
    symbol, _ = project.resolve(dotted)
    if symbol.kind == "external":
        return symbol.key
    if symbol.kind == "binding":
        binding = project.binding(symbol)
        if binding is not None:
            return origin_in_module(project, binding.value, depth + 1)
    return ""


def _origin_of_param(project: Project, param: Param, depth: int) -> str:
    annotation = param.annotation
    if annotation and annotation not in WRAPPER_ANNOTATIONS:
        return project.qualify(annotation)
    dependency = dependency_of(param.default)
    if not dependency or depth > MAX_ORIGIN_DEPTH:
        return ""
    symbol, left = project.resolve(dependency)
    if symbol.kind != "function" or left:
        return ""
    # ``def get_db(): db = SessionLocal(); yield db``: the dependency's client.
    _, dependency_fn = project.functions[symbol.key]
    for _, value in dependency_fn.local_assignments:
        if value.kind == "call":
            origin = origin_of(project, symbol.key, value.target, depth + 1)
            if origin and _client_category(origin, "") is not None:
                return origin
    return ""


# ---------------------------------------------------------------------------
# I/O
# ---------------------------------------------------------------------------


def _client_category(origin: str, method: str) -> IoCategory | None:
    for category in io_categories():
        if category.clients and matches(origin, category.clients) and (
                not category.methods or not method or method in category.methods):
            return category
    return None


def _call_category(name: str) -> IoCategory | None:
    for category in io_categories():
        if category.calls and matches(name, category.calls):
            return category
        if category.objects:
            parts = name.split(".")
            for cut in range(len(parts) - 1, 0, -1):
                if matches(".".join(parts[:cut]), category.objects):
                    return category
    return None


def classify_call(project: Project, function_id: str, call: Call) -> IoUse | None:
    """The I/O a call performs, if it performs any."""
    target = call.target or call.value.target
    if not target:
        return None
    category: IoCategory | None = None
    api = target
    if "()" in target:
        # ``Path(p).read_text()``, ``boto3.client("s3").get_object(...)``
        base, _, method = target.partition("().")
        origin = origin_of(project, function_id, base) if call.head != "global" else ""
        if not origin:
            origin = origin_in_module(project, Value("call", target=base))
        if origin:
            category = _call_category(f"{origin}().{method}") or _client_category(
                origin, method.split(".")[-1])
            api = f"{base.rsplit('.', 1)[-1]}().{method}"
    elif call.head in ("builtin", "global"):
        qualified = project.qualify(target) if call.head == "global" else target
        category = _call_category(qualified)
        if category is None and "." in target and call.head == "global":
            symbol, rest = project.resolve(target)
            if symbol.kind == "binding" and rest:
                binding = project.binding(symbol)
                if binding is not None:
                    origin = origin_in_module(project, binding.value)
                    category = _client_category(origin, rest[-1]) if origin else None
        api = qualified if call.head == "builtin" or category is None else _short_api(qualified)
        if category is not None and call.head == "global" and project.resolve(target)[0].kind != "external":
            api = _short_api(target)
    elif call.head in ("local", "param") and "." in target:
        receiver, _, method = target.rpartition(".")
        origin = origin_of(project, function_id, receiver)
        if origin:
            category = _client_category(origin, method) or _call_category(f"{origin}.{method}")
        api = target
    if category is None:
        return None
    return IoUse(function_id, call.span, f"{api}()", category.name, category.scope)


def _short_api(dotted: str) -> str:
    parts = dotted.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else dotted


def direct_io(project: Project, function_id: str) -> tuple[IoUse, ...]:
    """The I/O calls a function makes itself, in source order."""
    memo = _memo(project, "direct_io")
    if function_id in memo:
        return memo[function_id]
    found: list[IoUse] = []
    if function_id in project.functions:
        _, fn = project.functions[function_id]
        for call in fn.calls:
            use = classify_call(project, function_id, call)
            if use is not None:
                found.append(use)
    result = tuple(found)
    memo[function_id] = result
    return result


def reached_io(project: Project, function_id: str) -> tuple[IoUse, ...]:
    """The I/O a function performs itself or through anything it calls, nearest first."""
    memo = _memo(project, "reached_io")
    if function_id in memo:
        return memo[function_id]
    found: list[IoUse] = []
    seen = {function_id}
    queue = deque([function_id])
    while queue:
        current = queue.popleft()
        found.extend(direct_io(project, current))
        for callee, _ in project.callees(current):
            if callee not in seen:
                seen.add(callee)
                queue.append(callee)
    result = tuple(found)
    memo[function_id] = result
    return result


def has_arguments(project: Project, function_id: str) -> bool:
    """True when a function takes arguments besides ``self``/``cls``."""
    _, fn = project.functions[function_id]
    names = [param.name for param in fn.params]
    if fn.class_name and names and names[0] in ("self", "cls"):
        names = names[1:]
    return bool(names)


# ---------------------------------------------------------------------------
# Caches
# ---------------------------------------------------------------------------


def cache_decorator(project: Project, decorator: Value) -> str:
    """The qualified name of a per-process memoising decorator, or ``""``.

    Decorators that keep their entries in a shared store when told so
    (``@cached(cache=Cache.REDIS)``, or an alias configured elsewhere) do not
    count.
    """
    if not decorator.target:
        return ""
    qualified = project.qualify(decorator.target)
    if not matches(qualified, effect_list("caches", "decorators")):
        return ""
    if decorator.kind == "call":
        for keyword in effect_list("caches", "shared_keywords"):
            value = decorator.kwarg(keyword)
            if value is None:
                continue
            if keyword == "alias":
                return ""
            text = " ".join([project.qualify(value.target) if value.target else "",
                             *value.strings()])
            if any(matches(part, effect_list("caches", "shared_values")) for part in text.split()):
                return ""
    return qualified


def is_cache_object(project: Project, value: Value) -> bool:
    """True for a cache object built in the process (``TTLCache(maxsize=..., ttl=...)``)."""
    if value.kind != "call" or not value.target:
        return False
    return matches(project.qualify(value.target), effect_list("caches", "objects"))


# ---------------------------------------------------------------------------
# Connections
# ---------------------------------------------------------------------------


def is_connection_type(qualified: str) -> bool:
    """True for a type whose instances are one client's open connection or queue."""
    return bool(qualified) and matches(qualified, effect_list("connections", "types"))


def websocket_entries(project: Project) -> frozenset[str]:
    """Function ids of the entry points of websocket handlers."""
    memo = _memo(project, "websocket_entries")
    if "all" not in memo:
        entries: set[str] = set()
        for handler in project.handlers:
            if handler.kind == "websocket":
                entries.update(project.entries.get(handler.function_id, (handler.function_id,)))
        memo["all"] = frozenset(entries)
    return memo["all"]


def _connection_param(project: Project, function_id: str, name: str) -> bool | None:
    _, fn = project.functions[function_id]
    params = [param for param in fn.params if param.name not in ("self", "cls")]
    for index, param in enumerate(params):
        if param.name != name:
            continue
        origin = _origin_of_param(project, param, 0)
        if origin:
            return is_connection_type(origin)
        if function_id in websocket_entries(project) and index == 0:
            return True  # the socket a websocket handler is called with
        return None
    return None


def is_connection_value(project: Project, function_id: str, value: Value) -> bool | None:
    """Whether ``value`` (an argument inside a function) is a connection.

    ``True`` for a websocket, stream or subscriber queue; ``False`` for
    something known to be else (a task, a literal, a dict); ``None`` when
    nothing says what it is.
    """
    if value.kind in ("literal", "dict", "list", "set", "tuple", "comprehension", "fstring",
                      "lambda"):
        return False
    if value.kind not in ("name", "attribute", "call") or not value.target:
        return None
    _, fn = project.functions[function_id]
    head = value.target.split(".", 1)[0]
    if (value.kind == "name" and head not in dict(fn.local_assignments)
            and any(param.name == head for param in fn.params)):
        return _connection_param(project, function_id, head)
    origin = origin_of(project, function_id, value.target)
    if not origin and value.kind == "call":
        origin = project.qualify(value.target)
    if origin:
        return is_connection_type(origin)
    return None


def holds_connection(project: Project, function_id: str) -> bool:
    """True when a function has a connection in hand: a websocket parameter,
    a websocket or subscriber queue it creates, or it is a websocket handler."""
    if function_id in websocket_entries(project):
        return True
    _, fn = project.functions[function_id]
    for param in fn.params:
        if param.name in ("self", "cls"):
            continue
        if is_connection_type(_origin_of_param(project, param, 0)):
            return True
    for name, value in fn.local_assignments:
        if value.kind == "call" and is_connection_value(project, function_id,
                                                         Value("name", target=name)):
            return True
    return False


def connection_name(name: str) -> bool:
    """True when a collection's name says it holds connections (``active_connections``)."""
    words = [word for word in name.lower().strip("_").split("_") if word]
    known = set(effect_list("connections", "names"))
    return any(word in known for word in words)
