"""The link stage: resolve names across the scanned files, build the call graph
and compute, for every request handler, the functions it reaches and how.

Everything here works on ``ModuleFacts`` only and is pure Python: no syntax
tree, no import of the scanned code.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from statelint.failures import Failures
from statelint.knowledge import dispatch_classes, frameworks, matches
from statelint.model import (
    Access,
    Binding,
    Call,
    ClassFacts,
    Function,
    Handler,
    Location,
    ModuleFacts,
    Span,
    Value,
)

MAX_RESOLVE_DEPTH = 12


def _app_classes_by_package() -> dict[str, frozenset[str]]:
    """Each framework package's application class names (``bottle``: ``Bottle``)."""
    found: dict[str, set[str]] = {}
    for framework in frameworks():
        names = {dotted.rsplit(".", 1)[-1] for dotted in framework.app_classes if "*" not in dotted}
        for package in framework.packages:
            found.setdefault(package, set()).update(names)
    return {package: frozenset(names) for package, names in found.items()}


_FRAMEWORK_APP_CLASSES = _app_classes_by_package()


@dataclass(frozen=True)
class Symbol:
    """What a dotted name stands for inside the project.

    ``kind`` is ``module``, ``function``, ``class``, ``binding``, ``class_attr``
    or ``external``; ``key`` identifies it (a module name, a function id
    ``module:qualname``, a class id ``module:Class``, ``module.NAME`` for a
    binding, or the dotted name for something outside the project).
    """

    kind: str
    key: str
    module: str = ""
    name: str = ""


@dataclass(frozen=True)
class StateTarget:
    """A piece of state an access touches, resolved to where it is defined."""

    kind: str  # module | class_attr | instance_attr | app_state
    symbol: str
    module: str
    binding: Binding | None
    path: str
    rest: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One edge of a call chain: ``caller`` calls ``callee`` at ``span``."""

    caller: str
    callee: str
    span: Span


@dataclass
class Reach:
    """The functions one handler reaches, with the first chain found to each."""

    handler: Handler
    parents: dict[str, Step | None] = field(default_factory=dict)

    def chain(self, function_id: str) -> list[Step]:
        """The calls from the handler's entry to ``function_id``, in order."""
        steps: list[Step] = []
        current: str | None = function_id
        seen: set[str] = set()
        while current is not None and current not in seen:
            seen.add(current)
            step = self.parents.get(current)
            if step is None:
                break
            steps.append(step)
            current = step.caller
        return list(reversed(steps))


