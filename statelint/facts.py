"""The parse stage: one LibCST pass over a file yields its ``ModuleFacts``.

This is the cost centre of a scan, so the extractor does one walk of the tree,
asks LibCST for positions only (no scope analysis, no deep copy of the tree),
and records plain data.  Name resolution inside the file happens here (imports,
module-level names, function locals); resolution across files is the link
stage's job.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst

from statelint.knowledge import api_list
from statelint.model import (
    Access,
    Binding,
    Branch,
    Call,
    ClassFacts,
    Function,
    Guard,
    Import,
    ModuleFacts,
    Param,
    ParseError,
    Span,
    Statement,
    Suppression,
    Value,
)
from statelint.positions import Range, node_ranges
from statelint.walk import Walker

BUILTIN_NAMES = frozenset(dir(builtins))
#: How deep a value summary goes; deeper structure becomes ``other``.
MAX_VALUE_DEPTH = 6
#: How many items of a literal container are summarised.
MAX_VALUE_ITEMS = 64
#: Method calls recorded as changes (``mutate`` accesses): the container mutators and the
#: other recorded methods of the ``[containers]`` table of apis.toml, their one home.
MUTATING_METHODS = frozenset(api_list("containers", "mutators")) | frozenset(
    api_list("containers", "recorded"))


#: Calls that read the process's standard input: a block that makes one is command-line code.
STDIN_READERS = frozenset(api_list("console", "stdin_readers"))


#: Methods that return an element of a container, so writing into the result
#: writes into the container.
CONTAINER_LOOKUPS = frozenset({"setdefault", "get", "__getitem__"})


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    """Resolve a relative import (``from ..x import y``) against the importing module."""
    if level == 0:
        return target or ""
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    if target:
        parts.append(target)
    return ".".join(parts)


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, ``None`` for anything else."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _receiver_chain(node: cst.BaseExpression) -> tuple[str, list[str]] | None:
    """The head name and attribute parts of ``a.b[k].c``, ignoring subscripts.

    Subscripts are skipped because mutating ``CACHE[user].append(x)`` mutates
    ``CACHE``'s contents all the same.  ``type(self).x`` and
    ``self.__class__.x`` give the head ``cls``.
    """
    parts: list[str] = []
    while True:
        if isinstance(node, cst.Attribute):
            if node.attr.value == "__class__" and isinstance(node.value, cst.Name):
                return "cls", list(reversed(parts))
            parts.append(node.attr.value)
            node = node.value
        elif isinstance(node, cst.Subscript):
            parts = []  # what follows an index is an element, not the container
            node = node.value
        elif isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in CONTAINER_LOOKUPS:
                # ``CARTS.setdefault(user, {})[sku] = n`` changes what CARTS holds
                parts = []
                node = func.value
                continue
            if (
                isinstance(func, cst.Name)
                and func.value == "type"
                and len(node.args) == 1
                and isinstance(node.args[0].value, cst.Name)
            ):
                return "cls", list(reversed(parts))
            return None
        elif isinstance(node, cst.Name):
            return node.value, list(reversed(parts))
        else:
            return None


def _string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = ast.literal_eval(node.value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left = _string_value(node.left)
        right = _string_value(node.right)
        if left is not None and right is not None:
            return left + right
    return None


@dataclass
class _Scope:
    """Raw facts of a function while it is being walked; resolved on leave."""

    qualname: str
    name: str
    class_name: str
    span: Span
    is_async: bool
    decorators: tuple[Value, ...]
    params: list[Param]
    param_names: set[str]
    first_param: str
    is_classmethod: bool
    locals: set[str] = field(default_factory=set)
    globals_declared: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    raw_accesses: list[tuple[str, list[str], str, Span, str, str]] = field(default_factory=list)
    raw_calls: list[tuple[str, list[str], Span, Value]] = field(default_factory=list)
    local_assignments: list[tuple[str, Value]] = field(default_factory=list)
    write_values: list[tuple[int, int, Value]] = field(default_factory=list)
    returns: list[tuple[int, int, Value]] = field(default_factory=list)
    assignment_lines: list[int] = field(default_factory=list)
    loop_values: list[tuple[str, Value]] = field(default_factory=list)
    branches: list[Branch] = field(default_factory=list)
    blocks: list[tuple[int, int, Value]] = field(default_factory=list)
    parent: _Scope | None = None
    #: names tested for ``None``/falsiness by the enclosing ``if`` statements
    guards: list[frozenset[str]] = field(default_factory=list)
    #: names tested by an earlier ``if`` that returns or raises (``if _done: return``)
    exit_guarded: set[str] = field(default_factory=set)
    #: whether each enclosing ``if`` tests whether a ``global`` is set
    once_stack: list[bool] = field(default_factory=list)
    #: line ranges that run once per process (lazy initialisation, latches)
    once_ranges: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class _ClassScope:
    name: str
    qualname: str
    span: Span
    bases: tuple[str, ...]
    decorators: tuple[Value, ...]
    keywords: tuple[tuple[str, Value], ...]
    attributes: dict[str, Binding] = field(default_factory=dict)
    methods: list[str] = field(default_factory=list)


class FactsCollector(cst.CSTVisitor):
    """Walks a module once and gathers imports, bindings, functions and classes."""

    def __init__(self, module: str, is_package: bool, module_node: cst.Module,
                 declared_globals: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.walker = Walker(self)
        self.positions: Mapping[cst.CSTNode, Range] = {}
        self.module = module
        self.is_package = is_package
        self.imports: dict[str, Import] = {}
        self.import_list: list[Import] = []
        self.bindings: dict[str, Binding] = {}
        self.functions: list[Function] = []
        self.classes: list[ClassFacts] = []
        self.statements: list[Statement] = []
        self.scopes: list[_Scope] = []
        self.class_stack: list[_ClassScope] = []
        # a name a function declares ``global`` is the module's, bound there or not
        self.module_names = self._top_level_names(module_node) | declared_globals
        self._main_guard_depth = 0
        self._annotation_args: tuple[str, ...] = ()
        # import-time ``if`` statements around the current statement, with their conditions
        self._branches: list[tuple[cst.If, Guard]] = []

    # -- helpers -----------------------------------------------------------

    def span(self, node: cst.CSTNode) -> Span:
        start, end, lines = self.positions[node]
        return Span(*lines.position(start), *lines.position(end))

    def _top_level_names(self, module_node: cst.Module) -> set[str]:
        """Names bound at module level, found before the walk so that functions
        defined above a binding still resolve it; also collects the imports."""
        names: set[str] = set()

        def visit_block(body: Sequence[cst.CSTNode]) -> None:
            for stmt in body:
                if isinstance(stmt, cst.SimpleStatementLine):
                    for small in stmt.body:
                        if isinstance(small, (cst.Import, cst.ImportFrom)):
                            for item in self._imports_of(small, 0):
                                self.imports.setdefault(item.local, item)
                                names.add(item.local)
                        elif isinstance(small, cst.Assign):
                            for target in small.targets:
                                names.update(_target_names(target.target))
                        elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                            names.update(_target_names(small.target))
                elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                    names.add(stmt.name.value)
                elif isinstance(stmt, (cst.If, cst.Try, cst.With, cst.For, cst.While)):
                    for block in _blocks_of(stmt):
                        visit_block(block)

        visit_block(module_node.body)
        return names

    def _imports_of(self, node: cst.Import | cst.ImportFrom, line: int) -> list[Import]:
        found: list[Import] = []
        if isinstance(node, cst.Import):
            for alias in node.names:
                name = dotted_name(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    found.append(Import(alias.asname.name.value, name, "", line))
                else:
                    # ``import a.b`` binds ``a`` but makes ``a.b.x`` reachable.
                    found.append(Import(name.split(".")[0], name.split(".")[0], "", line))
                    if "." in name:
                        found.append(Import(name, name, "", line))
            return found
        level = len(node.relative)
        target = dotted_name(node.module) if node.module is not None else None
        base = resolve_relative(self.module, self.is_package, level, target)
        if isinstance(node.names, cst.ImportStar):
            # ``from pkg.compat import *``: recorded as local name ``*`` so that names the
            # module leaves undefined can be looked up in ``pkg.compat``
            if base:
                found.append(Import("*", base, "*", line))
            return found
        for alias in node.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else dotted_name(alias.name)
            if not name:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            found.append(Import(local, base, name, line))
        return found

    def resolve_head(self, head: str) -> tuple[str, str]:
        """Resolve a name at module level: (dotted, kind)."""
        imported = self.imports.get(head)
        if imported is not None:
            return imported.dotted, "global"
        if head in self.module_names:
            return f"{self.module}.{head}", "global"
        if head in BUILTIN_NAMES:
            return head, "builtin"
        if "*" in self.imports:
            # defined nowhere here: it comes from a star import (resolved when linking)
            return f"{self.module}.{head}", "global"
        return head, "unknown"

    def resolve_dotted(self, name: str) -> str:
        """Resolve the head of a dotted name through imports and module names."""
        head, _, rest = name.partition(".")
        scope = self.scopes[-1] if self.scopes else None
        if scope is not None and self._is_local(scope, head):
            return name
        if head in self.imports and rest:
            # ``import a.b`` registers the full dotted name too: prefer the longest.
            parts = name.split(".")
            for cut in range(len(parts), 0, -1):
                candidate = ".".join(parts[:cut])
                imp = self.imports.get(candidate)
                if imp is not None:
                    tail = ".".join(parts[cut:])
                    return f"{imp.dotted}.{tail}" if tail else imp.dotted
        resolved, _ = self.resolve_head(head)
        return f"{resolved}.{rest}" if rest else resolved

    @staticmethod
    def _is_local(scope: _Scope, name: str) -> bool:
        current: _Scope | None = scope
        while current is not None:
            if name in current.globals_declared:
                return False
            if name in current.param_names or name in current.locals:
                return True
            current = current.parent
        return False

    # -- value summaries ----------------------------------------------------

    def summarize(self, node: cst.BaseExpression | None, depth: int = 0) -> Value:
        """Summarise an expression as a ``Value``."""
        if node is None:
            return Value("literal", literal=None)
        if depth > MAX_VALUE_DEPTH:
            return Value("other")
        string = _string_value(node)
        if string is not None:
            return Value("literal", literal=string)
        if isinstance(node, cst.Integer) or isinstance(node, cst.Float):
            try:
                return Value("literal", literal=ast.literal_eval(node.value))
            except (ValueError, SyntaxError):
                return Value("other")
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            inner = self.summarize(node.expression, depth + 1)
            if inner.kind == "literal" and isinstance(inner.literal, (int, float)):
                return Value("literal", literal=-inner.literal)
            return Value("other")
        if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
            return Value("literal", literal={"True": True, "False": False, "None": None}[node.value])
        if isinstance(node, (cst.Name, cst.Attribute)):
            name = dotted_name(node)
            if name is not None:
                return Value("name" if isinstance(node, cst.Name) else "attribute",
                             target=self.resolve_dotted(name))
            if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Subscript):
                # ``handlers[name].run``: an attribute of an item of a named container
                base = dotted_name(node.value.value)
                if base is not None:
                    return Value("item-attribute", target=self.resolve_dotted(base),
                                 detail=node.attr.value)
            return Value("other")
        if isinstance(node, cst.Dict):
            items: list[tuple[Value | None, Value]] = []
            literal: dict[Any, Any] | None = {}
            for element in node.elements[:MAX_VALUE_ITEMS]:
                if isinstance(element, cst.DictElement):
                    key = self.summarize(element.key, depth + 1)
                    value = self.summarize(element.value, depth + 1)
                    items.append((key, value))
                    if (
                        literal is not None
                        and key.kind == "literal"
                        and value.kind == "literal"
                        and isinstance(key.literal, (str, int, float, bool, type(None)))
                    ):
                        literal[key.literal] = value.literal
                    else:
                        literal = None
                else:
                    items.append((None, self.summarize(element.value, depth + 1)))
                    literal = None
            if len(node.elements) > MAX_VALUE_ITEMS:
                literal = None
            return Value("dict", items=tuple(items), literal=literal if items else {})
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            kind = {cst.List: "list", cst.Tuple: "tuple", cst.Set: "set"}[type(node)]
            values = [
                self.summarize(element.value, depth + 1)
                for element in node.elements[:MAX_VALUE_ITEMS]
            ]
            literal_items = (
                [item.literal for item in values]
                if all(item.kind == "literal" for item in values)
                and len(node.elements) <= MAX_VALUE_ITEMS
                else None
            )
            return Value(
                kind,
                items=tuple((None, item) for item in values),
                literal=literal_items,
            )
        if isinstance(node, (cst.DictComp, cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            detail = {
                cst.DictComp: "dict", cst.ListComp: "list", cst.SetComp: "set",
                cst.GeneratorExp: "generator",
            }[type(node)]
            return Value("comprehension", detail=detail)
        if isinstance(node, cst.Call):
            receiver: tuple[tuple[Value | None, Value], ...] = ()
            target = dotted_name(node.func)
            resolved = self.resolve_dotted(target) if target else ""
            if not target and isinstance(node.func, cst.Call):
                # ``Class.as_view()`` chains and ``factory()()``: keep the inner call
                inner = self.summarize(node.func, depth + 1)
                resolved = f"{inner.target}()" if inner.target else ""
            elif not target and isinstance(node.func, cst.Subscript):
                # ``BACKENDS[name]()``: the table item is the callee, kept as the one item
                inner = self.summarize(node.func, depth + 1)
                if inner.target:
                    resolved = "<subscript>()"
                    receiver = ((None, inner),)
            elif not target and isinstance(node.func, cst.Attribute):
                inner = self.summarize(node.func.value, depth + 1)
                if inner.kind == "call" and inner.target:
                    resolved = f"{inner.target}().{node.func.attr.value}"
                    receiver = ((None, inner),)
                else:
                    # ``(base / name).write_bytes(...)``: keep the method name, and the
                    # receiver of ``settings["pins"].add(...)`` or of ``(base / name)``
                    # as the call's one item
                    resolved = f"<{inner.kind}>.{node.func.attr.value}"
                    if (inner.kind == "subscript" and inner.target) or inner.kind == "binop":
                        receiver = ((None, inner),)
            args: list[Value] = []
            kwargs: list[tuple[str, Value]] = []
            for arg in node.args[:MAX_VALUE_ITEMS]:
                summary = self.summarize(arg.value, depth + 1)
                if arg.keyword is not None:
                    kwargs.append((arg.keyword.value, summary))
                elif arg.star == "**":
                    # ``**settings``: the mapping whose items become the keywords
                    kwargs.append(("**", summary))
                elif arg.star:
                    args.append(Value("other", detail=f"star{len(arg.star)}"))
                else:
                    args.append(summary)
            return Value("call", target=resolved, args=tuple(args), kwargs=tuple(kwargs),
                         items=receiver)
        if isinstance(node, cst.FormattedString):
            # ``f"{UPLOAD_DIR}/{name}"``: what the replacement fields hold, in order
            return Value("fstring", args=tuple(
                self.summarize(part.expression, depth + 1) for part in node.parts
                if isinstance(part, cst.FormattedStringExpression))[:MAX_VALUE_ITEMS])
        if isinstance(node, cst.Lambda):
            # the body's summary, so ``default_factory=lambda: make()`` shows what it makes
            return Value("lambda", args=(self.summarize(node.body, depth + 1),))
        if isinstance(node, cst.Subscript):
            base = self.summarize(node.value, depth + 1)
            # ``settings["proxy"]``: the literal key, when there is one
            key = (_string_value(node.slice[0].slice.value)
                   if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) else None)
            return Value("subscript", target=base.target, detail=key or "")
        if isinstance(node, cst.BooleanOperation):
            # ``os.environ.get("X") or "memory://"``: keep both sides as args
            return Value(
                "boolop",
                args=(self.summarize(node.left, depth + 1), self.summarize(node.right, depth + 1)),
            )
        if isinstance(node, cst.IfExp):
            return Value(
                "ifexp",
                args=(self.summarize(node.body, depth + 1), self.summarize(node.orelse, depth + 1)),
            )
        if isinstance(node, cst.Await):
            return self.summarize(node.expression, depth + 1)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            # ``[path("", home)] + api.urlpatterns``: a list joined with others, both kept
            sides = (self.summarize(node.left, depth + 1), self.summarize(node.right, depth + 1))
            if any(side.kind in ("list", "tuple", "concat") for side in sides):
                return Value("concat", items=tuple((None, side) for side in sides))
        if isinstance(node, cst.BinaryOperation):
            # ``BASE + "/x"``, ``Path(BASE) / name``: both operands kept
            return Value("binop", args=(self.summarize(node.left, depth + 1),
                                        self.summarize(node.right, depth + 1)))
        return Value("other")

    # -- module-level and scope bookkeeping ---------------------------------

    def _in_function(self) -> bool:
        return bool(self.scopes)

    def _subscript_names(self, annotation: cst.BaseExpression) -> tuple[str, ...]:
        """Resolved names inside ``set[WebSocket]`` / ``dict[str, list[Queue]]``."""
        if not isinstance(annotation, cst.Subscript):
            return ()
        names: list[str] = []
        for element in annotation.slice:
            if isinstance(element.slice, cst.Index):
                inner = element.slice.value
                name = dotted_name(inner)
                if name is not None:
                    names.append(self.resolve_dotted(name))
                elif isinstance(inner, cst.Subscript):
                    base = dotted_name(inner.value)
                    if base is not None:
                        names.append(self.resolve_dotted(base))
                    names.extend(self._subscript_names(inner))
        return tuple(names)

    def _record_binding(self, name: str, node: cst.CSTNode, value: Value, annotation: str = "") -> None:
        existing = self.bindings.get(name)
        args = self._annotation_args if isinstance(node, cst.AnnAssign) else ()
        self.bindings[name] = self._bound(existing, name, node, value, annotation, args)

    def _record_class_attribute(self, name: str, node: cst.CSTNode, value: Value, annotation: str = "") -> None:
        scope = self.class_stack[-1]
        args = self._annotation_args if isinstance(node, cst.AnnAssign) else ()
        existing = scope.attributes.get(name)
        scope.attributes[name] = self._bound(existing, name, node, value, annotation, args)

    def _bound(self, existing: Binding | None, name: str, node: cst.CSTNode, value: Value,
               annotation: str, args: tuple[str, ...]) -> Binding:
        """A name's binding with one more import-time assignment, and its conditions."""
        guards = tuple(guard for _, guard in self._branches)
        if existing is None:
            return Binding(name, self.span(node), value, annotation, 1, args, guards=guards)
        return Binding(
            name, existing.span, existing.value, existing.annotation, existing.assignments + 1,
            existing.annotation_args, (*existing.alternatives, (self.span(node), value)),
            existing.guards, (*existing.alternative_guards, guards))

    def _record_access(self, target: cst.BaseExpression, op: str, node: cst.CSTNode, method: str = "",
                       key: str = "", value: cst.BaseExpression | None = None) -> None:
        chain = _receiver_chain(target)
        if chain is None:
            if (op == "setattr" and value is not None and not self.scopes and not self.class_stack
                    and isinstance(target, cst.Attribute) and isinstance(target.value, cst.Call)):
                # ``conf.get_default().on_event = handler`` at import: the object a library
                # call gives keeps what is stored on it
                span = self.span(node)
                self.statements.append(Statement(
                    "access", span,
                    access=Access(f"<call>.{target.attr.value}", "expr", op, span, method, key),
                    in_main_guard=self._main_guard_depth > 0, value=self.summarize(value),
                    receiver=self.summarize(target.value)))
            return
        head, parts = chain
        span = self.span(node)
        if self.scopes:
            self.scopes[-1].raw_accesses.append((head, parts, op, span, method, key))
            if value is not None:
                self.scopes[-1].write_values.append((span.line, span.column, self.summarize(value)))
        elif not self.class_stack:
            ref, kind = self.resolve_head(head)
            if kind == "global":
                full = ".".join([ref, *parts])
                self.statements.append(
                    Statement(
                        "access",
                        span,
                        access=Access(full, "global", op, span, method, key),
                        in_main_guard=self._main_guard_depth > 0,
                        value=self.summarize(value) if value is not None else None,
                    )
                )

    # -- visitors: imports ------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> bool:
        line = self.span(node).line
        items = self._imports_of(node, line)
        if self.scopes:
            for item in items:
                self.scopes[-1].locals.add(item.local)
                self.scopes[-1].local_assignments.append(
                    (item.local, Value("name", target=item.dotted))
                )
                self.scopes[-1].assignment_lines.append(line)
        else:
            self.import_list.extend(items)
            for item in items:
                self.imports[item.local] = item
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return self.visit_Import(node)  # type: ignore[arg-type]

    # -- visitors: definitions ---------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if self.scopes:
            self.scopes[-1].locals.add(node.name.value)
        outer = self.class_stack[-1].qualname + "." if self.class_stack else ""
        if self.scopes:
            outer = self.scopes[-1].qualname + "."
        bases = tuple(
            self.resolve_dotted(name)
            for arg in node.bases
            if arg.keyword is None and (name := _base_name(arg.value)) is not None
        )
        keywords = tuple(
            (arg.keyword.value, self.summarize(arg.value)) for arg in node.bases if arg.keyword is not None
        )
        decorators = tuple(self.summarize(dec.decorator) for dec in node.decorators)
        self.class_stack.append(
            _ClassScope(node.name.value, outer + node.name.value, self.span(node), bases, decorators, keywords)
        )
        # Decorators and bases run at definition time, not per request: only
        # the body is walked.
        self.walker.walk(node.body)
        scope = self.class_stack.pop()
        self.classes.append(
            ClassFacts(
                scope.qualname,
                scope.span,
                scope.bases,
                scope.decorators,
                tuple(scope.attributes.values()),
                tuple(scope.methods),
                scope.keywords,
            )
        )
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        class_scope = self.class_stack[-1] if self.class_stack else None
        directly_in_class = False
        parent = self.scopes[-1] if self.scopes else None
        if parent is not None and (class_scope is None or parent.qualname.startswith(class_scope.qualname + ".")):
            # a nested function: its own facts, reached from its parent
            parent.locals.add(node.name.value)
            qualname = f"{parent.qualname}.{node.name.value}"
            class_name = parent.class_name
        elif class_scope is not None:
            directly_in_class = True
            qualname = f"{class_scope.qualname}.{node.name.value}"
            class_name = class_scope.qualname
            class_scope.methods.append(node.name.value)
        else:
            qualname = node.name.value
            class_name = ""
        decorators = tuple(self.summarize(dec.decorator) for dec in node.decorators)
        decorator_names = {dec.target.rsplit(".", 1)[-1] for dec in decorators}
        params: list[Param] = []
        all_params = [
            *node.params.posonly_params,
            *node.params.params,
            *([node.params.star_arg] if isinstance(node.params.star_arg, cst.Param) else []),
            *node.params.kwonly_params,
            *([node.params.star_kwarg] if node.params.star_kwarg is not None else []),
        ]
        # Annotations and defaults are evaluated in the enclosing scope.
        for param in all_params:
            annotation = ""
            default: Value | None = None
            if param.annotation is not None:
                ann = param.annotation.annotation
                name = dotted_name(ann)
                if name is not None:
                    annotation = self.resolve_dotted(name)
                elif isinstance(ann, cst.Subscript):
                    base = dotted_name(ann.value)
                    annotation = self.resolve_dotted(base) if base else ""
                    # ``Annotated[Session, Depends(get_db)]`` carries the dependency
                    for element in ann.slice:
                        if isinstance(element.slice, cst.Index) and isinstance(element.slice.value, cst.Call):
                            default = self.summarize(element.slice.value)
                elif isinstance(ann, cst.SimpleString):
                    annotation = _string_value(ann) or ""
            if param.default is not None:
                default = self.summarize(param.default)
            star = 1 if param is node.params.star_arg else 2 if param is node.params.star_kwarg else 0
            params.append(Param(param.name.value, annotation, default, star))
        first = all_params[0].name.value if all_params else ""
        scope = _Scope(
            qualname=qualname,
            name=node.name.value,
            class_name=class_name if directly_in_class or parent is not None else "",
            span=self.span(node),
            is_async=node.asynchronous is not None,
            decorators=decorators,
            params=params,
            param_names={param.name for param in params},
            first_param=first if directly_in_class and "staticmethod" not in decorator_names else "",
            is_classmethod="classmethod" in decorator_names,
            parent=parent,
        )
        if parent is not None and parent.first_param and not scope.first_param:
            scope.first_param = ""
        self.scopes.append(scope)
        # Decorators, defaults and annotations run once at definition time:
        # only the body belongs to the function's per-call behaviour.
        self.walker.walk(node.body)
        scope = self.scopes.pop()
        self.functions.append(self._finish_scope(scope))
        if scope.parent is not None:
            # the enclosing function defines (and almost always calls or returns) it
            scope.parent.raw_calls.append(
                (scope.name, [], scope.span, Value("name", target=scope.name))
            )
        return False

    def _classify_head(self, scope: _Scope, head: str) -> tuple[str, str]:
        """(resolved head, kind) for a name used inside ``scope``."""
        if head == "cls" and not self._is_local(scope, "cls"):
            return "cls", "cls"
        current: _Scope | None = scope
        while current is not None:
            if head in current.globals_declared:
                break
            if head in current.param_names or head in current.locals:
                if head == current.first_param and current.first_param:
                    return head, "cls" if current.is_classmethod else "self"
                if head in current.param_names:
                    return head, "param"
                return head, "local"
            current = current.parent
        resolved, kind = self.resolve_head(head)
        return resolved, kind

    def _finish_scope(self, scope: _Scope) -> Function:
        if scope.branches:
            scope.once_ranges.extend(_console_blocks(scope))
        accesses: list[Access] = []
        seen_reads: set[tuple[str, int]] = set()
        for head, parts, op, span, method, key in scope.raw_accesses:
            resolved, kind = self._classify_head(scope, head)
            if kind in ("builtin", "unknown", "local") and op in ("read", "getitem"):
                continue
            if kind in ("builtin", "unknown"):
                continue
            if kind == "global" and op == "rebind" and head not in scope.globals_declared:
                continue
            if kind in ("self", "cls"):
                ref = ".".join([kind, *parts])
            else:
                ref = ".".join([resolved, *parts])
            if op == "read":
                seen = (ref, span.line)
                if seen in seen_reads:
                    continue
                seen_reads.add(seen)
            accesses.append(Access(ref, kind, op, span, method, key, _in_ranges(span, scope.once_ranges)))
        calls: list[Call] = []
        for head, parts, span, value in scope.raw_calls:
            once = _in_ranges(span, scope.once_ranges)
            if not head:
                calls.append(Call(value.target, "expr", span, value, once))
                continue
            resolved, kind = self._classify_head(scope, head)
            if kind in ("self", "cls"):
                target = ".".join([kind, *parts])
            else:
                target = ".".join([resolved, *parts])
            calls.append(Call(target, kind, span, value, once))
        return Function(
            qualname=scope.qualname,
            name=scope.name,
            class_name=scope.class_name,
            span=scope.span,
            is_async=scope.is_async,
            decorators=scope.decorators,
            params=tuple(scope.params),
            globals_declared=tuple(sorted(scope.globals_declared)),
            accesses=tuple(accesses),
            calls=tuple(calls),
            local_assignments=tuple(scope.local_assignments),
            write_values=tuple(scope.write_values),
            returns=tuple(scope.returns),
            assignment_lines=tuple(scope.assignment_lines),
            loop_values=tuple(scope.loop_values),
            branches=tuple(scope.branches),
            blocks=tuple(scope.blocks),
        )

    # -- visitors: statements ------------------------------------------------

    def visit_Global(self, node: cst.Global) -> None:
        if self.scopes:
            self.scopes[-1].globals_declared.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        if self.scopes:
            self.scopes[-1].nonlocals.update(item.name.value for item in node.names)

    def visit_If(self, node: cst.If) -> None:
        if self.scopes:
            scope = self.scopes[-1]
            scope.guards.append(_guard_names(node.test))
            scope.once_stack.append(bool(_setness_tested_names(node.test) & scope.globals_declared))
            self._record_branches(scope, node)
        elif _is_main_guard(node.test):
            self._main_guard_depth += 1
        else:
            self._enter_else(node)  # an ``elif``: the enclosing test is false here
            self._branches.append((node, self._guard(node.test)))

    def _record_branches(self, scope: _Scope, node: cst.If) -> None:
        """The blocks an ``if`` of a function body guards: its body runs when the test
        holds; its ``else`` block, or the whole ``elif`` chain, when it does not."""
        guard = self._guard(node.test)
        body = self.span(node.body)
        scope.branches.append(Branch(body.line, body.end_line, guard))
        orelse = node.orelse
        if orelse is not None:
            other = self.span(orelse.body if isinstance(orelse, cst.Else) else orelse)
            scope.branches.append(Branch(other.line, other.end_line,
                                         Guard(guard.subject, not guard.holds, guard.equals)))

    def visit_Else(self, node: cst.Else) -> None:
        if not self.scopes:
            self._enter_else(node)

    def _enter_else(self, node: cst.CSTNode) -> None:
        if self._branches and self._branches[-1][0].orelse is node:
            statement, guard = self._branches[-1]
            self._branches[-1] = (statement, Guard(guard.subject, not guard.holds, guard.equals))

    def _guard(self, test: cst.BaseExpression, holds: bool = True) -> Guard:
        """The condition ``test`` states, with ``not`` and ``is (not) None`` unwrapped."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self._guard(test.expression, not holds)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            target = test.comparisons[0]
            operator, right = target.operator, target.comparator
            if isinstance(operator, (cst.Is, cst.IsNot)) and isinstance(right, cst.Name) \
                    and right.value == "None":
                return self._guard(test.left, holds if isinstance(operator, cst.IsNot) else not holds)
            if isinstance(operator, (cst.Equal, cst.NotEqual)):
                compared = self.summarize(right)
                if compared.kind == "literal":
                    return Guard(self.summarize(test.left),
                                 holds if isinstance(operator, cst.Equal) else not holds, compared)
        return Guard(self.summarize(test), holds)

    def leave_If(self, original_node: cst.If) -> None:
        if self.scopes:
            scope = self.scopes[-1]
            once = scope.once_stack.pop() if scope.once_stack else False
            if scope.guards:
                tested = scope.guards.pop()
                if _exits(original_node.body):
                    scope.exit_guarded.update(tested)
            if once:
                # Work guarded by "is this global set yet?" runs once per process
                # (or once per change), not per request: ``if _store is None:
                # _store = connect(); set_tracking_uri(uri)``; and after
                # ``if _started: return`` the rest of the function is a latch.
                span = self.span(original_node)
                if _exits(original_node.body):
                    scope.once_ranges.append((span.end_line + 1, scope.span.end_line))
                else:
                    body = self.span(original_node.body)
                    scope.once_ranges.append((body.line, body.end_line))
        elif _is_main_guard(original_node.test):
            self._main_guard_depth -= 1
        elif self._branches and self._branches[-1][0] is original_node:
            self._branches.pop()

    def _rebind(self, scope: _Scope, name: str, node: cst.CSTNode) -> None:
        # A rebind the function guards by testing the same name first is a
        # once-per-process initialisation or latch: ``if _client is None:
        # _client = make()``, ``if _started: return`` ... ``_started = True``.
        # Every process reaches the same value; no request's answer depends on
        # what another request did.
        lazy = any(name in guard for guard in scope.guards) or name in scope.exit_guarded
        scope.raw_accesses.append((name, [], "rebind", self.span(node), "lazy-init" if lazy else "", ""))

    def _assign_target(self, target: cst.BaseExpression, value_node: cst.BaseExpression | None,
                       stmt: cst.CSTNode, op: str, annotation: str = "") -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                inner = element.value
                self._assign_target(inner, None, stmt, op)
            return
        if isinstance(target, cst.StarredElement):
            self._assign_target(target.value, None, stmt, op)
            return
        if isinstance(target, cst.Name):
            name = target.value
            if self.scopes:
                scope = self.scopes[-1]
                if name in scope.globals_declared:
                    self._rebind(scope, name, stmt)
                    if value_node is not None:
                        # what the module-level name holds from now on: a start-up
                        # function's ``global store; store = Store()`` builds the object
                        span = self.span(stmt)
                        scope.write_values.append((span.line, span.column,
                                                   self.summarize(value_node)))
                elif name not in scope.nonlocals:
                    scope.locals.add(name)
                    if value_node is not None:
                        scope.local_assignments.append((name, self.summarize(value_node)))
            elif self.class_stack:
                value = self.summarize(value_node) if value_node is not None else Value("other")
                self._record_class_attribute(name, stmt, value, annotation)
            else:
                value = self.summarize(value_node) if value_node is not None else Value("other")
                if op == "augassign":
                    self._record_access(target, "augassign", stmt)
                self._record_binding(name, stmt, value, annotation)
            return
        if isinstance(target, cst.Subscript):
            self._record_access(target.value, "augassign" if op == "augassign" else "setitem", stmt,
                                key=_literal_key(target), value=value_node)
            return
        if isinstance(target, cst.Attribute):
            self._record_access(target, "augassign" if op == "augassign" else "setattr", stmt,
                                value=value_node)
            return

    def _line_new_assignments(self, node: cst.CSTNode) -> None:
        """Give the local assignments a statement just added the statement's line."""
        if self.scopes:
            scope = self.scopes[-1]
            missing = len(scope.local_assignments) - len(scope.assignment_lines)
            if missing > 0:
                scope.assignment_lines.extend([self.span(node).line] * missing)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assign_target(target.target, node.value, node, "assign")
        self._line_new_assignments(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        ann = dotted_name(node.annotation.annotation)
        if ann is None and isinstance(node.annotation.annotation, cst.Subscript):
            ann = dotted_name(node.annotation.annotation.value)
        annotation = self.resolve_dotted(ann) if ann else ""
        self._annotation_args = self._subscript_names(node.annotation.annotation)
        if node.value is None:
            if self.scopes and isinstance(node.target, cst.Name):
                self.scopes[-1].locals.add(node.target.value)
            elif self.class_stack and not self.scopes and isinstance(node.target, cst.Name):
                self._record_class_attribute(node.target.value, node, Value("other"), annotation)
            return
        self._assign_target(node.target, node.value, node, "assign", annotation)
        self._line_new_assignments(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target
        if isinstance(target, cst.Name) and self.scopes:
            scope = self.scopes[-1]
            if target.value in scope.globals_declared:
                scope.raw_accesses.append((target.value, [], "rebind", self.span(node), "", ""))
            else:
                scope.locals.add(target.value)
            return
        if (isinstance(target, cst.Name) and not self.class_stack
                and isinstance(node.operator, cst.AddAssign)):
            # ``urlpatterns += router.urls``: what is added is kept with the statement
            self._record_access(target, "augassign", node, value=node.value)
            self._record_binding(target.value, node, Value("other"), "")
            return
        self._assign_target(target, None, node, "augassign")

    def visit_Del(self, node: cst.Del) -> None:
        targets = [node.target]
        if isinstance(node.target, (cst.Tuple, cst.List)):
            targets = [element.value for element in node.target.elements]
        for target in targets:
            if isinstance(target, cst.Subscript):
                self._record_access(target.value, "delitem", node, key=_literal_key(target))
            elif isinstance(target, cst.Attribute):
                self._record_access(target, "delattr", node)
            elif isinstance(target, cst.Name) and self.scopes:
                scope = self.scopes[-1]
                if target.value in scope.globals_declared:
                    scope.raw_accesses.append((target.value, [], "rebind", self.span(node), "", ""))

    def visit_For(self, node: cst.For) -> None:
        self._loop(node.target, node.iter)
        if self.class_stack and not self.scopes:
            return
        # ``for hook in (load_user, audit):``: each name takes each item in turn
        for target, value in self._loop_values(node):
            if self.scopes:
                self.scopes[-1].local_assignments.append((target.value, value))
            else:
                self._record_binding(target.value, target, value)
        self._line_new_assignments(node)

    def _loop_values(self, node: cst.For) -> list[tuple[cst.Name, Value]]:
        """The names a loop over a literal list or tuple binds, as ``each`` values.

        ``for bp, prefix in [(a, "/a"), (b, "/b")]`` gives ``bp`` the items ``a, b`` and
        ``prefix`` the items ``"/a", "/b"``; ``detail`` holds the loop's first and last
        lines (``"12-14"``), so that the n-th item of one goes with the n-th of the other.
        """
        sequence = node.iter
        if (not isinstance(sequence, (cst.List, cst.Tuple))
                or not 0 < len(sequence.elements) <= MAX_VALUE_ITEMS
                or any(isinstance(element, cst.StarredElement) for element in sequence.elements)):
            return []
        span = self.span(node)
        loop = f"{span.line}-{span.end_line}"
        if isinstance(node.target, cst.Name):
            items = [self.summarize(element.value, 1) for element in sequence.elements]
            return [(node.target, Value("each", detail=loop,
                                        items=tuple((None, item) for item in items)))]
        if not isinstance(node.target, (cst.Tuple, cst.List)):
            return []
        names = [element.value for element in node.target.elements]
        rows: list[Sequence[cst.BaseElement]] = []
        for element in sequence.elements:
            row = element.value
            if (not isinstance(row, (cst.Tuple, cst.List)) or len(row.elements) != len(names)
                    or any(isinstance(item, cst.StarredElement) for item in row.elements)):
                return []
            rows.append(row.elements)
        found: list[tuple[cst.Name, Value]] = []
        for index, name in enumerate(names):
            if isinstance(name, cst.Name):
                found.append((name, Value("each", detail=loop, items=tuple(
                    (None, self.summarize(row[index].value, 1)) for row in rows))))
        return found

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._loop(node.target, node.iter)

    def _loop(self, target: cst.BaseAssignTargetExpression, iterable: cst.BaseExpression) -> None:
        """A loop variable is a local; a plain one (``for entry in folder.iterdir()``)
        also records what it iterates over."""
        if not self.scopes:
            return
        scope = self.scopes[-1]
        for name in _target_names(target):
            scope.locals.add(name)
        if isinstance(target, cst.Name):
            scope.loop_values.append((target.value, self.summarize(iterable)))

    def visit_With(self, node: cst.With) -> None:
        if not self.scopes:
            return
        # ``with config.route_prefix_context("admin"):``: the lines the call's context covers
        span = self.span(node)
        for item in node.items:
            if isinstance(item.item, cst.Call):
                self.scopes[-1].blocks.append((span.line, span.end_line,
                                               self.summarize(item.item)))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if self.scopes and node.asname is not None:
            for name in _target_names(node.asname.name):
                self.scopes[-1].locals.add(name)
                self.scopes[-1].local_assignments.append((name, self.summarize(node.item)))
                self.scopes[-1].assignment_lines.append(self.span(node).line)

    def visit_Return(self, node: cst.Return) -> None:
        if self.scopes and node.value is not None:
            span = self.span(node)
            self.scopes[-1].returns.append((span.line, span.column, self.summarize(node.value)))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if self.scopes and node.name is not None and isinstance(node.name.name, cst.Name):
            self.scopes[-1].locals.add(node.name.name.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self.scopes and isinstance(node.target, cst.Name):
            self.scopes[-1].locals.add(node.target.value)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        if self.scopes:
            for param in node.params.params:
                self.scopes[-1].locals.add(param.name.value)

    # -- visitors: expressions -------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        value = self.summarize(node) if (self.scopes or not self.class_stack) else None
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            chain = _receiver_chain(func.value)
            if method in MUTATING_METHODS and chain is not None:
                self._record_access(func.value, "mutate", node, method)
        name = dotted_name(func)
        full = (name.split(".")[0], name.split(".")[1:]) if name is not None else None
        if value is None:
            return
        if self.scopes:
            if full is not None:
                head, parts = full
                self.scopes[-1].raw_calls.append((head, parts, self.span(node), value))
            elif value.target:
                self.scopes[-1].raw_calls.append(("", [], self.span(node), value))
        elif not self.class_stack:
            self.statements.append(
                Statement(
                    "call",
                    self.span(node),
                    call=Call(value.target, "global", self.span(node), value),
                    in_main_guard=self._main_guard_depth > 0,
                )
            )

    def visit_Subscript(self, node: cst.Subscript) -> None:
        key = _literal_key(node)
        if key and self.scopes:
            chain = _receiver_chain(node.value)
            if chain is not None:
                head, parts = chain
                self.scopes[-1].raw_accesses.append(
                    (head, parts, "getitem", self.span(node), "", key))

    def visit_Name(self, node: cst.Name) -> None:
        if self.scopes:
            self.scopes[-1].raw_accesses.append((node.value, [], "read", self.span(node), "", ""))

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if self.scopes:
            chain = _receiver_chain(node)
            if chain is not None:
                head, parts = chain
                self.scopes[-1].raw_accesses.append((head, parts, "read", self.span(node), "", ""))
                # the head Name is recorded by this access; skip the children
                # unless subscripts hide further names
                return _has_subscript(node)
        return True

    # Parameters, keyword names and the like are not reads.
    def visit_Param(self, node: cst.Param) -> bool:
        # visit the default/annotation expressions only
        if node.default is not None:
            self.walker.walk(node.default)
        if node.annotation is not None:
            self.walker.walk(node.annotation)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        self.walker.walk(node.value)
        return False

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        # Subscript indexes and attribute bases inside targets are still read
        target = node.target
        if isinstance(target, cst.Subscript):
            for element in target.slice:
                self.walker.walk(element)
            if not isinstance(target.value, (cst.Name, cst.Attribute)):
                # ``CARTS.setdefault(user, {})[sku] = n``: the call runs too
                self.walker.walk(target.value)
            return False
        return not isinstance(target, (cst.Name, cst.Attribute))

    # -- result -----------------------------------------------------------

    def facts(self, path: str, suppressions: tuple[Suppression, ...]) -> ModuleFacts:
        """The collected facts as a ``ModuleFacts``."""
        return ModuleFacts(
            path=path,
            module=self.module,
            is_package=self.is_package,
            imports=tuple(self.import_list),
            bindings=tuple(self.bindings.values()),
            functions=tuple(self.functions),
            classes=tuple(self.classes),
            statements=tuple(self.statements),
            suppressions=suppressions,
        )


def _literal_key(node: cst.Subscript) -> str:
    """The string literal of ``x["key"]``, or ``""``."""
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        value = _string_value(node.slice[0].slice.value)
        if value is not None:
            return value
    return ""


def _has_subscript(node: cst.BaseExpression) -> bool:
    while isinstance(node, (cst.Attribute, cst.Subscript, cst.Call)):
        if isinstance(node, (cst.Subscript, cst.Call)):
            return True
        node = node.value if not isinstance(node, cst.Call) else node.func
    return False


def _base_name(node: cst.BaseExpression) -> str | None:
    name = dotted_name(node)
    if name is not None:
        return name
    if isinstance(node, cst.Subscript):  # Generic[T], ViewSet[Model]
        return dotted_name(node.value)
    return None


def _target_names(node: cst.BaseExpression) -> list[str]:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        names: list[str] = []
        for element in node.elements:
            names.extend(_target_names(element.value))
        return names
    if isinstance(node, cst.StarredElement):
        return _target_names(node.value)
    return []


def _blocks_of(stmt: cst.CSTNode) -> list[Sequence[cst.CSTNode]]:
    blocks: list[Sequence[cst.CSTNode]] = []
    body = getattr(stmt, "body", None)
    if isinstance(body, cst.IndentedBlock):
        blocks.append(body.body)
    for attr in ("orelse", "finalbody"):
        other = getattr(stmt, attr, None)
        if isinstance(other, (cst.Else, cst.Finally)) and isinstance(other.body, cst.IndentedBlock):
            blocks.append(other.body.body)
        elif isinstance(other, cst.If):
            blocks.extend(_blocks_of(other))
    for handler in getattr(stmt, "handlers", ()) or ():
        if isinstance(handler.body, cst.IndentedBlock):
            blocks.append(handler.body.body)
    return blocks


def _console_blocks(scope: _Scope) -> list[tuple[int, int]]:
    """The conditional blocks that read standard input (``if path == "-": data =
    sys.stdin.read()``), outermost: command-line code, which no web request runs."""
    found: list[tuple[int, int]] = []
    for _, _, span, value in scope.raw_calls:
        if value.target in STDIN_READERS:
            block = next((branch for branch in scope.branches
                          if branch.line <= span.line <= branch.end_line), None)
            if block is not None:
                found.append((block.line, block.end_line))
    return found


def _in_ranges(span: Span, ranges: list[tuple[int, int]]) -> bool:
    return any(start <= span.line <= end for start, end in ranges)


def _tested_names(test: cst.BaseExpression) -> frozenset[str]:
    """Every plain name an ``if`` test mentions."""
    names: set[str] = set()
    stack: list[cst.CSTNode] = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            names.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)  # the head only: ``self.x`` tests ``self``
        else:
            stack.extend(node.children)
    return frozenset(names)


_ORDERINGS = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


def _guard_names(test: cst.BaseExpression) -> frozenset[str]:
    """The names an ``if`` guards its block on, for telling once-per-process work apart.

    ``if _client is None or _client.closed:`` guards on ``_client`` (the block runs only
    when the object is missing or spent); ``if not _last or now - _last > ttl:`` does
    not: an ordering comparison is a threshold, so the block runs again and again, and
    with ``or`` a name counts only when every alternative tests it.
    """
    if isinstance(test, cst.BooleanOperation):
        left, right = _guard_names(test.left), _guard_names(test.right)
        return left & right if isinstance(test.operator, cst.Or) else left | right
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _guard_names(test.expression)
    if isinstance(test, cst.Comparison) and any(
            isinstance(item.operator, _ORDERINGS) for item in test.comparisons):
        return frozenset()
    return _tested_names(test)


def _exits(body: cst.BaseSuite) -> bool:
    """True when a block ends by leaving the function (``return`` or ``raise``)."""
    statements = body.body
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return bool(last.body) and isinstance(last.body[-1], (cst.Return, cst.Raise))
    if isinstance(last, (cst.Return, cst.Raise)):  # ``if done: return`` on one line
        return True
    return False


def _setness_tested_names(test: cst.BaseExpression) -> frozenset[str]:
    """Names a test checks for being set or changed: ``x``, ``not x``, ``x is None``,
    ``x is not None``, ``x != value``, ``x == value``, ``x.closed`` (not ``x > limit``: a
    threshold guards request work, not initialisation).  With ``or``, a name counts only
    when every alternative tests it: ``if not x or now - x > ttl`` runs again and again."""
    if isinstance(test, cst.BooleanOperation):
        left, right = _setness_tested_names(test.left), _setness_tested_names(test.right)
        return left & right if isinstance(test.operator, cst.Or) else left | right
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _setness_tested_names(test.expression)
    if isinstance(test, cst.Name):
        return frozenset({test.value})
    if isinstance(test, cst.Attribute) and isinstance(test.value, cst.Name):
        return frozenset({test.value.value})
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        operator = test.comparisons[0].operator
        if isinstance(operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)):
            names = {node.value for node in (test.left, test.comparisons[0].comparator)
                     if isinstance(node, cst.Name)}
            return frozenset(names)
    return frozenset()


def _is_main_guard(test: cst.BaseExpression) -> bool:
    return (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
    )


#: Deeper than this, LibCST's parser slows down sharply (a 4,000-level chain such as
#: ``a.b.b.b...`` or ``1+1+1...`` takes minutes), so a file nested deeper is reported
#: without being handed to LibCST.
MAX_NESTING = 1000

#: The recursion limit of the parse and the walk.  LibCST recurses 3-4 frames per level
#: of nesting, and implicit string concatenation (``"a" "b" "c" ...``) nests one level
#: per piece: the standard library's ``pydoc_data/topics.py`` has 2,215 pieces in one
#: expression.  The limit is absolute, in a thread of its own, so a file gets the same
#: result in a worker process as under a deep test runner: output must not depend on
#: ``--jobs``.
WALK_RECURSION_LIMIT = 20_000

#: The C stack of that thread.  A Python 3.11 frame takes a few hundred bytes of it, so
#: this leaves a wide margin above ``WALK_RECURSION_LIMIT`` frames.
WALK_STACK_BYTES = 128 * 1024 * 1024

#: Where to report a bug in statelint; printed with every internal error.
ISSUES_URL = "https://github.com/statelint/statelint/issues"


def _failed(path: str, module: str, is_package: bool, message: str, *, line: int = 1,
            column: int = 0, kind: str = "syntax") -> ModuleFacts:
    return ModuleFacts(path, module, is_package,
                       error=ParseError(message, line=max(line, 0), column=max(column, 0),
                                        kind=kind))


def _byte_position(source: bytes, offset: int) -> tuple[int, int]:
    """1-based line and 0-based column (in bytes) of a byte offset."""
    line_start = source.rfind(b"\n", 0, offset) + 1
    return source.count(b"\n", 0, offset) + 1, offset - line_start


def _decode_error(source: bytes, error: Exception) -> ParseError:
    """A precise message for source bytes that cannot be decoded."""
    if isinstance(error, SyntaxError):
        # tokenize.detect_encoding: a bad or unknown coding cookie, a BOM that
        # contradicts the cookie, or bytes on the first lines that are not UTF-8.
        cookie_line = next((number for number, line in enumerate(source.splitlines()[:2], 1)
                            if b"coding" in line and line.lstrip().startswith(b"#")), 0)
        reason = error.msg or str(error)
        if reason.startswith("unknown encoding"):
            name = reason.partition(":")[2].strip()
            return ParseError(f"unknown encoding {name!r} in the coding declaration (PEP 263); "
                              "name a codec Python knows, such as utf-8 or latin-1",
                              line=cookie_line or 1, kind="encoding")
        if reason.startswith("encoding problem"):
            return ParseError("the file starts with a UTF-8 byte order mark but its coding "
                              "declaration names another encoding; remove one of the two",
                              line=cookie_line or 1, kind="encoding")
        try:
            source.decode("utf-8")
        except UnicodeDecodeError as utf8_error:
            error = utf8_error
        else:
            return ParseError(f"cannot decode file: {reason}", line=cookie_line or 1,
                              kind="encoding")
    if isinstance(error, UnicodeDecodeError):
        line, column = _byte_position(source, error.start)
        byte = source[error.start:error.start + 1].hex()
        return ParseError(f"cannot decode file as {error.encoding}: byte 0x{byte} at line {line}, "
                          f"column {column + 1} ({error.reason}); save it as UTF-8 or declare its "
                          "encoding with a coding comment (PEP 263)",
                          line=line, column=column, kind="encoding")
    if isinstance(error, LookupError):
        return ParseError(f"cannot decode file: the coding declaration names a codec that is not "
                          f"a text encoding ({error})", kind="encoding")
    return ParseError(f"cannot decode file: {error}", kind="encoding")


def _python_syntax(text: str) -> tuple[SyntaxError | None, int, int]:
    """Ask CPython's own parser about ``text`` (parse only: nothing is compiled or run).

    Returns its syntax error, if any, and the deepest nesting of an expression with
    its line (0 when unknown).  The depth counts the levels LibCST builds:
    ``a and b and c`` is flat for ``ast`` but nested for LibCST.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes and the like: not our report
        try:
            tree = ast.parse(text)
        except SyntaxError as error:
            return error, 0, 0
        except (RecursionError, MemoryError):
            return None, MAX_NESTING + 1, 0  # CPython gave up too, without a position
    deepest, deepest_line = 0, 1
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.BoolOp):
            depth += len(node.values) - 1
        if depth > deepest:
            deepest, deepest_line = depth, getattr(node, "lineno", deepest_line)
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1))
    return None, deepest, deepest_line


MERGE_MARKERS = ("<<<<<<< ", "=======", ">>>>>>> ", "|||||||")


def _syntax_message(error: SyntaxError, text: str) -> str:
    lines = text.splitlines()
    number = error.lineno or 0
    if 0 < number <= len(lines) and lines[number - 1].startswith(MERGE_MARKERS):
        return ("syntax error: unresolved merge conflict marker "
                f"`{lines[number - 1].split()[0]}`; finish the merge")
    return f"syntax error: {error.msg}"


def _run_deep(function: Callable[[], ModuleFacts]) -> ModuleFacts:
    """Run ``function`` in a thread with a large stack and ``WALK_RECURSION_LIMIT``.

    Exceptions are raised again in the caller.  Where no such thread can be started,
    ``function`` runs in the caller's thread with the usual limit (deep files then
    fail as too deep rather than being analysed).
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous, WALK_RECURSION_LIMIT))
        try:
            outcome["facts"] = function()
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            outcome["error"] = error
        finally:
            sys.setrecursionlimit(previous)

    previous_size = threading.stack_size()
    try:
        threading.stack_size(WALK_STACK_BYTES)
        worker = threading.Thread(target=target, name="statelint-parse", daemon=True)
        worker.start()
    except (RuntimeError, ValueError, MemoryError):
        return function()
    finally:
        threading.stack_size(previous_size)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["facts"]


