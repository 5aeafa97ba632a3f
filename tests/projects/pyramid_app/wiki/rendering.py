"""Markdown rendering with a memo of rendered pages (per process)."""

from __future__ import annotations

import markdown

_EXTENSIONS = ("fenced_code", "tables", "toc")

_RENDERED: dict[str, str] = {}


def render_page(title: str, source: str) -> str:
    html = _RENDERED.get(title)
    if html is None:
        html = markdown.markdown(source, extensions=list(_EXTENSIONS))
        _RENDERED[title] = html
    return html


def forget(title: str | None = None) -> int:
    if title is None:
        count = len(_RENDERED)
        _RENDERED.clear()
        return count
    return 1 if _RENDERED.pop(title, None) is not None else 0
