"""Node positions for the facts pass, at a fraction of ``PositionProvider``'s cost.

LibCST computes positions by generating the module's code again and noting,
around every node, where the generated text stands.  ``PositionProvider`` does
that with a regular-expression split of every token (to count lines), two
``CodePosition`` objects and a ``CodeRange`` per node, and a generator-based
context manager per syntactic node: on Django's tree that costs more than the
parse itself.

``node_ranges`` runs the same code generation with the same rules
(whitespace-exclusive "syntactic" ranges where LibCST records them, inclusive
ones elsewhere) but keeps a single character offset: each token adds its length.
A node's range is a pair of offsets; ``LineIndex`` turns the few offsets the
facts pass asks for into the (line, column) pairs ``PositionProvider`` would
have given, with a binary search over the line starts noted while generating
(the generated code, not the source: LibCST adds a final newline the file may
lack).  ``tests/test_positions.py`` checks that the two agree on every node.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState

#: What LibCST counts as a line break (``\r\n``, ``\r`` or ``\n``).
_NEWLINE = re.compile(r"\r\n?|\n")

#: A node's start and end offsets and the index that turns them into positions.
Range = tuple[int, int, "LineIndex"]


class _Syntactic:
    """``with state.record_syntactic_position(node, ...)``, without a generator."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: _OffsetState, node: cst.CSTNode, start_node: cst.CSTNode | None,
                 end_node: cst.CSTNode | None) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node

    def __enter__(self) -> None:
        self.start = self.state.offset

    def __exit__(self, *exc: object) -> None:
        computed = self.state.computed
        start = computed[self.start_node][0] if self.start_node is not None else self.start
        end = computed[self.end_node][1] if self.end_node is not None else self.state.offset
        computed[self.node] = (start, end, self.state.lines)


class _Tokens:
    """Stands in for the generated token list: LibCST's module code only asks its length."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __len__(self) -> int:
        return self.count


class _OffsetState(CodegenState):
    """A code generator that counts characters instead of keeping the text."""

    def __init__(self, module: cst.Module, computed: dict[cst.CSTNode, Range]) -> None:
        super().__init__(default_indent=module.default_indent,
                         default_newline=module.default_newline)
        self.offset = 0
        self.indent_width = 0
        self.computed = computed
        self.stack: list[int] = []
        self.tokens = _Tokens()  # type: ignore[assignment]
        self.lines = LineIndex()

    def increase_indent(self, value: str) -> None:
        self.indent_tokens.append(value)
        self.indent_width += len(value)

    def decrease_indent(self) -> None:
        self.indent_width -= len(self.indent_tokens.pop())

    def add_indent_tokens(self) -> None:
        self.offset += self.indent_width

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            for match in _NEWLINE.finditer(value):
                self.lines.starts.append(self.offset + match.end())
        self.offset += len(value)
        self.tokens.count += 1  # type: ignore[attr-defined]

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.stack.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.stack.pop()
        if node not in self.computed:  # a syntactic range recorded inside wins
            self.computed[node] = (start, self.offset, self.lines)

    def pop_trailing_newline(self) -> None:
        # LibCST drops the token from its text but not from its position count.
        self.tokens.count = max(0, self.tokens.count - 1)  # type: ignore[attr-defined]

    def record_syntactic_position(self, node: cst.CSTNode, *,  # type: ignore[override]
                                  start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> Any:
        return _Syntactic(self, node, start_node, end_node)


def node_ranges(module: cst.Module) -> dict[cst.CSTNode, Range]:
    """Every node's range, from one code generation pass over ``module``.

    Not a LibCST metadata provider on purpose: going through ``MetadataWrapper``
    costs a whole extra walk of the tree, as it runs LibCST's batched visitor even
    when no batchable provider is asked for.
    """
    computed: dict[cst.CSTNode, Range] = {}
    module._codegen(_OffsetState(module, computed))
    return computed


class LineIndex:
    """Character offsets of the generated code to LibCST's (one-based line,
    zero-based column), from the line starts seen while generating it."""

    __slots__ = ("starts",)

    def __init__(self) -> None:
        self.starts = [0]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1]