def _innermost_frame(error: BaseException) -> str:
    """``file.py:line in function`` of the frame that raised, for bug reports."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown location"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"


def extract_facts(source: bytes, path: str, module: str, is_package: bool) -> ModuleFacts:
    """Parse ``source`` with LibCST and return its facts, or why it could not.

    Never raises for any input: undecodable bytes, bad coding cookies, NUL bytes,
    syntax errors, nesting too deep to walk and files too large for memory become a
    ``ParseError`` naming the line; a bug in statelint itself becomes an ``internal``
    error saying where to report it.  The scanned code is only parsed, never run.
    """
    from statelint.source import decode_source

    try:
        text = decode_source(source)
    except (SyntaxError, UnicodeError, LookupError, ValueError) as error:
        return ModuleFacts(path, module, is_package, error=_decode_error(source, error))
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return _failed(path, module, is_package,
                       f"line {line} contains a NUL byte: this is not Python source "
                       "(a binary or corrupted file named .py?)", line=line)
    try:
        return _run_deep(lambda: _parse_and_walk(text, path, module, is_package))
    except MemoryError:
        return _failed(path, module, is_package,
                       f"not enough memory to analyse this file ({len(source):,} bytes)",
                       kind="unreadable")
    except Exception as error:  # noqa: BLE001 - a bug here must cost one file, not the scan
        return _failed(path, module, is_package,
                       f"internal error: {type(error).__name__}: {error} (at "
                       f"{_innermost_frame(error)}); this is a bug in statelint: please report "
                       f"it at {ISSUES_URL} with this message, the statelint version and the "
                       "file (or a reduced copy of it)", kind="internal")


#: a ``global`` statement alone on its line (or before ``;`` or a comment), so that prose in
#: a docstring ("global state is ...") does not pass for one
_GLOBAL_STATEMENT = re.compile(
    r"^[ \t]*global[ \t]+(\w+(?:[ \t]*,[ \t]*\w+)*)[ \t]*(?:[;#]|$)", re.MULTILINE)


def _declared_globals(text: str) -> frozenset[str]:
    """The names ``global`` statements declare anywhere in the file (found in the text,
    before the walk, so that a function above the declaring one resolves them too)."""
    if "global" not in text:
        return frozenset()
    return frozenset(name.strip() for names in _GLOBAL_STATEMENT.findall(text)
                     for name in names.split(","))


def _parse_and_walk(text: str, path: str, module: str, is_package: bool) -> ModuleFacts:
    """CPython's syntax check, the LibCST parse and the facts walk; syntax and nesting
    problems come back as a ``ModuleFacts`` with an error."""
    from statelint.source import find_suppressions

    python_error, depth, depth_line = _python_syntax(text)
    if python_error is not None and "too many nested" in (python_error.msg or ""):
        return _failed(path, module, is_package, _syntax_message(python_error, text),
                       line=python_error.lineno or 1, column=(python_error.offset or 1) - 1)
    if depth > MAX_NESTING:
        where = f" at line {depth_line}" if depth_line else ""
        return _failed(path, module, is_package,
                       f"expression nested more than {MAX_NESTING} levels deep{where} "
                       "(a generated file?); statelint does not analyse it", line=depth_line)
    try:
        tree = cst.parse_module(text)
    except (cst.ParserSyntaxError, cst.CSTValidationError) as error:
        # CSTValidationError: LibCST's tokenizer accepted something its node checks
        # then refuse, such as an identifier made of a character that a newer
        # Unicode calls a letter but this Python's ``str.isidentifier`` does not.
        if python_error is not None:
            # CPython's message and position are the precise ones (LibCST may
            # point a line late, and says "expected one of ..." for everything).
            return _failed(path, module, is_package, _syntax_message(python_error, text),
                           line=python_error.lineno or 1, column=(python_error.offset or 1) - 1)
        if isinstance(error, cst.ParserSyntaxError):
            message, line, column = error.message, error.raw_line, error.raw_column
        else:
            message, line, column = str(error), 1, 0
        return _failed(path, module, is_package,
                       "LibCST cannot parse this file, although Python "
                       f"{sys.version_info.major}.{sys.version_info.minor} can: {message}",
                       line=line, column=column)
    except RecursionError:
        return _failed(path, module, is_package, "expression nesting too deep to parse",
                       line=depth_line)
    try:
        collector = FactsCollector(module, is_package, tree, _declared_globals(text))
        collector.positions = node_ranges(tree)
        collector.walker.walk(tree)
    except RecursionError:
        return _failed(path, module, is_package,
                       "expression nesting too deep to analyse (over "
                       f"{WALK_RECURSION_LIMIT:,} frames; a generated file?)", line=depth_line)
    return collector.facts(path, find_suppressions(text))
