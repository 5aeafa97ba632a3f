"""Shopping carts, keyed by the browser's session id.

TODO(shop-212): move to Redis before we scale past one worker.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

_lock = threading.Lock()

# session id -> {product id -> quantity}
CARTS: dict[str, dict[int, int]] = {}


@dataclass(frozen=True)
class CartLine:
    product_id: int
    quantity: int


def _cart_for(session_id: str) -> dict[int, int]:
    with _lock:
        return CARTS.setdefault(session_id, {})


def _set_quantity(session_id: str, product_id: int, quantity: int) -> None:
    lines = _cart_for(session_id)
    if quantity <= 0:
        lines.pop(product_id, None)
    else:
        lines[product_id] = quantity


def add(session_id: str, product_id: int, quantity: int = 1) -> int:
    current = contents(session_id).get(product_id, 0)
    _set_quantity(session_id, product_id, current + quantity)
    log.debug("cart %s: product %s -> %s", session_id, product_id, current + quantity)
    return current + quantity


def remove(session_id: str, product_id: int) -> None:
    _set_quantity(session_id, product_id, 0)


def contents(session_id: str) -> dict[int, int]:
    return dict(CARTS.get(session_id, {}))


def lines(session_id: str) -> list[CartLine]:
    return [CartLine(pid, qty) for pid, qty in contents(session_id).items()]


def clear(session_id: str) -> None:
    with _lock:
        CARTS.pop(session_id, None)
