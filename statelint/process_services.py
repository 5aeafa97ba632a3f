"""Library objects made once per process that keep what requests share inside that process
unless they are given a shared backend: Socket.IO servers without a message queue, and
SQLite databases kept in memory. The libraries and their keywords are in
``rules/process_services.toml``.

An object counts when it is made at import time or in start-up code (as the semantic model
sees it) and some request handler uses it: a Socket.IO server that a handler sends through
to other clients, a database whose connection or engine a handler reads.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass

from statelint.config_values import call_target, non_production_module, sources
from statelint.failures import analysis
from statelint.knowledge import load_table, matches
from statelint.model import Call, Span, Value
from statelint.project import Project, Reach
from statelint.state import handler_reaches, iter_values, process_startup, reads_bindings


@dataclass(frozen=True)
class ProcessObject:
    """A library object made once per process by the call ``value`` (qualified ``target``) at
    ``path``/``span``, in ``function_id`` (empty at import time); ``binding`` is the
    module-level name that holds it (``module.name``), empty when none does."""

    path: str
    span: Span
    module: str
    function_id: str
    value: Value
    target: str
    binding: str = ""


@dataclass(frozen=True)
class Send:
    """A request-time call (``call`` in ``function_id``, reached by ``reach``) that sends
    Socket.IO messages to other clients or puts a client into a room (``how``)."""

    reach: Reach
    function_id: str
    call: Call
    how: str


@dataclass(frozen=True)
class UnsharedSocketServer:
    """A Socket.IO server with no manager shared between processes, and the request-time
    sends that only reach the clients of the process they run in."""

    server: ProcessObject
    library: str
    fix: str
    sends: tuple[Send, ...]


@dataclass(frozen=True)
class MemoryDatabase:
    """A SQLite database opened in memory (``url``) once per process; ``env`` names the
    variable whose absence selects it (empty when nothing else is configured), and
    ``readers`` the handlers that use it."""

    opened: ProcessObject
    url: str
    env: str
    readers: tuple[Reach, ...]


def _table() -> dict:
    return load_table("process_services")


def process_objects(project: Project, targets: list[str]) -> Iterator[ProcessObject]:
    """Calls of ``targets`` made at import time or in start-up code, outside tests."""
    startup = process_startup(project)
    for facts in project.modules.values():
        if non_production_module(facts):
            continue
        for binding in facts.bindings:
            for value in iter_values(binding.value):
                target = _matching(project, value, targets)
                if target:
                    yield ProcessObject(facts.path, binding.span, facts.module, "", value, target,
                                        f"{facts.module}.{binding.name}")
        for statement in facts.statements:
            if statement.call is not None and not any(
                    binding.span.line <= statement.span.line <= binding.span.end_line
                    for binding in facts.bindings):  # a call inside a bound value: met above
                target = _matching(project, statement.call.value, targets)
                if target:
                    yield ProcessObject(facts.path, statement.span, facts.module, "",
                                        statement.call.value, target)
        for fn in facts.functions:
            function_id = f"{facts.module}:{fn.qualname}"
            if function_id not in startup:
                continue
            for call in fn.calls:
                target = _matching(project, call.value, targets)
                if target:
                    yield ProcessObject(facts.path, call.span, facts.module, function_id,
                                        call.value, target)


def _matching(project: Project, value: Value, targets: list[str]) -> str:
    if value.kind != "call" or not value.target:
        return ""
    qualified = project.qualify(value.target)
    return qualified if matches(qualified, targets) else ""


def _given(value: Value, keywords: list[str]) -> bool:
    """True when a call passes one of ``keywords`` (other than ``None``), or ``**kwargs``
    that may hold one."""
    return any(key == "**" or (key in keywords and not (item.kind == "literal" and item.literal is None))
               for key, item in value.kwargs)


@analysis("unshared Socket.IO servers")
def unshared_socket_servers(project: Project) -> list[UnsharedSocketServer]:
    """Socket.IO servers made without a message queue whose handlers send to other clients."""
    table = _table()["socketio"]
    sends = table["sends"]
    found: list[UnsharedSocketServer] = []
    for spec in table["server"]:
        shared = spec["shared_keywords"]
        for server in process_objects(project, spec["targets"]):
            if _given(server.value, shared) or _configured_later(project, server, shared):
                continue
            functions = [name for name in sends["functions"]
                         if name.split(".", 1)[0] == server.target.split(".", 1)[0]]
            made = tuple(_sends(project, server, spec["targets"], functions, sends))
            if made:
                found.append(UnsharedSocketServer(server, spec["library"], spec["fix"], made))
    return found


def _configured_later(project: Project, server: ProcessObject, keywords: list[str]) -> bool:
    """True when the server's ``init_app(app, message_queue=...)`` gives it a queue."""
    if not server.binding:
        return False
    for facts in project.modules.values():
        calls = [statement.call for statement in facts.statements if statement.call is not None]
        calls += [call for fn in facts.functions for call in fn.calls]
        for call in calls:
            receiver, _, method = call.target.rpartition(".")
            if method == "init_app" and receiver and _given(call.value, keywords):
                symbol, rest = project.resolve(receiver)
                if symbol.kind == "binding" and not rest and symbol.key == server.binding:
                    return True
    return False


