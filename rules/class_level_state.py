"""SL601 class-level-state: class attributes, long-lived resource objects and module-level
singletons changed while serving requests."""

from __future__ import annotations

from collections.abc import Iterable

from statelint.instance_fields import is_instance_field, shadowed_per_instance
from statelint.knowledge import frameworks, load_table
from statelint.model import Access, Finding, Location
from statelint.project import Project, Reach, Symbol
from statelint.rule import Example, Rule
from statelint.state import (
    WRITE_OPS,
    StateUse,
    finding_for_state,
    handler_names,
    is_connection_registry,
    is_mutable_container,
    is_per_thread,
    is_sync_primitive,
    is_write,
    name_list,
    short_name,
    state_uses,
    writes_sync_primitive,
)

#: How far up a call chain to look for the object a method was called on.
MAX_RECEIVER_DEPTH = 12
#: Container methods no client object shares a name with.  When an attribute's value is
#: unknown (set in ``__init__``), ``self.session.add(obj)`` may be a database session:
#: only these methods count as changing a container.
UNAMBIGUOUS_MUTATORS = frozenset({
    "append", "appendleft", "extend", "extendleft", "insert", "setdefault", "popitem",
    "popleft", "move_to_end", "discard", "difference_update", "intersection_update",
    "symmetric_difference_update",
})


class ClassLevelState(Rule):
    """State kept on a class or on one object shared by every request of the process."""

    code = "SL601"
    prescan_tokens = ()
    name = "class-level-state"
    severity = "error"
    how = "writes"
    summary = "Class attribute or process-wide object changed while serving requests"
    what_it_finds = """
State that lives on an object every request of the worker shares, changed at
request time by a handler or a helper it reaches:

* a mutable class attribute (`_overrides: dict = {}` in the class body) changed
  through `self._overrides[key] = ...`, `self.items.append(...)`, `cls.items`,
  `type(self).items` or `ClassName.items`; a class attribute rebound through the
  class (`cls.hits += 1`, `Flags.maintenance = True`);
* an attribute of a resource object the framework keeps for the life of the
  process (Falcon resources: `self.pending[...] = ...` in `on_post`);
* a module-level instance of a project class (`stats = Stats()`) whose attributes a
  handler changes (`stats.count += 1`) or whose methods change `self` when called
  on it (`stats.record(x)` doing `self.total += x`).

Every handler that reads the same attribute is listed too.

Not reported: `self.x = ...` in views the framework creates per request (Django
and DRF class-based views, Flask `MethodView`, Tornado `RequestHandler`);
attributes of objects created during the request; class attributes only read;
class attributes shadowed by an instance attribute set in `__init__`; annotated
fields of dataclasses, attrs classes, pydantic and ORM models; a class attribute
that starts as `None` and is set through the class once (a lazily created
singleton); per-thread storage (`threading.local()` and classes built on it),
where each thread keeps its own copy.
"""
    why_stateful = """
A class, a resource object created at start-up and a module-level instance all
exist once per worker process. What one request stores on them is visible to the
requests this worker serves next and to none of the others: another worker or
replica has its own copy with different contents, and a restart empties them.
Answers then depend on which process serves a request, so the service cannot
be scaled out by adding workers without sticky sessions.
"""
    how_to_fix = """
Keep the data in a shared store and keep the object stateless: a Redis hash or
counter (`HSET`, `HINCRBY`, `INCR`) or a database table, accessed through a
client the object is given at start-up. Per-request data belongs in locals or on
the request (`flask.g`, `request.state`, `req.context` in Falcon); configuration
should be set once at start-up and only read afterwards.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(
                ("shop/pricing.py", 5, "`PriceBook._overrides` is a class attribute, shared by every instance"),
            ),
            title="price overrides kept in a class attribute",
            handlers=("set_price", "get_price"),
            files={
                "shop/__init__.py": "",
                "shop/pricing.py": '''
from decimal import Decimal


class PriceBook:
    _overrides: dict = {}

    def override(self, sku, price):
        self._overrides[sku] = price

    def price_for(self, sku):
        return self._overrides.get(sku, Decimal("9.99"))


book = PriceBook()
''',
                "shop/app.py": '''
from decimal import Decimal

from flask import Flask, jsonify, request

from shop.pricing import book

app = Flask(__name__)


@app.put("/prices/<sku>")
def set_price(sku):
    book.override(sku, Decimal(request.json["price"]))
    return jsonify(ok=True)


@app.get("/prices/<sku>")
def get_price(sku):
    return jsonify(price=str(book.price_for(sku)))
''',
            },
        ),
        Example(
            kind="self-contained",
            title="per-request view attributes, class constants and a dataclass",
            files={
                "notes/__init__.py": "",
                "notes/views.py": '''
from dataclasses import dataclass, field

from django.http import JsonResponse
from django.views import View

from notes.models import Note


@dataclass
class Page:
    items: list = field(default_factory=list)
    size: int = 20


class NoteListView(View):
    ordering = ["-created"]
    page_size = 20

    def get(self, request):
        self.page = Page(size=self.page_size)
        for note in Note.objects.order_by(*self.ordering)[: self.page_size]:
            self.page.items.append({"id": note.pk, "title": note.title})
        return JsonResponse({"notes": self.page.items})
''',
                "notes/urls.py": '''
from django.urls import path

from notes.views import NoteListView

urlpatterns = [path("notes/", NoteListView.as_view())]
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per class attribute, resource attribute or singleton changed at request time."""
        grouped: dict[str, list[StateUse]] = {}
        writes: set[tuple[str, str, Access]] = set()
        kinds: dict[str, str] = {}
        for use in state_uses(project):
            symbol, kind, is_shared_write = _judge(project, use)
            if symbol is None:
                continue
            if is_connection_registry(project, use.target.symbol) or is_connection_registry(
                    project, symbol):
                continue  # open connections: SL401 connection-registry reports them
            binding = use.target.binding
            if writes_sync_primitive(project, use) or (
                    binding is not None
                    and is_sync_primitive(project, binding.value, binding.annotation)):
                continue  # a lock guards code; it holds no data
            if binding is not None and is_per_thread(project, binding.value):
                continue  # each thread has its own copy
            grouped.setdefault(symbol, []).append(use)
            kinds.setdefault(symbol, kind)
            if is_shared_write:
                writes.add((symbol, use.function_id, use.access))
        for symbol, group in sorted(grouped.items()):
            write_uses = [use for use in group if (symbol, use.function_id, use.access) in writes]
            if not write_uses:
                continue
            kind = kinds[symbol]
            name = short_name(symbol)
            owner = symbol.rsplit(".", 2)[-2] if kind != "singleton" else name

            def message(all_uses: list[StateUse], writers: list[StateUse], readers: list[str],
                        name: str = name, owner: str = owner, kind: str = kind) -> str:
                names = handler_names(writers)
                verb = "changes" if len(names) == 1 else "change"
                if kind == "singleton":
                    what = (f"`{name}` is a module-level object shared by every request of a worker; "
                            f"{name_list(names)} {verb} it while serving requests")
                elif kind == "resource":
                    what = (f"`{owner}.{name}` is an attribute of a resource object that lives as "
                            f"long as the worker; {name_list(names)} {verb} it per request")
                else:
                    what = (f"`{owner}.{name}` is a class attribute, shared by every instance in the "
                            f"process; {name_list(names)} {verb} it per request")
                text = (f"{what}, so each worker process and replica holds different contents and "
                        "a restart loses them")
                if readers:
                    text += f" (also read by {name_list([r.split('::')[-1] for r in readers])})"
                return text

            shared = {(use.function_id, use.access) for use in write_uses}

            def changes(use: StateUse, shared: set[tuple[str, Access]] = shared) -> bool:
                return (use.function_id, use.access) in shared

            yield from filter(None, [finding_for_state(
                project, type(self), symbol, group,
                message=message,
                suggestion=_suggestion(kind, name, {u.reach.handler.framework for u in group}),
                writes=changes,
                primary=_primary(project, symbol, group, kind),
            )])


