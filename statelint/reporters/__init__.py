"""Output formats: one module per format, each with ``render(result, rules) -> str``.

Formats are found by walking this package, so adding a module adds a format.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence

from statelint.model import ScanResult
from statelint.rule import Rule

Renderer = Callable[[ScanResult, Sequence[type[Rule]]], str]


def available_formats() -> tuple[str, ...]:
    """Names of every output format."""
    names = [info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")]
    return tuple(sorted(names))


def renderer(name: str) -> Renderer:
    """The ``render`` function of a format."""
    module = importlib.import_module(f"{__name__}.{name}")
    return module.render
