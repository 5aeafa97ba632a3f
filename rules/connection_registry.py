"""SL401 connection-registry: open connections collected in the process to broadcast to."""

from __future__ import annotations

from collections.abc import Iterable

from statelint.model import Finding, Location
from statelint.project import Project
from statelint.rule import Example, Rule
from statelint.state import (
    connection_registries,
    finding_for_state,
    frameworks_of,
    handler_names,
    name_list,
    short_name,
)


class ConnectionRegistry(Rule):
    """A collection of websockets, streams or subscriber queues shared by the process."""

    code = "SL401"
    prescan_tokens = ()
    name = "connection-registry"
    severity = "error"
    how = "connections"
    summary = "Open websockets or subscriber queues collected in process memory"
    what_it_finds = """
A long-lived collection that request handlers put client connections into, so
that other requests can send to them later: a module-level or class-level set,
list or dict (`clients: set[WebSocket] = set()` with `clients.add(websocket)`),
or the attributes of an object created at module level (FastAPI's documented
`ConnectionManager` with `self.active_connections.append(websocket)` and
`manager = ConnectionManager()`).

A connection is recognised by what is put in: a websocket or stream (by its
annotation, its constructor such as `web.WebSocketResponse()`, or because it is
the socket a websocket handler receives) or a subscriber's `asyncio.Queue`.
When the element cannot be seen (`clients[user_id] = websocket`), the
collection's name (`connections`, `clients`, `subscribers`, `watchers`, ...) and
a connection in the storing function's hands must both say so. Every handler
that adds to, removes from, or sends through the collection is listed.

Not reported: per-connection sets of tasks or queues kept in local variables
and cleaned up in `finally`, module-level task sets that only keep
`asyncio` tasks alive, and `BackgroundTasks`. Such a collection is reported
here rather than as mutable module state.
"""
    why_stateful = """
A websocket is held by exactly one process. A message sent to the registry
reaches only the clients connected to this worker; clients connected to another
worker or replica never see it, and a request that lands on a different worker
than the socket's finds nobody to talk to. Counts of online users differ per
process, and every restart drops the registry. Scaling out needs sticky
sessions and still loses cross-worker messages.
"""
    how_to_fix = """
Keep only this process's own sockets locally, and move the fan-out to a
pub/sub channel every replica subscribes to: Redis pub/sub (`PUBLISH room:42
message`, one `SUBSCRIBE` task per worker that forwards to its local sockets),
the `broadcaster` package (`Broadcast("redis://...")`), or Django Channels
groups with `channels_redis.core.RedisChannelLayer`. Keep presence (who is
online) in Redis with an expiry, not in a list of sockets.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(
                ("chat/app.py", 22, "`manager` collects the open connections of this worker process in its"),
            ),
            title="FastAPI's connection manager at module level",
            handlers=("chat_socket", "announce"),
            files={
                "chat/__init__.py": "",
                "chat/app.py": '''
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


class ConnectionManager:
    def __init__(self) -> None:
        self.active_connections: list[WebSocket] = []

    async def connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        self.active_connections.append(websocket)

    def disconnect(self, websocket: WebSocket) -> None:
        self.active_connections.remove(websocket)

    async def broadcast(self, message: str) -> None:
        for connection in self.active_connections:
            await connection.send_text(message)


manager = ConnectionManager()


@app.websocket("/ws/{client_id}")
async def chat_socket(websocket: WebSocket, client_id: int):
    await manager.connect(websocket)
    try:
        while True:
            data = await websocket.receive_text()
            await manager.broadcast(f"#{client_id}: {data}")
    except WebSocketDisconnect:
        manager.disconnect(websocket)


@app.post("/announce")
async def announce(text: str):
    await manager.broadcast(text)
    return {"sent": True}
''',
            },
        ),
        Example(
            kind="self-contained",
            title="fan-out through Redis pub/sub with a per-connection task",
            files={
                "chat/__init__.py": "",
                "chat/app.py": '''
import asyncio
import contextlib
import os

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from redis.asyncio import Redis

app = FastAPI()
redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))


async def forward(websocket: WebSocket, room: str) -> None:
    pubsub = redis.pubsub()
    await pubsub.subscribe(f"room:{room}")
    async for item in pubsub.listen():
        if item["type"] == "message":
            await websocket.send_bytes(item["data"])


@app.websocket("/ws/{room}")
async def room_socket(websocket: WebSocket, room: str):
    await websocket.accept()
    tasks = set()
    task = asyncio.create_task(forward(websocket, room))
    tasks.add(task)
    try:
        while True:
            await redis.publish(f"room:{room}", await websocket.receive_text())
    except WebSocketDisconnect:
        pass
    finally:
        for pending in tasks:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pending


@app.post("/rooms/{room}/announce")
async def announce(room: str, text: str):
    return {"receivers": await redis.publish(f"room:{room}", text)}
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per registry of open connections that handlers fill."""
        for symbol, registry in sorted(connection_registries(project).items()):
            name = short_name(symbol)
            adders = handler_names(registry.adds)
            held = "in its attributes " if registry.members != (symbol,) else ""

            def message(all_uses, writes, readers, name=name, adders=adders, held=held,
                        adds=registry.adds):
                others = handler_names(all_uses, excluding=adds)
                text = (f"`{name}` collects the open connections of this worker process {held}"
                        f"({name_list(adders)} add{'s' if len(adders) == 1 else ''} to it)")
                if others:
                    text += f" and {name_list(others)} use{'s' if len(others) == 1 else ''} it"
                return (text + "; a client connected to another worker or replica is not in it, "
                        "so messages sent through it never reach that client and counts differ "
                        "per process")

            primary = None
            if registry.binding is not None:
                span = registry.binding.span
                primary = Location(registry.binding_path, span.line, span.column, "",
                                   span.end_line, span.end_column)
            adds = {id(use) for use in registry.adds}
            finding = finding_for_state(
                project, type(self), symbol, list(registry.uses),
                message=message,
                suggestion=pubsub_for(frameworks_of(registry.uses), name),
                writes=lambda use, adds=adds: id(use) in adds,
                primary=primary,
            )
            if finding is not None:
                yield finding


def pubsub_for(frameworks: set[str], name: str) -> str:
    """How to fan messages out across replicas, in the framework's terms."""
    if "django" in frameworks:
        how = ("Django Channels groups (`channel_layer.group_add(group, self.channel_name)`, "
               "`group_send`) with `CHANNEL_LAYERS` on `channels_redis.core.RedisChannelLayer`")
    elif frameworks & {"fastapi", "starlette", "litestar"}:
        how = ("Redis pub/sub: publish with `await redis.publish(channel, message)` and give each "
               "worker one subscriber task that forwards to the sockets it holds (or the "
               "`broadcaster` package with `Broadcast(\"redis://...\")`)")
    else:
        how = ("Redis pub/sub: `PUBLISH channel message` from any worker, and one `SUBSCRIBE` "
               "listener per worker that forwards to the connections it holds")
    return (f"Fan out through {how}, so a message published on one replica reaches sockets held "
            f"by the others; keep `{name}` only as this process's local socket list, never as the "
            "list of every client, and keep presence counts in Redis with an expiry.")
