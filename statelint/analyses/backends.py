"""Backends kept in the process: configuration that makes a framework's cache,
session store, rate limiter, throttles, channel layer or file storage keep shared
data in one worker's memory or on one machine's disk.

What counts:

* a *setting* is a value the deployed application runs with when nothing else is
  configured (``Setting``): module and config-class attributes, items written on an
  app's config, keywords and dict items passed to calls; a value chosen by an
  ``if``/``else`` counts through the branch in force when nothing is set, an
  environment read through its fallback; test and development modules, classes and
  functions, and a base settings module's value that the deployed one replaces, do not;
* a setting, a constructor call (``Limiter(...)``, ``Cache(Cache.MEMORY)``) or a Django
  settings module (``CACHES``, its implicit ``LocMemCache``, ``SESSION_ENGINE``, DRF
  throttles, libraries counting in a cache, file storage for model file fields)
  selects an in-process *backend* when the value matches the ``backends.toml`` table;
  a project's own session interface whose methods use such a cache keeps its sessions
  there;
* the handlers that depend on a backend are those that use its object, decorators or
  API (every handler of the framework for a session engine or an app-wide limit).

``in_process_backends`` computes them once per project for the rules to judge.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from statelint.config_values import (
    Default,
    attributes_in_effect,
    call_target,
    conditional,
    config_table,
    default_assignment,
    overrides,
)
from statelint.failures import analysis
from statelint.knowledge import framework_of_package, load_table, matches
from statelint.model import Access, Binding, Function, ModuleFacts, Span, Value
from statelint.project import Project, Reach
from statelint.state import handler_reaches

#: Calls that load configuration we cannot see (a file or the environment).
OPAQUE_CONFIG = ("from_envvar", "from_pyfile", "from_prefixed_env", "from_file")
#: Words in a module path or class name that mark development or test configuration.
NON_PRODUCTION = re.compile(r"(^|[._])(tests?|testing|conftest|dev|development|local|debug|ci)"
                            r"([._]|$)|^test_|_tests?$|(Test|Testing|Dev|Development|Local|Debug)"
                            r"(Config|Settings)")


@lru_cache(maxsize=1)
def backends() -> dict[str, Any]:
    """The ``backends.toml`` table."""
    return load_table("backends")


@dataclass(frozen=True)
class Setting:
    """One configuration value as the deployed application sees it when nothing is
    configured: a module or config-class attribute, an item written on the app's config
    (``app.config["CACHE_TYPE"] = ...``), a keyword or a dict item passed to a call
    (``Cache(config={...})``, ``app.config.update(...)``), outside test and development
    code."""

    key: str
    value: Value
    path: str
    span: Span
    symbol: str
    within: str  # the top-level setting or keyword it sits in ("" at the top)
    function_id: str = ""
    unless: str = ""  # what selects this value by not being set (the ``if`` it sits under)


@dataclass(frozen=True)
class Backend:
    """A backend the configuration keeps in the process (or on one machine's disk): what
    selects it, which library and purpose it serves, the way out, and the handlers that
    depend on it."""

    symbol: str
    path: str
    span: Span
    library: str
    purpose: str
    value: str
    fix: str
    fallback: str = ""  # the environment variable whose absence selects it
    unless: str = ""  # the setting whose absence selects it (the ``if`` it is assigned under)
    on_disk: bool = False
    function_id: str = ""
    objects: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    handlers: tuple[Reach, ...] = ()
    binding_symbols: tuple[str, ...] = ()
    via: tuple[str, Span] | None = None  # the setting that uses the backend, when elsewhere


@analysis("in-process backends")
def in_process_backends(project: Project) -> tuple[Backend, ...]:
    """Every in-process backend the project's configuration selects, once per place and
    setting, in the order settings, constructors, Django, session interfaces."""
    settings = list(_settings(project))
    found: list[Backend] = []
    found += _from_settings(project, settings)
    found += _from_constructors(project, settings)
    found += _from_django(project, settings)
    found += _session_interfaces(project, found)
    unique: list[Backend] = []
    seen: set[tuple[str, int, str]] = set()
    for backend in found:
        key = (backend.path, backend.span.line, backend.symbol)
        if key not in seen:
            seen.add(key)
            unique.append(backend)
    return tuple(unique)


# ---------------------------------------------------------------------------
# Reading configuration
# ---------------------------------------------------------------------------


def _non_production(text: str) -> bool:
    return bool(NON_PRODUCTION.search(text))


def _module_skipped(facts: ModuleFacts) -> bool:
    """Test and development modules, and a web framework's own modules (scanning the
    framework's source: its default settings, ``django.conf.global_settings``, are
    what a project overrides, not a project's configuration)."""
    if framework_of_package(facts.module) is not None:
        return True
    # The dotted module name is relative to the project, unlike the path.
    parts = facts.module.lower().split(".")
    if any(part in ("tests", "test", "testing") for part in parts[:-1]):
        return True
    return _non_production(parts[-1])


def _settings(project: Project) -> Iterable[Setting]:
    """Every configuration value the project sets, outside test and development code."""
    replaced = overrides(project)
    for facts in project.modules.values():
        if _module_skipped(facts):
            continue
        for binding in facts.bindings:
            if binding.name in replaced.get(facts.module, ()):
                continue  # a base settings module's value the deployed module replaces
            symbol = f"{facts.module}.{binding.name}"
            yield from _assigned(project, binding, facts.path, symbol, "")
        for cls in facts.classes:
            class_id = f"{facts.module}:{cls.name}"
            effective = attributes_in_effect(project, class_id,
                                             [attribute.name for attribute in cls.attributes],
                                             _non_production)
            for attribute in cls.attributes:
                if attribute.name not in effective:
                    continue
                symbol = f"{facts.module}.{cls.name}.{attribute.name}"
                yield from _assigned(project, attribute, facts.path, symbol, class_id)
        for statement in facts.statements:
            if statement.in_main_guard:
                continue
            access = statement.access
            if access is not None and statement.value is not None and _is_config_item(access):
                # ``app.config["CACHE_TYPE"] = "SimpleCache"`` at import time
                yield Setting(access.key, statement.value, facts.path, statement.span,
                              f"{access.ref}[{access.key}]", "")
            if statement.call is None:
                continue
            symbol = _enclosing_binding(facts, statement.span) or ""
            yield from _call_settings(statement.call.value, facts, statement.span, symbol, "")
        for fn in facts.functions:
            if _non_production(fn.name):
                continue
            function_id = f"{facts.module}:{fn.qualname}"
            for access in fn.accesses:
                value = fn.written_value(access) if _is_config_item(access) else None
                if value is not None:
                    # ... and in the app factory
                    yield Setting(access.key, value, facts.path, access.span,
                                  f"{access.ref}[{access.key}]", "", function_id)
            for call in fn.calls:
                yield from _call_settings(call.value, facts, call.span, "", function_id)


def _assigned(project: Project, binding: Binding, path: str, symbol: str,
              class_id: str) -> Iterable[Setting]:
    """The value a module or class-level name holds when nothing is configured."""
    if conditional(binding):
        chosen = default_assignment(project, binding, class_id)
        if chosen is None:
            return  # set only when something is configured
        value, span, unless = chosen.value, chosen.span, chosen.unless
    elif binding.assignments > 1 and not class_id:
        return  # assigned several times without conditions: which one wins is not known
    else:
        value, span, unless = binding.value, binding.span, ""
    yield Setting(binding.name, value, path, span, symbol, "", unless=unless)
    for item in _dict_items(value, path, span, symbol, binding.name):
        yield replace(item, unless=unless)


def _is_config_item(access: Access) -> bool:
    """An item written under an upper-case literal key: ``app.config["CACHE_TYPE"] = ...``."""
    return access.op == "setitem" and access.key.isupper()


def _call_settings(value: Value, facts: ModuleFacts, span: Span, symbol: str,
                   function_id: str) -> Iterable[Setting]:
    """Settings passed to one call: ``update(CACHE_TYPE=...)``, ``Cache(config={...})``."""
    for key, argument in value.kwargs:
        name = symbol or f"{facts.module}.{key}"
        if key.isupper():
            yield Setting(key, argument, facts.path, span, name, "", function_id)
        for item in _dict_items(argument, facts.path, span, name, key):
            yield replace(item, function_id=function_id,
                          symbol=symbol or f"{facts.module}.{item.key}")
    for argument in value.args:
        for item in _dict_items(argument, facts.path, span, symbol, ""):
            yield replace(item, function_id=function_id,
                          symbol=symbol or f"{facts.module}.{item.key}")


def _dict_items(value: Value, path: str, span: Span, symbol: str, within: str) -> Iterable[Setting]:
    if value.kind != "dict":
        return
    for key, item in value.items:
        if key is None or key.kind != "literal" or not isinstance(key.literal, str):
            continue
        yield Setting(key.literal, item, path, span, symbol, within or key.literal)
        yield from _dict_items(item, path, span, symbol, within or key.literal)


def _enclosing_binding(facts: ModuleFacts, span: Span) -> str | None:
    for binding in facts.bindings:
        if binding.span.line <= span.line <= binding.span.end_line:
            return f"{facts.module}.{binding.name}"
    return None


def _string_candidates(project: Project, value: Value, depth: int = 0) -> list[tuple[str, str]]:
    """The strings a setting can take: ``(value, env var whose absence selects it)``."""
    if depth > 4:
        return []
    if value.kind == "literal" and isinstance(value.literal, str):
        return [(value.literal, "")]
    if value.kind in ("name", "attribute") and value.target:
        symbol, rest = project.resolve(value.target)
        if symbol.kind == "binding" and not rest:
            binding = project.binding(symbol)
            if binding is not None and binding.assignments == 1:
                return _string_candidates(project, binding.value, depth + 1)
        if symbol.kind == "external":
            return [(symbol.key, "")]
        return []
    if value.kind == "call" and value.target:
        if _env_read(project, value):
            name = value.arg(0, "key")
            default = value.arg(1, "default")
            variable = name.literal if name is not None and isinstance(name.literal, str) else "?"
            if default is not None:
                return [(text, variable) for text, _ in _string_candidates(project, default,
                                                                           depth + 1)]
        return []
    if value.kind == "boolop" and len(value.args) == 2:
        left, right = value.args
        variable = ""
        if left.kind == "call" and _env_read(project, left):
            name = left.arg(0, "key")
            variable = name.literal if name is not None and isinstance(name.literal, str) else "?"
        found = _string_candidates(project, left, depth + 1)
        found += [(text, variable or note)
                  for text, note in _string_candidates(project, right, depth + 1)]
        return found
    return []


def _env_read(project: Project, value: Value) -> bool:
    return matches(call_target(project, value.target), config_table()["env_readers"])


def _matches_value(text: str, patterns: Iterable[str]) -> bool:
    lowered = text.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in patterns)


