"""The inventory as an aligned table per application, then the detail of each stateful handler.

Colour is only added when asked for (the CLI asks when stdout is a terminal),
so piped or redirected output stays plain text.
"""

from __future__ import annotations

import re

from statelint.inventory import (
    HandlerEntry,
    Inventory,
    RouteRow,
    chain_text,
    impact_phrase,
    location_text,
    methods_text,
)
from statelint.reporters.concise import printable

_STYLES = {
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "stateful": "\x1b[31m",
    "self-contained": "\x1b[32m",
    "reset": "\x1b[0m",
}

COLUMNS = ("VERDICT", "METHODS", "ROUTE", "ENDPOINT", "HANDLER", "FRAMEWORK", "LOCATION", "STATE")


class _Painter:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_STYLES['reset']}" if self.colour else text


def _row(row: RouteRow, inventory: Inventory) -> tuple[str, ...]:
    entry, handler = row.entry, row.handler
    states = ", ".join(dict.fromkeys(state.name for state in entry.states))
    return (entry.verdict.verdict, inventory.methods_text(row), row.route.path or "-",
            row.route.endpoint, handler.name, handler.framework, location_text(handler), states)


def _table(rows: list[RouteRow], inventory: Inventory, paint: _Painter) -> list[str]:
    table = [COLUMNS, *(_row(row, inventory) for row in rows)]
    if not any(line[3] for line in table[1:]):
        # no framework here names its routes: leave the ENDPOINT column out
        table = [line[:3] + line[4:] for line in table]
    # The last column is left ragged: padding it only adds trailing spaces.
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
    lines: list[str] = []
    for index, line in enumerate(table):
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)] + [line[-1]]
        if index == 0:
            cells = [paint("dim", cell) for cell in cells]
        else:
            # Pad before painting so escape codes do not upset the alignment.
            cells[0] = paint(line[0], cells[0])
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines


def _detail(entry: HandlerEntry, paint: _Painter) -> list[str]:
    handler = entry.handler
    route = f" {handler.route}" if handler.route else ""
    lines = [
        (f"  {paint('stateful', 'stateful')}  {paint('bold', handler.name)}  "
         f"{methods_text(handler)}{route}  {location_text(handler)}"),
        f"    stateful side: {entry.explanation.headline}",
    ]
    for state in entry.states:
        lines.append(f"    - {state.symbol}  {state.role}  [{state.rule}]")
        lines.append(f"      reason: {state.message}")
        lines.append(f"      why: {state.explanation.headline}: {state.explanation.text}")
        if state.chain:
            owner = ("" if state.chain_from in ("", handler.name)
                     else f" (as recorded from {state.chain_from})")
            lines.append(f"      chain{owner}: {chain_text(state.chain)}")
        if state.suggestion:
            lines.append(f"      fix: {state.suggestion}")
    return lines


def render(inventory: Inventory, *, colour: bool = False) -> str:
    """Tables by application, stateful details, self-contained reasoning and a summary."""
    paint = _Painter(colour)
    lines: list[str] = []
    if not inventory.applications:
        lines.append("No request handlers found (no Flask, FastAPI, Django, ... routes in the "
                     "scanned files).")
    lines.extend(f"note: {note}" for note in inventory.result.notes)
    for app in inventory.applications:
        objects = f"  ({', '.join(app.objects)})" if app.objects else ""
        count = len(app.entries)
        lines.append(paint("bold", f"{app.module}{objects}") +
                     f"  {count} handler{'s' if count != 1 else ''}, {app.stateful} stateful")
        lines.extend(_table(inventory.rows(app), inventory, paint))
        lines.append("")
    stateful = [entry for entry in inventory.entries if entry.is_stateful]
    if stateful:
        lines.append(paint("bold", "Stateful handlers"))
        for entry in stateful:
            lines.extend(_detail(entry, paint))
            lines.append("")
    contained = [entry for entry in inventory.entries if not entry.is_stateful]
    if contained:
        lines.append(paint("bold", "Self-contained handlers") +
                     f" ({len(contained)}): none reaches state kept in this process, so each "
                     "request stands on its own and any worker or replica can serve it.")
        lines.append("")
    if inventory.impacts:
        lines.append(paint("bold", "State behind stateful verdicts"))
        for impact in inventory.impacts:
            where = f"  {location_text(impact.definition)}" if impact.definition else ""
            lines.append(f"  {impact_phrase(impact)}{where}")
        lines.append("")
    result = inventory.result
    for problem in result.problems:
        where = f"{problem.path}:{problem.line}" if problem.line else problem.path
        lines.append(f"not scanned: {where}: {problem.message}")
    if result.problems:
        lines.append("")
    lines.append(f"Summary: {inventory.summary_line()}.")
    return _printable("\n".join(lines)) + "\n"


_OWN_CODES = re.compile("|".join(re.escape(code) for code in sorted(set(_STYLES.values()))))


def _printable(text: str) -> str:
    """Escape control characters that came from the scanned tree (a file name, a route),
    keeping the colour codes this module wrote itself."""
    pieces, last = [], 0
    for match in _OWN_CODES.finditer(text):
        pieces += [printable(text[last:match.start()]), match.group()]
        last = match.end()
    pieces.append(printable(text[last:]))
    return "".join(pieces)
