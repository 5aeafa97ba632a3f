"""Application state: what belongs to the running application object rather than to
one request, and which request-time code reads or changes it.

What counts, per framework (the names come from the ``app_state`` table of
``process_state.toml``): Starlette, FastAPI and Litestar ``app.state`` (through
``request.app``, the module-level app, or Litestar's injected ``State``); Flask and
Quart ``app.config`` (through ``current_app`` or the module-level app); aiohttp
``request.app[...]`` and ``request.config_dict``; Sanic ``app.ctx``; Tornado
``self.application.settings``/``self.settings`` in a ``RequestHandler``; Django
``settings``; Pyramid ``request.registry.settings``. ``getattr``/``setattr`` on these
objects count too. ``request.state`` and ``flask.g`` are per request and do not.

Each access gets a normalised *key* (``app.state.paused``, ``app.config[DEBUG]``,
``settings.FEATURE_X``) so that a write and the reads that see it can be matched
(``reads_key``). ``app_state_uses`` finds them once per project, in the functions that
handlers reach at request time (start-up hooks left out: writes there are
configuration).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from statelint.failures import analysis
from statelint.knowledge import framework_of_package, frameworks, load_table, matches
from statelint.model import Access, Function, ModuleFacts, Span
from statelint.project import Project, Reach
from statelint.state import Site, describe_write, is_write, request_reaches

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

    @property
    def framework(self) -> str:
        """The framework of the handler whose request makes the access."""
        assert self.site.reach is not None  # request-time uses always have a reach
        return self.site.reach.handler.framework


def _table() -> dict[str, list[str]]:
    return load_table("process_state")["app_state"]


@analysis("application state uses")
def app_state_uses(project: Project) -> tuple[AppStateUse, ...]:
    """Every access to application state made while serving a request, once per handler
    that reaches it."""
    uses: list[AppStateUse] = []
    accesses: dict[str, list[tuple[str, bool, Span, str]]] = {}
    for reach in request_reaches(project):
        for function_id in reach.parents:
            if function_id not in accesses:
                accesses[function_id] = list(_app_state_accesses(project, reach, function_id))
            facts, fn = project.functions[function_id]
            for key, written, span, how in accesses[function_id]:
                note = f"{fn.qualname} {how} at request time" if written else ""
                uses.append(AppStateUse(key, written, Site(facts.path, span, function_id,
                                                           reach, note), how))
    return tuple(uses)


def reads_key(read: str, written: str) -> bool:
    """True when a read of ``read`` sees what a write to ``written`` changed."""
    if written in MAPPING_KEYS:
        return False  # the item is unknown: matching every reader of the mapping would overreach
    return read == written or read.startswith((written + ".", written + "["))


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