class Project:
    """All scanned modules, linked: symbols, call graph, handlers and reach."""

    def __init__(self, modules: list[ModuleFacts], *, handler_decorators: tuple[str, ...] = (),
                 handler_base_classes: tuple[str, ...] = (),
                 stateful_classes: tuple[str, ...] = (), shared_classes: tuple[str, ...] = (),
                 known_modules: Iterable[str] | None = None) -> None:
        self.modules: dict[str, ModuleFacts] = {}
        for facts in sorted(modules, key=lambda item: item.path):
            if facts.error is None:
                self.modules.setdefault(facts.module, facts)
        # Lazy parsing: modules that exist (``known_modules``: every discovered module
        # name) but whose files were not given.  A lookup that lands on one of them is
        # recorded in ``demanded`` instead of answered, so that the caller parses it
        # and links again; a result is exact once a run demanded nothing.
        given = {facts.module for facts in modules}
        self.unparsed: frozenset[str] = frozenset(
            name for name in (known_modules or ()) if name not in given)
        self.demanded: set[str] = set()
        parsed_tops = {name.split(".")[0] for name in self.modules}
        self._unparsed_tops: dict[str, str] = {}
        for name in sorted(self.unparsed):
            top = name.split(".")[0]
            if top not in parsed_tops:
                self._unparsed_tops.setdefault(top, name)
        self.functions: dict[str, tuple[ModuleFacts, Function]] = {}
        self.classes: dict[str, tuple[ModuleFacts, ClassFacts]] = {}
        self._module_functions: dict[str, dict[str, Function]] = {}
        self._module_classes: dict[str, dict[str, ClassFacts]] = {}
        self._module_bindings: dict[str, dict[str, Binding]] = {}
        self._module_imports: dict[str, dict[str, str]] = {}
        #: names a module's functions declare ``global``: module names even when the module
        #: body only annotates them (``CACHE: "Cache"``) or never binds them
        self._module_globals: dict[str, frozenset[str]] = {}
        self._module_stars: dict[str, tuple[str, ...]] = {}
        for facts in self.modules.values():
            funcs = {fn.qualname: fn for fn in facts.functions}
            self._module_functions[facts.module] = funcs
            for fn in facts.functions:
                self.functions[f"{facts.module}:{fn.qualname}"] = (facts, fn)
            classes = {cls.name: cls for cls in facts.classes}
            self._module_classes[facts.module] = classes
            for cls in facts.classes:
                self.classes[f"{facts.module}:{cls.name}"] = (facts, cls)
            self._module_bindings[facts.module] = {b.name: b for b in facts.bindings}
            self._module_globals[facts.module] = frozenset(
                name for fn in facts.functions for name in fn.globals_declared)
            self._module_imports[facts.module] = {imp.local: imp.dotted for imp in facts.imports
                                                  if imp.local != "*"}
            self._module_stars[facts.module] = tuple(imp.module for imp in facts.imports
                                                     if imp.local == "*")
        self._suffix_index: dict[str, list[str]] = {}
        for name in [*self.modules, *sorted(self.unparsed)]:
            parts = name.split(".")
            for start in range(1, len(parts) - 1):
                self._suffix_index.setdefault(".".join(parts[start:]), []).append(name)
        self._resolve_cache: dict[str, tuple[Symbol, tuple[str, ...]]] = {}
        self._star_memo: dict[tuple[str, tuple[str, ...]], tuple[Symbol, tuple[str, ...]] | None] = {}
        self._callees_cache: dict[str, list[tuple[str, Span]]] = {}
        self._mro_cache: dict[str, list[str]] = {}
        self._external_bases_cache: dict[str, tuple[str, ...]] = {}
        self._rebound_cache: dict[str, dict[str, list[Value]]] = {}
        self._vendored_cache: dict[str, bool] = {}
        self._dispatcher_cache: dict[str, bool] = {}
        self.handler_decorators = handler_decorators
        self.handler_base_classes = handler_base_classes
        #: classes the configuration declares as keeping data in the process, or in a
        #: shared store (dotted names or patterns)
        self.stateful_classes = stateful_classes
        self.shared_classes = shared_classes
        from statelint.handlers import discover_handlers

        #: internal errors of the link stage: each cost one module or one handler's reach
        self.failures = Failures()
        self.entries: dict[str, tuple[str, ...]] = {}
        self.handlers: list[Handler] = []
        with self.failures.guard("link"):
            self.handlers = discover_handlers(self)
        self.reaches: list[Reach] = []
        for handler in self.handlers:
            reach = Reach(handler)
            with self.failures.guard("link", module=handler.module, path=handler.path):
                reach = self._reach(handler)
            self.reaches.append(reach)

    # -- modules and names ------------------------------------------------------

    def find_module(self, name: str) -> ModuleFacts | None:
        """The scanned module with this dotted name (or a unique suffix match)."""
        found = self.modules.get(name)
        if found is not None:
            return found
        if not self.unparsed:
            if "." in name:
                candidates = self._suffix_index.get(name, [])
                if len(candidates) == 1:
                    return self.modules[candidates[0]]
            return None
        if name in self.unparsed:
            self.demanded.add(name)
            return None
        if "." in name:
            candidates = self._suffix_index.get(name, [])
            pending = [candidate for candidate in candidates if candidate in self.unparsed]
            if pending:
                self.demanded.update(pending)
                return None
            if len(candidates) == 1:
                return self.modules[candidates[0]]
        # Handler discovery tells first-party names by the top-level packages parsed:
        # make sure a package that exists has a parsed module.
        first = self._unparsed_tops.get(name.split(".")[0])
        if first is not None:
            self.demanded.add(first)
        return None

    def resolve(self, dotted: str) -> tuple[Symbol, tuple[str, ...]]:
        """What a fully qualified dotted name refers to, and the attribute parts left over."""
        cached = self._resolve_cache.get(dotted)
        if cached is not None:
            return cached
        result = self._resolve(dotted, 0)
        self._resolve_cache[dotted] = result
        return result

    def _resolve(self, dotted: str, depth: int) -> tuple[Symbol, tuple[str, ...]]:
        parts = dotted.split(".")
        if depth < MAX_RESOLVE_DEPTH and dotted:
            for cut in range(len(parts), 0, -1):
                module = self.find_module(".".join(parts[:cut]))
                if module is None:
                    continue
                rest = parts[cut:]
                if not rest:
                    shadow = self._package_attribute(parts, depth) if cut > 1 else None
                    return shadow or (Symbol("module", module.module, module.module), ())
                found = self._resolve_in_module(module, rest, depth)
                if found is not None:
                    return found
        return Symbol("external", dotted), ()

    def _resolve_in_module(self, module: ModuleFacts, rest: list[str], depth: int
                           ) -> tuple[Symbol, tuple[str, ...]] | None:
        name = rest[0]
        functions = self._module_functions[module.module]
        classes = self._module_classes[module.module]
        if name in classes:
            if len(rest) > 1:
                method = self.method_of(f"{module.module}:{name}", rest[1])
                if method is not None:
                    return Symbol("function", method, module.module, name), tuple(rest[2:])
            return Symbol("class", f"{module.module}:{name}", module.module, name), tuple(rest[1:])
        if name in functions:
            return Symbol("function", f"{module.module}:{name}", module.module, name), tuple(rest[1:])
        binding = self._module_bindings[module.module].get(name)
        imported = self._module_imports[module.module].get(name)
        if imported is not None and (binding is None
                                     or binding.value.kind in ("other", "binop", "each")):
            target = ".".join([imported, *rest[1:]])
            symbol, left = self._resolve(target, depth + 1)
            return symbol, left
        if binding is not None or (imported is None and name in self._module_globals[module.module]):
            return Symbol("binding", f"{module.module}.{name}", module.module, name), tuple(rest[1:])
        return self._resolve_star(module, rest, depth)

    def _package_attribute(self, parts: list[str], depth: int
                           ) -> tuple[Symbol, tuple[str, ...]] | None:
        """What ``pkg.name`` is when ``pkg/__init__.py`` binds ``name`` itself.

        ``from .report import report`` in a package's ``__init__`` rebinds the
        package attribute from the submodule to the class, so ``from pkg import
        report`` elsewhere gets the class, as Python does.
        """
        package = self.find_module(".".join(parts[:-1]))
        name = parts[-1]
        if package is None or not (
                name in self._module_classes[package.module]
                or name in self._module_functions[package.module]
                or name in self._module_bindings[package.module]
                or name in self._module_imports[package.module]):
            return None
        found = self._resolve_in_module(package, [name], depth + 1)
        if found is None or found[0].kind == "module" or found[0].kind == "external":
            return None
        return found

    def _resolve_star(self, module: ModuleFacts, rest: list[str], depth: int
                      ) -> tuple[Symbol, tuple[str, ...]] | None:
        """A name the module defines nowhere, looked up in the modules it star-imports.

        A star import of a scanned module gives the name only if that module has it;
        one of a library (``from bottle import *``) gives it when it is the module's only
        star import from outside the tree.
        """
        stars = self._module_stars.get(module.module, ())
        if not stars:
            return None
        # Each (module, name) is looked up once: star imports chain and cross (``from .a
        # import *`` in b and ``from .b import *`` in a), and following every path again
        # for every name would grow with the number of paths, not of modules.
        key = (module.module, tuple(rest))
        if key in self._star_memo:
            return self._star_memo[key]
        self._star_memo[key] = None  # a cycle back to this lookup finds nothing
        found = self._resolve_star_uncached(module, stars, rest, depth)
        self._star_memo[key] = found
        return found

    def _resolve_star_uncached(self, module: ModuleFacts, stars: Iterable[str], rest: list[str],
                               depth: int) -> tuple[Symbol, tuple[str, ...]] | None:
        outside: list[str] = []
        for item in stars:
            if item == module.module:
                continue
            target = self.find_module(item)
            if target is None:
                if item not in self.unparsed:  # (an unparsed one is demanded for next round)
                    outside.append(item)
                continue
            if target.module == module.module or depth + 1 >= MAX_RESOLVE_DEPTH:
                continue  # (a name that only finds its own module again)
            found = self._resolve_in_module(target, rest, depth + 1)
            if found is not None and found[0].kind != "external" and found[0].key != item:
                return found
        if len(outside) == 1:
            return Symbol("external", ".".join([outside[0], *rest])), ()
        return None

    def binding(self, symbol: Symbol) -> Binding | None:
        """The module-level binding a ``binding`` symbol stands for."""
        if symbol.kind != "binding":
            return None
        return self._module_bindings.get(symbol.module, {}).get(symbol.name)

    def qualify(self, dotted: str, _depth: int = 0) -> str:
        """The fully qualified name outside the project that ``dotted`` ends up at."""
        vendored = self._vendored_framework(dotted)
        if vendored is not None:
            return vendored
        symbol, rest = self.resolve(dotted)
        if symbol.kind == "external":
            return symbol.key
        if symbol.kind == "binding" and _depth < MAX_RESOLVE_DEPTH:
            # ``A = B`` aliases are followed; circular ones (``A = B; B = A``) stop
            # at the depth limit instead of recursing forever.
            binding = self.binding(symbol)
            if binding is not None and binding.value.kind in ("name", "attribute"):
                inner = self.qualify(binding.value.target, _depth + 1)
                return ".".join([inner, *rest])
        qualified = ".".join([symbol.key.replace(":", "."), *rest])
        # re-exported from a vendored copy (``from .bottle_wrapper import Bottle``)
        return self._vendored_framework(qualified) or qualified

    def _vendored_framework(self, dotted: str) -> str | None:
        """``thirdparty.bottle.bottle.get`` as ``bottle.get``: a web framework copied into the
        tree (a single-file framework often is) is the framework, not project code.

        A module counts as such a copy when its last name is a framework's package and it
        defines one of that framework's application classes (``Bottle``).
        """
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 1, -1):
            # (most names have no framework package in them: no module to look at)
            if parts[cut - 1] in _FRAMEWORK_APP_CLASSES and self.is_vendored_framework(
                    ".".join(parts[:cut])):
                return ".".join(parts[cut - 1:])
        return None

    def is_vendored_framework(self, module: str) -> bool:
        """Whether a module of the tree is a copy of a web framework (see ``qualify``)."""
        package = module.rsplit(".", 1)[-1]
        classes = _FRAMEWORK_APP_CLASSES.get(package)
        if classes is None or package == module:
            return False
        known = self._vendored_cache.get(module)
        if known is None:
            facts = self.find_module(module)
            if facts is None:
                return False  # not in the tree (or not parsed yet: demanded)
            known = any(cls.name in classes for cls in facts.classes)
            self._vendored_cache[module] = known
        return known

    # -- classes --------------------------------------------------------------

    def mro(self, class_id: str) -> list[str]:
        """The class and its project base classes, nearest first."""
        cached = self._mro_cache.get(class_id)
        if cached is not None:
            return cached
        order: list[str] = []
        queue = deque([class_id])
        while queue:
            current = queue.popleft()
            if current in order or current not in self.classes:
                continue
            order.append(current)
            facts, cls = self.classes[current]
            for base in cls.bases:
                symbol, rest = self.resolve(base)
                if symbol.kind == "class" and not rest:
                    queue.append(symbol.key)
        self._mro_cache[class_id] = order
        return order

    def subclasses(self, class_id: str) -> list[str]:
        """Project classes with ``class_id`` in their MRO (itself excluded), in class order.

        The same as ``[c for c in self.classes if c != class_id and class_id in
        self.mro(c)]``, from an index built once, so asking for every class is
        linear instead of quadratic in the number of classes.
        """
        index = getattr(self, "_subclass_index", None)
        if index is None:
            index = {}
            for other in self.classes:
                for ancestor in self.mro(other)[1:]:
                    bucket = index.setdefault(ancestor, [])
                    if not bucket or bucket[-1] != other:
                        bucket.append(other)
            self._subclass_index = index
        return list(index.get(class_id, ()))

    def external_bases(self, class_id: str) -> tuple[str, ...]:
        """Fully qualified bases from outside the project, through project ancestors."""
        cached = self._external_bases_cache.get(class_id)
        if cached is not None:
            return cached
        found: list[str] = []
        for ancestor in self.mro(class_id):
            _, cls = self.classes[ancestor]
            for base in cls.bases:
                symbol, _ = self.resolve(base)
                if symbol.kind == "external":
                    found.append(symbol.key)
                elif symbol.kind == "binding":
                    found.append(self.qualify(base))
        result = tuple(dict.fromkeys(found))
        self._external_bases_cache[class_id] = result
        return result

    def method_of(self, class_id: str, name: str) -> str | None:
        """The function id of ``name`` looked up through the class's project MRO."""
        for ancestor in self.mro(class_id):
            module, _, qualname = ancestor.partition(":")
            if f"{qualname}.{name}" in self._module_functions.get(module, {}):
                return f"{module}:{qualname}.{name}"
        return None

    def class_attribute(self, class_id: str, name: str) -> tuple[str, Binding] | None:
        """The class (id) that defines a class-level attribute ``name``, through the MRO."""
        for ancestor in self.mro(class_id):
            _, cls = self.classes[ancestor]
            for attribute in cls.attributes:
                if attribute.name == name:
                    return ancestor, attribute
        return None

    def class_of(self, function_id: str) -> str | None:
        """The class id a method belongs to (None for a function, or an id that names
        no function of the project, such as a view class registered as a whole)."""
        found = self.functions.get(function_id)
        if found is None:
            return None
        facts, fn = found
        if not fn.class_name:
            return None
        class_id = f"{facts.module}:{fn.class_name}"
        return class_id if class_id in self.classes else None

    def binding_class(self, symbol: Symbol) -> str | None:
        """The project class of the object a module-level name holds.

        The object is built where the name is defined (``store = Store()``) or by a
        function of the same module that rebinds it through ``global``: the common
        ``store = None`` at import time and ``store = Store(settings)`` in the app
        factory or ``main()``.  (``global`` can only rebind names of its own module,
        so the module's functions are all there is to read.)  Failing both, the
        name's annotation says what it holds (``store: Store | None = None``).
        """
        binding = self.binding(symbol)
        if binding is None:
            return None
        found = self.instance_class(binding.value)
        if found is not None:
            return found
        for value in self.rebound_values(symbol):
            found = self.instance_class(value)
            if found is not None:
                return found
        if binding.annotation:
            # ``storage: CounterStorage = None``: the declared type of what it will hold
            declared, rest = self.resolve(binding.annotation)
            if declared.kind == "class" and not rest:
                return declared.key
        return None

    def rebound_values(self, symbol: Symbol) -> list[Value]:
        """What functions assign to a module-level name through ``global``, in file order."""
        values = self._rebound_cache.get(symbol.module)
        if values is None:
            values = {}
            facts = self.modules.get(symbol.module)
            for fn in facts.functions if facts is not None else ():
                for access in fn.accesses:
                    if access.op == "rebind" and access.head == "global":
                        value = fn.written_value(access)
                        if value is not None:
                            values.setdefault(access.ref, []).append(value)
            self._rebound_cache[symbol.module] = values
        return values.get(symbol.key, [])

    def instance_class(self, value: Value) -> str | None:
        """The project class a value is an instance of, when it is ``Class(...)``."""
        if value.kind != "call" or not value.target:
            return None
        symbol, rest = self.resolve(value.target)
        if symbol.kind == "class" and not rest:
            return symbol.key
        return None

    # -- call graph -------------------------------------------------------------

    def callees(self, function_id: str) -> list[tuple[str, Span]]:
        """Functions of the project that ``function_id`` calls, with the call site."""
        cached = self._callees_cache.get(function_id)
        if cached is not None:
            return cached
        facts, fn = self.functions[function_id]
        found: list[tuple[str, Span]] = []
        local_values = dict(fn.local_assignments)
        for call in fn.calls:
            if call.once:
                continue  # once-per-process initialisation, not request-time work
            target = self._call_target(function_id, facts, fn, call, local_values)
            if target is not None and target != function_id:
                found.append((target, call.span))
        for param in fn.params:
            dependency = dependency_of(param.default)
            if dependency:
                symbol, rest = self.resolve(dependency)
                target = self._callable_function(symbol, rest)
                if target is not None:
                    found.append((target, fn.span))
        self._callees_cache[function_id] = found
        return found

    def _callable_function(self, symbol: Symbol, rest: tuple[str, ...]) -> str | None:
        if symbol.kind == "function" and not rest:
            return symbol.key
        if symbol.kind == "class":
            method = "__init__" if not rest else rest[0]
            if len(rest) <= 1:
                found = self.method_of(symbol.key, method)
                if found is None and not rest:
                    found = self.method_of(symbol.key, "__call__")
                return found
        if symbol.kind == "binding" and len(rest) == 1:
            class_id = self.binding_class(symbol)
            if class_id is not None:
                return self.method_of(class_id, rest[0])
        return None

    def _call_target(self, function_id: str, facts: ModuleFacts, fn: Function, call: Call,
                     local_values: dict[str, Value]) -> str | None:
        parts = call.target.split(".")
        if call.head in ("self", "cls"):
            class_id = self.class_of(function_id)
            if class_id is not None and len(parts) == 2:
                return self.method_of(class_id, parts[1])
            return None
        if call.head == "local":
            nested = f"{facts.module}:{fn.qualname}.{parts[0]}"
            if len(parts) == 1 and nested in self.functions:
                return nested
            value = local_values.get(parts[0])
            if value is not None and len(parts) == 2:
                class_id = self.instance_class(value)
                if class_id is not None:
                    return self.method_of(class_id, parts[1])
            return None
        if call.head == "expr":
            # ``PriceBook().override(...)``: a method of a freshly built instance
            owner, separator, method = call.target.rpartition("().")
            if separator and owner == "super" and "." not in method:
                # ``super().search()``: the next definition up the class's project bases
                class_id = self.class_of(function_id)
                for ancestor in self.mro(class_id)[1:] if class_id is not None else ():
                    found = self.method_of(ancestor, method)
                    if found is not None:
                        return found
                return None
            if separator and owner and "." not in method:
                symbol, rest = self.resolve(owner)
                if symbol.kind == "class" and not rest:
                    return self.method_of(symbol.key, method)
            return None
        if call.head != "global":
            return None
        symbol, rest = self.resolve(call.target)
        return self._callable_function(symbol, rest)

    def serves_another_request(self, function_id: str) -> bool:
        """Whether ``function_id`` is a method of one of the framework's request dispatchers
        or test clients (``dispatch_classes`` in frameworks.toml), or of a subclass.

        Calling one (a view that fetches another page through the test client) runs a
        request of its own through the whole middleware and URL dispatch: that is not the
        caller's request code, so a reach does not go on into it.  Only met when the
        framework's own source is scanned; elsewhere those classes are outside the tree.
        """
        class_id = self.class_of(function_id)
        if class_id is None:
            return False
        known = self._dispatcher_cache.get(class_id)
        if known is None:
            patterns = dispatch_classes()
            known = any(matches(ancestor.replace(":", "."), patterns)
                        for ancestor in self.mro(class_id)) or any(
                matches(base, patterns) for base in self.external_bases(class_id))
            self._dispatcher_cache[class_id] = known
        return known

    def _reach(self, handler: Handler) -> Reach:
        reach = Reach(handler)
        entries = self.entries.get(handler.function_id, (handler.function_id,))
        queue: deque[str] = deque()
        for entry in entries:
            if entry in self.functions and entry not in reach.parents:
                reach.parents[entry] = None
                queue.append(entry)
        while queue:
            current = queue.popleft()
            for callee, span in self.callees(current):
                if callee not in reach.parents and not self.serves_another_request(callee):
                    reach.parents[callee] = Step(current, callee, span)
                    queue.append(callee)
        return reach

    # -- state -----------------------------------------------------------------

    def resolve_access(self, function_id: str, access: Access) -> StateTarget | None:
        """The state an access touches, if it is module-level or class-level state."""
        facts, fn = self.functions[function_id]
        if access.head == "global":
            symbol, rest = self.resolve(access.ref)
            if symbol.kind in ("binding", "class") and self.is_vendored_framework(symbol.module):
                return None  # the framework's own objects (its thread-local request), not the app's
            if symbol.kind == "binding":
                module = self.modules[symbol.module]
                return StateTarget("module", symbol.key, symbol.module, self.binding(symbol),
                                   module.path, rest)
            if symbol.kind == "class" and rest:
                found = self.class_attribute(symbol.key, rest[0])
                if found is not None:
                    return self._class_target(found, rest[1:])
            return None
        if access.head in ("self", "cls"):
            class_id = self.class_of(function_id)
            parts = access.ref.split(".")[1:]
            if class_id is None or not parts:
                return None
            found = self.class_attribute(class_id, parts[0])
            if found is not None:
                return self._class_target(found, tuple(parts[1:]))
            if access.head == "self":
                module = self.modules[facts.module]
                return StateTarget("instance_attr", f"{class_id.replace(':', '.')}.{parts[0]}",
                                   facts.module, None, module.path, tuple(parts[1:]))
        return None

    def _class_target(self, found: tuple[str, Binding], rest: tuple[str, ...]) -> StateTarget:
        class_id, binding = found
        module, _, qualname = class_id.partition(":")
        return StateTarget("class_attr", f"{module}.{qualname}.{binding.name}", module, binding,
                           self.modules[module].path, tuple(rest))

    # -- locations ---------------------------------------------------------------

    def function_location(self, function_id: str, message: str = "") -> Location:
        """Where a function is defined."""
        facts, fn = self.functions[function_id]
        return Location(facts.path, fn.span.line, fn.span.column, message)

    def trace(self, reach: Reach, function_id: str, final: Location) -> tuple[Location, ...]:
        """The chain from a handler to an access, as locations with messages."""
        handler = reach.handler
        steps = reach.chain(function_id)
        entry = steps[0].caller if steps else function_id
        route = f" {handler.route}" if handler.route else ""
        if entry == handler.function_id or not self.functions[entry][1].name:
            label = f"handler {handler.name} ({handler.framework}{route})"
        elif self.class_of(entry) is not None and handler.name.startswith(
                (self.functions[entry][1].class_name or "") + "."):
            # a per-request method of the view class (``dispatch``, ``prepare``)
            label = (f"{self.functions[entry][1].qualname}, run for handler {handler.name} "
                     f"({handler.framework}{route})")
        else:
            label = (f"hook {self.functions[entry][1].qualname}, run for handler {handler.name} "
                     f"({handler.framework}{route})")
        locations = [self.function_location(entry, label)]
        for step in steps:
            facts, _ = self.functions[step.caller]
            _, callee = self.functions[step.callee]
            locations.append(Location(facts.path, step.span.line, step.span.column,
                                      f"calls {callee.qualname}()"))
        locations.append(final)
        return tuple(locations)


def dependency_of(value: Value | None) -> str:
    """The dependency a parameter default injects (``Depends(get_db)``), if any."""
    if value is None or value.kind != "call":
        return ""
    last = value.target.rsplit(".", 1)[-1]
    if last not in ("Depends", "Security", "Provide", "Inject"):
        return ""
    if value.args and value.args[0].kind in ("name", "attribute"):
        return value.args[0].target
    dependency = value.kwarg("dependency")
    if dependency is not None and dependency.kind in ("name", "attribute"):
        return dependency.target
    return ""


def known_frameworks() -> tuple[str, ...]:
    """Names of every framework statelint knows."""
    return tuple(framework.name for framework in frameworks())