# ---------------------------------------------------------------------------
# Backends from settings, constructors and Django
# ---------------------------------------------------------------------------


def _from_settings(project: Project, settings: list[Setting]) -> list[Backend]:
    found: list[Backend] = []
    for spec in backends().get("setting", []):
        within = spec.get("within", "")
        for setting in settings:
            if setting.key != spec["key"]:
                continue
            if within and within != "*" and setting.within != within:
                continue
            if not within and setting.within and setting.within.isupper() and \
                    setting.within != setting.key:
                continue
            for text, fallback in _string_candidates(project, setting.value):
                on_disk = _matches_value(text, spec.get("on_disk", ()))
                if not on_disk and not _matches_value(text, spec.get("in_process", ())):
                    continue
                backend = Backend(
                    symbol=setting.symbol, path=setting.path, span=setting.span,
                    library=spec["library"], purpose=spec["purpose"], value=text,
                    fix=spec["fix"], fallback=fallback, unless=setting.unless, on_disk=on_disk,
                    function_id=setting.function_id,
                    objects=tuple(spec.get("objects", ())), uses=tuple(spec.get("uses", ())),
                    frameworks=tuple(spec.get("frameworks", ())),
                    binding_symbols=(setting.symbol,),
                )
                backend = _with_handlers(project, backend)
                found.append(backend)
                break
    return found


