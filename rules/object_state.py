"""SL602 long-lived-object-state: data kept inside an object that lives as long as the
process, changed while serving requests."""

from __future__ import annotations

from collections.abc import Iterable

from statelint.effects import effect_list
from statelint.knowledge import matches
from statelint.model import Finding, Location
from statelint.project import Project
from statelint.rule import Example, Rule
from statelint.semantic import CONTAINER, INSTANCE, LIBRARY, PROCESS, Use, points_to
from statelint.semantic.held import HeldState, held_states
from statelint.state import describe_change, make_finding, name_list

from ._advice import shared_store


class LongLivedObjectState(Rule):
    """State inside an object made once per process and handed to request code."""

    code = "SL602"
    prescan_tokens = ()
    name = "long-lived-object-state"
    severity = "error"
    how = "writes"
    uses_model = True
    summary = "Data inside a process-wide object changed while serving requests"
    what_it_finds = """
A dict, list, set or other object kept inside a long-lived object (one made at
start-up, in an app factory, at import time, or lazily by the first request and
then kept in a class attribute or global) that request code changes. The object is
followed however it reaches the handler: returned by a factory, passed as an
argument into a blueprint or router factory and closed over by its handlers,
handed to a class-based view through constructor keywords or `initialize()`,
kept as `self.store` and changed inside the object's own methods
(`self._items[key] = item`), fetched through a classmethod accessor
(`Registry.instance().add(...)`), put on the application object, or built by
the start-up methods of an application a library launches (traitlets
`App.launch_instance()`) and handed to handlers in tornado's settings
(`self.settings["proxy"]`, `self.settings.get("users")`).

Not reported: objects a request makes for itself; the rows of a registry (each
object a request makes and keeps in a process-wide dict is one entry of that
dict, which is reported instead); objects made in test modules; what a library's
object keeps inside itself (unless its class is named in `stateful-classes`); attributes an
object sets on itself while it is built (`__init__`); a flag set to True or False by a
function that stops the server, or read only by the functions that set it (a run-once
guard); an index a function rebuilds whole from a directory listing (the files are the
state). A module-level container or
object made at import time, and what hangs from it, is judged by name by SL101,
SL401, SL601 and SL701, so ignoring one of those codes does not bring it back here.
"""
    why_stateful = """
The object exists once per worker process, so the data inside it does too. What
one request puts into it is visible only to later requests served by the same
process: a second worker or another replica holds its own object with other
contents, and a restart or deploy empties it. Which answer a user gets depends on
the process that serves the request.
"""
    how_to_fix = """
Keep the data in a store every process shares and make the object a thin client
of it: a Redis hash, set or list (`HSET`/`HGET`, `SADD`, `RPUSH`) or a database
table, reached through a client the object is given at start-up. Objects that
only hold configuration and clients are fine; the data they serve is not.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(
                ("inventory/store.py", 3, "`ItemStore._items` is a dict inside a long-lived ItemStore"),
            ),
            title="a store made in the app factory and handed to a blueprint factory",
            handlers=("make_blueprint.add_item", "make_blueprint.list_items"),
            files={
                "inventory/__init__.py": "",
                "inventory/store.py": '''
class ItemStore:
    def __init__(self):
        self._items = {}

    def add(self, item_id, item):
        self._items[item_id] = item

    def all(self):
        return list(self._items.values())
''',
                "inventory/api.py": '''
from flask import Blueprint, jsonify, request


def make_blueprint(store):
    bp = Blueprint("items", __name__)

    @bp.post("/items/<item_id>")
    def add_item(item_id):
        store.add(item_id, request.get_json())
        return jsonify(ok=True), 201

    @bp.get("/items")
    def list_items():
        return jsonify(items=store.all())

    return bp
''',
                "inventory/app.py": '''
from flask import Flask

from inventory.api import make_blueprint
from inventory.store import ItemStore


def create_app():
    app = Flask(__name__)
    app.register_blueprint(make_blueprint(ItemStore()))
    return app
''',
            },
        ),
        Example(
            kind="self-contained",
            title="a Redis-backed store handed down, and an object made per request",
            files={
                "inventory/__init__.py": "",
                "inventory/store.py": '''
import json

import redis


class ItemStore:
    def __init__(self, url):
        self._redis = redis.Redis.from_url(url)

    def add(self, item_id, item):
        self._redis.hset("items", item_id, json.dumps(item))


class Basket:
    def __init__(self):
        self.lines = []

    def add(self, line):
        self.lines.append(line)
''',
                "inventory/app.py": '''
import os

from flask import Flask, jsonify, request

from inventory.store import Basket, ItemStore


def create_app():
    app = Flask(__name__)
    store = ItemStore(os.environ["REDIS_URL"])

    @app.post("/items/<item_id>")
    def add_item(item_id):
        store.add(item_id, request.get_json())
        return jsonify(ok=True), 201

    @app.post("/basket/total")
    def basket_total():
        basket = Basket()
        for line in request.get_json():
            basket.add(line)
        return jsonify(count=len(basket.lines))

    return app
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per attribute of a long-lived object that requests change."""
        groups: dict[str, list[HeldState]] = {}
        for held in held_states(project):
            item = held.state.object
            if held.root_at_import or (item.function == "" and held.kept_as in (
                    "global", "class attribute")):
                continue  # a module global or class attribute made at import: judged by name
            if item.origin != PROCESS and not held.root:
                continue  # made per request and kept by nothing with a name: too uncertain
            if held.kept_as == "attribute" and not held.owner_class:
                continue  # inside a library's object (a user, a client): the library's business
            if item.kind == LIBRARY and not matches(
                    item.class_name, (*effect_list("caches", "objects"), *project.stateful_classes)):
                continue  # a library object: only in-memory caches and declared classes keep data
            groups.setdefault(held.symbol, []).append(held)
        for symbol, group in sorted(groups.items()):
            yield self._finding(project, symbol, group)

    def _finding(self, project: Project, symbol: str, group: list[HeldState]) -> Finding:
        first = group[0]
        item = first.state.object
        uses = sorted({use for held in group for use in held.state.mutations},
                      key=lambda use: (use.path, use.span.line, use.span.column))
        writers = sorted({key for held in group for key in held.state.writers})
        readers = sorted({key for held in group for key in held.state.reading_handlers}
                         - set(writers))
        kind = _kind_word(item.kind, item.class_name)
        owner = first.owner_class.rpartition(":")[2] or "object"
        where = {"attribute": f"inside a long-lived {owner}",
                 "item": "kept as an entry of a long-lived container",
                 "class attribute": f"kept in class attribute `{first.name}`",
                 "global": f"kept in global `{first.name}`"}.get(first.kept_as,
                                                                "kept by a long-lived object")
        when = "made by the first request that needs it" if first.made_per_request else "made once"
        message = (f"`{first.name}` is a {kind} {where} ({when} and kept for the life of the "
                   f"process) that {name_list([_short(k) for k in writers])} "
                   f"change{'s' if len(writers) == 1 else ''} while serving requests; each worker "
                   "process has its own, so another worker or replica answers from different data")
        if readers:
            message += f" (also read by {name_list([_short(k) for k in readers])})"
        related = [Location(held.state.object.path, held.state.object.line,
                            held.state.object.column, f"also made here: {held.name}")
                   for held in group[1:]]
        primary = Location(item.path, item.line, item.column)
        container = first.kept_in
        if first.kept_as == "item" and container is not None and container.kind == CONTAINER:
            # an entry made once and kept in a long-lived container: the container is what
            # requests reach it through, so the finding points there
            related.insert(0, Location(item.path, item.line, item.column,
                                       f"the {kind} kept in it is made here"))
            primary = Location(container.path, container.line, container.column)
        elif (first.made_per_request and first.kept_as == "attribute" and container is not None
              and container.kind == INSTANCE):
            # a singleton the first request makes: where its accessor makes it is where each
            # process gets its own
            related.append(Location(container.path, container.line, container.column,
                                    f"the {owner} that keeps it is made here"))
        related += [Location(use.path, use.span.line, use.span.column,
                             f"{_function_name(use)} {_change(use)} at request time")
                    for use in uses]
        rows = sorted({use for held in group for use in held.row_changes},
                      key=lambda use: (use.path, use.span.line, use.span.column))
        related += [Location(use.path, use.span.line, use.span.column,
                             f"{_function_name(use)} {_change(use)} in an object kept in it, "
                             "at request time") for use in rows]
        trace = _trace(project, uses[0])
        advice = shared_store(set(_frameworks(project, writers)), item.class_name if
                              item.kind == CONTAINER else "", "", first.name.rpartition(".")[2])
        # a state the name-based rules report (a module global's object) is theirs
        return make_finding(type(self), primary, message, symbol, advice,
                            sorted({*writers, *readers}), trace, related, writers=writers,
                            anchors=[first.root] if first.root else [])


def _kind_word(kind: str, class_name: str) -> str:
    if kind == CONTAINER:
        return class_name.rpartition(".")[2] or "container"
    if kind == INSTANCE:
        return f"{class_name.rpartition(':')[2]} object"
    return f"{class_name.rpartition('.')[2]} object"


def _short(handler_key: str) -> str:
    return handler_key.rpartition("::")[2]


def _function_name(use: Use) -> str:
    return use.function_id.rpartition(":")[2]


def _change(use: Use) -> str:
    return describe_change(use.op, use.detail)


def _frameworks(project: Project, handler_keys: list[str]) -> Iterable[str]:
    by_key = {handler.key: handler.framework for handler in project.handlers}
    return (by_key[key] for key in handler_keys if key in by_key)


def _trace(project: Project, use: Use) -> tuple[Location, ...]:
    """The chain from the first handler that makes the change to the change."""
    reach = points_to(project).reach(use.handlers[0]) if use.handlers else None
    final = Location(use.path, use.span.line, use.span.column, f"{_change(use)}")
    if reach is None or use.function_id not in reach.parents:
        return (final,)
    return project.trace(reach, use.function_id, final)
