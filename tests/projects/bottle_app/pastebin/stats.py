"""View counters.  Resets on every deploy and differs per worker."""

from __future__ import annotations

from collections import defaultdict

VIEW_COUNTS: defaultdict[str, int] = defaultdict(int)


def count_view(paste_id: str) -> None:
    VIEW_COUNTS[paste_id] += 1


def top(n: int = 10) -> list[tuple[str, int]]:
    return sorted(VIEW_COUNTS.items(), key=lambda item: item[1], reverse=True)[:n]
