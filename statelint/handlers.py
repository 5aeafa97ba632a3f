"""Finding request handlers in linked facts, driven by ``rules/frameworks.toml``.

Every framework statelint knows declares handlers with a few idioms, and each
idiom is a column of the table rather than code of its own:

* decorators on an app or router object (``@app.get``, ``@bp.route``,
  ``@routes.post``) and plain decorator functions (``@api_view``, litestar's
  ``@get``, pyramid's ``@view_config``, bottle's ``@route``);
* registration calls, as methods of an app object (``app.add_url_rule``,
  ``app.router.add_get``, ``app.add_route``, ``config.add_view``) or as route
  entries (``path(...)``, ``Route(...)``, ``web.get(...)``, ``url(...)``,
  tornado's ``(r"/", Handler)`` tuples, ``Litestar(route_handlers=[...])``);
* class-based views, recognised by their base classes (``APIView``,
  ``HTTPEndpoint``, ``RequestHandler``) or by being registered (falcon
  resources, whose responders are ``on_<verb>[_<suffix>]``).

**App objects.**  A receiver is an app object when it is built by one of the
table's ``app_classes`` (``Flask(__name__)``, ``APIRouter()``,
``web.RouteTableDef()``): as a module binding, a local of the function doing the
registering, a parameter annotated with such a class, or the result of an app
factory (``app = create_app()`` where ``create_app`` builds a ``Flask``).  An
object that is anything else (a cache, a dict, a Typer app, a Celery app) never
registers handlers, whatever its methods are called.  Only when the receiver is
imported from a first-party module outside the scanned paths do we trust the
module's framework imports instead.

**Hooks are entry points, not handlers.**  Per-request hooks (Flask/Quart
``before_request`` and friends, ``@app.middleware("http")``, middleware classes
added with ``add_middleware`` or listed in ``middleware=``, Django ``MIDDLEWARE``,
FastAPI ``dependencies=[Depends(f)]`` on apps, routers and routes, and the
per-request methods of view classes such as tornado's ``prepare``) run as part
of every request a handler serves.  They are added to ``project.entries`` of each
handler they run for, so that state a hook reaches makes those handlers
stateful, with the hook in the chain; no handler of kind ``hook`` is reported.
A hook runs for the handlers of its own app object and of everything linked
below it (``register_blueprint``, ``include_router``, ``Mount``); a hook whose
app cannot be linked to any handler (``def init_app(app: Flask)``) or that is
global by nature (Django middleware, ``before_app_request``) runs for every
handler of its framework.

**Route prefixes** (``Blueprint(url_prefix=)``, ``register_blueprint(url_prefix=)``,
``APIRouter(prefix=)``, ``include_router(prefix=)``, ``Mount``, Django
``include()``, litestar controller ``path``) are joined into each handler's
``route`` through the same links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from statelint.knowledge import Framework, framework_of_package, frameworks, load_table, matches
from statelint.model import Call, ClassFacts, Function, Handler, ModuleFacts, Route, Span, Value
from statelint.project import Project, dependency_of
from statelint.routers import ExtraAction, Lookup, Router, viewset_routes

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
#: Attributes of an app object that register routes on its behalf (``app.router.add_get``).
APP_ATTRIBUTES = ("router",)
#: Keywords that carry the route of a registration call.
ROUTE_KEYWORDS = ("rule", "path", "uri", "pattern", "route", "url")
#: Keywords that carry the HTTP methods of a registration.
METHOD_KEYWORDS = ("methods", "method", "request_method", "http_method")
MAX_DEPTH = 8
#: At most this many mounts of one route table are listed (links can multiply them).
MAX_MOUNTS = 16
#: at most this many turns of loops over literal sequences are followed for one call
MAX_LOOP_TURNS = 64


def discover_handlers(project: Project) -> list[Handler]:
    """Every request handler of the project, sorted by location.

    Also sets ``project.entries``: for each handler's function id, the functions
    that run when it serves a request (itself, per-request hooks, dependencies).
    """
    collector = _Collector(project)
    collector.collect()
    handlers = collector.finish()
    project.entries = collector.entries
    return sorted(handlers, key=lambda h: (h.path, h.line, h.name, h.route))


def no_handler_note(modules: Iterable[ModuleFacts]) -> str:
    """What to tell a user whose tree imports a web framework but has no handler we found.

    Empty when no scanned module imports a framework (a library, a CLI tool): then
    finding no handler is the expected answer.
    """
    found: dict[str, str] = {}
    for facts in modules:
        for item in facts.imports:
            framework = framework_of_package(item.dotted)
            if framework is not None and framework.name not in found:
                found[framework.name] = facts.path
    if not found:
        return ""
    names = ", ".join(f"{name} (imported in {path})" for name, path in sorted(found.items()))
    return (f"the scanned files use {names} but no request handler was recognised; if the "
            "routes are registered through a decorator or base class of the project's own, "
            "name it in the `handler-decorators` or `handler-base-classes` setting "
            "(see README: Configuration)")


# ---------------------------------------------------------------------------
# Table access for the columns the ``Framework`` record does not carry
# ---------------------------------------------------------------------------


@cache
@cache
def route_list_names() -> frozenset[str]:
    """Module bindings that are a URL module's own route list (Django ``urlpatterns``)."""
    return frozenset(name for framework in frameworks()
                     for name in option_list(framework.name, "route_list_names"))


def option_list(framework: str, key: str) -> tuple[str, ...]:
    """A list column of ``frameworks.toml`` for one framework (empty when absent)."""
    value = load_table("frameworks").get(framework, {}).get(key, ())
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value)


def option(framework: str, key: str, default: Any = "") -> Any:
    """A scalar column of ``frameworks.toml`` for one framework."""
    return load_table("frameworks").get(framework, {}).get(key, default)


def framework_named(name: str) -> Framework | None:
    """The framework record called ``name``."""
    return next((framework for framework in frameworks() if framework.name == name), None)


@cache
def function_role(qualified: str) -> tuple[str, Framework] | None:
    """What a fully qualified function does for some framework, if anything:
    ``registration_functions`` (``path``, ``Route``), ``link_functions`` (``Mount``)
    or ``decorator_functions`` (``api_view``, litestar ``get``)."""
    for framework in frameworks():
        if matches(qualified, framework.registration_functions):
            return "registration_functions", framework
        if matches(qualified, option_list(framework.name, "link_functions")):
            return "link_functions", framework
        if matches(qualified, framework.decorator_functions):
            return "decorator_functions", framework
    return None


def configured(names: list[str] | tuple[str, ...], patterns: tuple[str, ...]) -> bool:
    """True when a dotted name matches a configured pattern exactly, as a glob, or as a
    dotted suffix (``route`` and ``web.route`` both match ``myapp.web.route``)."""
    for name in names:
        if not name:
            continue
        for pattern in patterns:
            if matches(name, (pattern,)) or name.endswith("." + pattern):
                return True
    return False


def join_route(prefix: str, route: str) -> str:
    """Join a mount prefix and a route without doubling the slash between them."""
    if not prefix:
        return route
    if not route:
        return prefix
    if route.startswith("^") and not prefix.startswith("^"):
        route = route[1:]
    elif route.startswith("^"):
        prefix, route = prefix.rstrip("$"), route[1:]
    if prefix.endswith("/") and route.startswith("/"):
        return prefix + route[1:]
    if not prefix.endswith("/") and not route.startswith("/") and prefix.startswith("/"):
        return f"{prefix}/{route}"
    return prefix + route


def route_literal(call: Value) -> str:
    """The URL pattern a registration call or route decorator names, if literal."""
    for key in ROUTE_KEYWORDS:
        value = call.kwarg(key)
        if value is not None and value.kind == "literal" and isinstance(value.literal, str):
            return value.literal
    for value in call.args:
        if value.kind == "literal" and isinstance(value.literal, str):
            if value.literal.lower() in HTTP_VERBS or value.literal == "*":
                continue  # ``web.route("GET", "/x", h)``, ``add_route("POST", ...)``
            return value.literal
    return ""


def declared_methods(call: Value, verb: str = "") -> tuple[str, ...]:
    """The HTTP methods a registration declares, or the verb its name implies."""
    if call.kind == "call":
        for key in METHOD_KEYWORDS:
            declared = call.kwarg(key)
            if declared is None:
                continue
            literal = declared.literal
            if isinstance(literal, (list, tuple)):
                return tuple(str(item).upper() for item in literal)
            if isinstance(literal, str):
                return (literal.upper(),)
        positional = tuple(
            arg.literal.upper() for arg in call.args
            if arg.kind == "literal" and isinstance(arg.literal, str)
            and arg.literal.lower() in HTTP_VERBS
        )
        if positional:
            return positional
        if verb == "api_view" and call.args and isinstance(call.args[0].literal, list):
            return tuple(str(item).upper() for item in call.args[0].literal)
    if verb in HTTP_VERBS:
        return (verb.upper(),)
    if verb.startswith("add_") and verb[4:] in HTTP_VERBS:
        return (verb[4:].upper(),)
    return ()


def _keyword_literal(call: Value, keywords: tuple[str, ...]) -> str:
    """The string literal given for the first of ``keywords`` a call passes."""
    if call.kind != "call":
        return ""
    for keyword in keywords:
        value = call.kwarg(keyword)
        if value is not None and value.kind == "literal" and isinstance(value.literal, str):
            return value.literal
    return ""


def added_methods(framework: str, methods: tuple[str, ...]) -> tuple[str, ...]:
    """The methods a framework adds to a route by itself (``added_methods`` in the table):
    Flask answers ``HEAD`` wherever it answers ``GET``, and ``OPTIONS`` everywhere."""
    table = option(framework, "added_methods", {})
    if not isinstance(table, dict) or not methods:
        return ()
    added: list[str] = []
    for trigger, extra in table.items():
        if trigger == "*" or trigger in methods:
            added.extend(str(method) for method in extra
                         if method not in methods and method not in added)
    return tuple(added)


#: What a project's own routing decorator is named (see ``_Collector.own_route_decorator``).
OWN_ROUTE_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "route"})


def route_and_methods(decorator: Value, verb: str) -> tuple[str, tuple[str, ...]]:
    """The route and HTTP methods a route decorator declares."""
    if decorator.kind != "call" or verb == "api_view":
        return "", declared_methods(decorator, verb)
    return route_literal(decorator), declared_methods(decorator, verb)


