"""Background work: threads, timers, processes, executors, in-process schedulers and
asyncio tasks that a web worker starts and that outlive the code starting them.

What counts:

* *per request*, in a function some handler reaches (start-up hooks left out): a
  ``threading.Thread``/``Timer`` or ``multiprocessing.Process`` started and not joined
  before the function returns; work submitted to a module-level executor whose futures
  are not waited for; a job added to an in-process scheduler or the ``schedule``
  library; an asyncio task parked in a module-level set or list (fire and forget);
* *at import or start-up*, in a module the web workers import or a start-up function
  (``state.startup_functions``) that no handler reaches: a thread, a timer or an
  in-process scheduler started, and an asyncio task whose coroutine sleeps (a
  periodic or delayed job); code under ``if __name__ == "__main__":`` does not count.

The library names come from the ``background`` table of ``process_state.toml``.
``request_background_work`` and ``startup_background_work`` compute them once per
project.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from statelint.failures import analysis
from statelint.knowledge import load_table, matches
from statelint.model import Call, Function, ModuleFacts, Span, Value
from statelint.project import Project, Reach
from statelint.state import (
    is_mutable_container,
    local_value,
    request_reaches,
    startup_functions,
    web_loaded_modules,
)


@dataclass(frozen=True)
class Work:
    """A piece of background work started somewhere."""

    kind: str  # thread | executor | scheduler | schedule | task | timer
    symbol: str
    what: str


@dataclass(frozen=True)
class RequestWork:
    """Background work started by one call that handlers reach at request time: each
    ``(reach, function id)`` of ``runs`` is a handler's request running the call."""

    work: Work
    path: str
    span: Span
    runs: tuple[tuple[Reach, str], ...]


@dataclass(frozen=True)
class StartupWork:
    """Background work started by one call at import (``owner`` ``None``) or in the
    start-up function ``owner``: once in every worker process."""

    work: Work
    path: str
    span: Span
    owner: Function | None


def _table() -> dict[str, list[str]]:
    return load_table("process_state")["background"]


@analysis("background work per request")
def request_background_work(project: Project) -> tuple[RequestWork, ...]:
    """Every call that starts background work while serving a request, in the order of
    its place (path, line, column)."""
    sites: dict[tuple[str, int, int], tuple[Work, Span, list[tuple[Reach, str]]]] = {}
    judged: dict[str, list[tuple[Call, Work]]] = {}
    for reach in request_reaches(project):
        for function_id in reach.parents:
            facts, fn = project.functions[function_id]
            if function_id not in judged:
                judged[function_id] = list(_background_calls(project, facts, fn,
                                                             per_request=True))
            for call, work in judged[function_id]:
                key = (facts.path, call.span.line, call.span.column)
                entry = sites.setdefault(key, (work, call.span, []))
                entry[2].append((reach, function_id))
    return tuple(RequestWork(work, path, span, tuple(runs))
                 for (path, _, _), (work, span, runs) in sorted(sites.items()))


@analysis("background work at start-up")
def startup_background_work(project: Project) -> tuple[StartupWork, ...]:
    """Every call that starts a thread, timer or scheduler at import or start-up in the
    web workers (import-time work counts only in modules the web workers import)."""
    startup = startup_functions(project)
    reached = {fid for reach in request_reaches(project) for fid in reach.parents}
    loaded = web_loaded_modules(project)
    found: list[StartupWork] = []
    for facts in project.modules.values():
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
            if work is not None and work.kind in ("thread", "scheduler", "schedule", "timer"):
                found.append(StartupWork(work, facts.path, call.span, owner))
    return tuple(found)


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
