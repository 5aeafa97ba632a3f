"""Tables of known APIs, read from TOML data that ships beside the rules.

Adding a framework idiom or a library's stateful object is a data change in
``rules/*.toml``; this module only loads and indexes those tables.
"""

from __future__ import annotations

import fnmatch
import importlib.resources
import sys
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older interpreters only
    import tomli as tomllib


@cache
def load_table(name: str) -> dict[str, Any]:
    """Load ``<name>.toml`` from the rule catalogue package."""
    resource = importlib.resources.files("statelint.rules").joinpath(f"{name}.toml")
    return tomllib.loads(resource.read_text(encoding="utf-8"))


def matches(name: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """True when a dotted name matches one of the glob patterns."""
    if not patterns:
        return False
    return _compiled(tuple(patterns))(name) is not None


@lru_cache(maxsize=1024)
def _compiled(patterns: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """One regular expression for a whole pattern list: matching runs once per
    name instead of once per pattern (the link stage asks millions of times)."""
    import re

    joined = "|".join(f"(?:{fnmatch.translate(pattern)})" for pattern in patterns)
    return re.compile(joined).match


@dataclass(frozen=True)
class Framework:
    """How one web framework declares its request handlers."""

    name: str
    packages: tuple[str, ...]
    app_classes: tuple[str, ...]
    route_decorators: tuple[str, ...]
    decorator_functions: tuple[str, ...]
    registration_methods: tuple[str, ...]
    registration_functions: tuple[str, ...]
    view_bases: tuple[str, ...]
    view_methods: tuple[str, ...]
    method_decorators: tuple[str, ...]
    hook_decorators: tuple[str, ...]
    hook_methods: tuple[str, ...]
    long_lived_views: bool
    view_method_prefix: str


@lru_cache(maxsize=1)
def frameworks() -> tuple[Framework, ...]:
    """Every framework described in ``frameworks.toml``."""
    table = load_table("frameworks")
    found = []
    for name, spec in table.items():
        found.append(
            Framework(
                name=name,
                packages=tuple(spec.get("packages", ())),
                app_classes=tuple(spec.get("app_classes", ())),
                route_decorators=tuple(spec.get("route_decorators", ())),
                decorator_functions=tuple(spec.get("decorator_functions", ())),
                registration_methods=tuple(spec.get("registration_methods", ())),
                registration_functions=tuple(spec.get("registration_functions", ())),
                view_bases=tuple(spec.get("view_bases", ())),
                view_methods=tuple(spec.get("view_methods", ())),
                method_decorators=tuple(spec.get("method_decorators", ())),
                hook_decorators=tuple(spec.get("hook_decorators", ())),
                hook_methods=tuple(spec.get("hook_methods", ())),
                long_lived_views=bool(spec.get("long_lived_views", False)),
                view_method_prefix=str(spec.get("view_method_prefix", "")),
            )
        )
    return tuple(found)


@cache
def dispatch_classes() -> tuple[str, ...]:
    """Every framework's request dispatchers and test clients (``dispatch_classes``)."""
    return tuple(name for spec in load_table("frameworks").values()
                 for name in spec.get("dispatch_classes", ()))


def framework_of_package(dotted: str) -> Framework | None:
    """The framework a fully qualified name belongs to, by its top package."""
    for framework in frameworks():
        for package in framework.packages:
            if dotted == package or dotted.startswith(package + "."):
                return framework
    return None


@lru_cache(maxsize=1)
def apis() -> dict[str, Any]:
    """The table of known stateful and stateless APIs (``apis.toml``)."""
    return load_table("apis")


def api_list(section: str, key: str) -> tuple[str, ...]:
    """One list from ``apis.toml``, e.g. ``api_list("containers", "constructors")``."""
    return tuple(apis().get(section, {}).get(key, ()))
