"""``uvicorn catalogue.ingest.main:app``"""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, HTTPException, Request

from .feeds import load_feeds


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Set once per process before the first request: configuration, not state.
    app.state.http = httpx.AsyncClient(timeout=30)
    app.state.feeds = load_feeds()
    yield
    await app.state.http.aclose()


app = FastAPI(title="catalogue-ingest", lifespan=lifespan)


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}


@app.get("/feeds")
async def list_feeds(request: Request):
    return [{"name": f.name, "format": f.format} for f in request.app.state.feeds.values()]


@app.post("/feeds/{name}/pull")
async def pull_feed(name: str, request: Request):
    feed = request.app.state.feeds.get(name)
    if feed is None:
        raise HTTPException(404, "unknown feed")
    response = await request.app.state.http.get(feed.url)
    response.raise_for_status()
    return {"feed": name, "bytes": len(response.content)}


@app.post("/feeds/{name}/pause")
async def pause_feed(name: str, request: Request):
    request.app.state.paused = getattr(request.app.state, "paused", frozenset()) | {name}
    return {"paused": sorted(request.app.state.paused)}


@app.get("/feeds/{name}/status")
async def feed_status(name: str, request: Request):
    paused = name in getattr(request.app.state, "paused", frozenset())
    return {"feed": name, "paused": paused}
