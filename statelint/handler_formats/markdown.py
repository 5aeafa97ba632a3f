"""The inventory as Markdown for a pull-request comment or a docs page.

One table per application, the reasons behind each stateful verdict, and a
Mermaid ``graph LR`` from stateful handlers to the state they depend on, which
GitHub and GitLab draw in place.  Names, routes and paths go in code spans (a
Django route such as ``<int:pk>/`` would otherwise be read as an HTML tag);
Mermaid labels are quoted and their special characters written as entity codes.
"""

from __future__ import annotations

import re

from statelint.inventory import (
    HandlerEntry,
    Inventory,
    RouteRow,
    impact_phrase,
    location_text,
    methods_text,
)

_BACKTICK_RUN = re.compile(r"`+")


def code(text: str) -> str:
    """``text`` as a code span, whatever backticks it holds."""
    if not text:
        return ""
    longest = max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def prose(text: str) -> str:
    """Plain text that keeps its code spans but cannot open HTML tags or break lines."""
    parts = re.split(r"(`[^`]*`)", " ".join(text.split()))
    return "".join(
        part if part.startswith("`") and part.endswith("`") and len(part) > 1
        else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for part in parts
    )


def cell(text: str) -> str:
    """A table cell: a pipe would end the cell early, even inside a code span."""
    return text.replace("|", "\\|")


def mermaid_label(text: str) -> str:
    """A label for a quoted Mermaid node: special characters as Mermaid entity codes."""
    text = " ".join(text.split())
    # ``#`` first: every other replacement introduces one.
    for char, entity in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"),
                         ("&", "#amp;"), ("`", "#96;")):
        text = text.replace(char, entity)
    return text


def _table(rows: list[RouteRow], inventory: Inventory) -> list[str]:
    lines = [
        "| Verdict | Methods | Route | Endpoint | Handler | Framework | Location | State |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        entry, handler = row.entry, row.handler
        verdict = "**stateful**" if entry.is_stateful else "self-contained"
        states = ", ".join(f"{code(state.name)} ({state.role})" for state in entry.states)
        cells = [verdict, inventory.methods_text(row), code(row.route.path) or "-",
                 code(row.route.endpoint), code(handler.name), handler.framework,
                 code(location_text(handler)), states]
        lines.append("| " + " | ".join(cell(item) for item in cells) + " |")
    return lines


def _reasons(entry: HandlerEntry) -> list[str]:
    handler = entry.handler
    request = f"{methods_text(handler)} {code(handler.route)}".strip()
    lines = [(f"- {code(handler.name)} ({request}, {code(location_text(handler))}) is on the "
              f"stateful side: {prose(entry.explanation.headline)}.")]
    for state in entry.states:
        lines.append(f"  - {code(state.symbol)} ({state.role}, {state.rule}): "
                     f"{prose(state.explanation.text)}.")
        if state.chain:
            steps = " → ".join(code(step.message.removeprefix("calls ")) for step in state.chain)
            owner = ("" if state.chain_from in ("", handler.name)
                     else f" (as recorded from {code(state.chain_from)})")
            lines.append(f"    Chain{owner}: {steps}")
        if state.suggestion:
            lines.append(f"    Fix: {prose(state.suggestion)}")
    return lines


def mermaid(inventory: Inventory) -> list[str]:
    """A ``graph LR`` of stateful handlers (grouped by application) to their state."""
    lines = ["```mermaid", "graph LR"]
    state_ids: dict[str, str] = {}
    edges: list[str] = []
    handler_ids: list[str] = []
    for app_index, app in enumerate(inventory.applications):
        stateful = [entry for entry in app.entries if entry.is_stateful]
        if not stateful:
            continue
        lines.append(f'  subgraph app{app_index}["{mermaid_label(app.module)}"]')
        for entry in stateful:
            node = f"h{len(handler_ids)}"
            handler_ids.append(node)
            handler = entry.handler
            route = f" {handler.route}" if handler.route else ""
            label = mermaid_label(f"{handler.name}") + "<br/>" + mermaid_label(
                f"{methods_text(handler)}{route}")
            lines.append(f'    {node}["{label}"]')
            for symbol, symbol_roles in entry.roles_by_state().items():
                target = state_ids.setdefault(symbol, f"s{len(state_ids)}")
                edges.append(f'  {node} -->|"{mermaid_label(", ".join(symbol_roles))}"| {target}')
        lines.append("  end")
    for symbol, node in state_ids.items():
        lines.append(f'  {node}[("{mermaid_label(symbol)}")]')
    lines.extend(edges)
    if handler_ids:
        lines.append("  classDef stateful fill:#fdecea,stroke:#c62828")
        lines.append("  classDef state fill:#fff4e5,stroke:#ef6c00")
        lines.append(f"  class {','.join(handler_ids)} stateful")
        lines.append(f"  class {','.join(state_ids.values())} state")
    lines.append("```")
    return lines


def render(inventory: Inventory, *, colour: bool = False) -> str:
    """The inventory as a Markdown document; ``colour`` is ignored."""
    lines = ["## statelint: request handlers", "", f"**{prose(inventory.summary_line())}.**", ""]
    if not inventory.applications:
        lines += ["No request handlers found in the scanned files.", ""]
    if inventory.result.notes:
        lines += [*(f"> {prose(note)}" for note in inventory.result.notes), ""]
    for app in inventory.applications:
        objects = f" ({', '.join(code(obj) for obj in app.objects)})" if app.objects else ""
        lines += [f"### {code(app.module)}{objects}", "", *_table(inventory.rows(app), inventory), ""]
    stateful = [entry for entry in inventory.entries if entry.is_stateful]
    if stateful:
        lines += ["### Why these handlers are stateful", ""]
        for entry in stateful:
            lines += _reasons(entry)
        lines.append("")
        lines += ["### Handlers and the state they depend on", "", *mermaid(inventory), ""]
        if inventory.self_contained:
            lines += [(f"{inventory.self_contained} self-contained handler"
                   f"{'s are' if inventory.self_contained != 1 else ' is'} not drawn."), ""]
    if inventory.self_contained:
        lines += [("Self-contained handlers reach no state kept in this process: each request "
                   "stands on its own and any worker or replica can serve it."), ""]
    if inventory.impacts:
        lines += ["### Where to start", ""]
        lines += [f"- {prose(impact_phrase(impact))}" for impact in inventory.impacts]
        lines.append("")
    for problem in inventory.result.problems:
        lines.append(f"- not scanned: {code(problem.path)}: {prose(problem.message)}")
    if inventory.result.problems:
        lines.append("")
    return "\n".join(lines)
