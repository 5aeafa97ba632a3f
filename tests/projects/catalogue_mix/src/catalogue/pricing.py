"""Price lookups with manual overrides set by merchandisers."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from .db import SessionLocal
from .models import Product


class PriceBook:
    # Shared by every PriceBook instance in the process (and only this process).
    _overrides: dict[str, Decimal] = {}
    currency = "EUR"

    def override(self, sku: str, price: Decimal) -> None:
        self._overrides[sku] = price

    def price_for(self, sku: str) -> Decimal | None:
        if sku in self._overrides:
            return self._overrides[sku]
        with SessionLocal() as db:
            return db.scalar(select(Product.price).where(Product.sku == sku))

    @classmethod
    def clear_overrides(cls) -> None:
        cls._overrides.clear()
