"""The knowledge tables under rules/ keep the shape the engine reads.

``tests/tables.schema.json`` holds one JSON Schema per table: which sections and keys
exist, which are required, and the type of each value (lists of names, tables of
framework facts).  A key misspelt, dropped or given the wrong type in a table fails here
instead of silently switching a rule off.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = json.loads((Path(__file__).parent / "tables.schema.json").read_text(encoding="utf-8"))
TABLES = sorted(path.stem for path in (ROOT / "rules").glob("*.toml"))


def test_every_table_has_a_schema_and_every_schema_a_table() -> None:
    assert sorted(SCHEMAS) == TABLES


@pytest.mark.parametrize("name", TABLES)
def test_table_matches_its_schema(name: str) -> None:
    table = tomllib.loads((ROOT / "rules" / f"{name}.toml").read_text(encoding="utf-8"))
    jsonschema.validate(table, SCHEMAS[name])


def test_a_misspelt_key_is_caught() -> None:
    table = tomllib.loads((ROOT / "rules" / "apis.toml").read_text(encoding="utf-8"))
    table["containers"]["mutator"] = table["containers"].pop("mutators")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(table, SCHEMAS["apis"])


def test_the_engine_reads_the_tables_it_ships() -> None:
    from statelint.facts import MUTATING_METHODS
    from statelint.knowledge import api_list

    # one home for what counts as a change: the facts record exactly the table's methods
    assert MUTATING_METHODS == frozenset(api_list("containers", "mutators")) | frozenset(
        api_list("containers", "recorded"))
