"""SL402 socketio-without-message-queue: a Socket.IO server that knows only its own clients."""

from __future__ import annotations

from collections.abc import Iterable

from statelint.model import Finding, Location
from statelint.process_services import UnsharedSocketServer, unshared_socket_servers
from statelint.project import Project
from statelint.rule import Example, Rule
from statelint.state import Site, name_list, site_finding, site_handler_names


class SocketioWithoutMessageQueue(Rule):
    """A Socket.IO server without a client manager shared between processes."""

    code = "SL402"
    prescan_tokens = ("SocketIO", "AsyncServer", "socketio", "flask_socketio")
    name = "socketio-without-message-queue"
    severity = "error"
    how = "connections"
    summary = "Socket.IO server without a message queue, so messages reach one process's clients"
    what_it_finds = """
A Socket.IO server made once per process without a client manager that the
processes share: python-socketio `socketio.Server(...)` or
`socketio.AsyncServer(...)` without `client_manager=`, Flask-SocketIO
`SocketIO(app)` without `message_queue=` (in the constructor or in
`socketio.init_app(app, ...)`), when request or event handlers send through it
to clients other than the one they answer: `sio.emit(...)` and `sio.send(...)`
(to everyone, a room or a session id), `socketio.emit(...)` from an HTTP
route, Flask-SocketIO's `emit(...)`/`send(...)` with `broadcast=True`, `to=`
or `room=`, and `enter_room`/`join_room`. The servers and keywords are in
`rules/process_services.toml`.

Not reported: a server given a client manager or a message queue, a server
whose handlers only answer the client that sent the event (`emit(...)`
without `broadcast`, `to` or `room`), and servers made in tests.
"""
    why_stateful = """
Without a message queue the server keeps its connected clients and its rooms
in the memory of the process that accepted them. With several workers or
replicas, a broadcast, a message to a room or to a session id reaches only the
clients connected to the process that sends it: users connected elsewhere
miss the message, and a room's members are split across processes.
"""
    how_to_fix = """
Give the server a client manager backed by a message queue that every process
uses: python-socketio `client_manager=socketio.AsyncRedisManager(url)` (or
`RedisManager`, `KafkaManager`, `KombuManager` for RabbitMQ), Flask-SocketIO
`SocketIO(app, message_queue="redis://redis:6379/0")`, with the URL read from
the environment. Load balancers still need sticky sessions for Socket.IO's
long-polling transport.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(("chat.py", 3, "the python-socketio server `sio` has no client manager"),),
            title="a chat server that broadcasts from its event handler",
            handlers=("message",),
            files={
                "chat.py": '''
import socketio

sio = socketio.AsyncServer(async_mode="asgi")
app = socketio.ASGIApp(sio)


@sio.event
async def message(sid, data):
    await sio.emit("message", {"from": sid, "text": data["text"]}, room=data["room"])
''',
            },
        ),
        Example(
            kind="self-contained",
            title="the same server with a Redis client manager",
            files={
                "chat.py": '''
import os

import socketio

manager = socketio.AsyncRedisManager(os.environ["REDIS_URL"])
sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager)
app = socketio.ASGIApp(sio)


@sio.event
async def message(sid, data):
    await sio.emit("message", {"from": sid, "text": data["text"]}, room=data["room"])
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per server without a shared manager whose handlers send through it."""
        for unshared in unshared_socket_servers(project):
            yield self._finding(project, unshared)

    def _finding(self, project: Project, unshared: UnsharedSocketServer) -> Finding:
        server = unshared.server
        name = server.binding.rsplit(".", 1)[-1] if server.binding else ""
        subject = f"the {unshared.library} server `{name}`" if name else \
            f"the {unshared.library} server made here"
        missing = "message queue" if unshared.library == "Flask-SocketIO" else "client manager"
        sites = [Site(project.functions[send.function_id][0].path, send.call.span,
                      send.function_id, send.reach,
                      f"{project.functions[send.function_id][1].qualname} {send.how}")
                 for send in unshared.sends]
        senders = site_handler_names(sites)
        message = (f"{subject} has no {missing}, so it knows only the clients connected to "
                   f"this process: what {name_list(senders)} send{'s' if len(senders) == 1 else ''} "
                   "to other clients, rooms or everyone never reaches clients connected to "
                   "another worker or replica")
        suggestion = f"Give the server a {missing} that every process shares: {unshared.fix}."
        primary = Location(server.path, server.span.line, server.span.column, "",
                           server.span.end_line, server.span.end_column)
        symbol = server.binding or f"{server.module}.{server.target.rsplit('.', 1)[-1]}"
        return site_finding(project, type(self), symbol, sites, message=message,
                            suggestion=suggestion, final_message="sends through it",
                            primary=primary)