def _iter_calls(project: Project) -> Iterable[tuple[ModuleFacts, Value, Span, str, str]]:
    """Every call of the project outside test code: (module, call, span, binding, function)."""
    for facts in project.modules.values():
        if _module_skipped(facts):
            continue
        for statement in facts.statements:
            if statement.call is not None and not statement.in_main_guard:
                yield (facts, statement.call.value, statement.span,
                       _enclosing_binding(facts, statement.span) or "", "")
        for fn in facts.functions:
            if _non_production(fn.name):
                continue
            for call in fn.calls:
                yield facts, call.value, call.span, "", f"{facts.module}:{fn.qualname}"


APP_CONSTRUCTORS = ("flask.Flask", "flask.app.Flask", "quart.Quart", "fastapi.FastAPI",
                    "starlette.applications.Starlette", "sanic.Sanic", "litestar.Litestar")


def _opaque_configuration(project: Project) -> bool:
    """True when configuration is loaded from somewhere statelint cannot read.

    That includes files and environment loaders, and a project that never builds
    the application itself (an extension or library handed someone else's app
    through ``init_app(app)``): the app's configuration is not in the scanned tree.
    """
    builds_app = False
    for _, value, _, _, _ in _iter_calls(project):
        last = value.target.rsplit(".", 1)[-1] if value.target else ""
        if last in OPAQUE_CONFIG:
            return True
        if last == "from_object" and value.args and value.args[0].kind == "literal":
            return True
        if value.target and matches(project.qualify(value.target), APP_CONSTRUCTORS):
            builds_app = True
    return not builds_app


