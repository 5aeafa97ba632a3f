from __future__ import annotations

import json
import weakref

from aiohttp import WSMsgType, web

from .codes import CODE_RE, new_code
from .counters import hits_for, record_hit

routes = web.RouteTableDef()


@routes.post("/links")
async def create_link(request: web.Request) -> web.Response:
    payload = await request.json()
    target = payload.get("url", "")
    if not target.startswith(("http://", "https://")):
        raise web.HTTPBadRequest(text="url must be http(s)")
    code = new_code()
    async with request.app["pg"].acquire() as conn:
        await conn.execute("INSERT INTO links (code, target) VALUES ($1, $2)", code, target)
    return web.json_response({"code": code}, status=201)


@routes.get("/{code}")
async def follow_link(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    if not CODE_RE.match(code):
        raise web.HTTPNotFound()
    async with request.app["pg"].acquire() as conn:
        target = await conn.fetchval("SELECT target FROM links WHERE code = $1", code)
    if target is None:
        raise web.HTTPNotFound()
    count = record_hit(code)
    for ws in set(request.app["watchers"]):
        await ws.send_str(json.dumps({"code": code, "hits": count}))
    raise web.HTTPFound(target)


@routes.get("/ws/watch")
async def watch(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    request.app["watchers"].add(ws)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.ERROR:
                break
    finally:
        request.app["watchers"].discard(ws)
    return ws


class StatsView(web.View):
    async def get(self) -> web.Response:
        code = self.request.match_info["code"]
        return web.json_response({"code": code, "hits": hits_for(code)})


async def health(request: web.Request) -> web.Response:
    async with request.app["pg"].acquire() as conn:
        await conn.fetchval("SELECT 1")
    return web.Response(text="ok")


def new_watcher_set() -> "weakref.WeakSet[web.WebSocketResponse]":
    return weakref.WeakSet()
