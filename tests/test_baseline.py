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


def test_fingerprint_is_the_rule_and_the_state() -> None:
    base = fingerprint(CARTS)
    assert fingerprint(dataclasses.replace(CARTS, rule="SL102")) != base
    assert fingerprint(dataclasses.replace(CARTS, symbol="shop.services.cart.ORDERS")) != base
    # Who reaches the state, and where the finding points, are not part of it.
    assert fingerprint(dataclasses.replace(CARTS, handlers=("shop.views.checkout",))) == base
    more = ("shop.views.add_to_cart", "shop.views.cart_summary", "shop.views.checkout")
    assert fingerprint(dataclasses.replace(CARTS, handlers=more)) == base
    assert fingerprint(dataclasses.replace(CARTS, path="src/shop/views.py")) == base


def test_fingerprint_of_a_finding_without_symbol_uses_its_file() -> None:
    unnamed = dataclasses.replace(CARTS, symbol="")
    assert fingerprint(unnamed) != fingerprint(dataclasses.replace(unnamed, path="src/other.py"))


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
    assert document["version"] == 2
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
        ('{"version": 0, "tool": "statelint", "entries": []}', "format 0 does not exist"),
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


# -- a baseline over a real application, across everyday edits -------------------------
#
# The shop keeps carts in a module-level dict (SL101) and a maintenance switch in
# app.config (SL701); the baseline is written once, then the code changes the way
# it does between two commits.  Only a change to the state itself may make a
# finding new or an entry removable.

STORE = '''
CARTS: dict[str, list[str]] = {}


def add_to_cart(user_id: str, sku: str) -> list[str]:
    items = CARTS.setdefault(user_id, [])
    items.append(sku)
    return items
'''

VIEWS = '''
from flask import Flask, current_app, jsonify, request

from shop.store import CARTS, add_to_cart

app = Flask(__name__)


@app.post("/carts/<user_id>/items")
def add_item(user_id):
    return jsonify(items=add_to_cart(user_id, request.json["sku"])), 201


@app.post("/maintenance")
def start_maintenance():
    current_app.config["MAINTENANCE"] = True
    return jsonify(ok=True)
'''

READER = '''


@app.get("/carts/<user_id>")
def show_cart(user_id):
    return jsonify(items=CARTS.get(user_id, []))
'''

WRITER = '''


@app.delete("/carts/<user_id>")
def clear_cart(user_id):
    CARTS.pop(user_id, None)
    return "", 204
'''

# A new module whose name sorts before views.py, flipping the maintenance switch too:
# the SL701 finding now points at this file first.
ADMIN = '''
from flask import current_app, jsonify

from shop.views import app


@app.post("/admin/maintenance/off")
def end_maintenance():
    current_app.config["MAINTENANCE"] = False
    return jsonify(ok=True)
'''


def _run(*args: str):
    from click.testing import CliRunner

    from statelint.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _check_against_baseline():
    result = _run("check", "--baseline", "baseline.json", "--format", "json")
    found = sorted((f["rule"], f["symbol"]) for f in json.loads(result.stdout)["findings"])
    return result, found


@pytest.fixture
def baselined_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "store.py").write_text(STORE.lstrip())
    (tmp_path / "shop" / "views.py").write_text(VIEWS.lstrip())
    monkeypatch.chdir(tmp_path)
    written = _run("check", "--write-baseline", "baseline.json")
    assert written.exit_code == 0, written.output
    entries = json.loads((tmp_path / "baseline.json").read_text())["entries"]
    assert sorted((e["rule"], e["symbol"]) for e in entries) == [
        ("SL101", "shop.store.CARTS"), ("SL701", "flask:app.config[MAINTENANCE]")]
    return tmp_path


def _assert_nothing_new(result) -> None:
    assert result.exit_code == 0, result.output
    assert "2 known findings not reported" in result.stderr
    assert "can be removed" not in result.stderr


