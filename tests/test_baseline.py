"""The baseline file: fingerprints, writing, loading and matching."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path

import pytest

from statelint import __version__
from statelint.baseline import (
    Baseline,
    BaselineError,
    apply_baseline,
    fingerprint,
    load_baseline,
    with_fingerprint,
    write_baseline,
)
from statelint.model import Finding, Location


def finding(
    *,
    symbol: str = "shop.services.cart.CARTS",
    path: str = "src/shop/services/cart.py",
    line: int = 7,
    rule: str = "SL101",
    handlers: tuple[str, ...] = ("shop.views.add_to_cart",),
    message: str = "add_to_cart mutates module-level dict CARTS",
) -> Finding:
    return Finding(
        rule=rule,
        name="mutable-module-state",
        severity="error",
        path=path,
        line=line,
        column=0,
        end_line=line,
        end_column=20,
        message=message,
        symbol=symbol,
        suggestion="keep carts in Redis keyed by session id",
        handlers=handlers,
        related=(Location("src/shop/views.py", 18, 4, "mutated here"),),
    )


CARTS = finding()
SESSIONS = finding(
    symbol="shop.auth.SESSIONS",
    path="src/shop/auth.py",
    line=12,
    handlers=("shop.views.login", "shop.views.logout"),
    message="login writes module-level dict SESSIONS",
)
RATE = finding(
    rule="SL201",
    symbol="shop.api.rate_limit._hits",
    path="src/shop/api/rate_limit.py",
    line=3,
    handlers=("shop.api.orders.create_order",),
    message="create_order counts requests in process memory",
)


# -- fingerprints -------------------------------------------------------------------


def test_fingerprint_ignores_lines_columns_and_handler_order() -> None:
    moved = dataclasses.replace(CARTS, line=40, column=4, end_line=40, message="reworded")
    assert fingerprint(moved) == fingerprint(CARTS)
    reordered = dataclasses.replace(SESSIONS, handlers=("shop.views.logout", "shop.views.login"))
    assert fingerprint(reordered) == fingerprint(SESSIONS)
    assert len(fingerprint(CARTS)) == 20 and int(fingerprint(CARTS), 16) >= 0


def test_fingerprint_changes_with_rule_path_symbol_or_handlers() -> None:
    base = fingerprint(CARTS)
    assert fingerprint(dataclasses.replace(CARTS, rule="SL102")) != base
    assert fingerprint(dataclasses.replace(CARTS, path="src/shop/cart.py")) != base
    assert fingerprint(dataclasses.replace(CARTS, symbol="shop.services.cart.ORDERS")) != base
    assert fingerprint(dataclasses.replace(CARTS, handlers=("shop.views.checkout",))) != base


def test_with_fingerprint_fills_the_field_once() -> None:
    filled = with_fingerprint(CARTS)
    assert filled.fingerprint == fingerprint(CARTS)
    assert with_fingerprint(filled) is filled


# -- writing and loading ------------------------------------------------------------


def test_write_then_load_round_trips_sorted_and_deterministic(tmp_path: Path) -> None:
    target = tmp_path / ".statelint-baseline.json"
    assert write_baseline(target, [RATE, SESSIONS, CARTS]) == 3
    first = target.read_bytes()
    write_baseline(target, [CARTS, RATE, SESSIONS])
    assert target.read_bytes() == first
    document = json.loads(first)
    assert document["version"] == 1
    assert document["tool"] == "statelint" and document["tool_version"] == __version__
    assert [entry["path"] for entry in document["entries"]] == [
        "src/shop/api/rate_limit.py",
        "src/shop/auth.py",
        "src/shop/services/cart.py",
    ]
    assert document["entries"][1] == {
        "fingerprint": fingerprint(SESSIONS),
        "rule": "SL101",
        "path": "src/shop/auth.py",
        "symbol": "shop.auth.SESSIONS",
        "handler": "shop.views.login",
        "message": "login writes module-level dict SESSIONS",
    }
    baseline = load_baseline(target)
    assert isinstance(baseline, Baseline)
    assert {entry.fingerprint for entry in baseline.entries} == {
        fingerprint(f) for f in (CARTS, SESSIONS, RATE)
    }
    assert "line" not in first.decode()


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "ci" / "baseline.json"
    write_baseline(target, [CARTS])
    write_baseline(target, [CARTS, SESSIONS])
    assert sorted(p.name for p in target.parent.iterdir()) == ["baseline.json"]
    mode = stat.S_IMODE(target.stat().st_mode)
    assert mode & 0o044, "a committed baseline must be readable by others, as the umask allows"


def test_write_into_unwritable_place_is_a_baseline_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(BaselineError, match="cannot write baseline"):
        write_baseline(blocker / "baseline.json", [CARTS])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "baseline file not found"),
        (
            '{"version": 1, "tool": "statelint", "entries": [',
            "not valid JSON (Expecting value at line 1",
        ),
        ('{"name": "shop", "dependencies": {"flask": "^3.0"}}', "not a statelint baseline"),
        ("[1, 2, 3]", "not a statelint baseline"),
        ('{"version": 9, "tool": "statelint", "entries": []}', "format 9 is newer"),
        ('{"version": "1", "tool": "statelint", "entries": []}', 'no integer "version"'),
        ('{"version": 1, "tool": "statelint", "entries": {}}', '"entries" must be a list'),
        (
            '{"version": 1, "tool": "statelint", "entries": [{"rule": "SL101"}]}',
            'entry 1 has no "fingerprint"',
        ),
        (
            '{"version": 1, "tool": "statelint", "entries": [{"fingerprint": "ab", "path": 3}]}',
            '"path" must be a string',
        ),
    ],
)
def test_bad_baselines_give_one_line_errors_naming_the_file(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    target = tmp_path / "baseline.json"
    if content is not None:
        target.write_text(content)
    with pytest.raises(BaselineError) as caught:
        load_baseline(target)
    message = str(caught.value)
    assert message.startswith(str(target) + ": ")
    assert expected in message and "\n" not in message


def test_binary_and_directory_baselines_are_errors(tmp_path: Path) -> None:
    binary = tmp_path / "baseline.json"
    binary.write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(BaselineError, match="not UTF-8"):
        load_baseline(binary)
    with pytest.raises(BaselineError, match="is a directory"):
        load_baseline(tmp_path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_baseline_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    write_baseline(target, [CARTS])
    target.chmod(0)
    with pytest.raises(BaselineError, match="cannot read baseline"):
        load_baseline(target)


# -- applying ---------------------------------------------------------------------------


def test_known_findings_are_matched_even_after_moving(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    write_baseline(target, [CARTS, SESSIONS])
    moved_carts = dataclasses.replace(CARTS, line=52)
    new, matched, removable = apply_baseline([moved_carts, SESSIONS, RATE], load_baseline(target))
    assert new == [RATE]
    assert matched == [moved_carts, SESSIONS]
    assert removable == []


def test_fixed_findings_leave_removable_entries(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    write_baseline(target, [CARTS, SESSIONS])
    new, matched, removable = apply_baseline([CARTS], load_baseline(target))
    assert new == [] and matched == [CARTS]
    assert [entry.symbol for entry in removable] == ["shop.auth.SESSIONS"]


def test_duplicate_fingerprints_are_counted(tmp_path: Path) -> None:
    # Two mutation sites of CARTS in the same handler: identical fingerprints.
    second_site = dataclasses.replace(CARTS, line=9, message="add_to_cart appends to CARTS")
    target = tmp_path / "baseline.json"
    write_baseline(target, [CARTS, second_site])
    baseline = load_baseline(target)
    assert len(baseline.entries) == 2

    third_site = dataclasses.replace(CARTS, line=11)
    new, matched, removable = apply_baseline([CARTS, second_site, third_site], baseline)
    assert matched == [CARTS, second_site] and new == [third_site] and removable == []

    new, matched, removable = apply_baseline([CARTS], baseline)
    assert matched == [CARTS] and new == [] and len(removable) == 1


def test_prefilled_fingerprint_field_is_used(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    write_baseline(target, [with_fingerprint(CARTS)])
    new, matched, _ = apply_baseline(
        [with_fingerprint(dataclasses.replace(CARTS, line=70))], load_baseline(target)
    )
    assert new == [] and len(matched) == 1


def test_entries_outside_the_scanned_scope_are_not_removable(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    write_baseline(target, [CARTS, SESSIONS, RATE])
    # The run only scanned src/shop/services and src/shop/api.
    _, _, removable = apply_baseline(
        [CARTS],
        load_baseline(target),
        in_scope=lambda entry: entry.path.startswith(("src/shop/services/", "src/shop/api/")),
    )
    assert [entry.symbol for entry in removable] == ["shop.api.rate_limit._hits"]
