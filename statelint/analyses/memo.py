"""Memo caches: results of I/O that a worker process keeps for later requests.

What counts:

* a *cached function* (``cached_functions``): a function some handler reaches that a
  per-process memoising decorator wraps (``functools.lru_cache``/``cache``,
  ``cachetools``, ``async_lru``, aiocache's ``cached`` on its in-memory default: the
  ``caches`` table of ``effects.toml``) and whose work performs I/O, itself or
  through what it calls;
* a *memo mapping* (``memo_caches``): a module- or class-level dict, ``OrderedDict``,
  weak dictionary or cache object that request-time code only stores entries into
  and evicts them from, where every function storing an entry first looks the key up
  and performs I/O.

In both, I/O counts when it reaches outside the process (a database, an HTTP
service, a remote store), and reading a file or running a program counts only when
the function takes arguments (``relevant_io``): a memo keyed by request data, not a
loader of the deployment's own files. A mapping whose entries are changed in place
holds data, not a memo: it is left to the rules about mutable state.
"""

from __future__ import annotations

from dataclasses import dataclass

from statelint.effects import IoUse, cache_decorator, has_arguments, is_cache_object, reached_io
from statelint.failures import analysis
from statelint.knowledge import matches
from statelint.model import Value
from statelint.project import Project, Reach
from statelint.state import StateUse, group_uses, handler_reaches, is_write, state_uses

#: Writes a memo cache may receive besides storing an entry (eviction, reset).
MEMO_EVICTIONS = frozenset({"pop", "popitem", "clear", "__delitem__"})
#: Writes that store an entry into a memo cache.
MEMO_STORES = frozenset({"setdefault", "__setitem__"})
#: Constructors of mappings that can serve as a memo cache.
MAPPING_CONSTRUCTORS = ("dict", "collections.OrderedDict", "collections.defaultdict",
                        "weakref.WeakValueDictionary", "weakref.WeakKeyDictionary")


@dataclass(frozen=True)
class MemoCache:
    """A module- or class-level mapping used as a memo over I/O.

    Every function that stores into it first looks the key up in it and
    performs I/O (itself or through what it calls); ``io`` lists that I/O.
    """

    symbol: str
    uses: tuple[StateUse, ...]
    stores: tuple[StateUse, ...]
    io: tuple[IoUse, ...]


@dataclass(frozen=True)
class CachedFunction:
    """A function wrapped by a per-process memoising ``decorator`` whose work performs
    ``io``, with the handlers' reaches that run it (ordered by handler)."""

    function_id: str
    decorator: str
    io: tuple[IoUse, ...]
    reaches: tuple[Reach, ...]


def relevant_io(project: Project, function_id: str) -> list[IoUse]:
    """The I/O whose result a memo of ``function_id`` keeps: remote always, local only
    when the function takes arguments."""
    keyed = bool(has_arguments(project, function_id))
    return [use for use in reached_io(project, function_id) if use.scope == "remote" or keyed]


@analysis("cached functions")
def cached_functions(project: Project) -> tuple[CachedFunction, ...]:
    """Every function a handler reaches that a per-process memoising decorator wraps and
    whose work performs relevant I/O, in order of function id."""
    reaches_by_function: dict[str, list[Reach]] = {}
    for reach in handler_reaches(project):
        for function_id in reach.parents:
            reaches_by_function.setdefault(function_id, []).append(reach)
    found: list[CachedFunction] = []
    for function_id in sorted(reaches_by_function):
        _, fn = project.functions[function_id]
        decorator = next((name for name in (cache_decorator(project, dec)
                                            for dec in fn.decorators) if name), "")
        if not decorator:
            continue
        io = relevant_io(project, function_id)
        if not io:
            continue
        reaches = sorted(reaches_by_function[function_id],
                         key=lambda r: (r.handler.path, r.handler.line, r.handler.name))
        found.append(CachedFunction(function_id, decorator, tuple(io), tuple(reaches)))
    return tuple(found)


def _is_mapping(project: Project, value: Value) -> bool:
    if value.kind == "dict" or (value.kind == "comprehension" and value.detail == "dict"):
        return True
    if value.kind == "call" and value.target:
        if matches(project.qualify(value.target), MAPPING_CONSTRUCTORS):
            return True
        return is_cache_object(project, value)
    return False


@analysis("memo caches")
def memo_caches(project: Project) -> dict[str, MemoCache]:
    """Module- and class-level mappings that handlers use as memo caches over I/O.

    A mapping qualifies when every request-time write either stores an entry
    (``CACHE[key] = value``, ``setdefault``) or evicts one (``pop``, ``del``,
    ``clear``), and every function that stores one also looks the key up in
    the mapping and performs I/O, itself or through the functions it calls.
    Reading a file or running a program counts only when the function takes
    arguments: a memo keyed by request data, not a loader of the deployment's
    own files.  A mapping whose entries are changed in place
    (``CACHE[key].append(x)``, ``+=``) holds data, not a memo.
    """
    found: dict[str, MemoCache] = {}
    candidates = [
        use for use in state_uses(project)
        if use.target.kind in ("module", "class_attr") and use.target.binding is not None
        and _is_mapping(project, use.target.binding.value)
    ]
    for symbol, group in group_uses(candidates).items():
        writes = [use for use in group if is_write(use.access)]
        stores = [use for use in writes if use.access.op == "setitem"
                  or (use.access.op == "mutate" and use.access.method in MEMO_STORES)]
        if not stores:
            continue
        store_ids = {id(use) for use in stores}
        others = [use for use in writes if id(use) not in store_ids]
        if any(use.access.op not in ("delitem", "mutate")
               or (use.access.op == "mutate" and use.access.method not in MEMO_EVICTIONS)
               for use in others):
            continue
        io: list[IoUse] = []
        memo = True
        for function_id in dict.fromkeys(use.function_id for use in stores):
            looks_up = any(use.function_id == function_id and use.access.op == "read"
                           for use in group)
            performed = relevant_io(project, function_id)
            if not looks_up or not performed:
                memo = False
                break
            io.extend(performed)
        if memo:
            found[symbol] = MemoCache(symbol, tuple(group), tuple(stores), tuple(io))
    return found


def is_memo_cache(project: Project, symbol: str) -> bool:
    """True when ``symbol`` is a memo cache over I/O (reported as a process-local cache)."""
    return symbol in memo_caches(project)
