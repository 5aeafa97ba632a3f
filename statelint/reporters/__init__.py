"""Output formats: one module per format, each with ``render(result, rules) -> str``.

Formats are found by walking this package, so adding a module adds a format.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from pathlib import Path

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


#: The formats ``-q`` and ``--show-source`` apply to; the others are for machines.
READABLE_FORMATS = ("text", "concise")


def render_report(result: ScanResult, rules: Sequence[type[Rule]], output_format: str, *,
                  quiet: bool = False, show_source: bool = False,
                  statistics: bool = False) -> str:
    """The report ``statelint check`` prints, with the options that shape it.

    ``statistics`` prints counts per rule instead of the report; ``quiet`` leaves
    the handler inventory and summary out of the text and concise formats, and
    ``show_source`` adds a code frame under each of their findings.
    """
    if statistics:
        from statelint.reporters._statistics import render_statistics

        return render_statistics(result, output_format)
    if output_format not in READABLE_FORMATS or not (quiet or show_source):
        return renderer(output_format)(result, rules)
    from statelint.reporters._source_frame import SourceFrames

    frames = SourceFrames(Path(result.root)) if show_source else None
    module = importlib.import_module(f"{__name__}.{output_format}")
    return module.render(result, rules, quiet=quiet, source=frames)
