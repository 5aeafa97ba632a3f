"""Prometheus metrics.  Scraped per worker; aggregation happens in Prometheus."""

from prometheus_client import Counter, Histogram

ORDERS_PLACED = Counter("shop_orders_placed_total", "Orders placed", ["region"])
ORDER_LOOKUP_SECONDS = Histogram("shop_order_lookup_seconds", "Time spent loading an order")
PAYMENT_WEBHOOKS = Counter("shop_payment_webhooks_total", "Payment webhooks", ["outcome"])