def _from_constructors(project: Project, settings: list[Setting]) -> list[Backend]:
    found: list[Backend] = []
    specs = backends().get("constructor", [])
    for facts, value, span, binding, function_id in _iter_calls(project):
        if value.kind != "call" or not value.target:
            continue
        qualified = project.qualify(value.target)
        for spec in specs:
            if not matches(qualified, spec["targets"]):
                continue
            text, fallback = _constructor_storage(project, value, spec, settings)
            if text is None:
                continue
            symbol = binding or f"{facts.module}.{qualified.rsplit('.', 1)[-1]}"
            backend = Backend(
                symbol=symbol, path=facts.path, span=span, library=spec["library"],
                purpose=spec["purpose"], value=text, fix=spec["fix"], fallback=fallback,
                on_disk="FileSystem" in qualified, function_id=function_id,
                uses=tuple(spec.get("uses", ())),
                binding_symbols=(binding,) if binding else (),
            )
            backend = _with_handlers(project, backend)
            if any(value.kwarg(name) is not None for name in spec.get("app_wide", ())):
                backend = replace(backend, handlers=_merge(backend.handlers, [
                    reach for reach in handler_reaches(project)
                    if reach.handler.framework in spec.get("frameworks", ())
                    and reach.handler.kind != "hook"]))
            found.append(backend)
    return found


def _constructor_storage(project: Project, value: Value, spec: dict[str, Any],
                         settings: list[Setting]) -> tuple[str | None, str]:
    """The in-process storage a constructor call selects, or ``None`` when it selects another."""
    storage = spec.get("storage")
    short = value.target.rsplit(".", 1)[-1]
    if not storage:
        return f"{short}()", ""
    if storage == "arg0":
        argument = value.arg(0, spec.get("storage_keyword"))
    else:
        argument = value.kwarg(storage)
    if argument is None:
        if not spec.get("default_in_process"):
            return None, ""
        keys = set(spec.get("config_keys", ()))
        if keys and (any(setting.key in keys for setting in settings)
                     or _opaque_configuration(project)):
            return None, ""
        return f"{short}() without `{spec.get('storage_keyword') or storage}` (in memory)", ""
    candidates = _string_candidates(project, argument)
    if argument.kind in ("name", "attribute") and argument.target:
        candidates.append((project.qualify(argument.target), ""))
    for text, fallback in candidates:
        if _matches_value(text, spec.get("memory", ())):
            return text, fallback
    return None, ""