def _sends(project: Project, server: ProcessObject, targets: list[str], functions: list[str],
           table: dict) -> Iterator[Send]:
    """Request-time calls of the server's sending methods (on a name the server is bound to,
    or on whatever the model says points to it), and of the sending functions with a keyword
    that addresses other clients."""
    methods = {*table["server_methods"], *table["room_methods"]}
    seen: set[tuple[str, int, int]] = set()
    for reach in handler_reaches(project):
        if reach.handler.kind == "hook":
            continue
        for function_id in reach.parents:
            facts, fn = project.functions[function_id]
            for call in fn.calls:
                receiver, _, method = call.target.rpartition(".")
                if method in methods and receiver and _is_server(project, server, targets,
                                                                  function_id, call):
                    how = "puts a client into a room" if method in table["room_methods"] \
                        else f"calls .{method}()"
                elif matches(project.qualify(call.target), functions) and _given(
                        call.value, table["keywords"]):
                    how = f"calls {method}() for other clients"
                else:
                    continue
                key = (facts.path, call.span.line, call.span.column)
                if key not in seen:
                    seen.add(key)
                    yield Send(reach, function_id, call, how)


def _is_server(project: Project, server: ProcessObject, targets: list[str], function_id: str,
               call: Call) -> bool:
    """True when the receiver of ``call`` is the server."""
    receiver = call.target.rpartition(".")[0]
    if server.binding and call_target(project, call.target).rpartition(".")[0] in targets:
        symbol, rest = project.resolve(receiver)
        return symbol.key == server.binding and not rest
    from statelint.semantic import points_to

    return any((item.path, item.line) == (server.path, server.span.line)
               for item in points_to(project).values_of(function_id, receiver))


@analysis("databases kept in memory")
def memory_databases(project: Project) -> list[MemoryDatabase]:
    """SQLite databases opened in memory once per process and used by request handlers."""
    table = _table()["databases"]
    found: list[MemoryDatabase] = []
    for spec in table["opener"]:
        for opened in process_objects(project, spec["targets"]):
            argument = opened.value.arg(0, spec["keyword"])
            if argument is None:
                continue
            memory = [source for source in sources(project, argument, opened.function_id)
                      if source.value.kind == "literal" and isinstance(source.value.literal, str)
                      and any(fnmatch.fnmatchcase(source.value.literal, pattern)
                              for pattern in table["memory"])]
            if not memory or not opened.binding:
                continue
            readers = _readers(project, opened)
            if readers:
                found.append(MemoryDatabase(opened, memory[0].value.literal, memory[0].env,
                                            tuple(readers)))
    return found


def _readers(project: Project, opened: ProcessObject) -> list[Reach]:
    """Handlers that read the name holding the database, or a module-level name made from it
    in the same module (``SessionLocal = sessionmaker(bind=engine)``)."""
    symbols = {opened.binding}
    for binding in project.modules[opened.module].bindings:
        if any(item.kind in ("name", "attribute") and item.target
               and project.resolve(item.target)[0].key == opened.binding
               for item in iter_values(binding.value)):
            symbols.add(f"{opened.module}.{binding.name}")
    found: list[Reach] = []
    for reach in handler_reaches(project):
        if reach.handler.kind != "hook" and (
                reads_bindings(project, reach, symbols) or _calls_on(project, reach, symbols)):
            found.append(reach)
    return found


def _calls_on(project: Project, reach: Reach, symbols: set[str]) -> bool:
    """True when a function the handler reaches calls one of the names or a method of one
    (``SessionLocal()``, ``conn.execute(...)``)."""
    for function_id in reach.parents:
        _, fn = project.functions[function_id]
        for call in fn.calls:
            if call.head == "global" and call.target:
                symbol, _ = project.resolve(call.target)
                if symbol.kind == "binding" and symbol.key in symbols:
                    return True
    return False
