"""Suggested tags per note category, built once when the module is imported."""

from collections import defaultdict

_SUGGESTED = [
    ("todo", "work"),
    ("meeting", "work"),
    ("standup", "work"),
    ("recipe", "home"),
    ("groceries", "home"),
    ("book", "reading"),
    ("paper", "reading"),
    ("idea", "general"),
]

TAGS_BY_CATEGORY: defaultdict[str, list[str]] = defaultdict(list)
for _tag, _category in _SUGGESTED:
    TAGS_BY_CATEGORY[_category].append(_tag)


def suggestions_for(category: str) -> list[str]:
    # .get, not [...]: indexing a defaultdict with a new key would insert it.
    return sorted(TAGS_BY_CATEGORY.get(category, []))