def _settings_modules(project: Project) -> list[ModuleFacts]:
    """Django settings modules: those that set a marker setting, and those that import
    one with ``*`` (``from .base import *`` in ``production.py``)."""
    markers = set(backends()["django"]["settings_markers"])
    marked = {facts.module for facts in project.modules.values()
              if markers & {b.name for b in facts.bindings}}
    return [facts for facts in project.modules.values()
            if not _module_skipped(facts) and (facts.module in marked or any(
                item.local == "*" and item.module in marked for item in facts.imports))]


def _from_django(project: Project, settings: list[Setting]) -> list[Backend]:
    table = backends()["django"]
    modules = _settings_modules(project)
    if not modules:
        return []
    cache_spec = next(spec for spec in backends()["setting"] if spec.get("within") == "CACHES")
    replaced = overrides(project)
    local_aliases: dict[str, tuple[str, bool]] = {}  # alias -> (backend, on disk)
    defined_at: dict[str, tuple[str, Span]] = {}  # alias -> where CACHES defines it
    defines_caches = False
    for facts in project.modules.values():
        binding = facts.binding("CACHES")
        if binding is None:
            continue
        defines_caches = True
        if _module_skipped(facts) or "CACHES" in replaced.get(facts.module, ()):
            continue
        chosen = default_assignment(project, binding) if conditional(binding) else Default(
            binding.span, binding.value)
        if chosen is None:
            continue
        value, span = chosen.value, chosen.span
        for key, item in value.items if value.kind == "dict" else ():
            if key is None or not isinstance(key.literal, str) or item.kind != "dict":
                continue
            for inner_key, inner in item.items:
                if inner_key is None or inner_key.literal != "BACKEND":
                    continue
                for text, _ in _string_candidates(project, inner):
                    on_disk = _matches_value(text, cache_spec.get("on_disk", ()))
                    if on_disk or _matches_value(text, cache_spec.get("in_process", ())):
                        local_aliases[key.literal] = (text, on_disk)
                        defined_at[key.literal] = (facts.path, span)
    found: list[Backend] = []
    if not defines_caches:
        local_aliases["default"] = (table["default_cache"], False)
        use = _first_cache_use(project, tuple(cache_spec["uses"]))
        if use is not None:
            path, span, function_id = use
            backend = Backend(
                symbol="django.core.cache.cache", path=path, span=span,
                library="Django cache", purpose="cache",
                value=f"{table['default_cache']} (Django's default: no CACHES setting)",
                fix=("add `CACHES = {\"default\": {\"BACKEND\": "
                     "\"django.core.cache.backends.redis.RedisCache\", "
                     "\"LOCATION\": os.environ[\"REDIS_URL\"]}}` to the settings module"),
                function_id=function_id, uses=tuple(cache_spec["uses"]))
            backend = _with_handlers(project, backend)
            found.append(backend)
    django_reaches = [reach for reach in handler_reaches(project)
                      if reach.handler.framework == "django" and reach.handler.kind != "hook"]
    for facts in modules:
        engine = facts.binding("SESSION_ENGINE")
        if engine is not None and engine.assignments == 1:
            alias_binding = facts.binding("SESSION_CACHE_ALIAS")
            alias = "default"
            if alias_binding is not None and isinstance(alias_binding.value.literal, str):
                alias = alias_binding.value.literal
            for text, fallback in _string_candidates(project, engine.value):
                on_disk = text in table["file_sessions"]
                if not on_disk and not (text in table["cache_sessions"] and alias in local_aliases):
                    continue
                shown = text if on_disk else f"{text} on {local_aliases[alias][0].rsplit('.', 1)[-1]}"
                found.append(Backend(
                    symbol=f"{facts.module}.SESSION_ENGINE", path=facts.path, span=engine.span,
                    library="Django", purpose="sessions", value=shown, fix=table["session_fix"],
                    fallback=fallback, on_disk=on_disk or local_aliases.get(alias, ("", False))[1],
                    handlers=tuple(django_reaches)))
                break
        framework = facts.binding("REST_FRAMEWORK")
        if framework is not None and "default" in local_aliases and framework.value.kind == "dict":
            for key, item in framework.value.items:
                if key is not None and key.literal == "DEFAULT_THROTTLE_CLASSES" and item.items:
                    # The throttles are a user of the default cache: the finding goes where
                    # that cache is configured, which is what to change.
                    path, span = defined_at.get("default", (facts.path, framework.span))
                    found.append(Backend(
                        symbol=f"{facts.module}.REST_FRAMEWORK", path=path, span=span,
                        library="Django REST framework", purpose="throttle",
                        value=("DEFAULT_THROTTLE_CLASSES on "
                               f"{local_aliases['default'][0].rsplit('.', 1)[-1]}"),
                        fix=table["throttle_fix"], via=(facts.path, framework.span),
                        handlers=tuple(r for r in django_reaches if _is_drf(project, r))))
        found += _cache_users(project, facts, modules, local_aliases, replaced)
        found += _file_storage(project, facts, table, replaced)
    if "default" in local_aliases:
        found += _view_throttles(project, local_aliases["default"][0], table)
    return found