# -- judging one use ----------------------------------------------------------------


def _judge(project: Project, use: StateUse) -> tuple[str | None, str, bool]:
    """(symbol, kind, is a shared write) for a use, or ``(None, "", False)`` when it is not
    shared state."""
    target = use.target
    access = use.access
    if target.kind == "class_attr":
        return _judge_class_attribute(project, use)
    if target.kind == "instance_attr":
        if _is_long_lived_view(project, use.reach, use.function_id):
            return target.symbol, "resource", _changes_unknown_value(access)
        singleton = _entered_through_singleton(project, use.reach, use.function_id)
        if singleton is not None and not _holds_connections(project, use):
            return singleton, "singleton", _changes_unknown_value(access)
        return None, "", False
    if target.kind == "module" and target.binding is not None and target.rest:
        holder = Symbol("binding", target.symbol, target.module, target.binding.name)
        if project.binding_class(holder) is None:
            return None, "", False
        if _holds_connections(project, use):
            return None, "", False
        return target.symbol, "singleton", _changes_unknown_value(access)
    return None, "", False


def _judge_class_attribute(project: Project, use: StateUse) -> tuple[str | None, str, bool]:
    target = use.target
    access = use.access
    binding = target.binding
    if binding is None or binding.name in _table()["skip_attributes"]:
        return None, "", False
    class_id = _class_id(target.module, target.symbol)
    if class_id is None or is_instance_field(project, class_id, binding.annotation):
        return None, "", False
    if _holds_connections(project, use):
        return None, "", False
    if access.head == "self" and _is_long_lived_view(project, use.reach, use.function_id):
        known = is_mutable_container(project, binding.value)
        return target.symbol, "resource", is_write(access) if known else _changes_unknown_value(access)
    if access.head == "self" and shadowed_per_instance(project, class_id, binding.name):
        return None, "", False
    if access.head == "self" and not target.rest and access.op in ("setattr", "augassign", "delattr"):
        # ``self.x = ...`` makes an instance attribute: the class attribute is untouched.
        return target.symbol, "class", False
    shared_write = False
    if target.rest:
        shared_write = _changes_unknown_value(access)
    elif access.op in ("setitem", "delitem") or (access.op == "mutate" and is_write(access)):
        shared_write = is_mutable_container(project, binding.value) or binding.value.kind == "call"
    elif access.op == "augassign":
        shared_write = True
    elif access.op in ("setattr", "delattr"):
        # ``cls._instance = cls()`` under ``if cls._instance is None`` creates a
        # per-process singleton once: a class attribute that starts as None is left out.
        shared_write = not (binding.value.kind == "literal" and binding.value.literal is None)
    return target.symbol, "class", shared_write


