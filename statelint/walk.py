"""A read-only walk over a LibCST tree, in LibCST's own visiting order.

``CSTNode.visit`` is built for transformers: for every node it calls
``_visit_and_replace_children``, which constructs (and validates) a new node
from the visited children even when the visitor changes nothing, and it asks
the visitor about every attribute of every node.  The facts pass only reads, so
``Walker`` calls the same ``visit_<Node>`` / ``leave_<Node>`` methods with the
same rules (children are skipped when ``visit_`` returns ``False``; ``leave_`` is
called either way) and visits the same children in the same order, without
building anything.

The order is LibCST's: each node class's ``_visit_and_replace_children`` names
its children as ``visit_*(self, "field", ...)`` calls in visiting order, so the
field names are read once per class from that method's source.  Whitespace and
operator nodes, which hold no code, are not descended into.  A class whose
source cannot be read is walked per node by asking LibCST which children it
visits.  ``tests/test_walk.py`` checks that both walks call a visitor with the
same nodes in the same order.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

import libcst as cst
from libcst._nodes import op as _op
from libcst._nodes import whitespace as _whitespace

#: Node classes that hold only whitespace, comments and punctuation.
_TRIVIA_MODULES = frozenset({"libcst._nodes.whitespace", "libcst._nodes.op"})

#: Names of the node classes defined in those modules.
_TRIVIA_NAMES = frozenset(
    name for module in (_whitespace, _op)
    for name, value in vars(module).items()
    if isinstance(value, type) and issubclass(value, cst.CSTNode)
    and value.__module__ == module.__name__)

#: class -> its child fields in visiting order (None: read them from LibCST per node)
_ORDERS: dict[type, tuple[str, ...] | None] = {}


def child_fields(cls: type) -> tuple[str, ...] | None:
    """The names of ``cls``'s child fields in LibCST's visiting order, or None."""
    try:
        return _ORDERS[cls]
    except KeyError:
        pass
    order = _order_from_source(cls)
    _ORDERS[cls] = order
    return order


def _order_from_source(cls: type) -> tuple[str, ...] | None:
    try:
        source = inspect.getsource(cls._visit_and_replace_children)  # type: ignore[attr-defined]
        tree = ast.parse(textwrap.dedent(source))
    except (OSError, TypeError, SyntaxError, AttributeError):
        return None
    calls = [node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id.startswith("visit_")]
    names: list[str] = []
    for call in sorted(calls, key=lambda node: (node.lineno, node.col_offset)):
        if (len(call.args) < 2 or not isinstance(call.args[1], ast.Constant)
                or not isinstance(call.args[1].value, str)):
            return None  # a shape this reader does not know: ask LibCST per node
        names.append(call.args[1].value)
    # ``names=visit_required(self, "names", ...) if ... else visit_sequence(self, "names", ...)``
    return tuple(dict.fromkeys(names))


_NODE, _SEQUENCE, _OTHER = "node", "sequence", "other"
#: type of a field's value -> what it is (an ``isinstance`` on LibCST's ABC is slow)
_KINDS: dict[type, str] = {}


def _kind(value_type: type) -> str:
    if issubclass(value_type, cst.CSTNode):
        kind = _NODE
    elif issubclass(value_type, (tuple, list)):
        kind = _SEQUENCE
    else:
        kind = _OTHER
    _KINDS[value_type] = kind
    return kind


class _Children(cst.CSTVisitor):
    """Collects the direct children LibCST visits, without descending."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.found.append(node)
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        return None


def _children_by_libcst(node: cst.CSTNode) -> list[cst.CSTNode]:
    collector = _Children()
    node._visit_and_replace_children(collector)  # type: ignore[attr-defined]
    return collector.found


class Walker:
    """Walks trees for one visitor object (anything with ``visit_X``/``leave_X`` methods)."""

    def __init__(self, visitor: Any) -> None:
        self.visitor = visitor
        self._table: dict[type, tuple[Any, Any, tuple[str, ...] | None]] = {}
        # Trivia is skipped only for visitors that look at no trivia node.
        self.skip_trivia = not any(hasattr(visitor, f"{kind}_{name}")
                                   for name in _TRIVIA_NAMES for kind in ("visit", "leave"))

    def _entry(self, cls: type) -> tuple[Any, Any, tuple[str, ...] | None]:
        name = cls.__name__
        fields = (() if self.skip_trivia and cls.__module__ in _TRIVIA_MODULES
                  else child_fields(cls))
        entry = (getattr(self.visitor, f"visit_{name}", None),
                 getattr(self.visitor, f"leave_{name}", None), fields)
        self._table[cls] = entry
        return entry

    def walk(self, node: cst.CSTNode) -> None:
        cls = type(node)
        entry = self._table.get(cls)
        if entry is None:
            entry = self._entry(cls)
        visit, leave, fields = entry
        if visit is None or visit(node) is not False:
            if fields is None:
                for child in _children_by_libcst(node):
                    self.walk(child)
            else:
                walk = self.walk
                for name in fields:
                    child = getattr(node, name)
                    kind = _KINDS.get(type(child))
                    if kind is None:
                        kind = _kind(type(child))
                    if kind is _NODE:
                        walk(child)
                    elif kind is _SEQUENCE:
                        for item in child:  # LibCST's sequences hold nodes only
                            walk(item)
        if leave is not None:
            leave(node)
