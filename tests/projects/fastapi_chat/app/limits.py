"""Fixed-window request counting.

FIXME: per-process.  With four uvicorn workers a client gets four times the
allowance; move to Redis INCR + EXPIRE.
"""

from __future__ import annotations

from collections import defaultdict

WINDOW_SECONDS = 60

# "<client ip>:<window number>" -> requests seen in that window
HITS: defaultdict[str, int] = defaultdict(int)