def _changes_unknown_value(access: Access) -> bool:
    """True when an access changes an attribute whose value statelint cannot see."""
    if access.op == "mutate":
        return access.method in UNAMBIGUOUS_MUTATORS
    return access.op in WRITE_OPS


def _table() -> dict[str, list[str]]:
    return load_table("process_state")["class_state"]


def _class_id(module: str, symbol: str) -> str | None:
    qualname = symbol[len(module) + 1:].rsplit(".", 1)[0]
    return f"{module}:{qualname}" if qualname else None


def _is_long_lived_view(project: Project, reach: Reach, function_id: str) -> bool:
    """True when ``function_id`` runs on a view object the framework keeps for the process."""
    framework = next((f for f in frameworks() if f.name == reach.handler.framework), None)
    if framework is None or not framework.long_lived_views:
        return False
    if reach.handler.function_id not in project.functions:
        return False
    view_class = project.class_of(reach.handler.function_id)
    owner = project.class_of(function_id) if function_id in project.functions else None
    return view_class is not None and owner is not None and owner in project.mro(view_class)


def _entered_through_singleton(project: Project, reach: Reach, function_id: str) -> str | None:
    """The module-level binding a method was called on (``stats.record()``), if any.

    Calls on ``self`` keep the same receiver, so the chain is followed upwards
    until the call that chose the object.
    """
    current = function_id
    for _ in range(MAX_RECEIVER_DEPTH):
        step = reach.parents.get(current)
        if step is None:
            return None
        _, caller = project.functions[step.caller]
        call = next((c for c in caller.calls if c.span == step.span), None)
        if call is None:
            return None
        if call.head in ("self", "cls"):
            current = step.caller
            continue
        if call.head != "global":
            return None
        symbol, rest = project.resolve(call.target)
        if symbol.kind != "binding" or len(rest) != 1:
            return None
        if project.binding_class(symbol) is None:
            return None
        return symbol.key
    return None


def _holds_connections(project: Project, use: StateUse) -> bool:
    """True when the change stores a websocket: the connection-registry rule's business."""
    access = use.access
    if access.op != "mutate":
        return False
    _, fn = project.functions[use.function_id]
    sockets = {
        param.name for param in fn.params
        if "websocket" in param.annotation.lower() or param.name in ("websocket", "ws")
    }
    if not sockets:
        return False
    for call in fn.calls:
        if call.span == access.span:
            return any(arg.kind == "name" and arg.target in sockets for arg in call.value.args)
    return False


def _primary(project: Project, symbol: str, group: list[StateUse], kind: str) -> Location | None:
    """Where the state is defined: the class attribute, the ``self.x = ...`` in ``__init__``
    of a resource, or the module-level binding of a singleton."""
    target = group[0].target
    if kind == "singleton":
        found, _ = project.resolve(symbol)
        binding = project.binding(found)
        if binding is not None:
            module = project.modules[found.module]
            span = binding.span
            return Location(module.path, span.line, span.column, "", span.end_line, span.end_column)
        return None
    if target.binding is not None:
        return None  # finding_for_state uses the class attribute's definition
    class_id = _class_id(target.module, symbol)
    if class_id is None:
        return None
    module_name, _, qualname = class_id.partition(":")
    found_init = project.functions.get(f"{module_name}:{qualname}.__init__")
    if found_init is not None:
        facts, init = found_init
        for access in init.accesses:
            if access.ref == f"self.{short_name(symbol)}" and access.op == "setattr":
                span = access.span
                return Location(facts.path, span.line, span.column, "", span.end_line,
                                span.end_column)
    return None


def _suggestion(kind: str, name: str, frameworks_used: set[str]) -> str:
    key = name.strip("_").lower()
    if "falcon" in frameworks_used and kind == "resource":
        where = ("give the resource a Redis client or a database session factory in its "
                 "constructor and keep the data there; per-request values belong on "
                 "`req.context`")
    elif "django" in frameworks_used:
        where = ("use Django's cache with the Redis backend (`cache.set(key, value)`, "
                 "`cache.incr(key)`) or a model")
    else:
        where = ("use a Redis client created at start-up "
                 f"(`HSET {key} <field> <value>`, `HINCRBY {key} <field> 1`) or a database table")
    return (f"Move `{name}` out of the process: {where}. Leave the object itself without "
            "per-request data.")

