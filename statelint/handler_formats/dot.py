"""The inventory as a Graphviz digraph: handlers clustered by application, edges to state.

Every handler is drawn (self-contained ones in green, stateful ones in red) so
the picture doubles as a map of the service; state objects are cylinders and
each edge is labelled with what the handler does to the state.  Render it with
``dot -Tsvg handlers.dot -o handlers.svg``.
"""

from __future__ import annotations

from statelint.inventory import Inventory, methods_text


def quote(text: str) -> str:
    """A Graphviz double-quoted string: backslashes and quotes escaped, no raw newlines.

    Backslashes are doubled so that a regex route such as ``^items/\\d+/$``
    is shown as written instead of being read as a Graphviz escape.
    """
    text = " ".join(text.split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def label(*lines: str) -> str:
    """A multi-line label: each line quoted as above, joined with Graphviz's ``\\n``."""
    escaped = [quote(line)[1:-1] for line in lines if line]
    return '"' + "\\n".join(escaped) + '"'


def render(inventory: Inventory, *, colour: bool = False) -> str:
    """The inventory as a ``digraph``; ``colour`` is ignored (the graph has its own colours)."""
    lines = [
        "digraph statelint_handlers {",
        "  rankdir=LR;",
        f"  label={quote(inventory.summary_line())};",
        "  labelloc=t;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    state_ids: dict[str, str] = {}
    edges: list[str] = []
    handler_count = 0
    for app_index, app in enumerate(inventory.applications):
        objects = f" ({', '.join(app.objects)})" if app.objects else ""
        lines.append(f"  subgraph cluster_{app_index} {{")
        lines.append(f"    label={quote(app.module + objects)};")
        lines.append('    style=dashed; color="#9e9e9e";')
        for entry in app.entries:
            node = f"h{handler_count}"
            handler_count += 1
            handler = entry.handler
            fill = "#fdecea" if entry.is_stateful else "#e8f5e9"
            request = f"{methods_text(handler)} {handler.route}".strip()
            text = label(handler.name, request, entry.verdict.verdict)
            where = quote(f"{handler.path}:{handler.line}")
            lines.append(f'    {node} [label={text}, fillcolor="{fill}", tooltip={where}];')
            for symbol, symbol_roles in entry.roles_by_state().items():
                target = state_ids.setdefault(symbol, f"s{len(state_ids)}")
                edges.append(f"  {node} -> {target} [label={quote(', '.join(symbol_roles))}];")
        lines.append("  }")
    for symbol, node in state_ids.items():
        lines.append(f'  {node} [label={quote(symbol)}, shape=cylinder, fillcolor="#fff4e5"];')
    lines.extend(edges)
    lines.append("}")
    return "\n".join(lines) + "\n"
