"""Finding request handlers in linked facts, driven by ``rules/frameworks.toml``.

Three idioms cover the frameworks statelint knows:

* decorators that register a function (``@app.get``, ``@api_view``),
* calls that register a view (``path("x/", views.x)``, ``app.add_url_rule``),
* class-based views recognised by their base classes (``APIView``, ``MethodView``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from statelint.knowledge import Framework, framework_of_package, frameworks, matches
from statelint.model import Function, Handler, ModuleFacts, Value

if TYPE_CHECKING:
    from statelint.project import Project

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")


def discover_handlers(project: "Project") -> list[Handler]:
    """Every request handler of the project, sorted by location."""
    collector = _Collector(project)
    collector.collect()
    project.entries = collector.entries
    return sorted(collector.handlers.values(), key=lambda h: (h.path, h.line, h.name))


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


class _Collector:
    def __init__(self, project: "Project") -> None:
        self.project = project
        self.handlers: dict[str, Handler] = {}
        self.entries: dict[str, tuple[str, ...]] = {}
        self.class_routes: dict[str, tuple[str, str]] = {}

    # -- helpers -----------------------------------------------------------------

    def framework_of_object(self, dotted: str, facts: ModuleFacts,
                            local_values: dict[str, Value] | None = None) -> Framework | None:
        """The framework of an app/router object named by ``dotted`` (``app``, ``bp``)."""
        head = dotted.split(".")[0]
        if local_values is not None and head in local_values:
            value = local_values[head]
            if value.kind == "call":
                return self.framework_of_constructor(value.target)
            if value.kind in ("name", "attribute"):
                return self.framework_of_object(value.target, facts)
            return None
        symbol, rest = self.project.resolve(dotted)
        if symbol.kind == "binding":
            binding = self.project.binding(symbol)
            if binding is None:
                return None
            if binding.value.kind == "call":
                return self.framework_of_constructor(binding.value.target)
            if binding.value.kind in ("name", "attribute") and binding.value.target != dotted:
                return self.framework_of_object(binding.value.target, facts)
            return None
        if symbol.kind == "external":
            qualified = symbol.key
            framework = framework_of_package(qualified)
            if framework is not None:
                return framework
        return None

    def framework_of_constructor(self, target: str) -> Framework | None:
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

    def imported_frameworks(self, facts: ModuleFacts) -> list[Framework]:
        found: list[Framework] = []
        for imp in facts.imports:
            framework = framework_of_package(imp.dotted)
            if framework is not None and framework not in found:
                found.append(framework)
        return found

    def add(self, facts: ModuleFacts, fn: Function, framework: str, route: str = "",
            methods: tuple[str, ...] = (), kind: str = "http", app: str = "",
            name: str | None = None, entries: tuple[str, ...] | None = None) -> None:
        function_id = f"{facts.module}:{fn.qualname}"
        key = function_id if name is None else f"{facts.module}:{name}"
        existing = self.handlers.get(key)
        if existing is not None:
            if route and not existing.route:
                self.handlers[key] = Handler(
                    existing.path, existing.line, existing.column, existing.name, existing.module,
                    existing.function_id, existing.framework, route,
                    existing.methods or methods, existing.app, existing.kind)
            return
        self.handlers[key] = Handler(
            path=facts.path, line=fn.span.line, column=fn.span.column,
            name=name or fn.qualname, module=facts.module, function_id=function_id,
            framework=framework, route=route, methods=methods, app=app, kind=kind,
        )
        if entries is not None:
            self.entries[function_id] = entries

    # -- idioms ------------------------------------------------------------------

    def collect(self) -> None:
        for facts in self.project.modules.values():
            for fn in facts.functions:
                self.from_decorators(facts, fn)
        for facts in self.project.modules.values():
            for value, local_values in self.module_call_values(facts):
                for call in _iter_calls(value):
                    self.from_registration(facts, call, local_values)
        for class_id in self.project.classes:
            self.from_view_class(class_id)

    def module_call_values(self, facts: ModuleFacts) -> Iterator[tuple[Value, dict[str, Value] | None]]:
        for binding in facts.bindings:
            yield binding.value, None
        for statement in facts.statements:
            if statement.call is not None:
                yield statement.call.value, None
        for fn in facts.functions:
            local_values = dict(fn.local_assignments)
            for call in fn.calls:
                yield call.value, local_values
            for _, value in fn.local_assignments:
                yield value, local_values

    def from_decorators(self, facts: ModuleFacts, fn: Function) -> None:
        for decorator in fn.decorators:
            target = decorator.target
            if not target:
                continue
            qualified = self.project.qualify(target)
            custom = self.project.handler_decorators
            if custom and (matches(qualified, custom) or matches(target, custom)
                           or matches(target.rsplit(".", 1)[-1], custom)):
                self.add(facts, fn, "custom", *route_and_methods(decorator, ""))
                return
            for framework in frameworks():
                if matches(qualified, framework.decorator_functions):
                    verb = qualified.rsplit(".", 1)[-1]
                    self.add(facts, fn, framework.name, *route_and_methods(decorator, verb))
                    return
            receiver, _, attr = target.rpartition(".")
            if not receiver:
                continue
            framework = self.framework_of_object(receiver, facts)
            if framework is None:
                symbol, _ = self.project.resolve(receiver)
                if symbol.kind in ("binding", "function", "class", "module"):
                    continue
                # An app object imported from outside the scanned tree: trust the
                # module's own framework imports.
                candidates = [f for f in self.imported_frameworks(facts) if attr in f.route_decorators]
                framework = candidates[0] if candidates else None
            if framework is None:
                continue
            if attr in framework.route_decorators:
                route, methods = route_and_methods(decorator, attr)
                kind = "websocket" if "websocket" in attr else "http"
                self.add(facts, fn, framework.name, route, methods, kind, app=receiver)
                return
            if attr in framework.hook_decorators:
                self.add(facts, fn, framework.name, "", (), "hook", app=receiver)
                return

    def from_registration(self, facts: ModuleFacts, call: Value,
                          local_values: dict[str, Value] | None) -> None:
        target = call.target
        if not target:
            return
        receiver, _, attr = target.rpartition(".")
        framework: Framework | None = None
        qualified = self.project.qualify(target)
        for candidate in frameworks():
            if matches(qualified, candidate.registration_functions):
                framework = candidate
                break
        if framework is None and receiver:
            owner = self.framework_of_object(receiver, facts, local_values)
            if owner is not None and attr in owner.registration_methods:
                framework = owner
        if framework is None:
            return
        route = ""
        first = call.arg(0)
        if first is not None and first.kind == "literal" and isinstance(first.literal, str):
            route = first.literal
        for argument in [*call.args, *(value for _, value in call.kwargs)]:
            self.register_view(facts, argument, framework, route, receiver)

    def register_view(self, facts: ModuleFacts, argument: Value, framework: Framework,
                      route: str, app: str) -> None:
        view = argument
        if view.kind == "call" and view.target.endswith(".as_view"):
            view = Value("name", target=view.target[: -len(".as_view")])
        elif view.kind == "call" and view.target:
            # ``Resource()`` instances (Falcon, Flask-RESTful) serve every request
            view = Value("name", target=view.target)
        if view.kind not in ("name", "attribute") or not view.target:
            return
        symbol, rest = self.project.resolve(view.target)
        if rest:
            return
        if symbol.kind == "function":
            owner, fn = self.project.functions[symbol.key]
            methods = ()
            self.add(owner, fn, framework.name, route, methods, app=app)
        elif symbol.kind == "class":
            self.class_routes.setdefault(symbol.key, (framework.name, route))

    def from_view_class(self, class_id: str) -> None:
        project = self.project
        facts, cls = project.classes[class_id]
        bases = project.external_bases(class_id)
        framework: Framework | None = None
        for candidate in frameworks():
            if any(matches(base, candidate.view_bases) for base in bases):
                framework = candidate
                break
        custom = project.handler_base_classes
        is_custom = bool(custom) and any(matches(base, custom) for base in bases)
        registered = self.class_routes.get(class_id)
        if framework is None and not is_custom and registered is None:
            return
        if framework is not None:
            framework_name = framework.name
        elif registered is not None:
            framework_name = registered[0]
            framework = next((f for f in frameworks() if f.name == framework_name), None)
        else:
            framework_name = "custom"
        route = registered[1] if registered else ""
        verbs = framework.view_methods if framework is not None else HTTP_VERBS
        method_decorators = framework.method_decorators if framework is not None else ()
        handler_methods: list[str] = []
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
                decorated = any(
                    matches(project.qualify(dec.target), method_decorators) for dec in fn.decorators
                    if dec.target
                )
                if method in verbs or decorated:
                    handler_methods.append(function_id)
        if handler_methods:
            for function_id in handler_methods:
                owner, fn = project.functions[function_id]
                verb = fn.name.upper() if fn.name in HTTP_VERBS else ""
                name = f"{cls.name}.{fn.name}"
                self.add(owner, fn, framework_name, route, (verb,) if verb else (),
                         kind="websocket" if "receive" in fn.name or "connect" in fn.name else "http",
                         name=name)
                if owner.module != facts.module or not fn.qualname.startswith(cls.name + "."):
                    # inherited verb: name the handler after the concrete class
                    pass
        else:
            # A generic view with no method of its own: the framework calls its
            # hooks (get_queryset, get_object...) per request.
            methods = [project.method_of(class_id, m) for m in all_methods]
            entries = tuple(m for m in methods if m is not None)
            key = f"{facts.module}:{cls.name}"
            if key not in self.handlers:
                self.handlers[key] = Handler(
                    path=facts.path, line=cls.span.line, column=cls.span.column, name=cls.name,
                    module=facts.module, function_id=key, framework=framework_name, route=route,
                )
                self.entries[key] = entries


def route_and_methods(decorator: Value, verb: str) -> tuple[str, tuple[str, ...]]:
    """The route and HTTP methods a route decorator declares."""
    route = ""
    if decorator.kind == "call":
        first = decorator.arg(0, "path") or decorator.kwarg("rule") or decorator.kwarg("uri")
        if first is not None and first.kind == "literal" and isinstance(first.literal, str):
            route = first.literal
        declared = decorator.kwarg("methods")
        if declared is None and verb == "api_view":
            declared = decorator.arg(0)
            route = ""
        if declared is not None and declared.kind in ("list", "tuple", "set", "literal"):
            literal = declared.literal
            if isinstance(literal, (list, tuple)):
                return route, tuple(str(item).upper() for item in literal)
            if isinstance(literal, str):
                return route, (literal.upper(),)
    if verb in HTTP_VERBS:
        return route, (verb.upper(),)
    return route, ()
