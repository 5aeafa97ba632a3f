"""Click counting.  Flushed to Postgres by nobody yet (see ISSUE-41)."""

from __future__ import annotations

from collections import Counter

HIT_COUNTS: Counter[str] = Counter()


def record_hit(code: str) -> int:
    HIT_COUNTS[code] += 1
    return HIT_COUNTS[code]


def hits_for(code: str) -> int:
    return HIT_COUNTS.get(code, 0)
