"""Order placement and lookup, all in the database."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ..catalog import shipping_cost, tax_rate
from ..db import SessionLocal
from ..models import Order, OrderLine, OrderStatus, Product


def place_order(customer_id: int | None, quantities: dict[int, int], region: str) -> Order:
    products = SessionLocal.scalars(select(Product).where(Product.id.in_(quantities))).all()
    total = Decimal("0")
    weight = 0
    order = Order(customer_id=customer_id, total=Decimal("0"))
    for product in products:
        qty = quantities[product.id]
        rate = tax_rate(region, product.kind)
        total += product.price * qty * (1 + rate)
        weight += product.weight_grams * qty
        order.lines.append(OrderLine(product_id=product.id, quantity=qty, unit_price=product.price))
    order.total = (total + shipping_cost(weight, region)).quantize(Decimal("0.01"))
    SessionLocal.add(order)
    SessionLocal.commit()
    return order


def get_order(order_id: int) -> Order | None:
    return SessionLocal.get(Order, order_id)


def mark_paid(order_id: int) -> bool:
    order = SessionLocal.get(Order, order_id)
    if order is None or order.status is not OrderStatus.PENDING:
        return False
    order.status = OrderStatus.PAID
    SessionLocal.commit()
    return True
