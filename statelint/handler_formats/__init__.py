"""Formats of the handler inventory (``statelint handlers --format``): one module each.

Each module has ``render(inventory, *, colour=False) -> str``.  Formats are found
by walking this package, as the finding reporters are, so a new module is a new
format.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Protocol

from statelint.inventory import Inventory


class InventoryRenderer(Protocol):
    """The signature every inventory format provides."""

    def __call__(self, inventory: Inventory, *, colour: bool = False) -> str: ...


def available_formats() -> tuple[str, ...]:
    """Names of every inventory format."""
    names = [info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")]
    return tuple(sorted(names))


def renderer(name: str) -> InventoryRenderer:
    """The ``render`` function of an inventory format."""
    module = importlib.import_module(f"{__name__}.{name}")
    return module.render
