"""SL101 mutable-module-state: a module-level container changed at request time."""

from __future__ import annotations

from collections.abc import Iterable

from statelint.analyses.memo import is_memo_cache
from statelint.model import Finding
from statelint.project import Project
from statelint.rule import Example, Rule
from statelint.state import (
    finding_for_state,
    frameworks_of,
    group_uses,
    handler_names,
    is_connection_registry,
    is_mutable_container,
    is_write,
    name_list,
    short_name,
    state_uses,
)

from ._advice import shared_store_for


class MutableModuleState(Rule):
    """A dict, list, set or other container defined at module level and changed
    while serving requests."""

    code = "SL101"
    prescan_tokens = ()
    name = "mutable-module-state"
    severity = "error"
    how = "writes"
    summary = "Module-level container changed while serving requests"
    what_it_finds = """
A container created at module level (a dict, list or set literal or
comprehension, `dict()`, `collections.defaultdict`, `OrderedDict`, `Counter`,
`deque`, ...) that a request handler changes, directly or through any helper it
calls, in the same module or another one: item assignment, `del`, augmented
assignment, or a mutating method (`append`, `add`, `update`, `setdefault`, `pop`,
`clear`, ...), also through a module alias (`store.CACHE[key] = value`). Every
handler that reads or writes the container is listed, since their answers
depend on what earlier requests left behind.

Containers that nothing changes after import (lookup tables, route tables,
tables filled by a loop at import time) are constants and are not reported.
"""
    why_stateful = """
Each worker process imports the module and gets its own copy of the container.
A request handled by worker A writes into A's copy; the next request from the
same user may land on worker B, or on another replica, where the entry does not
exist. Requests stop being independent of each other: the answer depends on
which process served the earlier ones, the data disappears on every restart or
deploy, and scaling out needs sticky sessions instead of just more replicas.
"""
    how_to_fix = """
Keep the data in a store that every process shares, keyed the same way: a Redis
hash, list, set or counter, the database, or the framework's cache configured
with a shared backend (Django's `RedisCache`, Flask-Caching's `RedisCache`). If
the data really belongs to one request, make it a local variable or keep it on
the request (`flask.g`, `request.state`). If it is configuration, build it at
import time and never change it.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(
                ("shop/carts.py", 3, "`CARTS` is a module-level defaultdict that add_to_cart changes while"),
            ),
            title="a shopping cart kept in a module-level dict, two calls away",
            handlers=("add_to_cart", "view_cart"),
            files={
                "shop/__init__.py": "",
                "shop/carts.py": '''
from collections import defaultdict

CARTS = defaultdict(list)


def add_line(session_id, sku, quantity):
    CARTS[session_id].append({"sku": sku, "quantity": quantity})


def lines(session_id):
    return CARTS.get(session_id, [])
''',
                "shop/app.py": '''
from flask import Flask, jsonify, request, session

from shop import carts

app = Flask(__name__)


def _add(sku, quantity):
    carts.add_line(session["id"], sku, quantity)


@app.post("/cart")
def add_to_cart():
    payload = request.get_json()
    _add(payload["sku"], payload.get("quantity", 1))
    return jsonify(ok=True), 201


@app.get("/cart")
def view_cart():
    return jsonify(lines=carts.lines(session["id"]))
''',
            },
        ),
        Example(
            kind="self-contained",
            title="a lookup table built at import time and a cart in Redis",
            files={
                "shop/__init__.py": "",
                "shop/app.py": '''
import json
import os

import redis
from flask import Flask, jsonify, request, session

app = Flask(__name__)
store = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$"}
TAX_RATES = {}
for country, rate in (("DE", 19), ("FR", 20)):
    TAX_RATES[country] = rate


@app.post("/cart")
def add_to_cart():
    payload = request.get_json()
    store.rpush(f"cart:{session["id"]}", json.dumps(payload))
    return jsonify(ok=True), 201


@app.get("/prices/<country>")
def tax(country):
    return jsonify(rate=TAX_RATES.get(country), symbol=CURRENCY_SYMBOLS["EUR"])
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per module-level container that a handler changes."""
        uses = [
            use for use in state_uses(project)
            if use.target.kind == "module"
            and use.target.binding is not None
            and is_mutable_container(project, use.target.binding.value)
            and not (use.access.op == "rebind")
        ]
        # Memo caches over I/O (SL201) and connection registries (SL401) have
        # rules of their own, with the severity and advice that fit them.
        uses = [
            use for use in uses
            if not is_memo_cache(project, use.target.symbol)
            and not is_connection_registry(project, use.target.symbol)
        ]
        for symbol, group in group_uses(uses).items():
            binding = group[0].target.binding
            name = short_name(symbol)
            kind = _container_word(binding.value.kind, binding.value.target) if binding else "container"

            def message(all_uses, writes, readers, name=name, kind=kind):
                writers = handler_names(writes)
                text = (f"`{name}` is a module-level {kind} that {name_list(writers)} "
                        f"change{'s' if len(writers) == 1 else ''} while serving requests; "
                        "each worker process has its own copy, so another worker or replica "
                        "answers from different data")
                if readers:
                    text += f" (also read by {name_list([r.split('::')[-1] for r in readers])})"
                return text

            finding = finding_for_state(
                project, type(self), symbol, group,
                message=message,
                suggestion=shared_store_for(frameworks_of(group), binding, name),
                writes=lambda use: is_write(use.access),
            )
            if finding is not None:
                yield finding


def _container_word(kind: str, target: str) -> str:
    if kind in ("dict", "list", "set"):
        return kind
    if kind == "comprehension":
        return "container"
    last = target.rsplit(".", 1)[-1]
    return last if last else "container"