def _extra_action(method: str, decorator: Value) -> ExtraAction:
    """What ``@action(detail=True, methods=["post"], url_path=..., url_name=...)`` declares."""
    detail = decorator.kwarg("detail") if decorator.kind == "call" else None
    is_detail = bool(detail.literal) if detail is not None and detail.kind == "literal" else (
        decorator.target.endswith("detail_route"))
    methods = declared_methods(decorator) if decorator.kind == "call" else ()
    return ExtraAction(method, is_detail, methods or ("GET",),
                       _keyword_literal(decorator, ("url_path",)) or method,
                       _keyword_literal(decorator, ("url_name",)) or method.replace("_", "-"))


def _snake_case(name: str) -> str:
    """``TodoList`` → ``todo_list``, ``HTTPStatus`` → ``http_status``."""
    spaced = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", spaced).lower()


def _serving(registrations: list[_ClassRoute], method: str) -> list[_ClassRoute]:
    """The registrations that route requests to a view class's ``method``: all of them,
    except that one mapping methods to actions (``as_view({"get": "list"})``) routes only
    the actions it names, with the methods it maps to each."""
    found: list[_ClassRoute] = []
    for registration in registrations:
        if not registration.actions:
            found.append(registration)
            continue
        verbs = tuple(verb for verb, action in registration.actions if action == method)
        if verbs:
            found.append(replace(registration, methods=verbs, actions=()))
    return found


def _merged(routes: list[_ClassRoute]) -> list[_ClassRoute]:
    """Routes on the same URL and name joined into one, their methods together."""
    joined: dict[tuple[str, str | None, str], _ClassRoute] = {}
    for route in routes:
        key = (route.route, route.scope, route.endpoint)
        known = joined.get(key)
        if known is None:
            joined[key] = replace(route)
        else:
            known.methods = (*known.methods, *(m for m in route.methods if m not in known.methods))
    return list(joined.values())


def _iter_calls(value: Value) -> Iterator[Value]:
    """Every call summary inside a value, outermost first."""
    stack = [value]
    while stack:
        current = stack.pop()
        if current.kind == "call":
            yield current
        stack.extend(reversed(current.args))
        stack.extend(item for _, item in reversed(current.kwargs))
        stack.extend(item for _, item in reversed(current.items))


def _prefix_join(outer: str, inner: str) -> str:
    """Two Pyramid route prefixes as one (kept without slashes at either end)."""
    joined = f"{outer.rstrip('/')}/{inner.lstrip('/')}" if outer else inner
    return joined.strip("/")


def _loop_at(values: list[Value], line: int) -> Value | None:
    """The innermost of the loops binding a name (``each`` values) around ``line``."""
    found: tuple[int, Value] | None = None
    for value in values:
        if value.kind != "each":
            continue
        start, _, end = value.detail.partition("-")
        if start.isdigit() and end.isdigit() and int(start) <= line <= int(end):
            if found is None or int(start) > found[0]:
                found = (int(start), value)
    return found[1] if found is not None else None


def _outermost(calls: list[Call], covered: list[Span] | None = None) -> list[Call]:
    """The calls not nested inside another call or inside one of the ``covered`` spans.

    Spans nest properly, so after sorting by start (widest first) a span is nested
    exactly when it ends no later than the current outermost span.
    """
    events: list[tuple[tuple[int, int], tuple[int, int], int, Call | None]] = []
    for span in covered or []:
        events.append(((span.line, span.column), (span.end_line, span.end_column), 0, None))
    for call in calls:
        span = call.span
        events.append(((span.line, span.column), (span.end_line, span.end_column), 1, call))
    events.sort(key=lambda event: (event[0], (-event[1][0], -event[1][1]), event[2]))
    found: list[Call] = []
    outer_end: tuple[int, int] | None = None
    for _, end, _, item in events:
        if outer_end is not None and end <= outer_end:
            continue
        outer_end = end
        if item is not None:
            found.append(item)
    return found


# ---------------------------------------------------------------------------
# The collector
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """Names local to the function a registration or decorator sits in."""

    function_id: str
    locals: dict[str, Value]
    params: dict[str, str]
    parent: _Context | None = None


@dataclass(frozen=True)
class _App:
    """An app, router, blueprint or route table: ``key`` identifies it project-wide."""

    key: str
    framework: Framework
    constructor: Value | None = None
    #: False for an app known only as a parameter or an unscanned import: hooks
    #: registered on it run for every handler of its framework unless a call site
    #: links it to a known app.
    linked: bool = True


@dataclass
class _ClassRoute:
    framework: str
    route: str
    scope: str | None
    suffix: str = ""
    methods: tuple[str, ...] = ()
    endpoint: str = ""
    #: a router that makes the view set's routes from its actions (``router.register``)
    router: Router | None = None
    basename: str = ""
    #: a view set's ``as_view({"get": "list", "post": "create"})``: (method, action) pairs
    actions: tuple[tuple[str, str], ...] = ()
    #: a Socket.IO namespace class's namespace (``register_namespace(Chat("/chat"))``)
    namespace: str = ""


@dataclass
class _Link:
    parent: str
    prefix: str | None
    mode: str = "add"
    namespace: str = ""


@dataclass
class _Hook:
    scope: str | None
    framework: str
    functions: tuple[str, ...]
    fallback: bool = False


@dataclass
class _RouteDraft:
    """One route of a handler being collected, before prefixes and names are known."""

    route: str
    methods: tuple[str, ...] = ()
    scope: str | None = None
    route_name: str = ""
    prefix: str = ""
    endpoint: str = ""
    namespace: str = ""

    @property
    def is_blank(self) -> bool:
        """Nothing but the fact that the function is a handler (a bare ``@api_view``)."""
        return not (self.route or self.route_name or self.prefix or self.endpoint)


@dataclass
class _Pending:
    """A handler being collected: its routes and its extra entries."""

    handler: Handler
    routes: list[_RouteDraft] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)
    #: the class of a class-based view (its endpoint is named after the class)
    view_class: str = ""

    @property
    def scope(self) -> str | None:
        """The app object of the first route that has one."""
        return next((draft.scope for draft in self.routes if draft.scope), None)

    def merge(self, draft: _RouteDraft) -> None:
        """Add a route found by another idiom (a second decorator, a second registration)."""
        for known in self.routes:
            if known == draft:
                return
            if known.is_blank and not draft.is_blank:
                self.routes[self.routes.index(known)] = replace(
                    draft, scope=draft.scope or known.scope, methods=draft.methods or known.methods)
                return
            if draft.is_blank:
                if draft.scope and not known.scope:
                    known.scope = draft.scope
                return
        self.routes.append(draft)


