"""SL801 process-bound-background-work: threads, schedulers, executors and fire-and-forget
tasks that live inside one web worker."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from statelint.knowledge import load_table, matches
from statelint.model import Call, Finding, Function, ModuleFacts, Value
from statelint.project import Project
from statelint.rule import Example, Rule
from statelint.state import (
    Site,
    is_mutable_container,
    local_value,
    name_list,
    request_reaches,
    site_finding,
    site_handler_names,
    startup_functions,
    web_loaded_modules,
)


@dataclass(frozen=True)
class Work:
    """A piece of background work started somewhere."""

    kind: str  # thread | executor | scheduler | schedule | task | timer
    symbol: str
    what: str


def _table() -> dict[str, list[str]]:
    return load_table("process_state")["background"]


class ProcessBoundBackgroundWork(Rule):
    """Work that runs in the background of one worker process instead of a task queue."""

    code = "SL801"
    prescan_tokens = (
        "Thread", "Timer", "Process", "Scheduler", "BackgroundScheduler", "AsyncIOScheduler",
        "ThreadPoolExecutor", "ProcessPoolExecutor", "create_task(", "ensure_future(", ".start(",
        ".submit(", ".every(", "add_job", "scheduled_job", "threading", "multiprocessing",
        "apscheduler", "schedule",
    )  # start-up idioms are pre-scan tokens of every scan (``process_state.toml``)
    name = "process-bound-background-work"
    severity = "error"
    how = "background"
    summary = "Background work started inside a web worker"
    what_it_finds = """
Work handed to the worker process itself instead of a task queue or the
platform's scheduler:

* per request (error): `threading.Thread(...).start()`, `threading.Timer`,
  `multiprocessing.Process` started by a handler or a helper it reaches; work
  submitted to a module-level `ThreadPoolExecutor`/`ProcessPoolExecutor` without
  waiting for its result; jobs added to an in-process scheduler (APScheduler
  `BackgroundScheduler`/`AsyncIOScheduler` `.add_job`, the `schedule` library);
  `asyncio.create_task`/`ensure_future` whose task is parked in a module-level set
  (the fire-and-forget idiom);
* at import or start-up (warning): a thread or an in-process scheduler started at
  module level, in an app factory, a lifespan or a startup hook, and an asyncio
  task started there whose coroutine sleeps (a hand-rolled periodic or delayed
  job).

Not reported: FastAPI/Starlette `BackgroundTasks.add_task` (it runs right after the
response, inside the same request, and is fine for short work such as sending
one e-mail); executors used in a `with` block or whose futures are waited for;
tasks kept on the connection and cancelled or awaited before the handler ends;
`BlockingScheduler` (the way to run a dedicated scheduler process); code under
`if __name__ == "__main__":`.
"""
    why_stateful = """
Background work started inside a web worker belongs to that process. It dies
with it: a deploy, a scale-down or a crash drops queued and running jobs without
a trace, and nothing retries them. It is invisible to other replicas, which
cannot report its progress, cancel it or take it over. And it runs once per
worker: a scheduler started at import fires every job once in each of the N
gunicorn workers and each replica, so the nightly e-mail goes out N times.
"""
    how_to_fix = """
