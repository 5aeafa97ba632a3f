"""SL701 app-state-mutation: the application object's own state changed per request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from statelint.knowledge import framework_of_package, frameworks, load_table, matches
from statelint.model import Access, Finding, Function, ModuleFacts, Span
from statelint.project import Project, Reach
from statelint.rule import Example, Rule
from statelint.state import (
    Site,
    describe_write,
    is_write,
    name_list,
    request_reaches,
    site_finding,
    site_handler_names,
)

#: Keys that stand for a whole mapping: without the item's key, readers cannot be matched.
MAPPING_KEYS = frozenset({"app", "app.config", "app.settings", "app.state", "app.extensions",
                          "app.registry.settings", "settings"})


@dataclass(frozen=True)
class AppStateUse:
    """One request-time access to the application's state, with a normalised key
    (``app.state.paused``, ``app.config``, ``settings.FEATURE_X``)."""

    key: str
    written: bool
    site: Site
    how: str


def _table() -> dict[str, list[str]]:
    return load_table("process_state")["app_state"]


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
        uses: list[AppStateUse] = []
        cache: dict[str, list[tuple[str, bool, Span, str]]] = {}
        for reach in request_reaches(project):
            for function_id in reach.parents:
                if function_id not in cache:
                    cache[function_id] = list(_app_state_accesses(project, reach, function_id))
                facts, fn = project.functions[function_id]
                for key, written, span, how in cache[function_id]:
                    note = f"{fn.qualname} {how} at request time" if written else ""
                    uses.append(AppStateUse(key, written, Site(facts.path, span, function_id,
                                                               reach, note), how))
        written_keys = sorted({(use.site.reach.handler.framework, use.key)  # type: ignore[union-attr]
                               for use in uses if use.written})
        for framework, key in written_keys:
            writes = [use.site for use in uses if use.written and use.key == key
                      and use.site.reach.handler.framework == framework]  # type: ignore[union-attr]
            readers = [use.site for use in uses if not use.written
                       and use.site.reach.handler.framework == framework  # type: ignore[union-attr]
                       and _reads_key(use.key, key)]
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


# -- recognising application state ---------------------------------------------------


def _app_state_accesses(project: Project, reach: Reach, function_id: str
                        ) -> Iterable[tuple[str, bool, Span, str]]:
    """(key, written, span, how) for each access of ``function_id`` to application state."""
    facts, fn = project.functions[function_id]
    request_params = _request_params(project, fn)
    state_params = _state_params(project, fn)
    for access in fn.accesses:
        key = _key_of(project, facts, fn, function_id, access, request_params, state_params)
        if key is None:
            continue
        written = _is_app_write(access)
        item = getattr(access, "key", "")  # the subscript key, when the facts carry it
        if item and access.op in ("setitem", "delitem", "read", "getitem") and key in MAPPING_KEYS:
            key = f"{key}[{item}]"
        yield key, written, access.span, describe_write(access) if written else "reads it"
    for call in fn.calls:
        # getattr(request.app.state, "x") / setattr(request.app.state, "x", v)
        if call.target not in ("getattr", "setattr", "hasattr", "delattr") or call.head != "builtin":
            continue
        owner, name = call.value.arg(0), call.value.arg(1)
        if owner is None or name is None or not isinstance(name.literal, str):
            continue
        if owner.kind not in ("name", "attribute"):
            continue
        fake = Access(owner.target, _head_kind(fn, owner.target), "read", call.span)
        key = _key_of(project, facts, fn, function_id, fake, request_params, state_params)
        if key is None:
            continue
        written = call.target in ("setattr", "delattr")
        yield f"{key}.{name.literal}", written, call.span, (
            "sets an attribute" if written else "reads it")


def _head_kind(fn: Function, target: str) -> str:
    head = target.split(".")[0]
    if any(param.name == head for param in fn.params):
        return "self" if fn.class_name and fn.params and fn.params[0].name == head else "param"
    if "." in target:
        return "global"
    return "local"


def _is_app_write(access: Access) -> bool:
    return access.op in ("setitem", "delitem", "augassign", "setattr", "delattr") or (
        access.op == "mutate" and is_write(access))


def _request_params(project: Project, fn: Function) -> set[str]:
    """Parameters that are a framework request (annotated as one, or not annotated)."""
    patterns = _table()["request_types"]
    found: set[str] = set()
    for param in fn.params:
        if not param.annotation or matches(project.qualify(param.annotation), patterns):
            found.add(param.name)
    return found


def _state_params(project: Project, fn: Function) -> set[str]:
    patterns = _table()["state_types"]
    return {param.name for param in fn.params
            if param.annotation and matches(project.qualify(param.annotation), patterns)}


def _key_of(project: Project, facts: ModuleFacts, fn: Function, function_id: str,
            access: Access, request_params: set[str], state_params: set[str]) -> str | None:
    """The normalised application key an access touches, or ``None``."""
    table = _table()
    parts = access.ref.split(".")
    if access.head == "param":
        if parts[0] in state_params:
            return ".".join(["app.state", *parts[1:]])
        if parts[0] not in request_params or len(parts) < 2:
            return None
        attribute = parts[1]
        if attribute not in table["request_attributes"]:
            return None
        if attribute == "config_dict":
            return ".".join(["app", *parts[2:]])
        if attribute == "registry":
            return ".".join(["app.registry", *parts[2:]])
        return ".".join(parts[1:])
    if access.head == "self":
        if len(parts) < 2 or parts[1] not in table["application_attributes"]:
            return None
        if not _in_application_handler(project, function_id):
            return None
        if parts[1] == "settings":
            return ".".join(["app.settings", *parts[2:]])
        return ".".join(["app", *parts[2:]])
    if access.head != "global":
        return None
    qualified = project.qualify(access.ref)
    for proxy in table["app_proxies"]:
        if qualified == proxy or qualified.startswith(proxy + "."):
            tail = qualified[len(proxy):].lstrip(".")
            base = "settings" if proxy.endswith("settings") else "app"
            return f"{base}.{tail}" if tail else base
    symbol, attributes = project.resolve(access.ref)
    if symbol.kind == "binding" and attributes:
        binding = project.binding(symbol)
        if binding is not None and binding.value.kind == "call" and _is_app_class(
                project, binding.value.target):
            return ".".join(["app", *attributes])
    return None


def _is_app_class(project: Project, target: str) -> bool:
    qualified = project.qualify(target)
    for framework in frameworks():
        if matches(qualified, framework.app_classes):
            # routers and blueprints are not the application
            return not any(word in qualified.lower() for word in ("router", "blueprint",
                                                                  "namespace"))
    return framework_of_package(qualified) is not None and qualified.rsplit(".", 1)[-1] in (
        "Sanic", "Application", "Litestar", "App")


def _in_application_handler(project: Project, function_id: str) -> bool:
    class_id = project.class_of(function_id)
    if class_id is None:
        return False
    bases = project.external_bases(class_id)
    return any(matches(base, _table()["application_handler_bases"]) for base in bases)


def _reads_key(read: str, written: str) -> bool:
    """True when a read of ``read`` sees what a write to ``written`` changed."""
    if written in MAPPING_KEYS:
        return False  # the item is unknown: matching every reader of the mapping would overreach
    return read == written or read.startswith((written + ".", written + "["))


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
