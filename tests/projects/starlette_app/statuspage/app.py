"""``uvicorn statuspage.app:app``"""

from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute

from .acks import acknowledge
from .db import lifespan
from .endpoints import IncidentEndpoint, healthcheck, homepage
from .live import live_updates

api_routes = [
    Route("/incidents", IncidentEndpoint),
    Route("/incidents/{incident_id:int}/ack", acknowledge, methods=["POST"]),
]

routes = [
    Route("/", homepage),
    Route("/healthz", healthcheck),
    Mount("/api", routes=api_routes),
    WebSocketRoute("/live", live_updates),
]

app = Starlette(routes=routes, lifespan=lifespan)