Hand the work to a task queue that survives the process and runs each job
once: Celery (`task.delay(...)`), RQ (`queue.enqueue(...)`), arq or Dramatiq,
backed by Redis or RabbitMQ, with workers deployed separately from the web
processes. Run periodic jobs from one scheduler outside the web workers: Celery
beat, a cron job, a Kubernetes CronJob, or APScheduler's `BlockingScheduler` in
its own single-replica process. Short work that may run after the response
can use FastAPI's `BackgroundTasks`.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(
                ("reports/app.py", 13, "request_report starts background work inside the web worker (starts a"),
            ),
            title="a report generated in a thread started by the handler",
            handlers=("request_report",),
            files={
                "reports/__init__.py": "",
                "reports/jobs.py": '''
import logging

log = logging.getLogger(__name__)


def build_report(account_id):
    log.info("building report for %s", account_id)
''',
                "reports/app.py": '''
import threading

from flask import Flask, jsonify

from reports.jobs import build_report

app = Flask(__name__)


@app.post("/accounts/<int:account_id>/report")
def request_report(account_id):
    worker = threading.Thread(target=build_report, args=(account_id,), daemon=True)
    worker.start()
    return jsonify(status="queued"), 202
''',
            },
        ),
        Example(
            kind="self-contained",
            title="a Celery task, FastAPI BackgroundTasks and a parallel fetch that is awaited",
            files={
                "shop/__init__.py": "",
                "shop/tasks.py": '''
from celery import Celery

celery_app = Celery("shop", broker="redis://localhost:6379/1")


@celery_app.task
def send_receipt(order_id):
    return order_id
''',
                "shop/main.py": '''
import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi import BackgroundTasks, FastAPI

from shop.tasks import send_receipt

app = FastAPI()


def audit(order_id):
    print("ordered", order_id)


@app.post("/orders/{order_id}/receipt")
async def receipt(order_id: int, background_tasks: BackgroundTasks):
    send_receipt.delay(order_id)
    background_tasks.add_task(audit, order_id)
    return {"queued": True}


@app.get("/prices")
async def prices():
    async with httpx.AsyncClient() as client:
        fetches = [asyncio.create_task(client.get(url)) for url in ("https://a", "https://b")]
        responses = await asyncio.gather(*fetches)
    with ThreadPoolExecutor(max_workers=2) as pool:
        sizes = list(pool.map(len, [r.content for r in responses]))
    return {"sizes": sizes}
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """Findings for work started per request (errors) and at import or start-up (warnings)."""
        yield from self._per_request(project)
        yield from self._at_startup(project)

    # -- per request -----------------------------------------------------------------

    def _per_request(self, project: Project) -> Iterable[Finding]:
        sites: dict[tuple[str, int, int], tuple[Work, list[Site]]] = {}
        judged: dict[str, list[tuple[Call, Work]]] = {}
        for reach in request_reaches(project):
            for function_id in reach.parents:
                facts, fn = project.functions[function_id]
                if function_id not in judged:
                    judged[function_id] = list(_background_calls(project, facts, fn,
                                                                 per_request=True))
                for call, work in judged[function_id]:
                    key = (facts.path, call.span.line, call.span.column)
                    entry = sites.setdefault(key, (work, []))
                    entry[1].append(Site(facts.path, call.span, function_id, reach,
                                         f"{fn.qualname} {work.what} at request time"))
        for _, (work, group) in sorted(sites.items()):
            handlers = site_handler_names(group)
            verb = "starts" if len(handlers) == 1 else "start"
            message = (f"{name_list(handlers)} {verb} background work inside the web worker "
                       f"({work.what}); it dies with the process on a deploy or crash, nothing "
                       "retries it, and other workers and replicas cannot see or take it over")
            yield site_finding(
                project, type(self), work.symbol, group,
                message=message,
                suggestion=_suggestion(work),
                final_message=work.what,
            )

    # -- at import or start-up ------------------------------------------------------------

    def _at_startup(self, project: Project) -> Iterable[Finding]:
        startup = startup_functions(project)
        reached = {fid for reach in request_reaches(project) for fid in reach.parents}
        loaded = web_loaded_modules(project)
        for facts in project.modules.values():
            # Import-time work counts only in modules the web workers import.
            calls: list[tuple[Call, Function | None]] = [
                (s.call, None) for s in facts.statements
                if s.call is not None and not s.in_main_guard and facts.module in loaded
            ]
            for function in facts.functions:
                function_id = f"{facts.module}:{function.qualname}"
                if function_id in startup and function_id not in reached:
                    calls += [(call, function) for call in function.calls]
            for call, owner in calls:
                work = _classify(project, facts, owner, call, per_request=False)
                if work is None or work.kind not in ("thread", "scheduler", "schedule", "timer"):
                    continue
                where = f"in {owner.qualname}() at start-up" if owner is not None else "at import"
                site = Site(facts.path, call.span, "", None, f"{work.what} {where}")
                message = (f"{work.what} {where}: every worker process and replica runs its "
                           "own copy, so periodic jobs run once per worker instead of once, "
                           "and the work stops whenever that process is recycled")
                yield site_finding(
                    project, type(self), work.symbol, [site],
                    message=message,
                    suggestion=_suggestion(work),
                    final_message=f"{work.what} {where}",
                    severity="warning",
                )


# -- recognising background work ----------------------------------------------------------


def _background_calls(project: Project, facts: ModuleFacts, fn: Function, *, per_request: bool
                      ) -> Iterable[tuple[Call, Work]]:
    for call in fn.calls:
        work = _classify(project, facts, fn, call, per_request=per_request)
        if work is not None:
            yield call, work


def _receiver_value(project: Project, fn: Function | None, call: Call, receiver: str
                    ) -> tuple[Value | None, str]:
    """What the receiver of a method call was built from, and its symbol when module-level."""
    if receiver.endswith("()"):
        return Value("call", target=receiver[:-2]), ""
    if call.head == "local" and fn is not None:
        return local_value(fn, receiver), ""
    if call.head == "global":
        symbol, rest = project.resolve(receiver)
        binding = project.binding(symbol)
        if binding is not None and not rest:
            return binding.value, symbol.key
    return None, ""


def _classify(project: Project, facts: ModuleFacts, fn: Function | None, call: Call, *,
              per_request: bool) -> Work | None:
    table = _table()
    qualified = project.qualify(call.target) if call.head == "global" else call.target
    if call.head == "global" and matches(qualified, table["schedule_calls"]):
        return Work("schedule", qualified, "registers a job with the `schedule` library")
    if fn is not None and _is_task_factory(project, call, table):
        if not per_request:
            return _timed_task(project, call, table)
        kept = _kept_in_module_collection(project, fn, call)
        if kept:
            return Work("task", kept, f"starts an asyncio task kept in `{kept.rsplit('.', 1)[-1]}`")
        return None
    # ``threading.Timer(...).start()``: the callee is not a dotted name, its summary has it
    receiver, _, method = (call.target or call.value.target).rpartition(".")
    if not receiver:
        return None
    value, symbol = _receiver_value(project, fn, call, receiver)
    if value is None or value.kind != "call" or not value.target:
        return None
    built = project.qualify(value.target)
    short = built.rsplit(".", 1)[-1]
    if method == "start" and matches(built, table["threads"]):
        if per_request and fn is not None and _waits(project, fn):
            return None  # threads the request joins before it answers: parallelism, not background
        work = _work_target(project, value)
        return Work("thread", work or symbol or built,
                    f"starts a `{short}`" + (f" running `{work.rsplit('.', 1)[-1]}`" if work else ""))
    if method in table["scheduler_methods"] and matches(built, table["schedulers"]):
        if not per_request and method != "start":
            return None
        action = "starts" if method == "start" else f"calls `.{method}()` on"
        return Work("scheduler", symbol or built, f"{action} the in-process `{short}`")
    if (per_request and fn is not None and symbol and method in table["executor_methods"]
            and matches(built, table["executors"]) and not _waits(project, fn)):
        return Work("executor", symbol,
                    f"submits work to the module-level `{short}` without waiting for it")
    return None


def _timed_task(project: Project, call: Call, table: dict[str, list[str]]) -> Work | None:
    """A task started at start-up whose coroutine sleeps: a periodic or delayed job."""
    coroutine = call.value.args[0] if call.value.args else None
    if coroutine is None or coroutine.kind != "call" or not coroutine.target:
        return None
    symbol, rest = project.resolve(coroutine.target)
    if symbol.kind != "function" or rest or symbol.key not in project.functions:
        return None
    _, body = project.functions[symbol.key]
    if not any(inner.head == "global" and matches(project.qualify(inner.target), table["sleeps"])
               for inner in body.calls):
        return None
    return Work("timer", symbol.key,
                f"starts a timed asyncio task running `{body.name}`")


def _work_target(project: Project, value: Value) -> str:
    target = value.kwarg("target")
    if target is not None and target.kind in ("name", "attribute") and target.target:
        return project.qualify(target.target)
    return ""


def _is_task_factory(project: Project, call: Call, table: dict[str, list[str]]) -> bool:
    if call.head == "global":
        return matches(project.qualify(call.target), table["task_factories"])
    if call.head in ("local", "unknown"):
        return call.target.rsplit(".", 1)[-1] in table["task_methods"] and (
            call.head == "local" or matches(call.target, table["task_factories"]))
    return False


def _kept_in_module_collection(project: Project, fn: Function, call: Call) -> str:
    """The module-level set or list a new task is parked in (``TASKS.add(task)``), if any."""
    names = {name for name, value in fn.local_assignments if value == call.value}
    for other in fn.calls:
        if other.head != "global" or other is call:
            continue
        receiver, _, method = other.target.rpartition(".")
        if method not in ("add", "append", "appendleft", "put_nowait") or not receiver:
            continue
        holds = any(arg == call.value or (arg.kind == "name" and arg.target in names)
                    for arg in other.value.args)
        if not holds:
            continue
        symbol, rest = project.resolve(receiver)
        binding = project.binding(symbol)
        if binding is not None and not rest and is_mutable_container(project, binding.value):
            return symbol.key
    return ""


def _waits(project: Project, fn: Function) -> bool:
    """True when ``fn`` waits for its futures or threads before returning (``future.result()``,
    ``wait``, ``thread.join()``)."""
    table = _table()
    for call in fn.calls:
        if call.head == "global" and matches(project.qualify(call.target), table["waits"]):
            return True
        if call.head == "local" and call.target.rsplit(".", 1)[-1] in table["wait_methods"]:
            return True
    return False


def _suggestion(work: Work) -> str:
    if work.kind in ("scheduler", "schedule", "timer"):
        return ("Run periodic and delayed jobs from one scheduler outside the web workers: "
                "Celery beat (or `task.apply_async(eta=...)` for one-off delays), a cron job or "
                "Kubernetes CronJob, or APScheduler's `BlockingScheduler` in its own "
                "single-replica process with a shared job store.")
    if work.kind == "task":
        return ("Enqueue the work on a task queue (arq `await redis.enqueue_job(...)`, Celery "
                "`task.delay(...)`, Dramatiq `actor.send(...)`); for short work after the "
                "response use FastAPI/Starlette `BackgroundTasks`.")
    return ("Enqueue the work on a task queue whose workers run separately and retry on failure: "
            "Celery (`task.delay(...)`), RQ (`queue.enqueue(...)`), Dramatiq or arq; return "
            "the job id so any replica can report its status.")
