"""HTTP endpoints backed by Postgres."""

from __future__ import annotations

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse

from .components import COMPONENT_KEYS, COMPONENTS, Health
from .live import notify_all


async def homepage(request: Request) -> JSONResponse:
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch("SELECT component, health FROM current_health")
    health = {row["component"]: row["health"] for row in rows}
    return JSONResponse(
        [
            {"key": key, "name": name, "health": health.get(key, Health.OPERATIONAL.value)}
            for key, name in COMPONENTS
        ]
    )


async def healthcheck(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


class IncidentEndpoint(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        async with request.app.state.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT id, component, title, opened_at FROM incidents "
                "WHERE resolved_at IS NULL ORDER BY opened_at DESC"
            )
        return JSONResponse([dict(row) | {"opened_at": row["opened_at"].isoformat()} for row in rows])

    async def post(self, request: Request) -> JSONResponse:
        data = await request.json()
        if data.get("component") not in COMPONENT_KEYS:
            return JSONResponse({"error": "unknown component"}, status_code=400)
        async with request.app.state.pool.acquire() as conn:
            incident_id = await conn.fetchval(
                "INSERT INTO incidents (component, title) VALUES ($1, $2) RETURNING id",
                data["component"],
                data["title"],
            )
        await notify_all({"incident": incident_id, "component": data["component"]})
        return JSONResponse({"id": incident_id}, status_code=201)
