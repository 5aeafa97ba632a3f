"""Pure text helpers."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1024)
def slugify(title: str) -> str:
    """Same input, same output: safe to memoise in every worker."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return _NON_WORD.sub("-", ascii_title.lower()).strip("-")[:80]
