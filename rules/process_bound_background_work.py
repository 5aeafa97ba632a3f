"""SL801 process-bound-background-work: threads, schedulers, executors and fire-and-forget
tasks that live inside one web worker."""

from __future__ import annotations

from collections.abc import Iterable

from statelint.analyses.background import (
    Work,
    request_background_work,
    startup_background_work,
)
from statelint.model import Finding
from statelint.project import Project
from statelint.rule import Example, Rule
from statelint.state import Site, name_list, site_finding, site_handler_names


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

    def _per_request(self, project: Project) -> Iterable[Finding]:
        for start in request_background_work(project):
            work = start.work
            group = [Site(start.path, start.span, function_id, reach,
                          f"{project.functions[function_id][1].qualname} {work.what} "
                          "at request time")
                     for reach, function_id in start.runs]
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

    def _at_startup(self, project: Project) -> Iterable[Finding]:
        for start in startup_background_work(project):
            work, owner = start.work, start.owner
            where = f"in {owner.qualname}() at start-up" if owner is not None else "at import"
            site = Site(start.path, start.span, "", None, f"{work.what} {where}")
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
