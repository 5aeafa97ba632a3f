"""Stock held for orders that have not been paid yet.

Held here instead of in the database so checkout stays fast; released by the
payment callback.  Only correct while the service runs as one process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Hold:
    sku: str
    quantity: int
    created: float = field(default_factory=time.time)


RESERVATIONS: dict[int, list[Hold]] = {}


def hold(order_id: int, lines: list[tuple[str, int]]) -> list[Hold]:
    holds = [Hold(sku, qty) for sku, qty in lines]
    RESERVATIONS[order_id] = holds
    return holds


def held_quantity(sku: str) -> int:
    return sum(h.quantity for holds in RESERVATIONS.values() for h in holds if h.sku == sku)
