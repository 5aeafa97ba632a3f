"""SL701 app-state-mutation: the application object's own state changed per request."""

from __future__ import annotations

from collections.abc import Iterable

from statelint.analyses.app_state import app_state_uses, reads_key
from statelint.model import Finding
from statelint.project import Project
from statelint.rule import Example, Rule
from statelint.state import name_list, site_finding, site_handler_names


class AppStateMutation(Rule):
    """A request handler changes state that belongs to the application object."""

    code = "SL701"
    # Start-up idioms are pre-scan tokens of every scan (``process_state.toml``).
    prescan_tokens = ()
    name = "app-state-mutation"
    severity = "error"
    how = "config"
    summary = "Application state or configuration changed while serving requests"
    what_it_finds = """
A write made at request time, by a handler or any helper it reaches, to state
that belongs to the running application rather than to the request:

* Starlette/FastAPI/Litestar `request.app.state.x = ...`, `request.app.state.x.append(...)`,
  `app.state.x = ...` on the module-level app, Litestar's injected `state: State`;
* Flask/Quart `current_app.config[...] = ...`, `.update(...)`, or `app.config[...]` on
  the module-level app;
* aiohttp `request.app["key"] = ...` and changes to objects in `request.config_dict`;
* Sanic `request.app.ctx.x = ...`;
* Tornado `self.application.settings[...]`/`self.settings[...]` in a `RequestHandler`;
* Django `settings.X = ...`; Pyramid `request.registry.settings[...]`.

Handlers that read the same attribute (`request.app.state.x`,
`getattr(request.app.state, "x")`) are listed too. Writes at start-up are
configuration and are not reported: module level, app factories (`create_app`),
lifespan functions, `@app.on_event("startup")`, `app.on_startup.append(...)`,
Sanic listeners. `request.state` and `flask.g` are per request and are fine.
"""
    why_stateful = """
Every worker process builds its own application object. A request that changes
it changes one worker's copy: the flag, counter or setting takes effect for the
requests this worker serves and for none of the others, and it is gone after a
restart. Toggling maintenance mode or a feature switch through an endpoint then
works "sometimes", depending on which worker answers.
"""
    how_to_fix = """
Treat application state as read-only after start-up. Values that must change at
run time belong in a shared store every worker reads per request: a Redis key
(`SET maintenance 1` / `GET maintenance`), a database row, or a feature-flag
service. Set `app.state`, `app.config` and `app.ctx` only in the app factory or the
lifespan/startup hooks.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(
                ("ops/views.py", 7, "`app.config` belongs to the application object, and enable_maintenance"),
            ),
            title="a maintenance switch stored in Flask's config",
            handlers=("enable_maintenance",),
            files={
                "ops/__init__.py": "",
                "ops/views.py": '''
from flask import Blueprint, current_app, jsonify, request

bp = Blueprint("ops", __name__)


def set_flag(name, enabled):
    current_app.config[name] = enabled


@bp.post("/admin/maintenance")
def enable_maintenance():
    set_flag("MAINTENANCE", bool(request.json.get("enabled")))
    return jsonify(ok=True)
''',
            },
        ),
        Example(
            kind="self-contained",
            title="clients set on app.state in the lifespan, only read by handlers",
            files={
                "feeds/__init__.py": "",
                "feeds/main.py": '''
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.http = httpx.AsyncClient(timeout=10)
    app.state.feeds = {"news": "https://example.com/news.xml"}
    yield
    await app.state.http.aclose()


app = FastAPI(lifespan=lifespan)


@app.get("/feeds/{name}")
async def pull(name: str, request: Request):
    request.state.feed = name
    response = await request.app.state.http.get(request.app.state.feeds[name])
    return {"bytes": len(response.content)}
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per application key changed at request time."""
        uses = app_state_uses(project)
        written_keys = sorted({(use.framework, use.key) for use in uses if use.written})
        for framework, key in written_keys:
            writes = [use.site for use in uses
                      if use.written and use.key == key and use.framework == framework]
            readers = [use.site for use in uses if not use.written
                       and use.framework == framework and reads_key(use.key, key)]
            writers = site_handler_names(writes)
            reader_names = site_handler_names(readers, excluding=writes)
            first = min(writes, key=lambda site: (site.path, site.span.line))
            how = next(use.how for use in uses if use.site is first)
            text = (f"`{_shown(key)}` belongs to the application object, and {name_list(writers)} "
                    f"change{'s' if len(writers) == 1 else ''} it while serving requests; every "
                    "worker process has its own application, so the change reaches only the "
                    "requests this worker serves and is lost on restart")
            if reader_names:
                text += f" (read by {name_list(reader_names)})"
            yield site_finding(
                project, type(self), f"{framework}:{key}", writes,
                message=text,
                suggestion=_suggestion(framework, key),
                final_message=f"{how}: {_shown(key)}",
                readers=readers,
            )


def _shown(key: str) -> str:
    """How a key reads in a message: ``app.state.paused``, ``settings.DEBUG``."""
    return key


def _suggestion(framework: str, key: str) -> str:
    name = key.rsplit(".", 1)[-1].strip("[]") or "flag"
    store = (f"a Redis key every worker reads per request (`SET {name.lower()} <value>` / "
             f"`GET {name.lower()}`) or a database row")
    if framework in ("flask", "quart"):
        where = ("Set `app.config` only in `create_app`; for values that change at run time use "
                 f"{store}, read through a client created in the app factory.")
    elif framework in ("fastapi", "starlette", "litestar"):
        where = ("Set `app.state` only in the lifespan; keep values that change at run time in "
                 f"{store}, through an async client stored on `app.state` at start-up.")
    elif framework == "aiohttp":
        where = ("Fill `app[...]` only in `on_startup`/`cleanup_ctx`; keep values that change at "
                 f"run time in {store}.")
    elif framework == "sanic":
        where = ("Set `app.ctx` only in a `before_server_start` listener; keep values that change "
                 f"at run time in {store}.")
    elif framework == "django":
        where = ("Never assign to `django.conf.settings` at run time; keep switches in the "
                 "database (a model or django-waffle) or the Redis cache backend.")
    else:
        where = f"Configure the application once at start-up; keep run-time values in {store}."
    return where