def _effective(project: Project, facts: ModuleFacts, name: str,
               replaced: dict[str, set[str]]) -> tuple[Value, Span, str] | None:
    """A settings module's value of ``name`` when nothing is configured, unless another
    settings module replaces it."""
    binding = facts.binding(name)
    if binding is None or name in replaced.get(facts.module, ()):
        return None
    if conditional(binding):
        chosen = default_assignment(project, binding)
        return (chosen.value, chosen.span, chosen.unless) if chosen is not None else None
    return (binding.value, binding.span, "") if binding.assignments == 1 else None


def _cache_users(project: Project, facts: ModuleFacts, modules: list[ModuleFacts],
                 local_aliases: dict[str, tuple[str, bool]],
                 replaced: dict[str, set[str]]) -> list[Backend]:
    """Libraries whose settings make them keep counters in a cache alias held in process."""
    found: list[Backend] = []
    for spec in backends().get("cache_user", []):
        alias = "default"
        alias_setting = spec.get("alias_setting")
        for module in modules if alias_setting else ():
            named = _effective(project, module, alias_setting, replaced)
            if named is not None and isinstance(named[0].literal, str):
                alias = named[0].literal
        if alias not in local_aliases:
            continue
        use = _cache_use(project, spec, facts, modules, replaced)
        if use is None:
            continue
        span, text, fallback, unless = use
        cache = local_aliases[alias][0].rsplit(".", 1)[-1]
        backend = Backend(
            symbol=f"{facts.module}.{spec['key']}", path=facts.path, span=span,
            library=spec["library"], purpose=spec["purpose"], value=f"{text} on {cache}",
            fix=spec["fix"], fallback=fallback, unless=unless, on_disk=local_aliases[alias][1],
            uses=tuple(spec.get("uses", ())))
        backend = _with_handlers(project, backend)
        found.append(backend)
    return found


def _cache_use(project: Project, spec: dict[str, Any], facts: ModuleFacts,
               modules: list[ModuleFacts], replaced: dict[str, set[str]]
               ) -> tuple[Span, str, str, str] | None:
    """Where a settings module turns a cache-backed feature on, and how: (span, value,
    environment variable whose absence selects it, setting whose absence does)."""
    effective = _effective(project, facts, spec["key"], replaced)
    if effective is None:
        # set nowhere: on by default once the library's app is installed
        installed = _effective(project, facts, "INSTALLED_APPS", replaced)
        app = spec.get("installed_app")
        if not app or installed is None or app not in installed[0].strings() or any(
                module.binding(spec["key"]) is not None for module in modules):
            return None
        return installed[1], f"{app} defaults", "", ""
    value, span, unless = effective
    if value.kind == "literal" and value.literal in spec.get("off_values", ()):
        return None
    if not spec.get("cache_values"):
        return span, spec["key"], "", unless
    for candidate, variable in _string_candidates(project, value):
        if _matches_value(candidate, spec["cache_values"]):
            return span, candidate, variable, unless
    return None