class _Collector:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.pending: dict[str, _Pending] = {}
        self.entries: dict[str, tuple[str, ...]] = {}
        self.class_routes: dict[str, list[_ClassRoute]] = {}
        self.links: dict[str, list[_Link]] = {}
        self.own_prefix: dict[str, str] = {}
        #: blueprint names (``Blueprint("cart", ...)``) by app key
        self.app_names: dict[str, str] = {}
        #: what the default endpoint of a resource class registered on an app key starts
        #: with (flask-restx: ``"todos_"`` in ``Namespace("todos")``, ``""`` on an ``Api``)
        self.resource_prefixes: dict[str, str] = {}
        #: ``mounts`` of each scope, once the links are all known (in ``finish``)
        self._mounts: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self.hooks: list[_Hook] = []
        self.function_scopes: dict[str, str] = {}
        self.route_names: dict[str, str] = {}
        #: the module declaring each named route, and URL prefixes of included modules
        #: (pyramid ``config.include(".api", route_prefix="/api")``)
        self.route_modules: dict[str, str] = {}
        #: the prefix of the ``with config.route_prefix_context(...)`` around each route
        self.route_blocks: dict[str, str] = {}
        #: included module -> the module including it and the prefix it gives
        self.module_includes: dict[str, tuple[str, str]] = {}
        self.first_party = {name.split(".")[0] for name in project.modules}
        self._contexts: dict[str, _Context | None] = {}
        self._constructors: dict[str, Framework | None] = {}
        #: parameter app keys -> the apps passed for them at call sites
        self.aliases: dict[str, list[_App]] = {}
        #: names bound by module-level loops over literal sequences, by module
        self._loop_bindings: dict[str, dict[str, list[Value]]] = {}
        #: the line of the statement being walked (which loop a name belongs to)
        self.line = 0

    # -- names -----------------------------------------------------------------

    def context(self, function_id: str) -> _Context | None:
        """The local names visible inside a function, including enclosing functions."""
        if function_id in self._contexts:
            return self._contexts[function_id]
        found = self.project.functions.get(function_id)
        result: _Context | None = None
        if found is not None:
            _, fn = found
            module, _, qualname = function_id.partition(":")
            parent = None
            if "." in qualname:
                enclosing = f"{module}:{qualname.rsplit('.', 1)[0]}"
                if enclosing in self.project.functions:
                    parent = self.context(enclosing)
            result = _Context(function_id, dict(fn.local_assignments),
                              {p.name: p.annotation for p in fn.params}, parent)
        self._contexts[function_id] = result
        return result

    def enclosing_context(self, facts: ModuleFacts, fn: Function) -> _Context | None:
        """The context decorators of ``fn`` are evaluated in (its enclosing function)."""
        if "." not in fn.qualname:
            return None
        return self.context(f"{facts.module}:{fn.qualname.rsplit('.', 1)[0]}")

    def framework_of_constructor(self, target: str) -> Framework | None:
        """The framework whose app class ``target`` (a call's callee) constructs."""
        if not target or target.endswith(")"):
            return None
        if target not in self._constructors:
            self._constructors[target] = self._framework_of_constructor(target)
        return self._constructors[target]

    def _framework_of_constructor(self, target: str) -> Framework | None:
        qualified = self.project.qualify(target)
        for framework in frameworks():
            if matches(qualified, framework.app_classes):
                return framework
        # ``Flask(__name__)`` through a project subclass of Flask
        symbol, rest = self.project.resolve(target)
        if symbol.kind == "class" and not rest:
            for base in self.project.external_bases(symbol.key):
                for framework in frameworks():
                    if matches(base, framework.app_classes):
                        return framework
        return None

    def app_object(self, dotted: str, context: _Context | None, depth: int = 0) -> _App | None:
        """The app object a receiver like ``app``, ``bp`` or ``app.router`` stands for."""
        if not dotted or depth > MAX_DEPTH:
            return None
        head, _, rest = dotted.partition(".")
        current = context
        while current is not None:
            if head in current.locals:
                if rest and rest not in APP_ATTRIBUTES:
                    return None
                return self.app_from_value(current.locals[head], f"{current.function_id}.{head}",
                                           current, depth + 1)
            if head in current.params:
                if rest and rest not in APP_ATTRIBUTES:
                    return None
                key = f"{current.function_id}.{head}"
                passed = self.aliases.get(key)
                if passed:
                    # a helper's parameter, given the app at its call sites
                    return _App(key, passed[0].framework)
                framework = self.framework_of_constructor(current.params[head])
                if framework is None:
                    return None
                return _App(key, framework, linked=False)
            current = current.parent
        symbol, left = self.project.resolve(dotted)
        if left and ".".join(left) not in APP_ATTRIBUTES:
            return None
        if symbol.kind == "binding":
            binding = self.project.binding(symbol)
            if binding is None:
                return None
            return self.app_from_value(binding.value, symbol.key, None, depth + 1)
        return None

    def app_from_value(self, value: Value, key: str, context: _Context | None,
                       depth: int) -> _App | None:
        """The app object an assigned value builds (a constructor, alias or app factory)."""
        if value.kind == "call" and value.target:
            framework = self.framework_of_constructor(value.target)
            if framework is not None:
                return _App(key, framework, value)
            receiver, _, attr = value.target.rpartition(".")
            if receiver and depth <= MAX_DEPTH:
                # ``ns = api.namespace("todos")``: a namespace made by an app object
                parent = self.app_object(receiver, context, depth + 1)
                if parent is not None and attr in option_list(parent.framework.name,
                                                              "namespace_factory_methods"):
                    return _App(key, parent.framework, value)
            return self.factory_app(value.target, depth)
        if value.kind in ("name", "attribute") and value.target and value.target != key:
            return self.app_object(value.target, context, depth + 1)
        return None

    def factory_app(self, target: str, depth: int) -> _App | None:
        """The app an app factory (``create_app()``) builds and returns."""
        symbol, rest = self.project.resolve(target)
        if symbol.kind != "function" or rest or depth > MAX_DEPTH:
            return None
        _, fn = self.project.functions[symbol.key]
        fallback: _App | None = None
        for name, value in fn.local_assignments:
            if value.kind != "call":
                continue
            framework = self.framework_of_constructor(value.target)
            if framework is None:
                continue
            found = _App(f"{symbol.key}.{name}", framework, value)
            qualified = self.project.qualify(value.target)
            if matches(qualified, option_list(framework.name, "application_classes")):
                return found
            fallback = fallback or found
        return fallback

    def assumed_app(self, receiver: str, attr: str, facts: ModuleFacts) -> _App | None:
        """An app object imported from a first-party module that was not scanned.

        Only then do the module's framework imports decide; a receiver from a
        library (a cache, a task queue) or defined in the scanned code as
        something else never counts.
        """
        symbol, _ = self.project.resolve(receiver)
        if symbol.kind != "external" or "." not in symbol.key:
            return None
        if symbol.key.split(".")[0] not in self.first_party or framework_of_package(symbol.key):
            return None
        candidates = []
        for imp in facts.imports:
            framework = framework_of_package(imp.dotted)
            if (framework is not None and framework not in candidates
                    and attr in framework.route_decorators + framework.hook_decorators):
                candidates.append(framework)
        if len(candidates) != 1:
            return None
        return _App(symbol.key, candidates[0], linked=False)

    def resolve_view(self, value: Value, context: _Context | None,
                     strings: bool = False) -> tuple[str, str] | None:
        """What a view argument names: ``("function", id)`` or ``("class", id)``.

        Unwraps ``View.as_view()``, wrappers such as ``login_required(view)``,
        instances (``Resource()`` or a binding holding one) and, when ``strings``,
        dotted strings (``"pkg.middleware.Timing"``).
        """
        for _ in range(MAX_DEPTH):
            if value.kind == "call":
                if value.target.endswith((".as_view", ".as_asgi")):
                    # ``View.as_view()``, a Channels ``Consumer.as_asgi()``
                    value = Value("name", target=value.target.rsplit(".", 1)[0])
                    continue
                symbol, rest = self.project.resolve(value.target) if value.target else (None, ())
                if symbol is not None and symbol.kind == "class" and not rest:
                    return "class", symbol.key
                if value.args:
                    value = value.args[0]
                    continue
                return None
            if (strings and value.kind == "literal" and isinstance(value.literal, str)
                    and "." in value.literal):
                value = Value("name", target=value.literal.replace(":", "."))
                continue
            if value.kind not in ("name", "attribute") or not value.target:
                return None
            head = value.target.split(".")[0]
            current = context
            while current is not None:
                if head in current.locals and "." not in value.target:
                    break
                current = current.parent
            if current is not None:
                value = current.locals[head]
                continue
            method = self.own_method(value.target, context)
            if method is not None:
                return "function", method  # ``app.before_request(self._track)``
            symbol, rest = self.project.resolve(value.target)
            if rest:
                return None
            if symbol.kind == "function":
                return "function", symbol.key
            if symbol.kind == "class":
                return "class", symbol.key
            if symbol.kind == "binding":
                binding = self.project.binding(symbol)
                if binding is None or binding.value.kind != "call":
                    return None
                value = binding.value
                continue
            return None
        return None

    def own_method(self, dotted: str, context: _Context | None) -> str | None:
        """``self.name`` inside a method: the method ``name`` of the same class."""
        head, _, name = dotted.partition(".")
        if head not in ("self", "cls") or not name or "." in name or context is None:
            return None
        class_id = self.project.class_of(context.function_id)
        return self.project.method_of(class_id, name) if class_id else None

    def hook_functions(self, value: Value, framework: Framework, context: _Context | None,
                       factories: bool = False) -> list[str]:
        """Functions a middleware or hook argument runs per request.

        With ``factories``, a function taking one argument and defining inner
        functions is a middleware factory (``def mw(get_response): def inner(request)``):
        it runs once at start-up and what it returns runs per request.
        """
        if value.kind == "call" and value.target:
            qualified = self.project.qualify(value.target)
            if qualified.rsplit(".", 1)[-1] == "Middleware" and value.args:
                # ``Middleware(TimingMiddleware, ...)`` (Starlette, Litestar)
                value = value.args[0]
        view = self.resolve_view(value, context, strings=True)
        if view is None:
            return []
        kind, key = view
        if kind == "function":
            _, fn = self.project.functions[key]
            if factories and len(fn.params) == 1:
                nested = [other for other in self.project.functions if other.startswith(key + ".")]
                if nested:
                    return nested
            return [key]
        methods = framework.hook_methods or ("__call__",)
        return [m for m in (self.project.method_of(key, name) for name in methods) if m]

    def dependency_functions(self, value: Value | None) -> list[str]:
        """Functions listed as ``dependencies=[Depends(f), ...]``."""
        if value is None:
            return []
        found: list[str] = []
        for _, item in value.items:
            dotted = dependency_of(item)
            if not dotted:
                continue
            symbol, rest = self.project.resolve(dotted)
            if symbol.kind == "function" and not rest:
                found.append(symbol.key)
            elif symbol.kind == "class" and not rest:
                method = (self.project.method_of(symbol.key, "__call__")
                          or self.project.method_of(symbol.key, "__init__"))
                if method:
                    found.append(method)
        return found

    # -- recording -------------------------------------------------------------

    def add(self, facts: ModuleFacts, fn: Function, framework: str, route: str = "",
            methods: tuple[str, ...] = (), kind: str = "http", scope: str | None = None,
            name: str | None = None, route_name: str = "", entries: tuple[str, ...] = (),
            prefix: str = "", endpoint: str = "", namespace: str = "") -> None:
        function_id = f"{facts.module}:{fn.qualname}"
        key = f"{facts.module}:{name}" if name is not None else function_id
        draft = _RouteDraft(route, methods, scope, route_name, prefix, endpoint, namespace)
        existing = self.pending.get(key)
        if existing is not None:
            existing.merge(draft)
            existing.entries.extend(e for e in entries if e not in existing.entries)
            return
        handler = Handler(
            path=facts.path, line=fn.span.line, column=fn.span.column,
            name=name or fn.qualname, module=facts.module, function_id=function_id,
            framework=framework, kind=kind,
        )
        # ``Class.method``, or ``factory.Class.method`` for a class made in a function
        view_class = name.rsplit(".", 2)[-2] if name is not None and "." in name else (name or "")
        self.pending[key] = _Pending(handler, [draft], list(entries), view_class)

    def link(self, child: str, parent: str, prefix: str | None, framework: Framework,
             namespace: str = "") -> None:
        if child == parent:
            return
        mode = str(option(framework.name, "link_prefix_mode", "add"))
        links = self.links.setdefault(child, [])
        new = _Link(parent, prefix, mode, namespace)
        # the same table may be mounted twice on one parent (two prefixes or namespaces)
        if new not in links and not any(existing.parent == parent and existing.prefix is None
                                         for existing in links):
            links.append(new)

    def hook(self, scope: str | None, framework: Framework, functions: list[str],
             fallback: bool = False) -> None:
        if functions:
            self.hooks.append(_Hook(scope, framework.name, tuple(functions), fallback))

    # -- collection ------------------------------------------------------------

    def collect(self) -> None:
        project = self.project
        guard = project.failures.guard
        # First the call sites that hand an app to a helper (``init_app(app)``), so
        # that the helper's parameter is known as that app everywhere below.
        # (listed once: both passes below go through every module's calls)
        call_values: dict[str, list[tuple[Value, _Context | None, str, bool, int]]] = {}
        for name, facts in project.modules.items():
            call_values[name] = []
            with guard("link", module=name, path=facts.path):
                call_values[name] = list(self.module_call_values(facts))
        for name, facts in project.modules.items():
            with guard("link", module=name, path=facts.path):
                for value, context, _, _, _ in call_values[name]:
                    for call in _iter_calls(value):
                        self.pass_apps(call, context)
        for name, facts in project.modules.items():
            with guard("link", module=name, path=facts.path):
                for fn in facts.functions:
                    self.from_decorators(facts, fn)
                for cls in facts.classes:
                    self.from_class_decorators(facts, cls)
        for name, facts in project.modules.items():
            with guard("link", module=name, path=facts.path):
                for value, context, scope, named, line in call_values[name]:
                    self.line = line
                    self.walk(value, facts, context, scope, named)
                self.line = 0
                self.from_settings(facts)
        for class_id, (facts, _) in project.classes.items():
            with guard("link", module=facts.module, path=facts.path):
                self.from_view_class(class_id)

    def module_call_values(self, facts: ModuleFacts
                           ) -> Iterator[tuple[Value, _Context | None, str, bool, int]]:
        """Every outermost expression that may register something, with its scope and line.

        The scope is what registrations found inside belong to: the binding the
        value is assigned to (``routes = [...]``, ``app = Starlette(...)``), the
        local it is assigned to, or else the module / function.
        """
        for binding in facts.bindings:
            yield binding.value, None, f"{facts.module}.{binding.name}", True, binding.span.line
        # Calls inside a binding's value are walked with it; nested calls with
        # the call that contains them.
        statements = [s.call for s in facts.statements if s.call is not None]
        for call in _outermost(statements, [binding.span for binding in facts.bindings]):
            yield call.value, None, facts.module, False, call.span.line
        for statement in facts.statements:
            access = statement.access
            if (access is not None and access.op == "augassign" and statement.value is not None
                    and not statement.in_main_guard):
                # ``urlpatterns += [...]`` / ``+= router.urls``: more of the same table
                yield (Value("concat", items=((None, statement.value),)), None,
                       access.ref, True, statement.span.line)
        for fn in facts.functions:
            function_id = f"{facts.module}:{fn.qualname}"
            context = self.context(function_id)
            # locals assigned a call, by callee: a cheap filter before comparing values
            assigned: dict[str, list[tuple[str, Value]]] = {}
            for name, value in fn.local_assignments:
                if value.kind == "call":
                    assigned.setdefault(value.target, []).append((name, value))
            for call in _outermost(list(fn.calls)):
                local = next((name for name, value in assigned.get(call.value.target, ())
                              if value == call.value), None)
                if local is not None:
                    yield call.value, context, f"{function_id}.{local}", True, call.span.line
                else:
                    yield call.value, context, function_id, False, call.span.line

    def walk(self, value: Value, facts: ModuleFacts, context: _Context | None, scope: str,
             named: bool = False) -> None:
        """Visit the calls inside ``value``; registrations inside belong to ``scope``."""
        if value.kind == "call":
            if self.visit_call(value, facts, context, scope, named):
                return
            children = [*value.args, *(item for _, item in value.kwargs)]
        elif value.kind == "concat":
            children = [item for _, item in value.items]
            for child in children:
                if child.kind in ("name", "attribute"):
                    self.extend_table(child, context, scope)
        elif value.kind in ("name", "attribute"):
            if named and context is None:
                # ``urlpatterns = router.urls`` / ``= other.urlpatterns`` in a URL module
                self.extend_table(value, context, scope)
            return
        else:
            children = [*value.args, *(item for _, item in value.kwargs),
                        *(item for _, item in value.items)]
        for child in children:
            self.walk(child, facts, context, scope)

    def visit_call(self, call: Value, facts: ModuleFacts, context: _Context | None, scope: str,
                   named: bool, *, in_turn: bool = False) -> bool:
        """Handle one call; True when it walked its own arguments.  ``in_turn``: the call
        is already one turn of a loop, with the loop's names replaced (once: an item may
        name the loop's own variable, ``for column, rows in ((column, found[column]),)``)."""
        target = call.target
        if not target:
            return False
        turns = [] if in_turn else self.loop_turns(call, facts, context)
        if turns:
            handled = [self.visit_call(turn, facts, context, scope, named, in_turn=True)
                       for turn in turns]
            return any(handled)
        project = self.project
        framework = self.framework_of_constructor(target)
        if framework is not None:
            self.constructed(call, framework, facts, context, scope, named)
            return True
        role = function_role(project.qualify(target))
        if role is not None:
            kind, candidate = role
            if kind == "registration_functions":
                self.registration(call, candidate, facts, context, scope)
            else:
                self.mount(call, candidate, facts, context, scope, route_literal(call))
            return True
        receiver, _, attr = target.rpartition(".")
        if not receiver:
            return False
        if attr == "add_route":
            # pyramid ``config.add_route("home", "/")``: views name the route
            name, pattern = call.arg(0, "name"), call.arg(1, "pattern")
            if (name is not None and pattern is not None and isinstance(name.literal, str)
                    and isinstance(pattern.literal, str)):
                self.route_names.setdefault(name.literal, pattern.literal)
                self.route_modules.setdefault(name.literal, facts.module)
                self.route_blocks.setdefault(name.literal, self.block_prefix(context))
        if attr == "include" and call.args:
            self.prefixed_include(call, facts, context)
        if attr == "extend" and len(call.args) == 1 and call.args[0].kind in ("name", "attribute"):
            # ``urlpatterns.extend(router.urls)``: more of a module's route list
            symbol, rest = self.project.resolve(receiver)
            if symbol.kind == "binding" and not rest:
                self.extend_table(call.args[0], context, symbol.key)
                return True
        app = self.app_object(receiver, context)
        if app is None:
            return False
        framework = app.framework
        if attr in framework.registration_methods:
            self.registration(call, framework, facts, context, app.key, self.router_of(app))
            return True
        if attr in option_list(framework.name, "link_methods"):
            self.attach(call, app, facts, context)
            return True
        if attr in option_list(framework.name, "namespace_factory_methods") and named:
            # ``ns = api.namespace("todos", path="/tasks")``: made and added in one call
            self.name_resource_namespace(call, scope)
            self.link(scope, app.key, None, framework)
            return True
        if (attr in option_list(framework.name, "wrapper_init_methods") and call.args
                and call.args[0].kind in ("name", "attribute")
                and app.constructor is not None and matches(
                    self.project.qualify(app.constructor.target),
                    option_list(framework.name, "wrapper_classes"))):
            self.wrap(app.key, call.args[0].target, context, framework)  # ``api.init_app(bp)``
            return True
        if attr in option_list(framework.name, "hook_registration_methods"):
            for argument in call.args[:1]:
                self.hook(app.key, framework, self.hook_functions(argument, framework, context),
                          fallback=not app.linked)
            return True
        if attr in framework.hook_decorators and call.args:
            # ``app.before_request(load_user)``: the decorator called directly
            for argument in call.args:
                self.hook(self.hook_scope(app, attr), framework,
                          self.hook_functions(argument, framework, context),
                          fallback=not app.linked)
            return True
        return False

    def loop_value(self, name: str, facts: ModuleFacts, context: _Context | None
                   ) -> Value | None:
        """What the loop over a literal sequence around the current line binds ``name`` to
        (an ``each`` value), if there is one."""
        current = context
        while current is not None:
            if name in current.locals:
                _, fn = self.project.functions[current.function_id]
                return _loop_at([value for local, value in fn.local_assignments
                                 if local == name], self.line)
            if name in current.params:
                return None
            current = current.parent
        module, _, local = name.rpartition(".")
        module = module or facts.module  # (a module-level loop's name is left unqualified)
        if module != facts.module:
            return None
        if module not in self._loop_bindings:
            self._loop_bindings[module] = {
                binding.name: [value for value in (binding.value, *(alternative for _, alternative
                                                                  in binding.alternatives))
                               if value.kind == "each"]
                for binding in facts.bindings}
        return _loop_at(self._loop_bindings[module].get(local, []), self.line)

    def loop_turns(self, call: Value, facts: ModuleFacts, context: _Context | None
                   ) -> list[Value]:
        """``for hook in (a, b): app.before_request(hook)``: the call once per item,
        with the loop's names replaced by what they take in that turn (none when the
        call uses no such name)."""
        loops: dict[str, int] = {}
        values: dict[str, Value] = {}
        for argument in [*call.args, *(value for _, value in call.kwargs)]:
            # ``hook``, or ``module.router`` for a loop over modules
            head = argument.target.partition(".")[0]
            if argument.kind not in ("name", "attribute") or head in values:
                continue
            value = self.loop_value(head, facts, context)
            if value is not None:
                values[head] = value
                loops[value.detail] = max(loops.get(value.detail, 0), len(value.items))
        if not values:
            return []
        turns: list[dict[str, int]] = [{}]
        for loop, count in loops.items():
            turns = [{**turn, loop: index} for turn in turns for index in range(count)]
            if len(turns) > MAX_LOOP_TURNS:
                return []

        def swap(argument: Value, turn: dict[str, int]) -> Value:
            head, _, rest = argument.target.partition(".")
            value = values.get(head) if argument.kind in ("name", "attribute") else None
            if value is None or turn[value.detail] >= len(value.items):
                return argument
            item = value.items[turn[value.detail]][1]
            if not rest:
                return item
            if item.kind in ("name", "attribute") and item.target:
                return Value("attribute", target=f"{item.target}.{rest}")
            return argument

        return [replace(call, args=tuple(swap(argument, turn) for argument in call.args),
                        kwargs=tuple((key, swap(value, turn)) for key, value in call.kwargs))
                for turn in turns]

    def pass_apps(self, call: Value, context: _Context | None) -> None:
        """``register_blueprints(app)``: the callee's parameter is that app.

        Blueprints registered and hooks added through the parameter then belong
        to the caller's app.
        """
        for arg in call.args:
            if arg.kind == "name" or arg.kind == "attribute":
                break
        else:
            return  # (a plain loop: this runs for every call of every module)
        symbol, rest = self.project.resolve(call.target)
        callee: str | None = None
        if symbol.kind == "function" and not rest:
            callee = symbol.key
        elif symbol.kind == "binding" and len(rest) == 1:
            class_id = self.project.binding_class(symbol)
            callee = self.project.method_of(class_id, rest[0]) if class_id else None
        if callee is None:
            return
        _, fn = self.project.functions[callee]
        params = [p.name for p in fn.params if p.name not in ("self", "cls")]
        for index, arg in enumerate(call.args[: len(params)]):
            if arg.kind not in ("name", "attribute"):
                continue
            app = self.app_object(arg.target, context)
            if app is not None:
                key = f"{callee}.{params[index]}"
                self.link(key, app.key, None, app.framework)
                if all(known.key != app.key for known in self.aliases.get(key, [])):
                    self.aliases.setdefault(key, []).append(app)

    def constructed(self, call: Value, framework: Framework, facts: ModuleFacts,
                    context: _Context | None, scope: str, named: bool) -> None:
        """An app, router or blueprint constructor: prefix, hooks, dependencies, routes."""
        name = framework.name
        qualified = self.project.qualify(call.target)
        if named:
            for keyword in option_list(name, "prefix_arguments"):
                value = call.kwarg(keyword)
                if value is not None and isinstance(value.literal, str):
                    self.own_prefix[scope] = value.literal
            given = call.arg(0, "name")
            given_name = given.literal if given is not None and isinstance(
                given.literal, str) else ""
            if given_name and matches(qualified, option_list(name, "namespace_classes")):
                self.app_names[scope] = given_name
            if matches(qualified, option_list(name, "resource_namespace_classes")):
                self.name_resource_namespace(call, scope)
            elif matches(qualified, option_list(name, "resource_api_classes")):
                self.resource_prefixes[scope] = ""
            if matches(qualified, option_list(name, "wrapper_classes")):
                # ``Api(bp)``: routes added to the Api belong to the blueprint it wraps
                wrapped = call.arg(0, "app")
                if wrapped is not None and wrapped.kind in ("name", "attribute"):
                    self.wrap(scope, wrapped.target, context, framework)
                return
        for keyword in option_list(name, "hook_arguments"):
            value = call.kwarg(keyword)
            if value is None:
                continue
            items = [item for _, item in value.items] if value.items else [value]
            for item in items:
                self.hook(scope, framework, self.hook_functions(item, framework, context))
        for keyword in option_list(name, "dependency_arguments"):
            self.hook(scope, framework, self.dependency_functions(call.kwarg(keyword)))
        tables = [call.kwarg(keyword) for keyword in option_list(name, "route_table_arguments")]
        first = call.args[0] if call.args else None
        if first is not None and (first.kind in ("list", "tuple") or (
                first.kind in ("name", "attribute") and self.app_object(first.target, context) is None)):
            # a list of routes (``Application([...])``); an app given first
            # (``SocketIO(app)``) is not one
            tables.append(first)
        for table in tables:
            if table is not None:
                self.route_table(table, framework, facts, context, scope)
        for _, value in call.kwargs:
            if value not in tables:
                self.walk(value, facts, context, scope)

    def name_resource_namespace(self, call: Value, scope: str) -> None:
        """A flask-restx ``Namespace("todos")``: served under "/todos" unless a path is
        given, its resources named "todos_<resource>"."""
        given = call.arg(0, "name")
        name = given.literal if given is not None and isinstance(given.literal, str) else ""
        self.resource_prefixes[scope] = f"{name}_" if name else ""
        path = _keyword_literal(call, ("path",))
        self.own_prefix[scope] = (path or (f"/{name}" if name else "")).rstrip("/")

    def wrap(self, wrapper: str, target: str, context: _Context | None,
             framework: Framework) -> None:
        """An extension object (a flask-restful ``Api``) that registers on ``target``."""
        app = self.app_object(target, context)
        if app is not None:
            self.links.setdefault(wrapper, []).insert(0, _Link(app.key, None, "add"))

    def route_table(self, table: Value, framework: Framework, facts: ModuleFacts,
                    context: _Context | None, scope: str) -> None:
        """A list of routes or handlers given to an app constructor."""
        if table.kind in ("name", "attribute"):
            symbol, rest = self.project.resolve(table.target)
            if symbol.kind == "binding" and not rest:
                self.link(symbol.key, scope, None, framework)
            return
        for _, item in table.items:
            if item.kind in ("tuple", "list") and len(item.items) >= 2:
                # tornado: ``(r"/", MainHandler)`` or ``(r"/x", Handler, {"db": db})``
                first, second = item.items[0][1], item.items[1][1]
                if first.kind == "literal" and isinstance(first.literal, str):
                    self.register_view(second, framework, first.literal, (), scope, context)
                continue
            if item.kind in ("name", "attribute"):
                view = self.resolve_view(item, context)
                if view is None:
                    self.route_table(item, framework, facts, context, scope)
                elif view[0] == "function":
                    self.function_scopes.setdefault(view[1], scope)
                else:
                    self.scope_class(view[1], scope)
                continue
            self.walk(item, facts, context, scope)

    def extend_table(self, value: Value, context: _Context | None, scope: str) -> None:
        """``urlpatterns += other.router.urls`` or ``[...] + api.urlpatterns``: the routes of
        another router or route list join the table ``scope`` (and its URL prefix)."""
        receiver, _, attr = value.target.rpartition(".")
        app = self.app_object(receiver, context) if attr == "urls" else None
        if app is not None:
            self.link(app.key, scope, "", app.framework)
            return
        symbol, rest = self.project.resolve(value.target)
        binding = self.project.binding(symbol) if symbol.kind == "binding" and not rest else None
        if binding is None:
            return
        for call in _iter_calls(binding.value):
            role = function_role(self.project.qualify(call.target)) if call.target else None
            if role is not None:
                self.link(symbol.key, scope, "", role[1])
                return

    def scope_class(self, class_id: str, scope: str) -> None:
        """A controller listed in a route table: its decorated methods belong to ``scope``."""
        for ancestor in self.project.mro(class_id):
            _, cls = self.project.classes[ancestor]
            module = ancestor.partition(":")[0]
            for method in cls.methods:
                self.function_scopes.setdefault(f"{module}:{cls.name}.{method}", scope)

    def prefixed_include(self, call: Value, facts: ModuleFacts, context: _Context | None) -> None:
        """Pyramid ``config.include(".api", route_prefix="/api")``: the routes the included
        module adds get the prefix, and the prefix of the module including it."""
        prefix = _prefix_join(self.block_prefix(context), _keyword_literal(call, ("route_prefix",)))
        first = call.args[0]
        module: ModuleFacts | None = None
        if first.kind == "literal" and isinstance(first.literal, str):
            name = first.literal.split(":", 1)[0]
            if name.startswith("."):
                package = facts.module if facts.is_package else facts.module.rpartition(".")[0]
                dots = len(name) - len(name.lstrip("."))
                for _ in range(dots - 1):
                    package = package.rpartition(".")[0]
                name = f"{package}.{name.lstrip('.')}" if name.lstrip(".") else package
            module = self.project.find_module(name)
        elif first.kind in ("name", "attribute"):
            symbol, rest = self.project.resolve(first.target)
            if symbol.kind == "module" and not rest:
                module = self.project.modules.get(symbol.key)
            elif symbol.kind == "function" and not rest:
                module = self.project.modules.get(symbol.key.partition(":")[0])
        if module is not None and module.module != facts.module and (
                call.kwarg("route_prefix") is not None or prefix
                or any(fn.name == "includeme" and not fn.class_name for fn in module.functions)):
            known = self.module_includes.get(module.module)
            if known is None or (prefix and not known[1]):  # (a prefixed include first)
                self.module_includes[module.module] = (facts.module, prefix)

    def module_prefix(self, module: str) -> str:
        """The route prefix Pyramid gives the routes a module adds: those of the
        ``config.include`` calls that lead to it, outermost first."""
        chain: list[str] = []
        seen = {module}
        while module in self.module_includes:
            module, prefix = self.module_includes[module]
            chain.append(prefix)
            if module in seen or len(chain) > MAX_DEPTH:
                break
            seen.add(module)
        total = ""
        for prefix in reversed(chain):
            total = _prefix_join(total, prefix)
        return total

    def block_prefix(self, context: _Context | None) -> str:
        """The prefix of the ``with config.route_prefix_context("admin"):`` statements
        around the line being read, outermost first."""
        functions: list[str] = []
        while context is not None:
            functions.insert(0, context.function_id)
            context = context.parent
        prefix = ""
        for function_id in functions:
            _, fn = self.project.functions[function_id]
            for first, last, call in fn.blocks:
                if (first <= self.line <= last and call.target.endswith(".route_prefix_context")
                        and (value := call.arg(0, "route_prefix")) is not None
                        and isinstance(value.literal, str)):
                    prefix = _prefix_join(prefix, value.literal)
        return prefix

    def router_of(self, app: _App) -> Router | None:
        """How a router that makes view set routes (DRF ``DefaultRouter()``) was built."""
        constructor = app.constructor
        if constructor is None or not matches(
                self.project.qualify(constructor.target),
                option_list(app.framework.name, "router_classes")):
            return None
        slash = constructor.kwarg("trailing_slash")
        regex = constructor.kwarg("use_regex_path")
        return Router(trailing_slash="" if slash is not None and slash.kind == "literal"
                      and not slash.literal else "/",
                      regex=not (regex is not None and regex.kind == "literal"
                                 and not regex.literal))

    def registration(self, call: Value, framework: Framework, facts: ModuleFacts,
                     context: _Context | None, scope: str, router: Router | None = None) -> None:
        """``path("x/", view)``, ``app.add_url_rule(...)``, ``web.get(...)``, ``url(...)``,
        ``router.register("users", UserViewSet, basename="user")``."""
        route = route_literal(call)
        attr = call.target.rsplit(".", 1)[-1]
        methods = declared_methods(call, attr)
        route_name = ""
        name_keyword = str(option(framework.name, "route_name_argument", ""))
        if name_keyword:
            value = call.kwarg(name_keyword)
            if value is not None and isinstance(value.literal, str):
                route_name = value.literal
        suffix_value = call.kwarg("suffix")
        suffix = suffix_value.literal if suffix_value is not None and isinstance(
            suffix_value.literal, str) else ""
        kind = "websocket" if "websocket" in call.target.lower() else "http"
        namespace = ""
        if attr in option_list(framework.name, "event_decorators"):
            kind, namespace = "event", _keyword_literal(call, ("namespace",))
        if attr in option_list(framework.name, "namespace_registration_methods") and call.args:
            # ``sio.register_namespace(Chat("/chat"))``: the instance names its namespace
            instance = call.args[0]
            given = instance.arg(0, "namespace") if instance.kind == "call" else None
            kind, namespace = "event", (given.literal if given is not None
                                        and isinstance(given.literal, str) else "")
        endpoint_keywords = option_list(framework.name, "endpoint_arguments")
        endpoint = _keyword_literal(call, endpoint_keywords)
        positions = option(framework.name, "endpoint_positions", {})
        position = positions.get(attr) if isinstance(positions, dict) else None
        positional = call.arg(position) if isinstance(position, int) else None
        if positional is not None and not isinstance(positional.literal, str):
            positional = None
        if not endpoint and positional is not None:
            endpoint = positional.literal  # ``app.add_url_rule("/", "index", index)``
        skipped = ROUTE_KEYWORDS + METHOD_KEYWORDS + endpoint_keywords + ("namespace",)
        basename = ""
        if router is not None:
            skipped += ("prefix", "basename", "base_name")
            route = route or _keyword_literal(call, ("prefix",))
            basename = _keyword_literal(call, ("basename", "base_name"))
            positional_name = call.arg(2)
            if not basename and positional_name is not None and isinstance(
                    positional_name.literal, str):
                basename, positional = positional_name.literal, positional_name
        # ``api.add_resource(Things, "/things", "/things/<int:id>")``: every URL given
        urls = [route, *(arg.literal for arg in call.args
                         if arg.kind == "literal" and isinstance(arg.literal, str)
                         and arg.literal != route and arg.literal.startswith("/"))]
        for argument in [*call.args, *(value for key, value in call.kwargs
                                       if key not in skipped)]:
            if argument.kind == "call" and matches(
                    self.project.qualify(argument.target) if argument.target else "",
                    option_list(framework.name, "include_functions")):
                self.include(argument, framework, scope, route)
                continue
            if argument.kind == "literal" and argument.literal in urls:
                continue
            if argument is positional:
                continue
            for url in urls:
                self.register_view(argument, framework, url, methods, scope, context,
                                   suffix=suffix, route_name=route_name, kind=kind,
                                   strings=bool(option(framework.name, "string_views", False)),
                                   endpoint=endpoint, namespace=namespace, router=router,
                                   basename=basename)

    def register_view(self, argument: Value, framework: Framework, route: str,
                      methods: tuple[str, ...], scope: str | None, context: _Context | None,
                      suffix: str = "", route_name: str = "", kind: str = "http",
                      strings: bool = False, endpoint: str = "", namespace: str = "",
                      router: Router | None = None, basename: str = "") -> None:
        if (not endpoint and argument.kind == "call" and argument.target.endswith(".as_view")
                and argument.args and isinstance(argument.args[0].literal, str)):
            endpoint = argument.args[0].literal  # Flask ``View.as_view("items")``
        actions: tuple[tuple[str, str], ...] = ()
        if (argument.kind == "call" and argument.target.endswith(".as_view") and argument.args
                and argument.args[0].kind == "dict"):
            # a DRF view set's ``as_view({"get": "list", "post": "create"})``
            actions = tuple((key.literal.upper(), value.literal)
                            for key, value in argument.args[0].items
                            if key is not None and isinstance(key.literal, str)
                            and isinstance(value.literal, str))
        view = self.resolve_view(argument, context, strings)
        if view is None:
            return
        what, key = view
        if what == "function":
            if router is None:  # a router registers view sets only
                owner, fn = self.project.functions[key]
                self.add(owner, fn, framework.name, route, methods, kind, scope=scope,
                         route_name=route_name, endpoint=endpoint, namespace=namespace)
        else:
            self.class_routes.setdefault(key, []).append(
                _ClassRoute(framework.name, route, scope, suffix, methods, endpoint,
                            router, basename, actions, namespace))

    def include(self, call: Value, framework: Framework, scope: str, prefix: str) -> None:
        """Django ``include("app.urls")`` / ``include(router.urls)`` under ``prefix``."""
        first = call.arg(0)
        if first is None:
            return
        namespace = _keyword_literal(call, option_list(framework.name, "namespace_arguments"))
        if first.kind == "tuple" and first.items:
            if not namespace and len(first.items) > 1:
                # ``include(("blog.urls", "blog"))``: the second item is the app namespace
                second = first.items[1][1]
                namespace = second.literal if isinstance(second.literal, str) else ""
            first = first.items[0][1]
        child: str | None = None
        module: ModuleFacts | None = None
        if first.kind == "literal" and isinstance(first.literal, str):
            module = self.project.find_module(first.literal)
            child = module.module if module is not None else None
        elif first.kind in ("name", "attribute"):
            symbol, _ = self.project.resolve(first.target)
            if symbol.kind in ("binding", "module"):
                child = symbol.key
                if symbol.kind == "module":
                    # a list of patterns (``include(router.urls)``) has no ``app_name``
                    module = self.project.modules.get(symbol.key)
        if child is None:
            return
        attribute = str(option(framework.name, "namespace_attribute", ""))
        if not namespace and module is not None and attribute:
            binding = module.binding(attribute)  # ``app_name = "polls"`` in the included urls
            if binding is not None and isinstance(binding.value.literal, str):
                namespace = binding.value.literal
        self.link(child, scope, prefix, framework, namespace)

    def mount(self, call: Value, framework: Framework, facts: ModuleFacts,
              context: _Context | None, scope: str, prefix: str) -> None:
        """Starlette ``Mount("/api", routes=[...])`` or ``Mount("/api", app=sub)``."""
        child_scope = f"{scope}>{prefix}"
        self.link(child_scope, scope, prefix, framework)
        for keyword in ("routes", "app"):
            value = call.kwarg(keyword)
            if value is None:
                continue
            if value.kind in ("name", "attribute"):
                app = self.app_object(value.target, context)
                if app is not None:
                    self.link(app.key, child_scope, "", framework)
                    continue
            self.route_table(value, framework, facts, context, child_scope)
        if len(call.args) > 1:
            self.route_table(call.args[1], framework, facts, context, child_scope)

    def attach(self, call: Value, parent: _App, facts: ModuleFacts,
               context: _Context | None) -> None:
        """``register_blueprint(bp, url_prefix=)``, ``include_router``, ``add_subapp``."""
        framework = parent.framework
        prefix: str | None = None
        for keyword in option_list(framework.name, "prefix_arguments"):
            value = call.kwarg(keyword)
            if value is not None and isinstance(value.literal, str):
                prefix = value.literal
        for arg in call.args:
            if arg.kind == "literal" and isinstance(arg.literal, str) and prefix is None:
                prefix = arg.literal  # ``add_subapp("/admin", admin)``, ``mount("/x", app)``
        for child in call.args:
            app = (self.app_object(child.target, context)
                   if child.kind in ("name", "attribute") else None)
            if app is None:
                # ``app.add_routes([web.get("/", index)])``: routes of the parent itself
                self.walk(child, facts, context, parent.key)
                continue
            self.link(app.key, parent.key, prefix, framework)
            for keyword in option_list(framework.name, "dependency_arguments"):
                self.hook(app.key, framework, self.dependency_functions(call.kwarg(keyword)))

    def from_settings(self, facts: ModuleFacts) -> None:
        """Django ``MIDDLEWARE = ["pkg.middleware.Timing", ...]`` in a settings module."""
        django = framework_named("django")
        if django is None:
            return
        for name in ("MIDDLEWARE", "MIDDLEWARE_CLASSES"):
            binding = facts.binding(name)
            if binding is None or binding.value.kind not in ("list", "tuple"):
                continue
            for _, item in binding.value.items:
                if item.kind == "literal" and isinstance(item.literal, str):
                    self.hook(None, django, self.hook_functions(item, django, None, factories=True))

    def hook_scope(self, app: _App, attr: str) -> str | None:
        """Blueprint hooks named ``*_app_*`` run for the whole application."""
        return None if "_app_" in f"_{attr}_" or attr.startswith("app_") else app.key

    def from_decorators(self, facts: ModuleFacts, fn: Function) -> None:
        project = self.project
        context = self.enclosing_context(facts, fn)
        for decorator in fn.decorators:
            target = decorator.target
            if not target:
                continue
            qualified = project.qualify(target)
            role = function_role(qualified)
            if role is not None and role[0] == "decorator_functions":
                # stacked route decorators each add a route: go on to the next one
                self.from_decorator_function(facts, fn, role[1], decorator, qualified)
                continue
            receiver, _, attr = target.rpartition(".")
            app = self.app_object(receiver, context) if receiver else None
            if app is None and receiver:
                app = self.assumed_app(receiver, attr, facts)
            if app is not None:
                framework = app.framework
                if attr in framework.route_decorators:
                    route, methods = route_and_methods(decorator, attr)
                    kind = "websocket" if "websocket" in attr else "http"
                    namespace = ""
                    if attr in option_list(framework.name, "event_decorators"):
                        # Socket.IO: the route is the event (``@sio.event``: the name)
                        kind, route = "event", route or fn.name
                        namespace = _keyword_literal(decorator, ("namespace",))
                    deps: list[str] = []
                    for keyword in option_list(framework.name, "dependency_arguments"):
                        deps.extend(self.dependency_functions(decorator.kwarg(keyword)))
                    endpoint = _keyword_literal(
                        decorator, option_list(framework.name, "endpoint_arguments"))
                    self.add(facts, fn, framework.name, route, methods, kind, scope=app.key,
                             entries=tuple(deps), endpoint=endpoint, namespace=namespace)
                    continue
                if attr in framework.hook_decorators:
                    self.hook(self.hook_scope(app, attr), framework,
                              [f"{facts.module}:{fn.qualname}"], fallback=not app.linked)
                    return
            custom = project.handler_decorators
            if custom and configured([qualified, target], custom):
                route, methods = route_and_methods(decorator, attr or target)
                self.add(facts, fn, "custom", route, methods)
                return
            framework_name = self.own_route_decorator(decorator)
            if framework_name:
                route, methods = route_and_methods(decorator, target.rsplit(".", 1)[-1])
                self.add(facts, fn, framework_name, route, methods)
                return

    def own_route_decorator(self, decorator: Value) -> str:
        """The framework behind the project's own routing decorator, or ``""``.

        Services often wrap their framework's router in a decorator of their own
        (``@Route.post("/projects/{id}")``, ``@api.get("/users")`` on a project class)
        that records the function and hands it to ``add_route`` later.  Such a
        decorator is recognised by its shape: defined in the project, named for an
        HTTP method (or ``route``), called with a URL path literal, in a module that
        imports a known web framework.
        """
        if decorator.kind != "call" or not decorator.args:
            return ""
        path = decorator.args[0].literal if decorator.args[0].kind == "literal" else None
        verb = decorator.target.rsplit(".", 1)[-1].lower()
        if not isinstance(path, str) or not path.startswith("/") or verb not in OWN_ROUTE_VERBS:
            return ""
        project = self.project
        symbol, rest = project.resolve(decorator.target)
        function_id = None
        if symbol.kind == "function" and not rest:
            function_id = symbol.key
        elif symbol.kind == "class" and len(rest) == 1:
            function_id = project.method_of(symbol.key, rest[0])
        elif symbol.kind == "binding" and len(rest) == 1:
            class_id = project.binding_class(symbol)
            function_id = project.method_of(class_id, rest[0]) if class_id else None
        if function_id is None or function_id not in project.functions:
            return ""
        facts, _ = project.functions[function_id]
        for item in facts.imports:
            framework = framework_of_package(item.dotted)
            if framework is not None:
                return framework.name
        return ""

    def from_decorator_function(self, facts: ModuleFacts, fn: Function, framework: Framework,
                                decorator: Value, qualified: str) -> None:
        """``@api_view``, litestar ``@get``, pyramid ``@view_config``, bottle ``@route``."""
        verb = qualified.rsplit(".", 1)[-1]
        route, methods = route_and_methods(decorator, verb)
        kind = "websocket" if "websocket" in verb else "http"
        name_keyword = str(option(framework.name, "route_name_argument", ""))
        route_name = ""
        prefix = ""
        class_id = f"{facts.module}:{fn.class_name}" if fn.class_name else ""
        if class_id and class_id not in self.project.classes:
            class_id = ""
        if name_keyword:
            value = decorator.kwarg(name_keyword) if decorator.kind == "call" else None
            if value is None and class_id:
                value = self.class_default(class_id, framework, name_keyword)
            if value is not None and isinstance(value.literal, str):
                route_name = value.literal
            if route_name:
                route = ""
        entries: list[str] = []
        if class_id:
            path_attribute = str(option(framework.name, "controller_path_attribute", ""))
            if path_attribute:
                found = self.project.class_attribute(class_id, path_attribute)
                if found is not None and isinstance(found[1].value.literal, str):
                    prefix = found[1].value.literal
            entries = self.per_request_entries(class_id, framework, f"{facts.module}:{fn.qualname}")
        self.add(facts, fn, framework.name, route, methods, kind, route_name=route_name,
                 entries=tuple(entries), prefix=prefix,
                 endpoint=_keyword_literal(decorator,
                                           option_list(framework.name, "endpoint_arguments")))

    def class_default(self, class_id: str, framework: Framework, keyword: str) -> Value | None:
        """A keyword given to a class decorator such as ``@view_defaults(route_name=...)``."""
        _, cls = self.project.classes[class_id]
        defaults = option_list(framework.name, "route_defaults_decorators")
        for decorator in cls.decorators:
            if decorator.kind == "call" and matches(self.project.qualify(decorator.target), defaults):
                return decorator.kwarg(keyword)
        return None

    def per_request_entries(self, class_id: str, framework: Framework, handler_id: str) -> list[str]:
        """Methods the framework runs for every request a view class serves."""
        if framework.long_lived_views:
            return []
        found: list[str] = []
        for name in option_list(framework.name, "per_request_methods"):
            method = self.project.method_of(class_id, name)
            if method is not None and method != handler_id and method not in found:
                found.append(method)
        return found

    def from_class_decorators(self, facts: ModuleFacts, cls: ClassFacts) -> None:
        """``@routes.view("/path")`` on a class-based view (aiohttp)."""
        class_id = f"{facts.module}:{cls.name}"
        # a class defined in an app factory: its decorators name the factory's locals
        enclosing = cls.name.rpartition(".")[0]
        context = self.context(f"{facts.module}:{enclosing}") if enclosing else None
        for decorator in cls.decorators:
            receiver, _, attr = decorator.target.rpartition(".")
            if not receiver:
                continue
            app = self.app_object(receiver, context)
            if app is not None and attr in app.framework.route_decorators:
                route, methods = route_and_methods(decorator, attr)
                endpoint = _keyword_literal(
                    decorator, option_list(app.framework.name, "endpoint_arguments"))
                # ``@ns.route("/status", "/status/<part>")``: every URL given
                urls = [route, *(arg.literal for arg in decorator.args
                                 if arg.kind == "literal" and isinstance(arg.literal, str)
                                 and arg.literal != route and arg.literal.startswith("/"))]
                for url in urls:
                    self.class_routes.setdefault(class_id, []).append(_ClassRoute(
                        app.framework.name, url, app.key, methods=methods, endpoint=endpoint))

    def from_view_class(self, class_id: str) -> None:
        project = self.project
        facts, cls = project.classes[class_id]
        bases = project.external_bases(class_id)
        framework: Framework | None = None
        for candidate in frameworks():
            if any(matches(base, candidate.view_bases) for base in bases):
                framework = candidate
                break
        registrations = self.class_routes.get(class_id, [])
        routed: dict[str, list[_ClassRoute]] = {}
        if framework is not None and any(item.router for item in registrations):
            # a view set on a router: its routes come from its actions
            routed = self.router_routes(class_id, framework,
                                        [item for item in registrations if item.router])
            registrations = [item for item in registrations if not item.router]
        custom = project.handler_base_classes
        ancestors = [ancestor.replace(":", ".") for ancestor in project.mro(class_id)[1:]]
        is_custom = bool(custom) and configured([*bases, *ancestors], custom)
        if framework is None and registrations:
            framework = framework_named(registrations[0].framework)
        if framework is None and not is_custom:
            return
        framework_name = framework.name if framework is not None else "custom"
        verbs = framework.view_methods if framework is not None else HTTP_VERBS
        method_prefix = framework.view_method_prefix if framework is not None else ""
        method_decorators = framework.method_decorators if framework is not None else ()
        websocket = framework is not None and any(
            matches(base, option_list(framework.name, "websocket_bases")) for base in bases)
        event_prefix = str(option(framework.name, "event_method_prefix", "")) if framework else ""
        handler_methods: list[tuple[str, str, list[_ClassRoute]]] = []
        all_methods: list[str] = []
        for ancestor in project.mro(class_id):
            _, ancestor_cls = project.classes[ancestor]
            module = ancestor.partition(":")[0]
            for method in ancestor_cls.methods:
                function_id = f"{module}:{ancestor_cls.name}.{method}"
                if method in all_methods or function_id not in project.functions:
                    continue
                all_methods.append(method)
                _, fn = project.functions[function_id]
                if function_id in self.pending:
                    continue  # found by its own decorator (litestar controllers, pyramid)
                if routed:
                    if method in routed:  # an action the router routes
                        handler_methods.append(
                            (function_id, "", [*_serving(registrations, method), *routed[method]]))
                        continue
                    if not registrations:
                        continue  # a router routes actions only
                if event_prefix:
                    if method.startswith(event_prefix) and len(method) > len(event_prefix):
                        handler_methods.append((function_id, "", registrations))
                    continue
                if method_prefix:
                    matched = self.prefixed_responder(method, method_prefix, registrations)
                    if matched is not None:
                        handler_methods.append((function_id, matched[0], matched[1]))
                    continue
                decorated = any(
                    matches(project.qualify(dec.target), method_decorators)
                    for dec in fn.decorators if dec.target
                )
                if method in verbs or decorated:
                    serving = _serving(registrations, method)
                    if registrations and not serving:
                        continue  # ``as_view({"get": "list"})`` routes other actions only
                    handler_methods.append(
                        (function_id, method if method in HTTP_VERBS else "", serving))
        inherited = [route for action, routes in routed.items()
                     if project.method_of(class_id, action) is None for route in routes]
        if inherited:
            # actions of the framework's own base classes (ModelViewSet's list, create...)
            self.class_handler(class_id, framework_name, _merged(inherited),
                               skip={function_id for function_id, _, _ in handler_methods})
        if handler_methods:
            for function_id, verb, routes in handler_methods:
                owner, fn = project.functions[function_id]
                entries = (self.per_request_entries(class_id, framework, function_id)
                           if framework is not None else [])
                for registration in routes or [_ClassRoute(framework_name, "", None)]:
                    route, kind = registration.route, "websocket" if websocket else "http"
                    if event_prefix:  # ``on_chat`` handles the event ``chat``
                        route, kind = fn.name[len(event_prefix):], "event"
                    self.add(owner, fn, framework_name, route,
                             (verb.upper(),) if verb else registration.methods,
                             kind=kind, scope=registration.scope, name=f"{cls.name}.{fn.name}",
                             entries=tuple(entries), endpoint=registration.endpoint,
                             namespace=registration.namespace)
            return
        if framework is None or not option(framework.name, "generic_views", False):
            return
        if not any(matches(base, framework.view_bases) for base in bases) or routed:
            return
        # A generic view with no method of its own: the framework calls its
        # hooks (get_queryset, get_object...) per request.
        self.class_handler(class_id, framework_name, registrations)

    def class_handler(self, class_id: str, framework: str, registrations: list[_ClassRoute],
                      skip: set[str] | frozenset[str] = frozenset()) -> None:
        """The view class itself as a handler, for requests served by methods of the
        framework's base classes; the class's own methods (except ``skip``) run per request."""
        project = self.project
        facts, cls = project.classes[class_id]
        key = f"{facts.module}:{cls.name}"
        if key in self.pending:
            return
        methods = [function_id for ancestor in project.mro(class_id)
                   for function_id in (f"{ancestor.partition(':')[0]}:"
                                       f"{project.classes[ancestor][1].name}.{name}"
                                       for name in project.classes[ancestor][1].methods)
                   if function_id in project.functions and function_id not in skip]
        self.pending[key] = _Pending(
            Handler(path=facts.path, line=cls.span.line, column=cls.span.column, name=cls.name,
                    module=facts.module, function_id=key, framework=framework),
            [_RouteDraft(registration.route, registration.methods, registration.scope,
                         endpoint=registration.endpoint)
             for registration in registrations] or [_RouteDraft("")],
            entries=methods, view_class=cls.name,
        )

    def router_routes(self, class_id: str, framework: Framework,
                      registrations: list[_ClassRoute]) -> dict[str, list[_ClassRoute]]:
        """The routes routers make for a view set, by the action (method name) serving each."""
        project = self.project
        name = framework.name
        own = {method for ancestor in project.mro(class_id)
               for method in project.classes[ancestor][1].methods}
        inherited_table = option(name, "inherited_actions", {})
        actions = set(own)
        for base in project.external_bases(class_id):
            if isinstance(inherited_table, dict):
                actions.update(str(action) for action in inherited_table.get(base, ()))
        extras = self.extra_actions(class_id, name)
        lookup = Lookup(*(self.class_literal(class_id, attribute) or default for attribute, default
                          in (("lookup_field", "pk"), ("lookup_url_kwarg", ""),
                              ("lookup_value_regex", ""), ("lookup_value_converter", ""))))
        table = option(name, "router_routes", [])
        routes: dict[str, list[_ClassRoute]] = {}
        for registration in registrations:
            assert registration.router is not None
            basename = registration.basename or self.default_basename(class_id)
            for route in viewset_routes(table if isinstance(table, list) else [],
                                        registration.router, registration.route, basename,
                                        lookup, actions, extras):
                routes.setdefault(route.action, []).append(_ClassRoute(
                    name, route.url, registration.scope, methods=route.methods,
                    endpoint=route.name))
        return routes

    def extra_actions(self, class_id: str, framework: str) -> list[ExtraAction]:
        """A view set's ``@action`` methods, with the methods mapped onto their routes
        (``@pin.mapping.delete``)."""
        project = self.project
        decorators = option_list(framework, "action_decorators")
        found: dict[str, ExtraAction] = {}
        mapped: dict[str, list[tuple[str, str]]] = {}
        for ancestor in project.mro(class_id):
            module = ancestor.partition(":")[0]
            _, cls = project.classes[ancestor]
            for method in cls.methods:
                item = project.functions.get(f"{module}:{cls.name}.{method}")
                if item is None or method in found:
                    continue
                for decorator in item[1].decorators:
                    parts = decorator.target.split(".")
                    if len(parts) == 3 and parts[1] == "mapping" and parts[2] in HTTP_VERBS:
                        mapped.setdefault(parts[0], []).append((parts[2].upper(), method))
                    elif decorator.target and matches(project.qualify(decorator.target),
                                                      decorators):
                        found[method] = _extra_action(method, decorator)
        return [replace(action, mapped=tuple(mapped.get(name, ()))) for name, action in found.items()]

    def class_literal(self, class_id: str, attribute: str) -> str:
        """A class attribute given as a string literal (through the project MRO)."""
        found = self.project.class_attribute(class_id, attribute)
        if found is None or not isinstance(found[1].value.literal, str):
            return ""
        return found[1].value.literal

    def default_basename(self, class_id: str) -> str:
        """The name a router gives a view set registered without ``basename``: its
        ``queryset`` model's name in lower case (``User.objects.all()`` → ``user``)."""
        found = self.project.class_attribute(class_id, "queryset")
        if found is None:
            return ""
        target = found[1].value.target
        model, _, rest = target.partition(".objects")
        return model.rsplit(".", 1)[-1].lower() if rest or target.endswith(".objects") else ""

    @staticmethod
    def prefixed_responder(method: str, prefix: str, registrations: list[_ClassRoute]
                           ) -> tuple[str, list[_ClassRoute]] | None:
        """Falcon responders: ``on_get`` for the plain route, ``on_get_item`` for suffix="item"."""
        if not method.startswith(prefix):
            return None
        verb, _, suffix = method[len(prefix):].partition("_")
        if verb not in HTTP_VERBS and verb != "websocket":
            return None
        if not registrations:
            return verb, []
        matched = [registration for registration in registrations if registration.suffix == suffix]
        return (verb, matched) if matched else None

    # -- finishing -------------------------------------------------------------

    def ancestors(self, scope: str | None) -> list[str]:
        """The scope and every scope it is linked under, nearest first."""
        if scope is None:
            return []
        order = [scope]
        index = 0
        while index < len(order):
            for link in self.links.get(order[index], []):
                if link.parent not in order:
                    order.append(link.parent)
            index += 1
        # registrations in a module's route list belong to the module (Django include)
        module = scope.rsplit(".", 1)[0] if ":" not in scope else ""
        if module and module in self.project.modules and module not in order:
            order.extend(self.ancestors(module))
        return order

    def aliased(self, scope: str | None) -> list[str]:
        """A hook's scope and the apps it stands for (a parameter passed real apps)."""
        if scope is None:
            return []
        order = [scope]
        for current in order:
            for app in self.aliases.get(current, []):
                if app.key not in order:
                    order.append(app.key)
        return order

    def mounts(self, scope: str | None, seen: frozenset[str] = frozenset()
               ) -> list[tuple[str, tuple[str, ...]]]:
        """Where ``scope`` is mounted: for each chain of links up to an app, the URL prefix
        and the blueprint or namespace names along it (outermost first).

        A blueprint registered twice, or a URL module included twice (under two
        namespaces), has one mount per registration.
        """
        if scope is None or scope in seen:
            return [("", ())]
        if not seen and scope in self._mounts:
            return self._mounts[scope]
        found = self._mounts_of(scope, seen | {scope})
        if not seen:
            self._mounts[scope] = found
        return found

    def _mounts_of(self, scope: str, seen: frozenset[str]) -> list[tuple[str, tuple[str, ...]]]:
        own = self.own_prefix.get(scope, "")
        own_names = (self.app_names[scope],) if scope in self.app_names else ()
        links = self.links.get(scope, [])
        module = scope.rsplit(".", 1)[0] if ":" not in scope else ""
        by_module = bool(module) and module in self.project.modules and module not in seen
        if not links:
            if by_module:
                return [(join_route(prefix, own), names + own_names)
                        for prefix, names in self.mounts(module, seen)]
            return [(own, own_names)]
        found: list[tuple[str, tuple[str, ...]]] = []
        if by_module and module in self.links and scope[len(module) + 1:] in route_list_names():
            # a URL module's own list (``urlpatterns``) joined into another module's list
            # is still where its module is included
            found.extend((join_route(prefix, own), names + own_names)
                         for prefix, names in self.mounts(module, seen))
        for link in links:
            if link.prefix is None:
                local = own
            elif link.mode == "replace":
                local = link.prefix
            else:
                local = join_route(link.prefix, own)
            names = ((link.namespace,) if link.namespace else ()) + own_names
            for prefix, outer in self.mounts(link.parent, seen):
                mount = (join_route(prefix, local), outer + names)
                if mount not in found:
                    found.append(mount)
        return found[:MAX_MOUNTS]

    def finished_routes(self, item: _Pending, draft: _RouteDraft) -> list[Route]:
        """A route at each of its mounts: prefixes joined, default methods, endpoint name."""
        handler = item.handler
        framework = handler.framework
        route = draft.route
        if draft.route_name and draft.route_name in self.route_names:
            route = self.route_names[draft.route_name]
            included = _prefix_join(
                self.module_prefix(self.route_modules.get(draft.route_name, "")),
                self.route_blocks.get(draft.route_name, ""))
            if included:
                route = join_route("/" + included, route)
        route = join_route(draft.prefix, route) if draft.prefix else route
        methods = draft.methods
        if not methods and handler.kind == "http":
            methods = option_list(framework, "default_methods")
        added = added_methods(framework, methods)
        if item.view_class and not option(framework, "class_views_add_methods", True):
            added = ()
        separator = str(option(framework, "namespace_separator", ""))
        endpoint = draft.endpoint or draft.route_name or self.default_endpoint(item, draft.scope)
        routes: list[Route] = []
        for prefix, names in self.mounts(draft.scope):
            names = names if separator else ()
            routes.append(Route(
                join_route(prefix, route) if prefix else route, methods,
                separator.join([*names, endpoint]) if endpoint and names else endpoint,
                draft.namespace or separator.join(names), added))
        return routes

    def default_endpoint(self, item: _Pending, scope: str | None = None) -> str:
        """The name a framework gives a route nobody named: the view's own name
        (flask-restx: ``todos_todo_list`` for ``TodoList`` in the ``todos`` namespace)."""
        framework = item.handler.framework
        style = str(option(framework, "endpoint_default", ""))
        if not style:
            return ""
        if item.view_class:
            if scope is not None and scope in self.resource_prefixes:
                return self.resource_prefixes[scope] + _snake_case(item.view_class)
            case = str(option(framework, "class_endpoint_case", ""))
            return item.view_class.lower() if case == "lower" else item.view_class
        return item.handler.function_id.rsplit(".", 1)[-1].rsplit(":", 1)[-1]

    def finish(self) -> list[Handler]:
        """Apply scopes: route prefixes, route names and per-request hooks."""
        pending = list(self.pending.values())
        for item in pending:
            fallback = self.function_scopes.get(item.handler.function_id)
            for draft in item.routes:
                if draft.scope is None:
                    draft.scope = fallback
        reached: set[str] = set()
        for item in pending:
            for draft in item.routes:
                reached.update(self.ancestors(draft.scope))
        handlers: list[Handler] = []
        entries: dict[str, list[str]] = {}
        for item in pending:
            routes = tuple(dict.fromkeys(route for draft in item.routes
                                         for route in self.finished_routes(item, draft)))
            first = routes[0]
            handler = replace(item.handler, route=first.path, methods=first.methods,
                              app=item.scope or "", routes=routes)
            handlers.append(handler)
            chain = [scope for draft in item.routes for scope in self.ancestors(draft.scope)]
            own = entries.setdefault(handler.function_id, [handler.function_id])
            extra = list(item.entries)
            for hook in self.hooks:
                if hook.framework != handler.framework:
                    continue
                scopes = self.aliased(hook.scope)
                if (hook.scope is None or any(scope in chain for scope in scopes)
                        or (hook.fallback and not any(scope in reached for scope in scopes))):
                    extra.extend(hook.functions)
            own.extend(e for e in extra if e not in own and e in self.project.functions)
        self.entries = {key: tuple(value) for key, value in entries.items()}
        return handlers
