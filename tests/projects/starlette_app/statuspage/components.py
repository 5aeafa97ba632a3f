"""The components shown on the status page.  Fixed by deploy, not at run time."""

from enum import Enum


class Health(str, Enum):
    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    OUTAGE = "outage"


COMPONENTS = (
    ("api", "Public API"),
    ("dashboard", "Dashboard"),
    ("webhooks", "Webhook delivery"),
    ("billing", "Billing"),
)
COMPONENT_KEYS = frozenset(key for key, _ in COMPONENTS)