def _file_storage(project: Project, facts: ModuleFacts, table: dict[str, Any],
                  replaced: dict[str, set[str]]) -> list[Backend]:
    """Uploaded files written to the local disk: the default storage is the file system
    and the project's models have file fields a request can fill."""
    found: list[Backend] = []
    for name, path in table["storage_settings"]:
        effective = _effective(project, facts, name, replaced)
        if effective is None:
            continue
        value, span, unless = effective
        for key in path:
            value = next((item for item_key, item in value.items
                          if item_key is not None and item_key.literal == key), Value("other"))
        for text, variable in _string_candidates(project, value):
            if _matches_value(text, table["local_storages"]) and _has_file_fields(project, table):
                found.append(Backend(
                    symbol=f"{facts.module}.{name}", path=facts.path, span=span,
                    library="Django", purpose="files", value=text, fix=table["storage_fix"],
                    fallback=variable, unless=unless, on_disk=True))
                break
    return found


def _has_file_fields(project: Project, table: dict[str, Any]) -> bool:
    return any(attribute.value.kind == "call" and attribute.value.target and matches(
        project.qualify(attribute.value.target), table["file_fields"])
        for facts, cls in project.classes.values() if not _module_skipped(facts)
        for attribute in cls.attributes)


def _session_interfaces(project: Project, found: list[Backend]) -> list[Backend]:
    """Server-side sessions a project's own session interface keeps in a cache found
    above: ``app.session_interface = CacheSessions()`` whose methods call ``cache.get``."""
    table = backends()["session_interface"]
    caches = [(backend, objects) for backend in found
              if backend.purpose == "cache" and backend.objects
              and (objects := _object_symbols(project, backend) - set(backend.binding_symbols))]
    sessions: list[Backend] = []
    if not caches:
        return sessions
    for facts, fn, access, value in _attribute_writes(project, table["attribute"]):
        class_id = project.instance_class(value)
        if class_id is None or not any(matches(base, table["bases"])
                                       for base in project.external_bases(class_id)):
            continue
        cls = project.classes[class_id][1]
        for cache, objects in caches:
            if not _class_uses(project, class_id, objects):
                continue
            backend = Backend(
                symbol=f"{class_id.replace(':', '.')}", path=facts.path, span=access.span,
                library=f"`{cls.name}` (sessions kept in the {cache.library} cache)",
                purpose="sessions", value=cache.value, fix=table["fix"],
                fallback=cache.fallback, unless=cache.unless, on_disk=cache.on_disk,
                function_id=f"{facts.module}:{fn.qualname}" if fn is not None else "",
                frameworks=tuple(table["frameworks"]))
            backend = _with_handlers(project, backend)
            sessions.append(backend)
            break
    return sessions


def _attribute_writes(project: Project, name: str
                      ) -> Iterable[tuple[ModuleFacts, Function | None, Access, Value]]:
    """Every write of ``<object>.<name> = value`` outside tests, with the value."""
    for facts in project.modules.values():
        if _module_skipped(facts):
            continue
        for statement in facts.statements:
            access = statement.access
            if access is not None and statement.value is not None and access.op == "setattr" \
                    and access.ref.rsplit(".", 1)[-1] == name:
                yield facts, None, access, statement.value
        for fn in facts.functions:
            for access in fn.accesses:
                if access.op == "setattr" and access.ref.rsplit(".", 1)[-1] == name:
                    value = fn.written_value(access)
                    if value is not None and value.kind == "call":
                        yield facts, fn, access, value


def _class_uses(project: Project, class_id: str, objects: set[str]) -> bool:
    """Whether a method of the class (or of a class it builds its sessions with) uses one
    of the objects."""
    for function_id, (_, fn) in project.functions.items():
        if project.class_of(function_id) != class_id:
            continue
        if any(access.head == "global" and _names_object(project, access.ref, objects, ())
               for access in fn.accesses) or any(
                call.head == "global" and _names_object(project, call.target, objects, ())
                for call in fn.calls):
            return True
    return False


def _view_throttles(project: Project, backend: str, table: dict[str, Any]) -> list[Backend]:
    found: list[Backend] = []
    for class_id, (facts, cls) in project.classes.items():
        if _module_skipped(facts):
            continue
        for attribute in cls.attributes:
            if attribute.name != "throttle_classes" or not attribute.value.items:
                continue
            reaches = [reach for reach in handler_reaches(project)
                       if project.class_of(reach.handler.function_id) == class_id] or [
                reach for reach in handler_reaches(project)
                if reach.handler.function_id.startswith(class_id)]
            found.append(Backend(
                symbol=f"{facts.module}.{cls.name}.throttle_classes", path=facts.path,
                span=attribute.span, library="Django REST framework", purpose="throttle",
                value=f"throttling on {backend.rsplit('.', 1)[-1]}", fix=table["throttle_fix"],
                handlers=tuple(reaches)))
    return found


