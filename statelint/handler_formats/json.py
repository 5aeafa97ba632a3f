"""The inventory as JSON.

``handlers`` uses the field names of the JSON contract's handler objects (the
same ``handler_dict`` as ``statelint check --format json``, so ``reasons`` are
identical in both) and adds the inventory's detail: the application, each state
the handler depends on with this handler's role and chain, and the side of the
stateless-versus-stateful comparison the verdict falls on.
"""

from __future__ import annotations

import json
from typing import Any

from statelint import __version__
from statelint.inventory import Explanation, HandlerEntry, Inventory, StateDependency
from statelint.reporters.json import handler_dict, location_dict


def explanation_dict(explanation: Explanation) -> dict[str, str]:
    """A comparison side as plain data: side, point key, point in words, and why."""
    return {
        "side": explanation.side,
        "point": explanation.point,
        "headline": explanation.headline,
        "text": explanation.text,
    }


def state_dict(state: StateDependency) -> dict[str, Any]:
    """One piece of state a handler depends on."""
    return {
        "symbol": state.symbol,
        "rule": state.rule,
        "severity": state.severity,
        "how": state.how,
        "role": state.role,
        "message": state.message,
        "definition": location_dict(state.definition) if state.definition else None,
        "chain": [location_dict(step) for step in state.chain],
        "chain_from": state.chain_from,
        "explanation": explanation_dict(state.explanation),
        "suggestion": state.suggestion,
    }


def ordered(inventory: Inventory) -> list[HandlerEntry]:
    """Handlers in application order, each application's in the order of its first row."""
    entries: list[HandlerEntry] = []
    for app in inventory.applications:
        for row in inventory.rows(app):
            if row.entry not in entries:
                entries.append(row.entry)
    return entries


def entry_dict(entry: HandlerEntry, all_methods: bool = False) -> dict[str, Any]:
    """A handler as in the JSON contract, plus application, app object, states and side.

    Each route carries ``all_methods`` as well: its methods and those the framework
    adds by itself (listed apart in ``added_methods``).
    """
    data = handler_dict(entry.verdict)
    for route in data["routes"]:
        route["all_methods"] = [*route["methods"], *route["added_methods"]]
    if all_methods:
        data["methods"] = data["routes"][0]["all_methods"]
    data.update({
        "application": entry.application,
        "app": entry.handler.app,
        "app_object": entry.app_object,
        "states": [state_dict(state) for state in entry.states],
        "comparison": explanation_dict(entry.explanation),
    })
    return data


def inventory_dict(inventory: Inventory) -> dict[str, Any]:
    """The whole inventory as plain data."""
    result = inventory.result
    return {
        "version": __version__,
        "handlers": [entry_dict(entry, inventory.all_methods) for entry in ordered(inventory)],
        "applications": [
            {
                "module": app.module,
                "objects": list(app.objects),
                "handlers": len(app.entries),
                "stateful_handlers": app.stateful,
            }
            for app in inventory.applications
        ],
        "states": [
            {
                "symbol": impact.symbol,
                "definition": location_dict(impact.definition) if impact.definition else None,
                "handlers": list(impact.handlers),
                "frees": list(impact.frees),
            }
            for impact in inventory.impacts
        ],
        "notes": list(result.notes),
        "problems": [
            {"path": p.path, "line": p.line, "column": p.column, "message": p.message,
             "kind": p.kind}
            for p in result.problems
        ],
        "summary": {
            "files_scanned": result.files_scanned,
            "files_skipped": result.files_skipped,
            "files_failed": result.files_failed,
            "folders_skipped": result.folders_skipped,
            "handlers": inventory.total,
            "stateful_handlers": inventory.stateful,
            "self_contained_handlers": inventory.self_contained,
            "findings": len(result.findings),
            "text": inventory.summary_line(),
        },
    }


def render(inventory: Inventory, *, colour: bool = False) -> str:
    """Indented JSON; ``colour`` is accepted for a uniform signature and ignored."""
    return json.dumps(inventory_dict(inventory), indent=2, ensure_ascii=False) + "\n"
