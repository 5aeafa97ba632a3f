"""Constraints from linked facts, one module at a time, and what loads, stores and
calls mean for each kind of abstract object (the solver's ``Semantics``).

Variables are named by stable keys: ``("local", function_id, name)``,
``("global", module, name)``, ``("classattr", class_id, name)``,
``("field", object, name)``, ``("return", function_id)``.  Objects are named by
where they are made: ``("alloc", scope, line, column, n, kind, class)`` for a
container literal or a library constructor, ``("instance", site, class_id)``
for a project class called at a site, and ``("module", m)``, ``("class", id)``,
``("function", id)``, ``("request-instance", class_id)`` (the view object a framework
builds per request), ``("request", function_id, parameter)`` (a handler's request,
whose ``app`` is every application object), ``("attribute", object, name)`` (what an
attribute of a library object holds when the project never sets it: ``app.state``),
``("bound", object, function_id)``.  Generation walks modules in name order
and each module's facts in file order, so ids do not depend on the order the
files were given in.

Items of containers are fields too: ``"[key]"`` for a literal key and ``"[*]"``
for every item (loads of an unknown key read ``"[*]"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from statelint.instance_fields import descriptor_call, own_per_instance
from statelint.knowledge import api_list, frameworks, load_table, matches
from statelint.model import Access, Function, ModuleFacts, Span, Value
from statelint.project import Project, dependency_of
from statelint.semantic.solver import STAR, CallSite, Solver

ANY_ITEM = "[*]"
#: the items stored under a key not known where they were stored (``d[name] = v``), which a
#: load of any literal key may read
UNKNOWN_ITEM = "[?]"
#: a call's (line, column, end line, end column): a call and the call it is made on
#: (``Registry.instance().open(...)``) start at the same place
Position = tuple[int, int, int, int]

#: Object kinds a rule may ask about; the others are definitions or derived objects.
CONTAINER, INSTANCE, LIBRARY = "container", "instance", "library"
CLASS, FUNCTION, MODULE = "class", "function", "module"
BOUND_METHOD, PARTIAL, REQUEST_OBJECT = "bound_method", "partial", "request"

#: Names that stand for the running application inside a request.
CURRENT_APP = frozenset({"flask.current_app", "quart.current_app"})
#: Attributes of a request (or a view object) that hold the application.
APP_ATTRIBUTES = frozenset({"app", "application"})
#: Decorators that make a method a computed attribute (``obj.name`` calls it).
PROPERTY_DECORATORS = frozenset({"property", "cached_property", "cached_property_with_ttl"})
REQUEST_PARAMS = frozenset({"request", "req"})
PARTIAL_FACTORIES = frozenset({"functools.partial", "functools.partialmethod"})
#: Framework calls whose arguments build a view instance per request with keywords:
#: tornado's ``(pattern, Handler, {"store": store})`` / ``url(..., kwargs=)``, and the
#: ``resource_class_kwargs=`` of Flask-RESTful style ``add_resource``.
URL_SPEC_CALLS = ("url", "URLSpec")
RESOURCE_KWARGS = "resource_class_kwargs"
#: The method a subscript load runs on an object whose class defines it.
GETITEM = "__getitem__"
#: Methods a framework runs with those keywords, first found wins.
INJECTED_METHODS = ("initialize", "__init__")


def item_field(key: str) -> str:
    """The field a literal key names."""
    return f"[{key}]"


@dataclass
class Allocation:
    """Where an object was made and what it is."""

    kind: str
    module: str
    path: str
    line: int
    column: int
    scope: str  # function id, ``<module>`` (import time) or a class id (class body)
    class_name: str = ""
    function: str = ""  # the function id that allocated it ("" at import time)


@dataclass
class MutationSite:
    """A change made inside a function to whatever ``receiver`` points to."""

    function_id: str
    span: Span
    op: str
    detail: str  # the method, the key or the attribute
    receiver: tuple[str, str]  # (function id, dotted path) evaluated after solving
    once: bool
    #: "self": the receiver's objects; "owner": the object holding the attribute
    target: str = "self"
    #: for a method called on an item of the receiver (``settings["pins"].add(x)``): the
    #: item fields whose objects it changes
    items: tuple[str, ...] = ()


@dataclass
class Scope:
    """Where a value is evaluated: a function, or import time of a module."""

    facts: ModuleFacts
    function_id: str  # "" for module level and class bodies
    fn: Function | None
    line: int = 0
    column: int = 0
    ordinal: int = 0
    #: call values by target, with their spans, for giving nested calls a position
    calls_by_target: dict[str, list[tuple[Value, Span]]] = field(default_factory=dict)
    evaluated_calls: dict[Position, int] = field(default_factory=dict)
    #: where once-per-process calls start (``if _client is None: _client = connect()``)
    once_calls: set[tuple[int, int]] = field(default_factory=set)

    @property
    def key(self) -> str:
        return self.function_id or f"{self.facts.module}:<module>"


class ConstraintBuilder:
    """Turns a linked project's facts into solver constraints and gives objects meaning."""

    def __init__(self, project: Project, solver: Solver) -> None:
        self.project = project
        self.solver = solver
        self.allocations: dict[int, Allocation] = {}
        self.object_class: dict[int, str] = {}
        self.partials: dict[int, tuple[int | None, tuple[int | None, ...],
                                       tuple[tuple[str, int | None], ...]]] = {}
        #: call edges found while solving: caller → {(callee, line, column, once)}
        self.edges: dict[str, dict[tuple[str, int, int, bool], None]] = {}
        self.mutations: list[MutationSite] = []
        #: where code hands a function to a thread or greenlet: (caller, line, column)
        self.started: list[tuple[str, int, int]] = []
        #: field variables of each object, for following what a process object holds
        self.fields_of: dict[int, list[int]] = {}
        self._bound: set[tuple[int, str, int]] = set()
        self._partial_calls: set[tuple[int, int]] = set()
        self._local_names: dict[str, frozenset[str]] = {}
        self._children: dict[str, dict[str, set[str]]] = {}
        self._top_names: dict[str, set[str]] = {}
        self._constructor_fields: dict[str, tuple[tuple[str, str], ...]] = {}
        self._global_paths: dict[str, int | None] = {}
        self._load_memo: dict[tuple[int, str], int] = {}
        self._const: dict[int, int] = {}
        self._per_instance: dict[tuple[str, str], bool] = {}
        self._property_sites: list[CallSite] = []
        self._defaults: dict[tuple[str, str], str | None] = {}
        #: methods that compute an attribute's default, and the objects they compute it for
        self.computed_defaults: dict[str, set[int]] = {}
        self._instance_classmethods: dict[str, dict[str, list[str]]] = dict(
            load_table("process_state")["app_state"]["instance_classmethods"])
        #: per (class, trait): the variable of its ``default_value``, or the container
        #: each object gets
        self._descriptor_defaults: dict[tuple[str, str], int | str] = {}
        self._descriptor_containers: dict[str, str] = dict(
            load_table("process_state")["class_state"]["descriptor_containers"])
        self._descriptor_keyword = load_table("process_state")["class_state"][
            "descriptor_default_keyword"]
        self._default_decorators = tuple(
            load_table("process_state")["class_state"]["default_decorators"])
        #: methods that change the object they are called on (container mutators and
        #: library store methods, from apis.toml)
        self.store_methods = frozenset(api_list("containers", "mutators")) | frozenset(
            api_list("stores", "methods"))
        self._constructors = frozenset(api_list("containers", "constructors"))
        self._lookups = frozenset(api_list("containers", "lookups"))
        self._storing_lookup = load_table("apis")["containers"]["storing_lookup"]
        #: every application object: what ``request.app`` and ``current_app`` stand for
        self.apps = solver.fresh()
        self._app_classes = frozenset(
            name for framework in frameworks() for name in framework.app_classes
            if "*" not in name and not name.endswith(("Blueprint", "Router", "Namespace")))
        table = load_table("process_state")
        self._request_types = tuple(table["app_state"]["request_types"])
        self._settings_attributes: dict[str, str] = dict(table["app_state"]["settings_attributes"])
        self._view_settings: str = table["app_state"]["view_settings_attribute"]
        self._application_bases = tuple(table["app_state"]["application_handler_bases"])
        self._apps_by_top: dict[str, int] = {}
        self._startup_kwargs = frozenset(table["background"]["startup_kwargs"])
        self._startup_lists = frozenset(table["background"]["startup_lists"])
        self._runners: dict[str, dict[str, Any]] = {
            runner["call"]: runner for runner in table["background"]["runners"]}
        self._context_wrappers = frozenset(table["background"]["context_wrappers"])

    # -- helpers ---------------------------------------------------------------------

    def const(self, obj: int) -> int:
        """A variable holding just ``obj``."""
        var = self._const.get(obj)
        if var is None:
            var = self.solver.fresh()
            self.solver.add_object(var, obj)
            self._const[obj] = var
        return var

    def module_object(self, module: str) -> int:
        obj, new = self.solver.obj(("module", module))
        if new:
            facts = self.project.modules[module]
            self.allocations[obj] = Allocation(MODULE, module, facts.path, 1, 0, "<module>", module)
        return obj

    def class_object(self, class_id: str) -> int:
        obj, new = self.solver.obj(("class", class_id))
        if new:
            facts, cls = self.project.classes[class_id]
            self.allocations[obj] = Allocation(CLASS, facts.module, facts.path, cls.span.line,
                                               cls.span.column, "<module>", class_id)
            self.object_class[obj] = class_id
        return obj

    def function_object(self, function_id: str) -> int:
        obj, new = self.solver.obj(("function", function_id))
        if new:
            facts, fn = self.project.functions[function_id]
            self.allocations[obj] = Allocation(FUNCTION, facts.module, facts.path, fn.span.line,
                                               fn.span.column, "<module>", function_id)
        return obj

    def request_instance(self, class_id: str) -> int:
        """The view object a framework builds for each request of a class-based handler."""
        obj, new = self.solver.obj(("request-instance", class_id))
        if new:
            facts, cls = self.project.classes[class_id]
            self.allocations[obj] = Allocation(INSTANCE, facts.module, facts.path, cls.span.line,
                                               cls.span.column, "<request>", class_id)
            self.object_class[obj] = class_id
            apps = self.serving_apps(facts.module)
            for attribute in APP_ATTRIBUTES:
                self.solver.add_copy(apps, self.field_var(obj, attribute))
            if any(matches(base, self._application_bases)
                   for base in self.project.external_bases(class_id)):
                # ``self.settings`` of a tornado handler is its application's settings
                self.solver.add_load(apps, self._view_settings,
                                     self.field_var(obj, self._view_settings))
        return obj

    def serving_apps(self, module: str) -> int:
        """The application objects that may serve a handler of ``module``: those made in
        the same top-level package when there are any (an ``examples/`` folder's demo apps
        do not serve the package's handlers), else every one."""
        return self._apps_by_top.get(module.partition(".")[0], self.apps)

    def bound_method(self, receiver: int, function_id: str) -> int:
        obj, new = self.solver.obj(("bound", receiver, function_id))
        if new:
            facts, fn = self.project.functions[function_id]
            self.allocations[obj] = Allocation(BOUND_METHOD, facts.module, facts.path,
                                               fn.span.line, fn.span.column, "<bound>",
                                               function_id)
        return obj

    def allocate(self, scope: Scope, kind: str, class_name: str) -> int:
        scope.ordinal += 1
        key = ("alloc", scope.key, scope.line, scope.column, scope.ordinal, kind, class_name)
        obj, new = self.solver.obj(key)
        if new:
            self.allocations[obj] = Allocation(kind, scope.facts.module, scope.facts.path,
                                               scope.line, scope.column, scope.key, class_name,
                                               scope.function_id)
            if kind == LIBRARY and class_name in self._app_classes:
                self.solver.add_object(self.apps, obj)
                top = scope.facts.module.partition(".")[0]
                if top not in self._apps_by_top:
                    self._apps_by_top[top] = self.solver.fresh()
                self.solver.add_object(self._apps_by_top[top], obj)
        return obj

    def request_object(self, function_id: str, name: str) -> int:
        """The request a framework hands to a handler: per request, its ``app`` is the
        application."""
        obj, new = self.solver.obj(("request", function_id, name))
        if new:
            facts, fn = self.project.functions[function_id]
            self.allocations[obj] = Allocation(REQUEST_OBJECT, facts.module, facts.path,
                                               fn.span.line, fn.span.column, "<request>", name)
            apps = self.serving_apps(facts.module)
            for attribute in APP_ATTRIBUTES:
                self.solver.add_copy(apps, self.field_var(obj, attribute))
        return obj

    def is_request_param(self, name: str, annotation: str) -> bool:
        return name in REQUEST_PARAMS or bool(annotation and matches(annotation, self._request_types))

    def _trait_container(self, obj: int, name: str, container: str) -> int:
        """The container a declared trait (``pending = List()``) holds for one object."""
        parent = self.allocations[obj]
        sub, new = self.solver.obj(("attribute", obj, name))
        if new:
            self.allocations[sub] = Allocation(CONTAINER, parent.module, parent.path, parent.line,
                                               parent.column, parent.scope, container,
                                               parent.function)
        return sub

    def library_attribute(self, obj: int, name: str) -> int:
        """``app.state``, ``app.config``: what an attribute of a library object holds
        when the project never sets it, one object per (object, attribute)."""
        parent = self.allocations[obj]
        sub, new = self.solver.obj(("attribute", obj, name))
        if new:
            self.allocations[sub] = Allocation(LIBRARY, parent.module, parent.path, parent.line,
                                               parent.column, parent.scope,
                                               f"{parent.class_name}.{name}", parent.function)
        return sub

    def field_var(self, obj: int, name: str) -> int:
        """The variable behind ``obj.name`` (module globals and class attributes included)."""
        key = self.solver.obj_keys[obj]
        kind = key[0]
        if kind == "module":
            var_key: tuple[str, ...] = ("global", key[1], name)
        elif kind == "class":
            var_key = ("classattr", key[1], name)
        else:
            var_key = ("field", obj, name)  # type: ignore[assignment]
        existing = self.solver.var_ids.get(var_key)
        if existing is not None:
            return existing
        var = self.solver.var(var_key)
        self.fields_of.setdefault(obj, []).append(var)
        return var

    def _own_per_instance(self, class_id: str, name: str) -> bool:
        key = (class_id, name)
        known = self._per_instance.get(key)
        if known is None:
            known = self._per_instance[key] = own_per_instance(self.project, class_id, name)
        return known

    def class_of_object(self, obj: int) -> str:
        """The dotted class of an instance or library object ("" for others)."""
        allocation = self.allocations.get(obj)
        if allocation is None or allocation.kind not in (INSTANCE, LIBRARY):
            return ""
        return allocation.class_name.replace(":", ".")

    def declared_stateful(self, obj: int) -> bool:
        """An object of a class the configuration names in ``stateful-classes``."""
        dotted = self.class_of_object(obj)
        return bool(dotted) and matches(dotted, self.project.stateful_classes)

    def _default_method(self, class_id: str, name: str) -> str | None:
        """The method that computes the default of attribute ``name`` on first read
        (a ``@default("name")`` decorator of the tables), through the class's MRO."""
        key = (class_id, name)
        if key not in self._defaults:
            self._defaults[key] = next(
                (f"{ancestor}.{method}" for ancestor in self.project.mro(class_id)
                 for method in self.project.classes[ancestor][1].methods
                 if self._computes_default(f"{ancestor}.{method}", name)), None)
        return self._defaults[key]

    def _computes_default(self, function_id: str, name: str) -> bool:
        found = self.project.functions.get(function_id)
        return found is not None and any(
            decorator.kind == "call" and decorator.args
            and decorator.args[0].kind == "literal" and decorator.args[0].literal == name
            and matches(self.project.qualify(decorator.target), self._default_decorators)
            for decorator in found[1].decorators)

    def is_property(self, function_id: str) -> bool:
        fn = self.project.functions[function_id][1]
        return any(decorator.target.rpartition(".")[2] in PROPERTY_DECORATORS
                   for decorator in fn.decorators)

    def is_static(self, function_id: str) -> bool:
        return _decorated(self.project.functions[function_id][1], "staticmethod")

    def is_classmethod(self, function_id: str) -> bool:
        return _decorated(self.project.functions[function_id][1], "classmethod")

    # -- the solver's semantics -----------------------------------------------------

    def load(self, solver: Solver, obj: int, name: str, target: int) -> None:
        key = solver.obj_keys[obj]
        kind = key[0]
        class_id = self.object_class.get(obj, "")
        if kind == "module":
            module = key[1]
            solver.add_copy(self.field_var(obj, name), target)
            sub = f"{module}.{name}"
            if sub in self.project.modules:
                solver.add_object(target, self.module_object(sub))
            return
        if class_id and kind in ("class", "instance", "request-instance"):
            method = self.project.method_of(class_id, name)
            if method is not None:
                if kind != "class" and self.is_property(method):
                    # ``obj.name`` runs the getter: its return value is what is loaded
                    site = CallSite(self.const(obj), (), (), target, f"<property {method}>",
                                    0, 0)
                    self._property_sites.append(site)  # kept alive: ``bind`` memoises by id
                    self.bind(site, method, obj)
                    return
                if self.is_static(method):
                    solver.add_object(target, self.function_object(method))
                elif self.is_classmethod(method):
                    solver.add_object(target, self.bound_method(self.class_object(class_id), method))
                elif kind == "class":
                    solver.add_object(target, self.function_object(method))
                else:
                    solver.add_object(target, self.bound_method(obj, method))
                return
            if kind == "class" and name in self._instance_classmethods:
                launcher = self._launcher(class_id, name)
                if launcher is not None:
                    solver.add_object(target, launcher)
            if kind != "class":
                solver.add_copy(self.field_var(obj, name), target)
                computed = self._default_method(class_id, name)
                if computed is not None:
                    # ``@default("users")``: the first read stores what the method returns
                    site = CallSite(self.const(obj), (), (), self.field_var(obj, name),
                                    f"<default {computed}>", 0, 0)
                    self._property_sites.append(site)
                    self.bind(site, computed, obj)
                    self.computed_defaults.setdefault(computed, set()).add(obj)
                declared = self.project.class_attribute(class_id, name)
                default = self._descriptor_defaults.get((declared[0], name)) if declared else None
                if isinstance(default, str):
                    # ``pending = List()``: each object has its own list
                    solver.add_object(self.field_var(obj, name),
                                      self._trait_container(obj, name, default))
                elif default is not None:
                    solver.add_copy(default, target)  # ``Type(default_value=LocalProxy)``
                if self._own_per_instance(class_id, name):
                    return  # a declared field or one ``__init__`` sets: not the class's value
            for ancestor in self.project.mro(class_id):
                solver.add_copy(self.field_var(self.class_object(ancestor), name), target)
            return
        if (kind == "alloc" and key[5] == LIBRARY and not name.startswith("[")
                and not name.startswith("_")):
            solver.add_object(self.field_var(obj, name), self.library_attribute(obj, name))
        solver.add_copy(self.field_var(obj, name), target)

    def store(self, solver: Solver, obj: int, name: str, source: int) -> None:
        solver.add_copy(source, self.field_var(obj, name))

    def call(self, solver: Solver, obj: int, site: CallSite) -> None:
        key = solver.obj_keys[obj]
        kind = key[0]
        if kind == "function":
            self.bind(site, key[1], None)
        elif kind == "bound":
            self.bind(site, key[2], key[1])
        elif kind == "class":
            class_id = key[1]
            instance, new = solver.obj(("instance", (site.caller, site.line, site.column), class_id))
            if new:
                caller = self.project.functions.get(site.caller)
                facts = caller[0] if caller else self.project.modules[site.caller.split(":")[0]]
                self.allocations[instance] = Allocation(
                    INSTANCE, facts.module, facts.path, site.line, site.column,
                    site.caller, class_id, site.caller if caller else "")
                self.object_class[instance] = class_id
            solver.add_object(site.result, instance)
            init = self.project.method_of(class_id, "__init__")
            if init is not None:
                self.bind(site, init, instance)
        elif kind == "launcher":
            self._launch(site, key[1], key[2])
        elif kind in ("instance", "request-instance"):
            method = self.project.method_of(self.object_class[obj], "__call__")
            if method is not None:
                self.bind(site, method, obj)
        elif kind == "partial":
            func, args, kwargs = self.partials[obj]
            if func is None or (site.callee, obj) in self._partial_calls:
                return
            self._partial_calls.add((site.callee, obj))
            solver.add_call(CallSite(func, args + site.args, kwargs + site.kwargs, site.result,
                                     site.caller, site.line, site.column, site.once))

    def _launcher(self, class_id: str, method: str) -> int | None:
        """``App.instance`` / ``App.launch_instance`` of a class whose library base provides
        the classmethod (the tables): calling it gives the process's one instance."""
        bases = self._instance_classmethods[method]["bases"]
        if not any(matches(base, bases) for base in self.project.external_bases(class_id)):
            return None
        obj, new = self.solver.obj(("launcher", class_id, method))
        if new:
            facts, cls = self.project.classes[class_id]
            self.allocations[obj] = Allocation(BOUND_METHOD, facts.module, facts.path,
                                               cls.span.line, cls.span.column, "<module>", method)
        return obj

    def _launch(self, site: CallSite, class_id: str, method: str) -> None:
        """The library builds the instance (once per process, whoever asks) and runs the
        methods the tables name on it."""
        solver = self.solver
        instance, new = solver.obj(("instance", (f"{class_id}.{method}", 0, 0), class_id))
        if new:
            facts, cls = self.project.classes[class_id]
            self.allocations[instance] = Allocation(INSTANCE, facts.module, facts.path,
                                                    cls.span.line, cls.span.column, "<module>",
                                                    class_id)
            self.object_class[instance] = class_id
        solver.add_object(site.result, instance)
        init = self.project.method_of(class_id, "__init__")
        runs = [init] if init is not None else []
        runs += [found for name in self._instance_classmethods[method]["runs"]
                 if (found := self.project.method_of(class_id, name)) is not None]
        for function_id in runs:
            run = CallSite(self.const(instance), (), (), solver.fresh(), site.caller, site.line,
                           site.column, once=True)
            self._property_sites.append(run)  # kept alive: ``bind`` memoises by id
            self.bind(run, function_id, instance)

    def bind(self, site: CallSite, function_id: str, receiver: int | None) -> None:
        """Arguments to parameters, the return value to the call's result."""
        memo = (id(site), function_id, -1 if receiver is None else receiver)
        if memo in self._bound or function_id not in self.project.functions:
            return
        self._bound.add(memo)
        solver = self.solver
        _, fn = self.project.functions[function_id]
        # ``*args`` collects the rest into a tuple and ``**kwargs`` into a dict: neither
        # is the object passed (positions stop at ``*args``)
        star = next((index for index, param in enumerate(fn.params) if param.star == 1),
                    len(fn.params))
        names = [param.name for param in fn.params[:star]]
        keywords = {param.name for param in fn.params if not param.star}
        offset = 0
        if receiver is not None and names:
            solver.add_object(solver.var(("local", function_id, names[0])), receiver)
            offset = 1
        passed: dict[str, int] = {}
        for index, arg in enumerate(site.args):
            if arg == STAR:
                break
            position = index + offset
            if arg is not None and position < len(names):
                passed[names[position]] = arg
                solver.add_copy(arg, solver.var(("local", function_id, names[position])))
        for name, arg in site.kwargs:
            if arg is not None and name in keywords:
                passed[name] = arg
                solver.add_copy(arg, solver.var(("local", function_id, name)))
        fields = self.constructor_fields(function_id)
        if fields:
            # ``self.store = store`` in a constructor: this call's argument goes to this
            # call's object only, not to every object the constructor ever built
            target = self.const(receiver) if receiver is not None else passed.get(names[0] if names else "")
            for attribute, param in fields:
                source = passed.get(param, solver.var(("local", function_id, param)))
                if target is not None:
                    solver.add_store(target, attribute, source)
        solver.add_copy(solver.var(("return", function_id)), site.result)
        self.edges.setdefault(site.caller, {})[(function_id, site.line, site.column, site.once)] = None

    def constructor_fields(self, function_id: str) -> tuple[tuple[str, str], ...]:
        """``(attribute, parameter)`` for each ``self.attribute = parameter`` of a constructor."""
        found = self._constructor_fields.get(function_id)
        if found is None:
            found = ()
            _, fn = self.project.functions[function_id]
            if fn.name == "__init__" and fn.class_name and fn.params and not fn.params[0].star:
                params = {param.name for param in fn.params[1:] if not param.star}
                pairs = []
                for access in fn.accesses:
                    value = fn.written_value(access) if access.op == "setattr" else None
                    parts = access.ref.split(".")
                    if (value is not None and value.kind == "name" and value.target in params
                            and access.head == "self" and len(parts) == 2 and parts[0] == "self"):
                        pairs.append((parts[1], value.target))
                found = tuple(pairs)
            self._constructor_fields[function_id] = found
        return found

    # -- names --------------------------------------------------------------------------

    def children(self, module: str) -> dict[str, set[str]]:
        """Names of functions and classes defined directly inside each function."""
        found = self._children.get(module)
        if found is None:
            found = {}
            facts = self.project.modules[module]
            for name in [fn.qualname for fn in facts.functions] + [cls.name for cls in facts.classes]:
                parent, dot, child = name.rpartition(".")
                if dot:
                    found.setdefault(parent, set()).add(child)
            self._children[module] = found
        return found

    def local_names(self, function_id: str) -> frozenset[str]:
        found = self._local_names.get(function_id)
        if found is None:
            facts, fn = self.project.functions[function_id]
            names = {param.name for param in fn.params}
            names.update(name for name, _ in fn.local_assignments)
            names.update(self.children(facts.module).get(fn.qualname, ()))
            names.difference_update(fn.globals_declared)
            found = frozenset(names)
            self._local_names[function_id] = found
        return found

    def spells_global(self, facts: ModuleFacts, dotted: str) -> bool:
        """True when facts wrote ``dotted`` resolved to a name of its own module
        (``shop.views.Cart`` inside ``shop/views.py``), whose head may look like a local."""
        prefix = facts.module + "."
        if not dotted.startswith(prefix):
            return False
        names = self._top_names.get(facts.module)
        if names is None:
            names = {binding.name for binding in facts.bindings}
            names.update(fn.qualname for fn in facts.functions if "." not in fn.qualname)
            names.update(cls.name for cls in facts.classes if "." not in cls.name)
            names.update(imported.local for imported in facts.imports)
            names.update(statement.access.ref.rpartition(".")[2] for statement in facts.statements
                         if statement.access is not None and statement.access.op == "rebind")
            self._top_names[facts.module] = names
        return dotted[len(prefix):].partition(".")[0] in names

    def local_var(self, function_id: str, name: str) -> int | None:
        """The variable a plain name stands for inside a function: its own local, or a
        local of an enclosing function (a closure)."""
        module, _, qualname = function_id.partition(":")
        parts = qualname.split(".")
        for cut in range(len(parts), 0, -1):
            owner = f"{module}:{'.'.join(parts[:cut])}"
            if owner in self.project.functions:
                fn = self.project.functions[owner][1]
                if name in fn.globals_declared:
                    return None
                if name in self.local_names(owner):
                    return self.solver.var(("local", owner, name))
        return None

    def load_path(self, base: int, parts: Iterable[str]) -> int:
        for part in parts:
            memo = (base, part)
            found = self._load_memo.get(memo)
            if found is None:
                found = self.solver.fresh()
                self._load_memo[memo] = found
                self.solver.add_load(base, part, found)
            base = found
        return base

    def path(self, scope: Scope, dotted: str) -> int | None:
        """The variable holding what a dotted name (as facts write it) points to."""
        if not dotted or "(" in dotted or dotted.startswith("<"):
            return None
        head, _, rest = dotted.partition(".")
        parts = rest.split(".") if rest else []
        if scope.function_id and not self.spells_global(scope.facts, dotted):
            var = self.local_var(scope.function_id, head)
            if var is not None:
                return self.load_path(var, parts)
            if head in ("self", "cls"):
                return None
        return self.global_path(dotted)

    def global_path(self, dotted: str) -> int | None:
        if dotted in self._global_paths:
            return self._global_paths[dotted]
        self._global_paths[dotted] = None  # an alias cycle resolves to nothing
        symbol, rest = self.project.resolve(dotted)
        var: int | None = None
        if symbol.kind == "module":
            var = self.const(self.module_object(symbol.key))
        elif symbol.kind == "class":
            var = self.const(self.class_object(symbol.key))
        elif symbol.kind == "function":
            module, _, qualname = symbol.key.partition(":")
            owner = f"{module}:{qualname.rpartition('.')[0]}"
            if "." in qualname and owner in self.project.classes and symbol.name != qualname:
                var = self.load_path(self.const(self.class_object(owner)),
                                     [qualname.rpartition(".")[2]])
            else:
                var = self.const(self.function_object(symbol.key))
        elif symbol.kind == "external" and symbol.key in CURRENT_APP:
            var = self.apps
        elif symbol.kind == "binding" and symbol.module in self.project.modules:
            var = self.field_var(self.module_object(symbol.module), symbol.name)
        if var is not None:
            var = self.load_path(var, rest)
        self._global_paths[dotted] = var
        return var

    # -- values ---------------------------------------------------------------------------

    def value(self, scope: Scope, value: Value | None) -> int | None:
        """A variable holding the objects ``value`` may evaluate to (None: nothing known)."""
        if value is None:
            return None
        kind = value.kind
        if kind in ("name", "attribute"):
            return self.path(scope, value.target)
        if kind == "call":
            return self.call_value(scope, value)
        if kind in ("dict", "list", "set"):
            obj = self.allocate(scope, CONTAINER, kind)
            for key, item in value.items:
                source = self.value(scope, item)
                self._injection(scope, item)
                if source is None:
                    continue
                target = self.field_var(obj, ANY_ITEM)
                self.solver.add_copy(source, target)
                literal = key is not None and key.kind == "literal" and isinstance(key.literal, str)
                self.solver.add_copy(source, self.field_var(
                    obj, item_field(key.literal) if literal else UNKNOWN_ITEM))  # type: ignore[union-attr]
            return self.const(obj)
        if kind == "comprehension":
            if value.detail == "generator":
                return None
            return self.const(self.allocate(scope, CONTAINER, value.detail))
        if kind == "tuple":
            self._injection(scope, value)
            for _, item in value.items:
                self.value(scope, item)
            return None
        if kind in ("boolop", "ifexp"):
            parts = [self.value(scope, item) for item in value.args]
            found = [part for part in parts if part is not None]
            if not found:
                return None
            if len(found) == 1:
                return found[0]
            var = self.solver.fresh()
            for part in found:
                self.solver.add_copy(part, var)
            return var
        if kind == "subscript":
            base = self.path(scope, value.target) if value.target else None
            if base is None:
                return None
            # ``users[name]`` on an object whose class defines ``__getitem__`` runs it
            var = self.solver.fresh()
            self.solver.add_call(CallSite(self.load_path(base, [GETITEM]), (), (), var,
                                          scope.key, scope.line, scope.column, self._once(scope)))
            if not value.detail:
                self.solver.add_copy(self.load_path(base, [ANY_ITEM]), var)
                return var
            # ``settings["proxy"]``: what was stored under that key, or under a key not
            # known where it was stored
            for name in (item_field(value.detail), UNKNOWN_ITEM):
                self.solver.add_copy(self.load_path(base, [name]), var)
            return var
        if kind == "item-attribute":
            # ``handlers[name].run``: an attribute of one of the items
            base = self.path(scope, value.target) if value.target else None
            return self.load_path(base, [ANY_ITEM, value.detail]) if base is not None else None
        return None

    def _span_of(self, scope: Scope, value: Value) -> Position:
        """The position of a call value met inside another value: the call of the
        function's call list that equals it, preferring one on the statement's line."""
        candidates = scope.calls_by_target.get(value.target, ())
        fallback: Position | None = None
        for candidate, span in candidates:
            if candidate == value:
                position = (span.line, span.column, span.end_line, span.end_column)
                if span.line == scope.line and position not in scope.evaluated_calls:
                    return position
                if fallback is None and position not in scope.evaluated_calls:
                    fallback = position
        if fallback is not None:
            return fallback
        for candidate, span in candidates:
            if candidate == value:
                return (span.line, span.column, span.end_line, span.end_column)
        return (scope.line, scope.column, -1, -1)

    def call_value(self, scope: Scope, value: Value, span: Span | None = None) -> int | None:
        """The result of a call (evaluated once per call site)."""
        position = ((span.line, span.column, span.end_line, span.end_column) if span is not None
                    else self._span_of(scope, value))
        if position in scope.evaluated_calls:
            found = scope.evaluated_calls[position]
            return None if found < 0 else found
        scope.evaluated_calls[position] = -1  # a call nested in itself evaluates to nothing
        saved = (scope.line, scope.column, scope.ordinal)
        scope.line, scope.column, scope.ordinal = position[0], position[1], 0
        try:
            result = self._call(scope, value)
        finally:
            scope.line, scope.column, scope.ordinal = saved
        scope.evaluated_calls[position] = result if result is not None else -1
        return result

    def _call(self, scope: Scope, value: Value) -> int | None:
        solver = self.solver
        target = value.target
        args: list[int | None] = []
        for arg in value.args:
            if arg.kind == "other" and arg.detail.startswith("star"):
                args.append(STAR)
            else:
                args.append(self.value(scope, arg))
        kwargs = tuple((name, self.value(scope, arg)) for name, arg in value.kwargs)
        self._injection(scope, value)
        callee: int | None = None
        if target.startswith("super()."):
            callee = self._super_method(scope, target[len("super()."):])
            if callee is not None and scope.fn is not None and scope.fn.params:
                args.insert(0, solver.var(("local", scope.function_id, scope.fn.params[0].name)))
        elif "()." in target and "(" not in target.rpartition("().")[0]:
            # ``registry_for(app).open(...)``: the inner call starts where the outer one does
            owner, _, method = target.rpartition("().")
            receiver = (self.call_value(scope, *self._inner_call(scope, owner))
                        if "." not in method else None)
            callee = self.load_path(receiver, [method]) if receiver is not None else None
        elif target.endswith("()") and "(" not in target[:-2] and target[:1] not in ("", "<"):
            # ``BACKENDS.get(name)()``, ``make_handler()()``: the callee is what the inner
            # call returns (a class picked from a table, a function a factory built)
            callee = self.call_value(scope, *self._inner_call(scope, target[:-2]))
        elif target == "<subscript>()" and value.items:
            # ``BACKENDS[name]()``: the callee is an item of the table
            callee = self.value(scope, value.items[0][1])
        elif target.startswith("<subscript>.") and value.items:
            # ``settings["proxy"].add_user(...)``: a method of the item
            receiver = self.value(scope, value.items[0][1])
            callee = self.load_path(receiver, [target.partition(".")[2]]) if receiver else None
        elif target and "(" not in target and not target.startswith("<"):
            owner, _, method = target.rpartition(".")
            holder, _, listed = owner.rpartition(".")
            if method in ("append", "insert") and listed in self._startup_lists and holder and args:
                app = self.path(scope, holder)
                if app is not None and args[-1] not in (None, STAR):
                    self._run_at_startup(scope, args[-1], app)  # type: ignore[arg-type]
                return None
            local = (self.local_var(scope.function_id, target.partition(".")[0])
                     if scope.function_id and not self.spells_global(scope.facts, target)
                     else None)
            if local is None and target.partition(".")[0] not in ("self", "cls"):
                symbol, rest = self.project.resolve(target)
                if symbol.kind == "external" and not rest:
                    if symbol.key in self._runners:
                        self._run_elsewhere(scope, self._runners[symbol.key], value, args, kwargs)
                    return self._external_call(scope, symbol.key, args, kwargs)
            callee = self.path(scope, target)
        if callee is None:
            return None
        result = solver.fresh()
        self._lookup(scope, value, args, result)
        once = self._once(scope)
        solver.add_call(CallSite(callee, tuple(args), kwargs, result, scope.key, scope.line,
                                 scope.column, once))
        return result

    @staticmethod
    def _inner_call(scope: Scope, owner: str) -> tuple[Value, Span | None]:
        """The call ``owner(...)`` whose result an outer call at the scope's position uses:
        it starts where the outer one does."""
        candidates = scope.calls_by_target.get(owner, [])
        return next(((value, span) for value, span in candidates
                     if (span.line, span.column) == (scope.line, scope.column)),
                    candidates[0] if candidates else (Value("call", target=owner), None))

    def _lookup(self, scope: Scope, value: Value, args: list[int | None], result: int) -> None:
        """``settings.get("proxy")``, ``users.setdefault(name, {})``: the call gives what the
        mapping holds under the key (and ``setdefault`` first stores its default there)."""
        owner, _, method = value.target.rpartition(".")
        if method not in self._lookups or not value.args or "(" in owner or not owner:
            return
        mapping = self.path(scope, owner)
        if mapping is None:
            return
        key = value.args[0]
        literal = key.literal if key.kind == "literal" and isinstance(key.literal, str) else None
        fields = [item_field(literal), UNKNOWN_ITEM] if literal is not None else [ANY_ITEM]
        for name in fields:
            self.solver.add_copy(self.load_path(mapping, [name]), result)
        default = args[1] if len(args) > 1 else None
        if default not in (None, STAR):
            # ``BACKENDS.get(name, DiskStore)``: the default when the key is missing
            self.solver.add_copy(default, result)  # type: ignore[arg-type]
        if method == self._storing_lookup and default not in (None, STAR):
            self.solver.add_store(mapping, ANY_ITEM, default)  # type: ignore[arg-type]
            self.solver.add_store(mapping, fields[0] if literal is not None else UNKNOWN_ITEM,
                                  default)  # type: ignore[arg-type]

    @staticmethod
    def _once(scope: Scope) -> bool:
        return (scope.line, scope.column) in scope.once_calls

    def _super_method(self, scope: Scope, method: str) -> int | None:
        if scope.fn is None or "." in method:
            return None
        class_id = self.project.class_of(scope.function_id)
        if class_id is None:
            return None
        for ancestor in self.project.mro(class_id)[1:]:
            module, _, qualname = ancestor.partition(":")
            found = f"{module}:{qualname}.{method}"
            if found in self.project.functions:
                return self.const(self.function_object(found))
        return None

    def _run_elsewhere(self, scope: Scope, runner: dict[str, Any], value: Value,
                       args: list[int | None], kwargs: tuple[tuple[str, int | None], ...]
                       ) -> None:
        """``Thread(target=work, args=(job,))``, ``gevent.spawn(work, job)``: the function
        runs in another thread or greenlet, called with the arguments given for it, as part
        of whatever started it (a request, or start-up)."""
        position: int = runner["position"]
        function = dict(kwargs).get(runner["function"])
        if function is None and len(args) > position and STAR not in args[:position + 1]:
            function = args[position]
        if function is None or function == STAR:
            return
        passed: tuple[int | None, ...] = ()
        keywords: tuple[tuple[str, int | None], ...] = ()
        if runner.get("rest"):
            passed = tuple(args[position + 1:])
            keywords = tuple(item for item in kwargs if item[0] != runner["function"])
        else:
            given = value.kwarg(runner.get("args", ""))
            if given is not None and given.kind in ("tuple", "list"):
                passed = tuple(self.value(scope, item) for _, item in given.items)
            named = value.kwarg(runner.get("kwargs", ""))
            if named is not None and named.kind == "dict":
                keywords = tuple((key.literal, self.value(scope, item)) for key, item in named.items
                                 if key is not None and isinstance(key.literal, str))
        self.solver.add_call(CallSite(function, passed, keywords, self.solver.fresh(), scope.key,
                                      scope.line, scope.column, self._once(scope)))
        self.started.append((scope.key, scope.line, scope.column))

    def _external_call(self, scope: Scope, dotted: str, args: list[int | None],
                       kwargs: tuple[tuple[str, int | None], ...]) -> int | None:
        solver = self.solver
        if dotted in self._context_wrappers:
            # the wrapper calls what it wraps: it stands for it
            return args[0] if args and args[0] != STAR else None
        if dotted in PARTIAL_FACTORIES:
            if not args or args[0] in (None, STAR):
                return None
            obj = self.allocate(scope, PARTIAL, dotted)
            self.partials[obj] = (args[0], tuple(args[1:]), kwargs)
            # whoever calls it later (a router, a callback list) passes these first
            solver.add_call(CallSite(args[0], tuple(args[1:]), kwargs, solver.fresh(), scope.key,
                                     scope.line, scope.column, once=True))
            return self.const(obj)
        last = dotted.rpartition(".")[2]
        if dotted in self._constructors:
            obj = self.allocate(scope, CONTAINER, dotted)
            for name, arg in kwargs:
                if arg is not None:
                    solver.add_copy(arg, self.field_var(obj, item_field(name)))
                    solver.add_copy(arg, self.field_var(obj, ANY_ITEM))
            return self.const(obj)
        if last[:1].isupper():
            obj = self.allocate(scope, LIBRARY, dotted)
            app = self.const(obj)
            attribute = self._settings_attributes.get(dotted)
            if attribute:
                self._constructor_settings(scope, obj, attribute, kwargs)
            if dotted in self._app_classes:
                for name, arg in kwargs:
                    if name in self._startup_kwargs and arg is not None:
                        self._run_at_startup(scope, arg, app)
            return app
        return None

    def _constructor_settings(self, scope: Scope, obj: int, attribute: str,
                              kwargs: tuple[tuple[str, int | None], ...]) -> None:
        """``Application(handlers, users=users, **settings)``: the keywords become the
        items of the dict the application keeps as ``attribute``."""
        holder = self.field_var(obj, attribute)
        settings = self.allocate(scope, CONTAINER, "dict")
        self.solver.add_object(holder, settings)
        for name, arg in kwargs:
            if arg is None:
                continue
            if name == "**":
                self.solver.add_copy(arg, holder)
            else:
                self.solver.add_copy(arg, self.field_var(settings, item_field(name)))
                self.solver.add_copy(arg, self.field_var(settings, ANY_ITEM))

    def _run_at_startup(self, scope: Scope, callbacks: int, app: int) -> None:
        """The framework calls start-up callbacks (``lifespan=``, ``on_startup=[...]``,
        ``app.on_startup.append(...)``) with the application."""
        for callee in (callbacks, self.load_path(callbacks, [ANY_ITEM])):
            self.solver.add_call(CallSite(callee, (app,), (), self.solver.fresh(), scope.key,
                                          scope.line, scope.column, once=True))

    def _injection(self, scope: Scope, value: Value) -> None:
        """Keywords a framework hands to a view class's ``initialize``/``__init__``."""
        spec: tuple[Value | None, Value | None] = (None, None)
        if value.kind == "tuple" and len(value.items) >= 3:
            spec = (value.items[1][1], value.items[2][1])
        elif value.kind == "call" and value.target.rpartition(".")[2] in URL_SPEC_CALLS:
            spec = (value.arg(1, "handler"), value.arg(2, "kwargs"))
        elif value.kind == "call" and value.kwarg(RESOURCE_KWARGS) is not None:
            spec = (value.arg(0, "resource"), value.kwarg(RESOURCE_KWARGS))
        view, keywords = spec
        if view is None or keywords is None or view.kind not in ("name", "attribute"):
            return
        symbol, rest = self.project.resolve(view.target)
        if symbol.kind != "class" or rest:
            return
        items: list[tuple[str, Value]] = []
        if keywords.kind == "dict":
            items = [(key.literal, item) for key, item in keywords.items
                     if key is not None and key.kind == "literal" and isinstance(key.literal, str)]
        elif keywords.kind == "call" and keywords.target == "dict":
            items = list(keywords.kwargs)
        method = next((found for name in INJECTED_METHODS
                       if (found := self.project.method_of(symbol.key, name)) is not None), None)
        if method is None or not items:
            return
        params = [param.name for param in self.project.functions[method][1].params]
        if params:
            self.solver.add_object(self.solver.var(("local", method, params[0])),
                                   self.request_instance(symbol.key))
        fields = dict((param, attribute) for attribute, param in self.constructor_fields(method))
        view = self.const(self.request_instance(symbol.key))
        for name, item in items:
            source = self.value(scope, item)
            if source is not None and name in params:
                self.solver.add_copy(source, self.solver.var(("local", method, name)))
                if name in fields:
                    self.solver.add_store(view, fields[name], source)

    # -- modules ----------------------------------------------------------------------------

    def add_module(self, facts: ModuleFacts) -> None:
        """The constraints of one module: its import-time code, classes and functions."""
        solver = self.solver
        module = facts.module
        module_obj = self.module_object(module)
        scope = Scope(facts, "", None)
        for statement in facts.statements:
            if statement.call is not None:
                scope.calls_by_target.setdefault(statement.call.value.target, []).append(
                    (statement.call.value, statement.span))
        for imported in facts.imports:
            if imported.local in ("", "*"):
                continue
            source = self.global_path(imported.dotted)
            if source is not None:
                solver.add_copy(source, self.field_var(module_obj, imported.local))
        for fn in facts.functions:
            if "." not in fn.qualname:
                solver.add_object(self.field_var(module_obj, fn.qualname),
                                  self.function_object(f"{module}:{fn.qualname}"))
        for cls in facts.classes:
            class_id = f"{module}:{cls.name}"
            if "." not in cls.name:
                solver.add_object(self.field_var(module_obj, cls.name), self.class_object(class_id))
            class_obj = self.class_object(class_id)
            for attribute in cls.attributes:
                scope.line, scope.column = attribute.span.line, attribute.span.column
                source = self.value(scope, attribute.value)
                if source is not None:
                    solver.add_copy(source, self.field_var(class_obj, attribute.name))
                descriptor = descriptor_call(self.project, attribute)
                if descriptor is None:
                    continue
                default = descriptor.kwarg(self._descriptor_keyword)
                source = self.value(scope, default)
                if source is not None:
                    self._descriptor_defaults[(class_id, attribute.name)] = source
                else:
                    container = self._descriptor_containers.get(
                        self.project.qualify(descriptor.target), "")
                    if container:
                        self._descriptor_defaults[(class_id, attribute.name)] = container
        for binding in facts.bindings:
            scope.line, scope.column = binding.span.line, binding.span.column
            source = self.value(scope, binding.value)
            if source is not None:
                solver.add_copy(source, self.field_var(module_obj, binding.name))
        for statement in facts.statements:
            scope.line, scope.column = statement.span.line, statement.span.column
            if statement.call is not None:
                self.call_value(scope, statement.call.value, statement.span)
            elif statement.receiver is not None and statement.access is not None:
                self._store_on_result(scope, statement.receiver,
                                      statement.access.ref.rpartition(".")[2], statement.value)
            elif statement.access is not None:
                self._write(scope, statement.access, statement.value)
        for fn in facts.functions:
            self.add_function(facts, fn)

    def _store_on_result(self, scope: Scope, receiver: Value, attribute: str,
                         value: Value | None) -> None:
        """``conf.get_default().on_event = handler`` at import: the attribute is set on
        what the call gives; a library call that gives nothing known stands for one
        library object made there, which lives as long as the process."""
        source = self.value(scope, value) if value is not None else None
        if source is None:
            return
        base = self.value(scope, receiver)
        if base is None and receiver.kind == "call" and receiver.target:
            base = self.const(self.allocate(scope, LIBRARY, receiver.target))
        if base is not None:
            self.solver.add_store(base, attribute, source)

    def add_function(self, facts: ModuleFacts, fn: Function) -> None:
        solver = self.solver
        function_id = f"{facts.module}:{fn.qualname}"
        scope = Scope(facts, function_id, fn)
        for call in fn.calls:
            scope.calls_by_target.setdefault(call.value.target, []).append((call.value, call.span))
            if call.once:
                scope.once_calls.add((call.span.line, call.span.column))
        # defaults and dependencies are evaluated where the function is defined
        outer = self._enclosing_scope(facts, fn)
        outer.line, outer.column = fn.span.line, fn.span.column
        for param in fn.params:
            if param.default is None:
                continue
            target = solver.var(("local", function_id, param.name))
            dependency = dependency_of(param.default)
            if dependency:
                callee = self.path(outer, dependency)
                if callee is not None:
                    solver.add_call(CallSite(callee, (), (), target, function_id, fn.span.line,
                                             fn.span.column))
                continue
            source = self.value(outer, param.default)
            if source is not None:
                solver.add_copy(source, target)
        for child in sorted(self.children(facts.module).get(fn.qualname, ())):
            inner = f"{facts.module}:{fn.qualname}.{child}"
            obj = (self.function_object(inner) if inner in self.project.functions
                   else self.class_object(inner) if inner in self.project.classes else None)
            if obj is not None:
                solver.add_object(solver.var(("local", function_id, child)), obj)
        lines = fn.assignment_lines
        for index, (name, value) in enumerate(fn.local_assignments):
            scope.line = lines[index] if index < len(lines) else fn.span.line
            scope.column = 0
            source = self.value(scope, value)
            if source is not None:
                solver.add_copy(source, solver.var(("local", function_id, name)))
        inlined = {f"self.{attribute}" for attribute, _ in self.constructor_fields(function_id)}
        for access in fn.accesses:
            scope.line, scope.column = access.span.line, access.span.column
            if access.op == "setattr" and access.ref in inlined:
                # stored per call in ``bind``; still the site it is
                self._write(scope, access, None)
                continue
            self._write(scope, access, fn.written_value(access))
        for line, column, value in fn.returns:
            scope.line, scope.column = line, column
            source = self.value(scope, value)
            if source is not None:
                solver.add_copy(source, solver.var(("return", function_id)))
        for call in fn.calls:
            if call.value.kind == "call":
                scope.line, scope.column = call.span.line, call.span.column
                self.call_value(scope, call.value, call.span)
                self._library_store(scope, call)

    def _enclosing_scope(self, facts: ModuleFacts, fn: Function) -> Scope:
        parts = fn.qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            owner = f"{facts.module}:{'.'.join(parts[:cut])}"
            found = self.project.functions.get(owner)
            if found is not None:
                return Scope(facts, owner, found[1])
        return Scope(facts, "", None)

    def _write(self, scope: Scope, access: Access, value: Value | None) -> None:
        """Stores for writes (``x.a = v``, ``x["k"] = v``, ``global x; x = v``) and the
        mutation site each write is."""
        solver = self.solver
        ref = access.ref
        owner, _, attribute = ref.rpartition(".")
        op = access.op
        if op == "rebind":
            if value is not None and access.head == "global":
                target = self.global_path(ref)
                source = self.value(scope, value)
                if target is not None and source is not None:
                    solver.add_copy(source, target)
            if access.head == "global" and access.method != "lazy-init":
                self.mutations.append(MutationSite(scope.function_id, access.span, op, ref,
                                                   (scope.key, ref), access.once, "owner"))
            return
        if op in ("setattr", "delattr") and owner:
            if value is not None:
                base = self.path(scope, owner)
                source = self.value(scope, value)
                if base is not None and source is not None:
                    solver.add_store(base, attribute, source)
            self.mutations.append(MutationSite(scope.function_id, access.span, op, attribute,
                                               (scope.key, ref), access.once, "owner"))
        elif op in ("setitem", "delitem"):
            if value is not None:
                base = self.path(scope, ref)
                source = self.value(scope, value)
                if base is not None and source is not None:
                    solver.add_store(base, ANY_ITEM, source)
                    solver.add_store(base, item_field(access.key) if access.key else UNKNOWN_ITEM,
                                     source)
            self.mutations.append(MutationSite(scope.function_id, access.span, op, access.key,
                                               (scope.key, ref), access.once))
        elif op == "augassign":
            self.mutations.append(MutationSite(scope.function_id, access.span, op, "",
                                               (scope.key, ref), access.once, "augassign"))
        elif op == "mutate":
            self.mutations.append(MutationSite(scope.function_id, access.span, op, access.method,
                                               (scope.key, ref), access.once, "method",
                                               self._item_receiver(scope, access)))

    @staticmethod
    def _item_receiver(scope: Scope, access: Access) -> tuple[str, ...]:
        """The fields of the receiver that ``settings["pins"].add(x)`` changes: the item
        under the key, not the mapping the facts name."""
        for value, span in scope.calls_by_target.get(f"<subscript>.{access.method}", ()):
            if (span.line, span.column) == (access.span.line, access.span.column) and value.items:
                key = value.items[0][1].detail
                return (item_field(key), UNKNOWN_ITEM) if key else (ANY_ITEM,)
        return ()

    def _library_store(self, scope: Scope, call: object) -> None:
        """``scheduler.add_job(...)``, ``table.insert(...)``: methods that keep data in a
        library object, beyond the container methods facts already record."""
        from statelint.model import Call

        assert isinstance(call, Call)
        if call.head in ("expr", "builtin", "unknown"):
            return
        owner, _, method = call.target.rpartition(".")
        if not owner or method not in self.store_methods:
            return
        if any(access.op == "mutate" and access.span == call.span for access in
               (scope.fn.accesses if scope.fn is not None else ())):
            return  # already a mutation site
        self.mutations.append(MutationSite(scope.function_id, call.span, "mutate", method,
                                           (scope.key, owner), call.once, "method"))


def _decorated(fn: Function, name: str) -> bool:
    return any(decorator.target.rpartition(".")[2] == name for decorator in fn.decorators)
