"""Generated Python programs that LibCST parses, for property tests of the parse stage."""

from __future__ import annotations

import hypothesmith
import libcst as cst
from conftest import examples
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Bounded so the suite stays fast on a shared machine (seed and database: the
#: profile in ``conftest.py``).
GENERATED = settings(max_examples=examples(40), suppress_health_check=list(HealthCheck))


def _parses(source: str) -> bool:
    try:
        cst.parse_module(source)
    except Exception:  # noqa: BLE001 - the grammar can produce what LibCST refuses
        return False
    return True


def libcst_programs() -> st.SearchStrategy[str]:
    """Programs from Python's grammar (hypothesmith) that LibCST can parse."""
    return hypothesmith.from_grammar().filter(_parses)
