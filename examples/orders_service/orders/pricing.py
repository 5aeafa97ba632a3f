"""Prices and discounts. The discount table is read-only; the coupon ledger is not."""

VAT_RATES = {"DE": 0.19, "FR": 0.20, "NL": 0.21}
DISCOUNTS = {}
for code, percent in (("WELCOME10", 10), ("SPRING5", 5)):
    DISCOUNTS[code] = percent

# Coupons already redeemed, so that each can be used once.
REDEEMED_COUPONS = set()


def price_with_vat(net: float, country: str) -> float:
    return round(net * (1 + VAT_RATES.get(country, 0.0)), 2)


def redeem(coupon: str, net: float) -> float:
    if coupon in REDEEMED_COUPONS:
        raise ValueError("coupon already used")
    REDEEMED_COUPONS.add(coupon)
    return net * (100 - DISCOUNTS.get(coupon, 0)) / 100
