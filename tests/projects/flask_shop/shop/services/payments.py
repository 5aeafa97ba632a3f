"""Talks to the payment provider over HTTPS."""

from __future__ import annotations

import hashlib
import hmac
import os

import requests

PROVIDER_URL = os.environ.get("PAYMENTS_URL", "https://payments.example.com/v2")
WEBHOOK_SECRET = os.environ.get("PAYMENTS_WEBHOOK_SECRET", "").encode()

# One pooled HTTP session per process; it carries no per-customer data.
http = requests.Session()
http.headers.update({"User-Agent": "flask-shop/2"})


def signature_ok(body: bytes, signature: str) -> bool:
    expected = hmac.new(WEBHOOK_SECRET, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def confirm_charge(charge_id: str) -> bool:
    response = http.get(f"{PROVIDER_URL}/charges/{charge_id}", timeout=5)
    response.raise_for_status()
    return response.json().get("status") == "succeeded"
