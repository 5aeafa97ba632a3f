"""Catalogue constants and pure pricing helpers.

Everything here is fixed once the module has been imported.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

PRODUCT_TYPES: dict[str, dict[str, object]] = {
    "book": {"label": "Books", "taxable": False, "ships": True},
    "ebook": {"label": "E-books", "taxable": True, "ships": False},
    "poster": {"label": "Posters", "taxable": True, "ships": True},
    "giftcard": {"label": "Gift cards", "taxable": False, "ships": False},
}

_REGION_RATES = [
    ("DE", "0.19"),
    ("FR", "0.20"),
    ("NL", "0.21"),
    ("GB", "0.20"),
    ("US", "0.00"),
]

# Filled once at import time; read-only afterwards.
TAX_BY_REGION: dict[str, Decimal] = {}
for _region, _rate in _REGION_RATES:
    TAX_BY_REGION[_region] = Decimal(_rate)

SKU_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,6}$")


@lru_cache(maxsize=512)
def shipping_cost(weight_grams: int, region: str) -> Decimal:
    """Price a parcel from its weight; depends on nothing but the arguments."""
    base = Decimal("4.90") if region in ("DE", "NL", "FR") else Decimal("11.50")
    extra_kilos = max(0, (weight_grams - 1000 + 999) // 1000)
    return base + Decimal("1.20") * extra_kilos


def tax_rate(region: str, kind: str) -> Decimal:
    if not PRODUCT_TYPES.get(kind, {}).get("taxable"):
        return Decimal("0")
    return TAX_BY_REGION.get(region, Decimal("0"))
