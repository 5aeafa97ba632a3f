"""SL102 global-rebinding: a module-level name rebound through ``global`` per request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from statelint.model import Finding, Location
from statelint.project import Project
from statelint.rule import Example, Rule
from statelint.state import (
    LoopRebind,
    StateUse,
    finding_for_state,
    frameworks_of,
    group_uses,
    handler_names,
    loop_rebinds,
    name_list,
    short_name,
    state_uses,
)


class GlobalRebinding(Rule):
    """A module-level name that a handler (or a helper it calls) rebinds with ``global``."""

    code = "SL102"
    prescan_tokens = ()
    name = "global-rebinding"
    severity = "error"
    how = "writes"
    summary = "Module-level name rebound with `global` while serving requests"
    what_it_finds = """
A function reached from a request handler declares `global NAME` and assigns
to it (`NAME = ...`, `NAME += 1`, `del NAME`): counters, "last seen" values,
flags, tokens. Every handler that reads or rebinds the name is listed.

A lazily created per-process singleton (`if _client is None: _client = make()`)
is not reported: every process builds the same object, and no request's answer
depends on what an earlier request did.

A name that a background loop rebinds (a function the service starts in a
thread or greenlet outside any request, which sleeps between rounds: a cache
reloaded every minute) is reported when handlers read it, and so is a name a
callback rebinds that start-up code stored in an attribute of a library's object
(`client.on_message = on_message`): the library calls it on its own events in each
worker process. Loading it once at start-up is not.
"""
    why_stateful = """
The name lives in one process. With four workers there are four counters, four
"last" values, four flags; each request sees whichever one its worker holds, so
consecutive requests from one client are no longer independent and the totals
are wrong as soon as a second worker or replica starts. Nothing survives a
restart.
"""
    how_to_fix = """
Count and remember in a shared store: a Redis `INCR`/`INCRBY` for counters (or
a metrics system such as Prometheus for observability counters), a Redis key or
a database row for a value that must be the same everywhere. If the value is
configuration, compute it once at import time or at startup.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(
                ("app.py", 4, "`visits` is rebound with `global` while visit serves requests; every"),
            ),
            title="a visit counter kept in a global",
            handlers=("visit",),
            files={
                "app.py": '''
from fastapi import FastAPI

app = FastAPI()
visits = 0


def bump():
    global visits
    visits += 1
    return visits


@app.get("/visit")
async def visit():
    return {"visits": bump()}
''',
            },
        ),
        Example(
            kind="self-contained",
            title="a lazily created Redis client and a counter in Redis",
            files={
                "app.py": '''
import os

import redis.asyncio as redis
from fastapi import FastAPI

app = FastAPI()
_client = None


def client():
    global _client
    if _client is None:
        _client = redis.from_url(os.environ["REDIS_URL"])
    return _client


@app.get("/visit")
async def visit():
    return {"visits": await client().incr("visits")}
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per module-level name rebound at request time."""
        uses = [
            use for use in state_uses(project)
            if use.target.kind == "module" and not use.target.rest
        ]
        rebound = {
            use.target.symbol for use in uses
            if use.access.op == "rebind" and use.access.method != "lazy-init"
        }
        for symbol, group in group_uses(u for u in uses if u.target.symbol in rebound).items():
            name = short_name(symbol)

            def message(all_uses, writes, readers, name=name):
                writers = handler_names(writes)
                return (f"`{name}` is rebound with `global` while {name_list(writers)} "
                        f"serve{'s' if len(writers) == 1 else ''} requests; every worker process "
                        "keeps its own value, so replicas disagree and the value resets on restart")

            frameworks = frameworks_of(group)
            if "django" in frameworks:
                store = "Django's cache with the Redis backend (`cache.incr(key)`) or a database row"
            else:
                store = "a Redis key (`INCR`/`SET` on a client created at startup) or a database row"
            yield from filter(None, [finding_for_state(
                project, type(self), symbol, group,
                message=message,
                suggestion=f"Keep `{name}` in {store}; for metrics use a Prometheus counter.",
                writes=lambda use: use.access.op == "rebind" and use.access.method != "lazy-init",
            )])
        # what handlers read of it: the name itself or anything through it
        by_symbol = group_uses(use for use in state_uses(project) if use.target.kind == "module")
        for symbol, rebinds in loop_rebinds(project).items():
            if symbol not in rebound and symbol in by_symbol:
                yield from filter(None, [self._refreshed(project, symbol, rebinds,
                                                         by_symbol[symbol])])

    def _refreshed(self, project: Project, symbol: str, rebinds: list[LoopRebind],
                   readers: list[StateUse]) -> Finding | None:
        """A global a background loop rebinds over and over, read by handlers."""
        # where the name is bound at import, or, for a name only ``global`` declares, where
        # the first refresh binds it
        binding = rebinds[0].target.binding
        if binding is not None:
            path, span = rebinds[0].target.path, binding.span
        else:
            path, span = project.functions[rebinds[0].function_id][0].path, rebinds[0].access.span
        name = short_name(symbol)
        loops = sorted({rebind.loop.function_id.rpartition(":")[2] for rebind in rebinds})
        callbacks = all(rebind.loop.kind == "callback" for rebind in rebinds)

        def message(all_uses, writes, reading, name=name):
            handlers = handler_names(all_uses)
            if callbacks:
                kind = ("a callback" if len(loops) == 1 else "callbacks") + (
                    " a library object calls on its own events in each worker process")
            else:
                kind = ("a background loop" if len(loops) == 1 else "background loops") + (
                    " each worker process runs on its own schedule")
            return (f"`{name}` is rebound with `global` by "
                    f"{name_list([f'{loop}()' for loop in loops])}, {kind}, and "
                    f"{name_list(handlers)} read{'s' if len(handlers) == 1 else ''} it while "
                    "serving requests; every worker refreshes its own copy, so between refreshes "
                    "workers and replicas answer from different data")

        finding = finding_for_state(
            project, type(self), symbol, readers, message=message,
            suggestion=(f"Read `{name}` from the shared store it is refreshed from (or a shared "
                        "cache such as Redis that one scheduled job refreshes), not from a "
                        "per-process copy."),
            writes=lambda use: False,
            primary=Location(path, span.line, span.column, "", span.end_line,
                             span.end_column))
        if finding is None:
            return None
        written = []
        for rebind in rebinds:
            facts, fn = project.functions[rebind.function_id]
            span = rebind.access.span
            what = "callback" if rebind.loop.kind == "callback" else "background loop"
            written.append(Location(facts.path, span.line, span.column,
                                    f"{fn.qualname} rebinds it in {what} "
                                    f"{rebind.loop.function_id.rpartition(':')[2]}()"))
            start = rebind.loop.reach.handler
            written.append(Location(start.path, start.line, start.column,
                                    "the library calls it in every worker process"
                                    if rebind.loop.kind == "callback"
                                    else "the loop runs in every worker process"))
        unique = list(dict.fromkeys(written))
        return replace(finding, related=(*unique, *finding.related))
