"""Inline ``# statelint: ignore`` comments: parsing, applying, and finding unused ones."""

from __future__ import annotations

import pytest

from statelint.model import Finding, Location, Suppression
from statelint.suppress import (
    apply_suppressions,
    parse_suppression_comment,
    suppression_matches,
    unused_suppressions,
)

CART = "src/shop/services/cart.py"
VIEWS = "src/shop/views.py"


def cart_finding(
    *,
    rule: str = "SL101",
    name: str = "mutable-module-state",
    path: str = VIEWS,
    line: int = 18,
    definition: tuple[str, int] | None = (CART, 7),
) -> Finding:
    """A finding about shop.services.cart.CARTS, mutated by the add_to_cart view."""
    related: tuple[Location, ...] = (Location(VIEWS, 12, 0, "handler add_to_cart entry point"),)
    if definition is not None:
        related = (Location(definition[0], definition[1], 0, "defined here: CARTS = {}"), *related)
    return Finding(
        rule=rule,
        name=name,
        severity="error",
        path=path,
        line=line,
        column=4,
        end_line=line,
        end_column=40,
        message="add_to_cart mutates module-level dict shop.services.cart.CARTS",
        symbol="shop.services.cart.CARTS",
        suggestion="keep carts in Redis keyed by session id",
        handlers=("shop.views.add_to_cart",),
        related=related,
    )


# -- parsing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# statelint: ignore", ()),
        ("# statelint: ignore[SL101]", ("SL101",)),
        ("# statelint: ignore[SL101, SL2]", ("SL101", "SL2")),
        ("#statelint:ignore[sl101]", ("SL101",)),
        (
            "#  StateLint : IGNORE [ sl101 ,mutable-module-state ]",
            ("SL101", "mutable-module-state"),
        ),
        ("# type: ignore  # statelint: ignore[SL201]", ("SL201",)),
        ("# statelint: ignore[SL101] -- carts are per-kiosk", ("SL101",)),
        ("# statelint: ignore[]", ()),
        ("# statelint: ignore[SL101,SL101]", ("SL101",)),
    ],
)
def test_parse_recognises_statelint_ignores(text: str, expected: tuple[str, ...]) -> None:
    assert parse_suppression_comment(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "# noqa",
        "# noqa: SL101",
        "# type: ignore[assignment]",
        "# statelint: ignored because of the lock",
        "# statelint: ignore-file",
        "# pylint: disable=global-statement",
        "# statelint is great",
        "statelint: ignore",  # not a comment
    ],
)
def test_parse_rejects_comments_that_are_not_ours(text: str) -> None:
    assert parse_suppression_comment(text) is None


def test_suppression_matches_code_prefix_and_name() -> None:
    finding = cart_finding()
    assert suppression_matches((), finding)
    assert suppression_matches(("SL101",), finding)
    assert suppression_matches(("SL1",), finding)
    assert suppression_matches(("mutable-module-state",), finding)
    assert not suppression_matches(("SL2", "process-local-cache"), finding)
    assert not suppression_matches(("SL1011",), finding)


# -- applying -----------------------------------------------------------------


def test_comment_on_the_finding_line_suppresses_it() -> None:
    finding = cart_finding(definition=None)
    kept, used = apply_suppressions([finding], {VIEWS: (Suppression(18, ("SL101",)),)})
    assert kept == [] and used == {(VIEWS, 18)}


def test_comment_for_another_rule_does_not_suppress() -> None:
    finding = cart_finding(definition=None)
    kept, used = apply_suppressions([finding], {VIEWS: (Suppression(18, ("SL201",)),)})
    assert kept == [finding] and used == set()


def test_comment_on_the_definition_suppresses_findings_in_other_files() -> None:
    in_views = cart_finding()
    in_checkout = cart_finding(path="src/shop/checkout.py", line=33)
    kept, used = apply_suppressions(
        [in_views, in_checkout], {CART: (Suppression(7, ("mutable-module-state",)),)}
    )
    assert kept == [] and used == {(CART, 7)}


def test_comment_on_a_non_definition_related_line_does_not_suppress() -> None:
    finding = cart_finding()
    # Line 12 is the handler's entry point, not where CARTS is defined.
    kept, _ = apply_suppressions([finding], {VIEWS: (Suppression(12, ()),)})
    assert kept == [finding]


def test_engine_can_name_definition_lines_explicitly() -> None:
    finding = cart_finding(definition=None)
    definitions = {"shop.services.cart.CARTS": (CART, 7)}
    kept, used = apply_suppressions(
        [finding],
        {CART: (Suppression(7, ()),)},
        definition_lines=lambda f: [definitions[f.symbol]],
    )
    assert kept == [] and used == {(CART, 7)}


def test_kept_findings_keep_their_order_and_several_comments_on_a_line_merge() -> None:
    first = cart_finding(line=20, definition=None)
    cache = cart_finding(rule="SL201", name="process-local-cache", line=20, definition=None)
    other = cart_finding(line=44, definition=None)
    suppressions = {VIEWS: (Suppression(20, ("SL101",)), Suppression(20, ("SL201",)))}
    kept, used = apply_suppressions([first, other, cache], suppressions)
    assert kept == [other] and used == {(VIEWS, 20)}


# -- unused -------------------------------------------------------------------------


def test_unused_suppressions_are_reported_sorted() -> None:
    suppressions = {
        VIEWS: (Suppression(30, ("SL201",)), Suppression(18, ("SL101",))),
        CART: (Suppression(7, ()),),
    }
    kept, used = apply_suppressions([cart_finding(definition=None)], suppressions)
    assert kept == []
    assert unused_suppressions(suppressions, used) == [(CART, 7, ()), (VIEWS, 30, ("SL201",))]


def test_comments_for_rules_that_did_not_run_are_not_unused() -> None:
    rules = [("SL101", "mutable-module-state"), ("SL201", "process-local-cache")]
    suppressions = {
        VIEWS: (
            Suppression(30, ("process-local-cache",)),  # SL201 did not run: not reported
            Suppression(40, ("SL1O1",)),  # a typo never matches anything: reported
            Suppression(50, ("SL101",)),  # ran, matched nothing: reported
        )
    }
    unused = unused_suppressions(
        suppressions, set(), rules=rules, rule_enabled=lambda code, path: code == "SL101"
    )
    assert unused == [(VIEWS, 40, ("SL1O1",)), (VIEWS, 50, ("SL101",))]
