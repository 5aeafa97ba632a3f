"""On-call acknowledgements.

Kept in memory "for now": an ack made on one replica is invisible on the others.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import JSONResponse

_ACKS: dict[int, dict[str, object]] = {}


async def acknowledge(request: Request) -> JSONResponse:
    incident_id = request.path_params["incident_id"]
    body = await request.json()
    _ACKS[incident_id] = {"by": body["engineer"], "at": time.time()}
    return JSONResponse(_ACKS[incident_id], status_code=201)
