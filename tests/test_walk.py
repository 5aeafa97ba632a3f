"""``Walker`` calls a visitor exactly as ``CSTNode.visit`` does, without rebuilding the tree.

The facts pass walks with ``Walker``; these tests record every ``visit_X`` and
``leave_X`` call both walks make, for every node class, and require the same
calls on the same node objects in the same order.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given
from programs import GENERATED, libcst_programs

from statelint.walk import Walker

ROOT = Path(__file__).resolve().parent.parent

FASTAPI_APP = '''\
from fastapi import Depends, FastAPI, WebSocket
import asyncio

app = FastAPI()
connections: set[WebSocket] = set()
_counter = 0


@app.websocket("/ws/{room}")
async def chat(ws: WebSocket, room: str, user=Depends(lambda: None)) -> None:
    global _counter
    await ws.accept()
    connections.add(ws)  # lost when the worker restarts
    _counter += 1
    try:
        while True:
            message = await ws.receive_text()
            for peer in [c for c in connections if c is not ws]:
                await peer.send_text(f"{room}: {message!r}")
    except* (ValueError, KeyError) as group:
        raise
    finally:
        connections.discard(ws)


@app.get("/stats", response_model=dict[str, int])
def stats(limit: int = 10, *args, key: str | None = None, **kw) -> dict[str, int]:
    with open("/tmp/x") as fh, asyncio.timeout(1):
        pass
    match kw:
        case {"a": [1, *rest]} if rest:
            return {"n": len(rest)}
        case Point(x=0) | None:
            return {}
    return {"connections": len(connections), "served": _counter, **{k: 1 for k in kw}}


class Registry[T](dict):
    items: list[T] = []
    async def gen(self):
        yield (x := 1)
        del self[0], self.items[:]
        lambda *a, b=2: (a, b)
'''


class Recorder:
    """Answers every ``visit_X``/``leave_X`` lookup with a function that records the call."""

    def __init__(self, skip: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[str, int]] = []
        self.skip = skip

    def __getattr__(self, name: str):
        kind, _, node_type = name.partition("_")
        if kind not in ("visit", "leave") or "_" in node_type or not node_type[:1].isupper():
            raise AttributeError(name)

        def record(node: cst.CSTNode):
            self.calls.append((name, id(node)))
            return False if kind == "visit" and node_type in self.skip else None

        return record


class LibCSTRecorder(cst.CSTVisitor):
    """The same recording, driven by LibCST's own traversal."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def on_visit(self, node: cst.CSTNode) -> bool:
        result = getattr(self.recorder, f"visit_{type(node).__name__}")(node)
        return result is not False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        getattr(self.recorder, f"leave_{type(original_node).__name__}")(original_node)


def _same_walk(source: str, skip: tuple[str, ...] = ()) -> None:
    tree = cst.parse_module(source)
    ours, theirs = Recorder(skip), Recorder(skip)
    Walker(ours).walk(tree)
    tree.visit(LibCSTRecorder(theirs))
    assert ours.calls == theirs.calls
    assert len(ours.calls) > 2 or not source.strip() or skip


def test_same_calls_as_libcst_on_a_web_app():
    _same_walk(FASTAPI_APP)


@pytest.mark.parametrize("skip", [("FunctionDef",), ("Call", "Subscript"), ("Module",)])
def test_a_visit_returning_false_skips_the_children_but_not_the_leave(skip):
    _same_walk(FASTAPI_APP, skip)


def test_same_calls_on_statelints_own_sources():
    for path in sorted((ROOT / "statelint").glob("*.py")):
        _same_walk(path.read_text(encoding="utf-8"))


def test_classes_whose_order_cannot_be_read_are_walked_as_libcst_walks_them(monkeypatch):
    # Where the source of ``_visit_and_replace_children`` is not available (a
    # stripped install), the walker asks LibCST for each node's children.
    import statelint.walk as walk

    monkeypatch.setattr(walk, "_ORDERS", {})
    monkeypatch.setattr(walk, "_order_from_source", lambda cls: None)
    _same_walk(FASTAPI_APP)
    _same_walk(FASTAPI_APP, ("Call",))


def test_trivia_is_skipped_only_for_visitors_that_ignore_it():
    class Names:
        def __init__(self) -> None:
            self.names: list[str] = []

        def visit_Name(self, node: cst.Name) -> None:
            self.names.append(node.value)

    walker = Walker(Names())
    assert walker.skip_trivia
    walker.walk(cst.parse_module(FASTAPI_APP))
    assert walker.visitor.names.count("connections") == 5
    assert not Walker(Recorder()).skip_trivia


@GENERATED
@given(libcst_programs())
def test_same_calls_on_generated_programs(source):
    _same_walk(source)