def test_a_new_handler_that_only_reads_baselined_state_is_not_new(baselined_shop: Path) -> None:
    views = baselined_shop / "shop" / "views.py"
    views.write_text(views.read_text() + READER)
    result, found = _check_against_baseline()
    assert found == []
    _assert_nothing_new(result)
    # The handler was found and is stateful: the verdict is not hidden, only the finding.
    handlers = {h["name"]: h["verdict"] for h in json.loads(result.stdout)["handlers"]}
    assert handlers["show_cart"] == "stateful"


def test_a_new_handler_that_writes_baselined_state_is_not_new(baselined_shop: Path) -> None:
    views = baselined_shop / "shop" / "views.py"
    views.write_text(views.read_text() + WRITER)
    (baselined_shop / "shop" / "admin.py").write_text(ADMIN.lstrip())
    result, found = _check_against_baseline()
    assert found == []
    _assert_nothing_new(result)
    handlers = {h["name"]: h["verdict"] for h in json.loads(result.stdout)["handlers"]}
    assert handlers["clear_cart"] == handlers["end_maintenance"] == "stateful"


def test_shifted_lines_do_not_make_baselined_findings_new(baselined_shop: Path) -> None:
    for name in ("store.py", "views.py"):
        module = baselined_shop / "shop" / name
        module.write_text('"""Shop module."""\n\nimport logging\n\nlog = logging.getLogger(__name__)\n\n'
                          + module.read_text().replace("\n\n\n", "\n\n\n# --\n\n\n"))
    result, found = _check_against_baseline()
    assert found == []
    _assert_nothing_new(result)


def test_renaming_code_around_the_state_keeps_it_known(baselined_shop: Path) -> None:
    # The helper on the chain, the handler, and the module holding the handlers are
    # renamed; the state and the module that defines it stay.
    store = baselined_shop / "shop" / "store.py"
    store.write_text(store.read_text().replace("add_to_cart", "put_in_cart"))
    views = baselined_shop / "shop" / "views.py"
    views.write_text(views.read_text().replace("add_to_cart", "put_in_cart")
                     .replace("def add_item", "def add_line_item"))
    views.rename(baselined_shop / "shop" / "routes.py")
    result, found = _check_against_baseline()
    assert found == []
    _assert_nothing_new(result)
    handlers = {h["name"] for h in json.loads(result.stdout)["handlers"]}
    assert "add_line_item" in handlers


def test_renaming_the_state_itself_is_a_new_finding(baselined_shop: Path) -> None:
    store = baselined_shop / "shop" / "store.py"
    store.write_text(store.read_text().replace("CARTS", "BASKETS"))
    result, found = _check_against_baseline()
    assert result.exit_code == 1
    assert found == [("SL101", "shop.store.BASKETS")]
    assert "1 entry no longer found and can be removed" in result.stderr
    assert "SL101 shop.store.CARTS (shop/store.py)" in result.stderr


def test_a_format_1_baseline_keeps_working_with_one_line_saying_so(baselined_shop: Path) -> None:
    # What the previous format wrote: fingerprints over rule, path, symbol and handlers.
    document = json.loads((baselined_shop / "baseline.json").read_text())
    document["version"] = 1
    for entry in document["entries"]:
        entry["fingerprint"] = "0123456789abcdef0123"  # not recomputable from the file
    (baselined_shop / "baseline.json").write_text(json.dumps(document, indent=2))
    views = baselined_shop / "shop" / "views.py"
    views.write_text(views.read_text() + READER)
    result, found = _check_against_baseline()
    assert found == []
    _assert_nothing_new(result)
    notes = [line for line in result.stderr.splitlines() if "format 1" in line]
    assert notes == [
        "statelint: baseline baseline.json: written in format 1, read as format 2 (fingerprints "
        "no longer include the handlers); rerun with --write-baseline baseline.json to update "
        "the file"]
    rewritten = _run("check", "--write-baseline", "baseline.json")
    assert rewritten.exit_code == 0
    assert json.loads((baselined_shop / "baseline.json").read_text())["version"] == 2
    assert "format 1" not in _check_against_baseline()[0].stderr