def _is_drf(project: Project, reach: Reach) -> bool:
    table = backends()["django"]
    function_id = reach.handler.function_id
    class_id = project.class_of(function_id) if function_id in project.functions else None
    if class_id is None and ":" in function_id and function_id in project.classes:
        class_id = function_id
    if class_id is not None:
        return any(matches(base, table["drf_bases"]) for base in project.external_bases(class_id))
    if function_id in project.functions:
        _, fn = project.functions[function_id]
        return any(dec.target and matches(project.qualify(dec.target), table["drf_decorators"])
                   for dec in fn.decorators)
    return False


def _first_cache_use(project: Project, uses: tuple[str, ...]) -> tuple[str, Span, str] | None:
    for reach in sorted(handler_reaches(project), key=lambda r: (r.handler.path, r.handler.line)):
        for function_id in reach.parents:
            facts, fn = project.functions[function_id]
            for access in fn.accesses:
                if access.head == "global" and matches(project.qualify(access.ref), uses):
                    return facts.path, access.span, function_id
            for decorator in fn.decorators:
                if decorator.target and matches(project.qualify(decorator.target), uses):
                    return facts.path, fn.span, function_id
    return None


# ---------------------------------------------------------------------------
# Which handlers depend on a backend
# ---------------------------------------------------------------------------


def _object_symbols(project: Project, backend: Backend) -> set[str]:
    """The module-level names bound to the backend's library objects."""
    objects = set(backend.binding_symbols)
    if backend.objects:
        for facts in project.modules.values():
            for binding in facts.bindings:
                if binding.value.kind == "call" and binding.value.target and _makes(
                        project, binding.value, backend.objects):
                    objects.add(f"{facts.module}.{binding.name}")
    return objects


def _affected(project: Project, backend: Backend) -> list[Reach]:
    """The handlers that use the backend's object, decorators or API."""
    objects = _object_symbols(project, backend)
    frameworks = set(backend.frameworks)
    found: list[Reach] = []
    for reach in handler_reaches(project):
        if reach.handler.kind == "hook":
            continue
        if reach.handler.framework in frameworks or _reach_uses(project, reach, objects,
                                                                backend.uses):
            found.append(reach)
    return found


def _makes(project: Project, value: Value, objects: tuple[str, ...]) -> bool:
    """Whether a call builds one of the library's objects, or a project subclass of one."""
    if matches(project.qualify(value.target), objects):
        return True
    class_id = project.instance_class(value)
    return class_id is not None and any(matches(base, objects)
                                        for base in project.external_bases(class_id))


def _reach_uses(project: Project, reach: Reach, objects: set[str], uses: tuple[str, ...]) -> bool:
    for function_id in reach.parents:
        _, fn = project.functions[function_id]
        for decorator in fn.decorators:
            if decorator.target and _names_object(project, decorator.target, objects, uses):
                return True
        for access in fn.accesses:
            if access.head == "global" and _names_object(project, access.ref, objects, uses):
                return True
        for call in fn.calls:
            if call.head == "global" and _names_object(project, call.target, objects, uses):
                return True
    return False


def _names_object(project: Project, dotted: str, objects: set[str], uses: tuple[str, ...]) -> bool:
    if objects:
        symbol, _ = project.resolve(dotted)
        if symbol.kind == "binding" and symbol.key in objects:
            return True
    return bool(uses) and matches(project.qualify(dotted), uses)


def _with_handlers(project: Project, backend: Backend) -> Backend:
    """``backend`` with the handlers that depend on it."""
    return replace(backend, handlers=tuple(_affected(project, backend)))


def _merge(first: tuple[Reach, ...], second: list[Reach]) -> tuple[Reach, ...]:
    seen = {id(reach) for reach in first}
    return first + tuple(reach for reach in second if id(reach) not in seen)

