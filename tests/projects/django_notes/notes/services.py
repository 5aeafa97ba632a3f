"""Note helpers that do not belong on the model.

Autosaved drafts and "recently viewed" are kept in memory to avoid a write per
keystroke.  That only works while the site runs as a single process.
"""

from __future__ import annotations

import time
from collections import deque

from django.db.models import Count, Q

from .models import Note

RECENT_PER_USER = 20

# (user id, note id) -> (saved at, body)
_DRAFTS: dict[tuple[int, int], tuple[float, str]] = {}

# user id -> most recently opened note ids, newest first
RECENTLY_VIEWED: dict[int, deque[int]] = {}


def save_draft(user_id: int, note_id: int, body: str) -> float:
    saved_at = time.time()
    _DRAFTS[(user_id, note_id)] = (saved_at, body)
    return saved_at


def pending_draft(user_id: int, note_id: int) -> dict | None:
    entry = _DRAFTS.get((user_id, note_id))
    if entry is None:
        return None
    saved_at, body = entry
    return {"saved_at": saved_at, "body": body}


def record_view(user_id: int, note_id: int) -> None:
    seen = RECENTLY_VIEWED.setdefault(user_id, deque(maxlen=RECENT_PER_USER))
    if note_id in seen:
        seen.remove(note_id)
    seen.appendleft(note_id)


def recent_note_ids(user_id: int) -> list[int]:
    return list(RECENTLY_VIEWED.get(user_id, ()))


def visible_to(user):
    return Note.objects.filter(Q(owner=user) | Q(visibility="public"))


def stats_for(user) -> dict:
    mine = Note.objects.filter(owner=user)
    per_category = dict(mine.values_list("category").annotate(n=Count("id")))
    return {"total": mine.count(), "pinned": mine.filter(pinned=True).count(), "by_category": per_category}
