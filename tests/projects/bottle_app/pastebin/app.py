"""``gunicorn -w 4 pastebin.app:app``"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bottle import Bottle, HTTPError, request, response, template

from .db import pool
from .stats import count_view, top

MAX_PASTE_BYTES = 512 * 1024
BANNER_FILE = Path(os.environ.get("PASTEBIN_BANNER", "/etc/pastebin/banner.txt"))
BANNER = "Welcome to pastebin"

app = Bottle()


@app.get("/")
def index():
    return template("index", banner=BANNER)


@app.post("/pastes")
def create_paste():
    body = request.forms.getunicode("body") or ""
    if not body or len(body.encode()) > MAX_PASTE_BYTES:
        raise HTTPError(400, "empty or too large")
    paste_id = secrets.token_urlsafe(6)
    with pool.connection() as conn:
        conn.execute("INSERT INTO pastes (id, body) VALUES (%s, %s)", (paste_id, body))
    response.status = 201
    return {"id": paste_id}


def _load(paste_id: str) -> str:
    with pool.connection() as conn:
        row = conn.execute("SELECT body FROM pastes WHERE id = %s", (paste_id,)).fetchone()
    if row is None:
        raise HTTPError(404, "no such paste")
    return row[0]


@app.route("/pastes/<paste_id>", method="GET")
def show_paste(paste_id: str):
    body = _load(paste_id)
    count_view(paste_id)
    return template("paste", paste_id=paste_id, body=body)


@app.route("/pastes/<paste_id>/raw")
def raw_paste(paste_id: str):
    response.content_type = "text/plain; charset=utf-8"
    return _load(paste_id)


def stats_page():
    return {"top": [{"id": pid, "views": n} for pid, n in top()]}


def reload_banner():
    global BANNER
    BANNER = BANNER_FILE.read_text(encoding="utf-8").strip()
    return {"banner": BANNER}


app.route("/stats", "GET", stats_page)
app.route("/admin/banner", method="POST", callback=reload_banner)
