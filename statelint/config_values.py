"""Configuration values: where a project sets a setting, and what values it can take.

A *setting* is a named value the application is configured with: a module-level
name (a Django settings module), a class attribute (a config class, a
``BaseSettings`` field), an item or attribute written on an object
(``app.config["KEY"] = ...``, ``app.secret_key = ...``), a keyword argument
(``app.config.update(KEY=...)``, ``SessionMiddleware(app, secret_key=...)``) or a
key of a dict literal (``Application(handlers, **{"cookie_secret": ...})``).

``sources`` follows a setting's value to what produces it: through names, module
attributes, instances of settings classes (their field defaults), locals of the
function that sets it, environment reads (whose default is taken *when the
variable is not set*), ``a or b`` and ``x if c else y``, field declarations
(``Field(default_factory=...)``) and project functions called without arguments
(every call such a helper makes is a possible source: there are no return facts).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from statelint.knowledge import load_table, matches
from statelint.model import Binding, Function, Guard, ModuleFacts, Span, Value
from statelint.project import Project

MAX_DEPTH = 6


@dataclass(frozen=True)
class Setting:
    """One place a named configuration value is set.

    ``kind`` is ``binding``, ``class_attr``, ``item``, ``attribute``, ``keyword``
    or ``argument``; ``owner`` is what receives it (the qualified call target for
    keywords and arguments, the receiver for items and attributes, the class id
    for class attributes, the module for bindings); ``function_id`` is the function
    that sets it, empty at import time.
    """

    key: str
    value: Value
    path: str
    span: Span
    module: str
    kind: str
    owner: str = ""
    function_id: str = ""
    #: for keywords and arguments: the call's other positional arguments that name something
    #: (``add_middleware(SessionMiddleware, secret_key=...)`` gives ``SessionMiddleware``)
    peers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """A value a setting can end up with: ``value`` (a leaf: a call, a literal, ...).

    ``env`` names the environment variable whose absence selects it (empty when
    nothing can override it); ``helper`` is the project function that makes it
    (empty when written in place).
    """

    value: Value
    env: str = ""
    helper: str = ""


def config_table() -> dict:
    """The ``[config]`` section of ``config_values.toml``."""
    return load_table("config_values")["config"]


def non_production_module(facts: ModuleFacts) -> bool:
    """True for modules only tests, scripts or development setups load."""
    return _non_production_name(facts.module)


#: Module name affixes of development and test modules (``settings_dev``, ``local_settings``).
_DEVELOPMENT_SUFFIXES = tuple(f"_{part}" for part in ("dev", "local", "test", "testing"))
_DEVELOPMENT_PREFIXES = tuple(f"{part}_" for part in ("dev", "local", "test", "testing"))


@cache
def _non_production_name(module: str) -> bool:
    parts = frozenset(config_table()["non_production_parts"])
    names = module.lower().split(".")
    last = names[-1]
    return bool(parts.intersection(names)) or last.startswith("test_") or last.endswith(
        ("_test", "_tests")) or last.endswith(_DEVELOPMENT_SUFFIXES) or last.startswith(
        _DEVELOPMENT_PREFIXES)


def non_production_class(name: str) -> bool:
    """True for configuration classes of tests and development setups."""
    return any(fnmatch.fnmatchcase(name, pattern)
               for pattern in config_table()["non_production_classes"])


def in_effect(project: Project, class_id: str, key: str,
              is_test: Callable[[str], bool] = non_production_class) -> bool:
    """Whether a class attribute is in effect in some production configuration class.

    The production classes are the class's subclasses that are not for tests or
    development; when it has none, the class itself is the one production runs with
    (a settings class used as is, with only testing variants below it, in test
    modules or named for tests).  A base
    class whose production subclasses all override the key holds a default nobody
    runs with; so does a class for tests or development.
    """
    return key in attributes_in_effect(project, class_id, (key,), is_test)


def attributes_in_effect(project: Project, class_id: str, keys: Iterable[str],
                         is_test: Callable[[str], bool] = non_production_class) -> set[str]:
    """Which of ``keys``, attributes of the class, are in effect (see ``in_effect``).

    The production subclasses are listed once for all the keys: a base class of a
    large tree (a model or form base class) has thousands of subclasses to sort out.
    """
    wanted = set(keys)
    if not wanted or is_test(project.classes[class_id][1].name):
        return set()
    candidates = [candidate for candidate in project.subclasses(class_id)
                  if not is_test(project.classes[candidate][1].name)
                  and not non_production_module(project.classes[candidate][0])] or [class_id]
    found: set[str] = set()
    for candidate in candidates:
        for key in wanted - found:
            owner = project.class_attribute(candidate, key)
            if owner is not None and owner[0] == class_id:
                found.add(key)
        if len(found) == len(wanted):
            break
    return found


def calls_within(project: Project, setting: Setting) -> list[Value]:
    """Every call made inside a setting's statement, nested ones included: what an opaque
    value (a comprehension, an f-string, ``"".join(...)``) is computed from."""
    facts = project.modules[setting.module]
    if setting.function_id:
        if setting.function_id not in project.functions:
            return []
        calls = project.functions[setting.function_id][1].calls
    else:
        calls = tuple(statement.call for statement in facts.statements
                      if statement.call is not None)
    return [call.value for call in calls
            if setting.span.line <= call.span.line <= setting.span.end_line]


def settings(project: Project, *, skip_functions: Iterable[str] = ()) -> Iterator[Setting]:
    """Every setting the project writes outside test and development code.

    Functions in ``skip_functions`` (those that run per request, say) are left
    out, and so is code under ``if __name__ == "__main__":``.
    """
    skipped = set(skip_functions)
    for facts in project.modules.values():
        if non_production_module(facts):
            continue
        module = facts.module
        for binding in facts.bindings:
            # Set more than once (``KEY = env(...)`` then ``if not KEY: KEY = make_key()``),
            # any of the values may be the one in force: each is a setting of its own.
            for span, value in ((binding.span, binding.value), *binding.alternatives):
                yield Setting(binding.name, value, facts.path, span, module, "binding", module)
                yield from _nested(value, facts, span, "")
        for cls in facts.classes:
            if non_production_class(cls.name):
                continue
            effective = attributes_in_effect(project, f"{module}:{cls.name}",
                                             [attribute.name for attribute in cls.attributes])
            for attribute in cls.attributes:
                if attribute.name not in effective:
                    continue
                yield Setting(attribute.name, attribute.value, facts.path, attribute.span,
                              module, "class_attr", f"{module}:{cls.name}")
                yield from _nested(attribute.value, facts, attribute.span, "")
        for statement in facts.statements:
            if statement.in_main_guard:
                continue
            if statement.call is not None:
                if any(binding.span.line <= statement.span.line <= binding.span.end_line
                       for binding in facts.bindings):
                    continue  # a call inside a bound value: the binding's settings have it
                yield from _call_settings(project, statement.call.value, facts,
                                          statement.span, "")
            elif statement.access is not None and statement.value is not None:
                found = _write_setting(statement.access, statement.value, facts, "")
                if found is not None:
                    yield found
        for fn in facts.functions:
            function_id = f"{module}:{fn.qualname}"
            if function_id in skipped:
                continue
            for call in fn.calls:
                yield from _call_settings(project, call.value, facts, call.span, function_id)
            for access in fn.accesses:
                value = fn.written_value(access)
                if value is not None:
                    found = _write_setting(access, value, facts, function_id)
                    if found is not None:
                        yield found


def _nested(value: Value, facts: ModuleFacts, span: Span, function_id: str) -> Iterator[Setting]:
    """Dict keys, keywords and positional arguments anywhere inside a bound value."""
    for item in _walk(value):
        if item.kind == "dict":
            yield from _dict_settings(item, facts, span, function_id)
        elif item.kind == "call":
            yield from _arguments(item, item.target, facts, span, function_id)


def _dict_settings(value: Value, facts: ModuleFacts, span: Span,
                   function_id: str) -> Iterator[Setting]:
    for key, inner in value.items:
        if key is not None and key.kind == "literal" and isinstance(key.literal, str):
            yield Setting(key.literal, inner, facts.path, span, facts.module, "item", "",
                          function_id)


def _arguments(call: Value, owner: str, facts: ModuleFacts, span: Span,
               function_id: str) -> Iterator[Setting]:
    """The keyword and positional arguments of one call, as settings of ``owner``."""
    peers = tuple(arg.target for arg in call.args if arg.kind in ("name", "attribute")
                  and arg.target)
    for key, inner in call.kwargs:
        yield Setting(key, inner, facts.path, span, facts.module, "keyword", owner,
                      function_id, peers)
    for index, inner in enumerate(call.args):
        yield Setting(f"#{index}", inner, facts.path, span, facts.module, "argument", owner,
                      function_id, peers)


def _walk(value: Value) -> Iterator[Value]:
    stack = [value]
    while stack:
        current = stack.pop()
        yield current
        if current.kind == "lambda":
            continue
        stack.extend(current.args)
        stack.extend(item for _, item in current.kwargs)
        stack.extend(item for _, item in current.items)


def _call_settings(project: Project, value: Value, facts: ModuleFacts, span: Span,
                   function_id: str) -> Iterator[Setting]:
    """The arguments of one call (nested calls are calls of their own in the facts)."""
    if value.kind != "call" or not value.target:
        return
    yield from _arguments(value, project.qualify(value.target), facts, span, function_id)
    for argument in (*value.args, *(inner for _, inner in value.kwargs)):
        if argument.kind == "dict":
            yield from _dict_settings(argument, facts, span, function_id)


def _write_setting(access, value: Value, facts: ModuleFacts, function_id: str) -> Setting | None:
    if access.op == "setitem" and access.key:
        return Setting(access.key, value, facts.path, access.span, facts.module, "item",
                       access.ref, function_id)
    if access.op == "setattr":
        receiver, _, name = access.ref.rpartition(".")
        return Setting(name, value, facts.path, access.span, facts.module, "attribute",
                       receiver, function_id)
    return None


def sources(project: Project, value: Value, function_id: str = "", *, env: str = "",
            helper: str = "", depth: int = 0) -> list[Source]:
    """The values ``value`` can end up as, with the environment variable that overrides each."""
    if depth > MAX_DEPTH:
        return []
    table = config_table()
    again = lambda inner, **kw: sources(  # noqa: E731
        project, inner, kw.get("function_id", function_id), env=kw.get("env", env),
        helper=kw.get("helper", helper), depth=depth + 1)
    if value.kind == "name" and function_id and function_id in project.functions:
        local = _local_value(project.functions[function_id][1], value.target)
        if local is not None:
            return again(local)
    if value.kind in ("name", "attribute") and value.target:
        return _reference_sources(project, value, function_id, env, helper, depth)
    if value.kind in ("boolop", "ifexp") and len(value.args) == 2:
        left, right = value.args
        variable = _env_variable(project, left) if value.kind == "boolop" else ""
        return again(left) + again(right, env=variable or env)
    if value.kind == "lambda" and value.args:
        return again(value.args[0])
    if value.kind != "call" or not value.target:
        return [Source(value, env, helper)]
    qualified = call_target(project, value.target)
    if matches(qualified, table["env_readers"]):
        default = value.arg(1, "default")
        variable = _env_variable(project, value) or "?"
        return again(default, env=variable) if default is not None else []
    if matches(qualified, table["default_holders"]):
        factory = value.kwarg("default_factory") or value.kwarg("factory")
        if factory is not None:
            return again(Value("call", target=factory.target) if factory.kind in (
                "name", "attribute") else factory)
        default = value.arg(0, "default")
        return again(default) if default is not None else []
    symbol, rest = project.resolve(value.target)
    if symbol.kind == "function" and not rest and symbol.key in project.functions:
        _, fn = project.functions[symbol.key]
        found: list[Source] = []
        for call in fn.calls:
            found += sources(project, call.value, symbol.key, env=env,
                             helper=helper or symbol.key, depth=depth + 1)
        return found or [Source(value, env, helper)]
    # a library call: what it is computed from counts too (``b64encode(key)``)
    found = [Source(value, env, helper)]
    for argument in value.args:
        if argument.kind in ("name", "attribute", "call"):
            found += again(argument)
    return found


def _reference_sources(project: Project, value: Value, function_id: str, env: str, helper: str,
                       depth: int) -> list[Source]:
    """What a module-level name, or a field of a module-level settings object, holds."""
    symbol, rest = project.resolve(value.target)
    binding = project.binding(symbol)
    if binding is None or binding.assignments > 1:
        return [Source(value, env, helper)]
    if not rest:
        return sources(project, binding.value, "", env=env, helper=helper, depth=depth + 1)
    class_id = project.instance_class(binding.value)
    if class_id is not None and len(rest) == 1:
        owner = project.class_attribute(class_id, rest[0])
        if owner is not None:
            return sources(project, owner[1].value, "", env=env, helper=helper, depth=depth + 1)
    return [Source(value, env, helper)]


def _local_value(fn: Function, name: str) -> Value | None:
    found: Value | None = None
    for local, value in fn.local_assignments:
        if local == name:
            found = value
    return found


def _env_variable(project: Project, value: Value) -> str:
    """The variable an environment read names (``os.environ.get("KEY")`` → ``KEY``)."""
    if value.kind != "call" or not value.target:
        return ""
    if not matches(call_target(project, value.target), config_table()["env_readers"]):
        return ""
    name = value.arg(0, "key")
    return name.literal if name is not None and isinstance(name.literal, str) else ""


def definition_of(project: Project, setting: Setting) -> tuple[str, Span] | None:
    """Where a setting whose value is a plain reference is defined (the name's binding)."""
    value = setting.value
    if value.kind not in ("name", "attribute") or not value.target:
        return None
    if setting.function_id and value.kind == "name":
        return None
    symbol, rest = project.resolve(value.target)
    binding = project.binding(symbol)
    if binding is None:
        return None
    facts = project.modules[symbol.module]
    if not rest:
        return facts.path, binding.span
    class_id = project.instance_class(binding.value)
    if class_id is not None and len(rest) == 1:
        owner = project.class_attribute(class_id, rest[0])
        if owner is not None:
            return project.classes[owner[0]][0].path, owner[1].span
    return None


def call_target(project: Project, target: str) -> str:
    """A call's qualified target, with a module-level instance replaced by its class:
    ``env.str`` after ``env = environ.Env()`` is ``environ.Env.str``."""
    target = target.split("()", 1)[0]
    receiver, _, method = target.rpartition(".")
    if receiver:
        symbol, rest = project.resolve(receiver)
        binding = project.binding(symbol)
        if binding is not None and not rest and binding.assignments == 1 \
                and binding.value.kind == "call" and binding.value.target:
            return f"{project.qualify(binding.value.target)}.{method}"
    return project.qualify(target)


# ---------------------------------------------------------------------------
# Which of a setting's conditional assignments runs when nothing is configured
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Default:
    """The assignment of a setting in force when nothing is configured.

    ``unless`` names what selects it by its absence (the setting or environment
    variable its ``if`` tests), empty when it is made unconditionally.
    """

    span: Span
    value: Value
    unless: str = ""


def default_assignment(project: Project, binding: Binding, class_id: str = "") -> Default | None:
    """Of a name assigned under import-time ``if`` statements, the assignment in force
    when none of the settings or environment variables the tests read is set.

    A test on a value is false when nothing is configured, unless every value it can
    take is true (a literal, or an environment read with a non-empty default): the
    ``else`` of ``if REDIS_URL:`` runs when ``REDIS_URL`` comes from the environment
    or a configuration file, not when it defaults to ``"redis://cache:6379"``.  The
    last assignment whose conditions all hold wins.  ``None`` when none is in force by
    default; a name assigned without conditions (``conditional`` is false) is the
    caller's to judge as it is.
    """
    assignments = [(binding.span, binding.value, binding.guards)]
    assignments += [(span, value, guards) for (span, value), guards
                    in zip(binding.alternatives, binding.alternative_guards, strict=False)]
    found: Default | None = None
    for span, value, guards in assignments:
        if all(_taken_by_default(project, guard, class_id) for guard in guards):
            unless = next((_tested_name(project, guard.subject) for guard in reversed(guards)
                           if not guard.holds or guard.equals is not None), "")
            found = Default(span, value, unless)
    return found


def conditional(binding: Binding) -> bool:
    """Whether any assignment of a module or class-level name sits under an ``if``."""
    return bool(binding.guards) or any(binding.alternative_guards)


def _taken_by_default(project: Project, guard: Guard, class_id: str) -> bool:
    values = _possible_values(project, guard.subject, class_id)
    if guard.equals is not None:
        same = bool(values) and all(value.kind == "literal" and value.literal == guard.equals.literal
                                    for value in values)
        return same == guard.holds
    true = bool(values) and all(_true(value) for value in values)
    return true == guard.holds


def _possible_values(project: Project, subject: Value, class_id: str) -> list[Value]:
    """Every leaf value a tested name can hold (a name of the class body first)."""
    if class_id and subject.kind == "name" and "." not in subject.target:
        owner = project.class_attribute(class_id, subject.target)
        if owner is not None:
            attribute = owner[1]
            values = [attribute.value, *(value for _, value in attribute.alternatives)]
            return [source.value for value in values for source in sources(project, value)]
    if subject.kind == "call" and subject.target and matches(
            call_target(project, subject.target), config_table()["env_readers"]) \
            and subject.arg(1, "default") is None:
        return []  # an environment variable without a default: unset
    return [source.value for source in sources(project, subject)]


def _true(value: Value) -> bool:
    """Whether a leaf value is certainly true (a non-empty constant or container)."""
    if value.kind == "literal":
        return bool(value.literal)
    if value.kind in ("dict", "list", "set", "tuple"):
        return bool(value.items or value.args)
    return value.kind == "fstring"


def _tested_name(project: Project, subject: Value) -> str:
    variable = _env_variable(project, subject)
    if variable:
        return variable
    if subject.kind in ("name", "attribute") and subject.target:
        return subject.target.rsplit(".", 1)[-1]
    return ""


#: What an unset environment variable reads as, when statelint can tell (a read without a
#: default gives ``None``); ``_UNKNOWN`` otherwise.
_UNKNOWN = object()


def non_production_switch(project: Project, guards: Iterable[Guard]) -> str:
    """The environment variable that code under ``guards`` needs set, when its name says it
    is a switch of tests, debugging or a documentation build; ``""`` otherwise.

    ``if os.environ.get("PYTEST_SAVE_SAMPLES") == "1":`` and ``if os.getenv("DEBUG_DUMP"):``
    run only when the variable is set (to a value the default is not), and production does
    not set a variable named for the test suite or a docs build.  A switch whose block runs
    when the variable is unset (``!= "1"``, ``not ...``, a true default) is not one.
    """
    words = frozenset(config_table()["non_production_switch_words"])
    for guard in guards:
        read = guard.subject
        transformed = False
        while read.kind == "call" and read.items and not _env_variable(project, read):
            read = read.items[0][1]  # ``os.getenv("X", "").lower()``: a method of the value
            transformed = True
        variable = _env_variable(project, read)
        if not variable or not words.intersection(re.split(r"[^a-z0-9]+", variable.lower())):
            continue
        unset = _unset_value(read)
        if unset is _UNKNOWN or (transformed and unset not in (None, "")):
            continue
        taken = (unset == guard.equals.literal) if guard.equals is not None else bool(unset)
        if taken != guard.holds:
            return variable
    return ""


def _unset_value(read: Value) -> object:
    default = read.arg(1, "default")
    if default is None:
        return None
    return default.literal if default.kind == "literal" else _UNKNOWN


def overrides(project: Project) -> dict[str, set[str]]:
    """For each module another production module imports with ``*``, the names that
    module sets again unconditionally: a base settings module's values the deployed
    settings module replaces (``from .base import *`` then ``CACHES = {...}``)."""
    found: dict[str, set[str]] = {}
    for facts in project.modules.values():
        if non_production_module(facts):
            continue
        for item in facts.imports:
            if item.local == "*":
                found.setdefault(item.module, set()).update(
                    binding.name for binding in facts.bindings if not binding.guards)
    return found
