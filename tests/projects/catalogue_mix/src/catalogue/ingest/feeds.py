"""Supplier feed definitions, loaded once at start-up."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

FEEDS_FILE = Path(__file__).with_name("feeds.toml")


@dataclass(frozen=True)
class Feed:
    name: str
    url: str
    format: str = "csv"


def load_feeds(path: Path = FEEDS_FILE) -> dict[str, Feed]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    return {name: Feed(name=name, **spec) for name, spec in raw.get("feeds", {}).items()}
