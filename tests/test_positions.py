"""``node_ranges`` gives, for every node, exactly LibCST's ``PositionProvider`` range.

The facts pass uses the cheaper provider; findings, chains, suppressions and
once-per-process ranges all hang on these positions, so the two must agree on
every node of every file, including odd line endings, tabs, non-ASCII text,
multi-line strings and continuation lines.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given
from libcst.metadata import MetadataWrapper, PositionProvider
from programs import GENERATED, libcst_programs

from statelint.positions import node_ranges

ROOT = Path(__file__).resolve().parent.parent

FLASK_APP = '''\
"""Orders API."""
from functools import lru_cache

from flask import Flask, jsonify, request

app = Flask(__name__)
RECENT: dict[str, list[str]] = {}   # café: per-process, lost on restart


@app.route("/orders/<order_id>", methods=["GET", "POST"])
@lru_cache(maxsize=128)
def get_order(order_id: str):
    global hits
    hits += 1
    RECENT.setdefault(request.remote_addr, []).append(
        order_id
    )
    query = """
        SELECT *
        FROM orders WHERE id = %s
    """
    total = 1 + \\
        2
    return jsonify({"id": order_id, "q": query, "total": total, "name": f"{order_id!r:>10}"})


class OrderView:
    cache = {}
    sep = "\t|\t"  # tabs inside a string

    async def get(self, request, *, key=None):
        async with request.app["lock"]:
            self.cache[key] = [x async for x in request.content]
        match request.method:
            case "GET" | "HEAD":
                return self.cache
            case _:
                return None
'''


def _same_positions(source: str) -> None:
    tree = cst.parse_module(source)
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    expected = wrapper.resolve(PositionProvider)
    offsets = node_ranges(tree)
    assert offsets.keys() == expected.keys()
    for node, where in expected.items():
        start, end, lines = offsets[node]
        got = (*lines.position(start), *lines.position(end))
        assert got == (where.start.line, where.start.column, where.end.line, where.end.column), (
            type(node).__name__, got, where)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_same_positions_as_libcst_on_a_web_app(newline):
    _same_positions(FLASK_APP.replace("\n", newline))


def test_same_positions_without_a_final_newline_and_on_empty_files():
    _same_positions(FLASK_APP.rstrip("\n"))
    _same_positions("")
    _same_positions("\n\n# only a comment")


def test_same_positions_on_statelints_own_sources():
    for path in sorted((ROOT / "statelint").glob("*.py"))[:12]:
        _same_positions(path.read_text(encoding="utf-8"))


@GENERATED
@given(libcst_programs())
def test_same_positions_on_generated_programs(source):
    _same_positions(source)
