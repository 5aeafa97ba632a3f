"""Tests of the machine- and reviewer-facing output formats: concise, SARIF, GitHub, GitLab,
JUnit and Markdown.

Every test renders a hand-built scan of a small Flask shop: a cart dict shared by
two handlers, an ``lru_cache`` on a price lookup, a health check that keeps no
state, and one file with a syntax error.
"""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import statelint
from statelint import engine
from statelint.model import FileProblem, Finding, Handler, Location, Reason, ScanResult, Verdict
from statelint.reporters import concise, github, gitlab, junit, markdown, sarif
from statelint.rule import Example, Rule

FORMATS: dict[str, ModuleType] = {
    "concise": concise,
    "sarif": sarif,
    "github": github,
    "gitlab": gitlab,
    "junit": junit,
    "markdown": markdown,
}

# Everything that tends to break one format or another: GitHub's % escapes and
# property delimiters, Markdown's pipes and emphasis, XML's markup characters.
TRICKY_MESSAGE = (
    'Cart total is 100% wrong | see <b>CARTS</b> & "items", key: user_id\n'
    "second line: __init__ *args [link](x)"
)


class MutableModuleState(Rule):
    """A module-level container that request handlers change."""

    code = "SL101"
    name = "mutable-module-state"
    severity = "error"
    how = "writes"
    summary = "A module-level dict, list or set that handlers change while serving requests."
    what_it_finds = "Module-level containers mutated from code that a request handler reaches."
    why_stateful = "Each worker process holds its own copy, so a later request may not see it."
    how_to_fix = "Keep the data in Redis or the database, keyed by the user or session."
    examples = (
        Example(
            files={
                "app.py": (
                    "from flask import Flask\n"
                    "app = Flask(__name__)\n"
                    "CARTS = {}\n"
                    "@app.post('/cart/<item>')\n"
                    "def add(item):\n"
                    "    CARTS.setdefault('u', []).append(item)\n"
                    "    return 'ok'\n"
                )
            },
            kind="stateful",
            title="a cart kept in a dict",
            handlers=("add",),
        ),
    )


class ProcessLocalCache(Rule):
    """A memoising decorator whose cache lives in the worker."""

    code = "SL201"
    name = "process-local-cache"
    severity = "warning"
    how = "caches"
    summary = "A function cache (lru_cache, cachetools) kept inside one worker process."
    what_it_finds = "Cache decorators on functions that handlers call."
    why_stateful = "Workers answer from different caches and can disagree after an update."
    how_to_fix = "Use a shared cache such as Redis, or drop the cache if the data changes."


RULES: tuple[type[Rule], ...] = (ProcessLocalCache, MutableModuleState)

ADD_TO_CART = Handler(
    path="shop/views.py",
    line=18,
    column=0,
    name="add_to_cart",
    module="shop.views",
    function_id="shop.views.add_to_cart",
    framework="flask",
    route="/cart/<item_id>",
    methods=("POST",),
)
VIEW_CART = Handler(
    path="shop/views.py",
    line=27,
    column=0,
    name="view_cart",
    module="shop.views",
    function_id="shop.views.view_cart",
    framework="flask",
    route="/cart",
    methods=("GET",),
)
HEALTH = Handler(
    path="shop/views.py",
    line=40,
    column=0,
    name="health",
    module="shop.views",
    function_id="shop.views.health",
    framework="flask",
    route="/healthz",
    methods=("GET",),
)

CART_TRACE = (
    Location("shop/views.py", 18, 0, "add_to_cart handles POST /cart/<item_id>"),
    Location("shop/services/cart.py", 30, 4, "add_item() is called"),
    Location("shop/services/cart.py", 31, 4, "CARTS.setdefault(...) changes the dict"),
)

CARTS_FINDING = Finding(
    rule="SL101",
    name="mutable-module-state",
    severity="error",
    path="shop/services/cart.py",
    line=12,
    column=0,
    end_line=12,
    end_column=5,
    message="Module-level dict `CARTS` is changed while serving requests.",
    symbol="shop.services.cart.CARTS",
    suggestion="Store carts in Redis under cart:<user_id> and read them back per request.",
    handlers=("shop/views.py::add_to_cart", "shop/views.py::view_cart"),
    trace=CART_TRACE,
    related=(
        Location("shop/services/cart.py", 31, 4, "mutated here: CARTS.setdefault(...)", 31, 40),
        Location("shop/services/cart.py", 44, 8, "mutated here: del CARTS[user_id]", 44, 27),
        Location("shop/views.py", 18, 0, "entry point: add_to_cart"),
    ),
    how="writes",
    fingerprint="3f1c9a0d5e7b2c48",
)
PRICE_FINDING = Finding(
    rule="SL201",
    name="process-local-cache",
    severity="warning",
    path="shop/services/pricing.py",
    line=8,
    column=0,
    end_line=8,
    end_column=26,
    message="`get_price` is memoised with functools.lru_cache inside the worker.",
    symbol="shop.services.pricing.get_price",
    suggestion="Cache prices in Redis with a TTL, or read them from the database.",
    handlers=("shop/views.py::view_cart",),
    trace=(
        Location("shop/views.py", 27, 0, "view_cart handles GET /cart"),
        Location("shop/services/pricing.py", 9, 0, "get_price() is called"),
    ),
    how="caches",
    fingerprint="9a8b7c6d5e4f3a21",
)
RATES_FINDING = Finding(
    rule="SL201",
    name="process-local-cache",
    severity="info",
    path="shop/services/pricing.py",
    line=20,
    column=4,
    end_line=20,
    end_column=30,
    message="`exchange_rate` is cached per process; no handler reaches it yet.",
    symbol="shop.services.pricing.exchange_rate",
    suggestion="Move the cache to Redis before a handler starts calling it.",
    how="caches",
    fingerprint="0d1e2f3a4b5c6d7e",
)
BROKEN_FILE = FileProblem(
    path="shop/legacy/importer.py",
    message="invalid syntax (expected ':')",
    line=14,
    column=8,
    kind="syntax",
)


def cart_scan(**changes: Any) -> ScanResult:
    """The Flask shop scan; keyword arguments replace its fields."""
    verdicts = [
        Verdict(
            VIEW_CART,
            "stateful",
            (
                Reason("reads carts kept in this process", "SL101", CARTS_FINDING.symbol),
                Reason("answers from a per-process price cache", "SL201", PRICE_FINDING.symbol),
            ),
        ),
        Verdict(HEALTH, "self-contained", (Reason("reaches no process-local state"),)),
        Verdict(
            ADD_TO_CART,
            "stateful",
            (Reason("writes carts into this process's memory", "SL101", CARTS_FINDING.symbol),),
        ),
    ]
    result = ScanResult(
        root="/srv/shop",
        # Deliberately out of reading order: reporters must sort.
        findings=[RATES_FINDING, CARTS_FINDING, PRICE_FINDING],
        verdicts=verdicts,
        problems=[BROKEN_FILE],
        files_scanned=9,
        files_skipped=1,
        files_failed=1,
    )
    return dataclasses.replace(result, **changes)


def tricky_scan() -> ScanResult:
    """The shop scan with a hostile message, symbol and suggestion on the cart finding."""
    finding = dataclasses.replace(
        CARTS_FINDING,
        message=TRICKY_MESSAGE,
        suggestion="Use a, b: c | d <e> & 50%",
    )
    return cart_scan(findings=[finding, PRICE_FINDING, RATES_FINDING])


def empty_scan() -> ScanResult:
    """A scan of a service with one self-contained handler and nothing to report."""
    return ScanResult(
        root="/srv/shop",
        verdicts=[Verdict(HEALTH, "self-contained", (Reason("reaches no process-local state"),))],
        files_scanned=3,
    )


# ---------------------------------------------------------------------------
# Every format
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_renders_the_same_scan_identically_twice(name: str) -> None:
    module = FORMATS[name]
    assert module.render(cart_scan(), RULES) == module.render(cart_scan(), RULES)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_ignores_the_order_findings_arrive_in(name: str) -> None:
    module = FORMATS[name]
    shuffled = cart_scan(findings=[PRICE_FINDING, RATES_FINDING, CARTS_FINDING])
    assert module.render(shuffled, RULES) == module.render(cart_scan(), RULES)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_works_without_any_rule_metadata(name: str) -> None:
    # all_rules() may be empty while the catalogue is being written.
    assert isinstance(FORMATS[name].render(cart_scan(), ()), str)


# ---------------------------------------------------------------------------
# concise
# ---------------------------------------------------------------------------


def test_concise_prints_one_line_per_finding_with_one_based_columns() -> None:
    lines = concise.render(cart_scan(), RULES).splitlines()
    assert lines[:3] == [
        f"shop/services/cart.py:12:1: SL101 {CARTS_FINDING.message}",
        f"shop/services/pricing.py:8:1: SL201 {PRICE_FINDING.message}",
        f"shop/services/pricing.py:20:5: SL201 {RATES_FINDING.message}",
    ]


def test_concise_reports_the_broken_file_and_ends_with_a_summary() -> None:
    lines = concise.render(cart_scan(), RULES).splitlines()
    assert lines[3] == "shop/legacy/importer.py:14:9: SyntaxError: invalid syntax (expected ':')"
    assert lines[4] == (
        "Found 3 findings (1 error, 1 warning, 1 info); 2 of 3 handlers stateful; "
        "1 file could not be analysed."
    )
    assert len(lines) == 5


def test_concise_keeps_a_multi_line_message_on_one_line() -> None:
    first = concise.render(tricky_scan(), RULES).splitlines()[0]
    assert first.startswith("shop/services/cart.py:12:1: SL101 Cart total is 100% wrong | see")
    assert first.endswith("key: user_id second line: __init__ *args [link](x)")


def test_concise_summary_for_a_clean_scan() -> None:
    assert concise.render(empty_scan(), RULES) == "No findings; 0 of 1 handler stateful.\n"


# ---------------------------------------------------------------------------
# SARIF
# ---------------------------------------------------------------------------


def _sarif_schema() -> dict[str, Any]:
    here = Path(__file__).resolve().parent
    for candidate in (
        here.parent.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json",
        here / "sarif-schema-2.1.0.json",
    ):
        if candidate.is_file():
            schema: dict[str, Any] = json.loads(candidate.read_text(encoding="utf-8"))
            return schema
    pytest.skip("the SARIF 2.1.0 schema is in neither ../shared/schemas/ nor tests/")


def _assert_valid_sarif(text: str) -> dict[str, Any]:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema validates SARIF output")
    schema = _sarif_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    log: dict[str, Any] = json.loads(text)
    errors = sorted(validator_class(schema).iter_errors(log), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(error.path)}: {error.message}" for error in errors)
    return log


@pytest.mark.parametrize(
    "scan", [cart_scan, tricky_scan, empty_scan], ids=["shop", "tricky", "empty"]
)
def test_sarif_is_valid_against_the_oasis_schema(scan: Any) -> None:
    log = _assert_valid_sarif(sarif.render(scan(), RULES))
    assert log["version"] == "2.1.0"


def test_sarif_driver_names_statelint_and_describes_every_rule() -> None:
    log = json.loads(sarif.render(cart_scan(), RULES))
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "statelint"
    assert driver["version"] == statelint.__version__
    assert [rule["id"] for rule in driver["rules"]] == ["SL101", "SL201"]
    cart_rule = driver["rules"][0]
    assert cart_rule["name"] == "mutable-module-state"
    assert cart_rule["shortDescription"]["text"] == MutableModuleState.summary
    assert cart_rule["fullDescription"]["text"] == MutableModuleState.what_it_finds
    assert cart_rule["help"]["markdown"] == MutableModuleState.documentation()
    assert "## Stateful example: a cart kept in a dict" in cart_rule["help"]["text"]
    assert cart_rule["defaultConfiguration"]["level"] == "error"
    assert driver["rules"][1]["defaultConfiguration"]["level"] == "warning"
    assert "caches" in driver["rules"][1]["properties"]["tags"]


def test_sarif_information_uri_comes_from_project_metadata_when_declared() -> None:
    driver = json.loads(sarif.render(cart_scan(), RULES))["runs"][0]["tool"]["driver"]
    uri = sarif.information_uri()
    if uri:
        assert driver["informationUri"] == uri
    else:
        assert "informationUri" not in driver


def test_sarif_results_point_at_rules_and_map_severities_to_levels() -> None:
    log = json.loads(sarif.render(cart_scan(), RULES))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [result["ruleId"] for result in results] == ["SL101", "SL201", "SL201"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    # The level follows the finding, which configuration may have lowered to info.
    assert [result["level"] for result in results] == ["error", "warning", "note"]


def test_sarif_primary_location_is_relative_to_srcroot_with_one_based_columns() -> None:
    run = json.loads(sarif.render(cart_scan(), RULES))["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///srv/shop/"
    location = run["results"][0]["locations"][0]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"] == {
        "uri": "shop/services/cart.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert physical["region"] == {"startLine": 12, "startColumn": 1, "endLine": 12, "endColumn": 6}
    assert location["logicalLocations"] == [{"fullyQualifiedName": "shop.services.cart.CARTS"}]


def test_sarif_percent_encodes_paths_that_are_not_valid_uris() -> None:
    odd = dataclasses.replace(CARTS_FINDING, path="shop/my services/cart#1.py")
    log = _assert_valid_sarif(sarif.render(cart_scan(findings=[odd]), RULES))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "shop/my%20services/cart%231.py"


def test_sarif_related_locations_carry_ids_and_messages() -> None:
    result = json.loads(sarif.render(cart_scan(), RULES))["runs"][0]["results"][0]
    related = result["relatedLocations"]
    assert [place["id"] for place in related] == [1, 2, 3]
    assert [place["message"]["text"] for place in related] == [
        "mutated here: CARTS.setdefault(...)",
        "mutated here: del CARTS[user_id]",
        "entry point: add_to_cart",
    ]
    assert related[1]["physicalLocation"]["region"] == {
        "startLine": 44,
        "startColumn": 9,
        "endLine": 44,
        "endColumn": 28,
    }
    # Without an end position none is invented.
    assert related[2]["physicalLocation"]["region"] == {"startLine": 18, "startColumn": 1}


def test_sarif_code_flow_follows_the_trace_from_handler_to_state() -> None:
    result = json.loads(sarif.render(cart_scan(), RULES))["runs"][0]["results"][0]
    steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [step["location"]["message"]["text"] for step in steps] == [
        location.message for location in CART_TRACE
    ]
    assert [step["executionOrder"] for step in steps] == [1, 2, 3]
    assert [step["nestingLevel"] for step in steps] == [0, 1, 2]
    uris = [step["location"]["physicalLocation"]["artifactLocation"]["uri"] for step in steps]
    assert uris == ["shop/views.py", "shop/services/cart.py", "shop/services/cart.py"]


def test_sarif_carries_the_engine_fingerprint_and_finding_details() -> None:
    result = json.loads(sarif.render(cart_scan(), RULES))["runs"][0]["results"][0]
    assert result["partialFingerprints"] == {"statelintFingerprint/v1": "3f1c9a0d5e7b2c48"}
    assert result["properties"]["handlers"] == [
        "shop/views.py::add_to_cart",
        "shop/views.py::view_cart",
    ]
    assert result["properties"]["suggestion"] == CARTS_FINDING.suggestion


def test_sarif_fills_in_the_engine_fingerprint_when_a_finding_has_none() -> None:
    unprinted = dataclasses.replace(CARTS_FINDING, fingerprint="")
    log = _assert_valid_sarif(sarif.render(cart_scan(findings=[unprinted]), RULES))
    fingerprints = log["runs"][0]["results"][0]["partialFingerprints"]
    assert fingerprints == {"statelintFingerprint/v1": engine.fingerprint(unprinted)}


def test_sarif_reports_unparsable_files_as_tool_notifications() -> None:
    invocation = json.loads(sarif.render(cart_scan(), RULES))["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["message"]["text"] == "SyntaxError: invalid syntax (expected ':')"
    physical = notification["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "shop/legacy/importer.py"
    assert physical["region"] == {"startLine": 14, "startColumn": 9}


def test_sarif_marks_the_run_unsuccessful_after_an_internal_error() -> None:
    crash = FileProblem("shop/views.py", "RecursionError in the fact gatherer", kind="internal")
    log = _assert_valid_sarif(sarif.render(cart_scan(problems=[crash]), RULES))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    # Without a line the notification names the file but no region.
    location = invocation["toolExecutionNotifications"][0]["locations"][0]
    assert "region" not in location["physicalLocation"]


def test_sarif_describes_rules_that_were_not_passed_in() -> None:
    log = _assert_valid_sarif(sarif.render(cart_scan(), (MutableModuleState,)))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["SL101", "SL201"]
    assert rules[1]["name"] == "process-local-cache"
    assert {result["ruleIndex"] for result in run["results"] if result["ruleId"] == "SL201"} == {1}


def test_sarif_keeps_a_hostile_message_intact() -> None:
    log = json.loads(sarif.render(tricky_scan(), RULES))
    assert log["runs"][0]["results"][0]["message"]["text"] == TRICKY_MESSAGE


# ---------------------------------------------------------------------------
# GitHub workflow commands
# ---------------------------------------------------------------------------

_COMMAND = re.compile(r"^::(?P<command>[a-z]+) (?P<properties>[^:]*)::(?P<message>.*)$")


def _unescape(text: str) -> str:
    # The runner's decoding, in reverse order of the encoding.
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def _parse_commands(text: str) -> list[tuple[str, dict[str, str], str]]:
    commands = []
    for line in text.splitlines():
        match = _COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        properties = {
            key: _unescape(value)
            for key, _, value in (item.partition("=") for item in match["properties"].split(","))
        }
        commands.append((match["command"], properties, _unescape(match["message"])))
    return commands


def test_github_annotates_each_finding_with_position_and_title() -> None:
    commands = _parse_commands(github.render(cart_scan(), RULES))
    command, properties, message = commands[0]
    assert command == "error"
    assert properties == {
        "file": "shop/services/cart.py",
        "line": "12",
        "col": "1",
        "endLine": "12",
        "endColumn": "6",
        "title": "SL101 mutable-module-state",
    }
    assert message.splitlines() == [
        CARTS_FINDING.message,
        "Reached from: add_to_cart, view_cart",
        f"Fix: {CARTS_FINDING.suggestion}",
    ]


def test_github_maps_warning_and_info_to_warning_and_notice() -> None:
    commands = _parse_commands(github.render(cart_scan(), RULES))
    assert [command for command, _, _ in commands] == ["error", "warning", "notice", "error"]


def test_github_annotates_files_that_could_not_be_analysed() -> None:
    command, properties, message = _parse_commands(github.render(cart_scan(), RULES))[-1]
    assert command == "error"
    assert properties["file"] == "shop/legacy/importer.py"
    assert (properties["line"], properties["col"]) == ("14", "9")
    assert "SyntaxError" in properties["title"]
    assert message == "invalid syntax (expected ':')"


def test_github_escapes_percent_newlines_and_property_delimiters() -> None:
    odd_rule = dataclasses.replace(CARTS_FINDING, name="state, shared: 100%")
    finding = dataclasses.replace(odd_rule, message=TRICKY_MESSAGE, path="shop/a,b:c.py")
    text = github.render(cart_scan(findings=[finding], problems=[]), RULES)
    assert text.count("\n") == 1, "a command must stay on one line"
    raw = text.rstrip("\n")
    assert "100%25 wrong" in raw
    assert "title=SL101 state%2C shared%3A 100%25" in raw
    assert "file=shop/a%2Cb%3Ac.py" in raw
    [(_, properties, message)] = _parse_commands(text)
    assert properties["title"] == "SL101 state, shared: 100%"
    assert properties["file"] == "shop/a,b:c.py"
    assert message.startswith(TRICKY_MESSAGE + "\n")


def test_github_prints_nothing_for_a_clean_scan() -> None:
    assert github.render(empty_scan(), RULES) == ""


# ---------------------------------------------------------------------------
# GitLab Code Quality
# ---------------------------------------------------------------------------


def test_gitlab_issues_have_the_fields_gitlab_requires() -> None:
    issues = json.loads(gitlab.render(cart_scan(), RULES))
    assert isinstance(issues, list) and len(issues) == 4
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str) and issue["check_name"]
        assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["categories"] == ["Bug Risk"]


def test_gitlab_describes_the_cart_finding() -> None:
    cart = json.loads(gitlab.render(cart_scan(), RULES))[0]
    assert cart["check_name"] == "SL101"
    assert cart["description"] == f"SL101 {CARTS_FINDING.message}"
    assert cart["content"]["body"] == CARTS_FINDING.suggestion
    assert cart["location"] == {"path": "shop/services/cart.py", "lines": {"begin": 12, "end": 12}}
    assert [place["lines"]["begin"] for place in cart["other_locations"]] == [31, 44, 18]
    assert [place["path"] for place in cart["trace"]["locations"]] == [
        "shop/views.py",
        "shop/services/cart.py",
        "shop/services/cart.py",
    ]


def test_gitlab_maps_severities_and_reports_the_broken_file() -> None:
    issues = json.loads(gitlab.render(cart_scan(), RULES))
    assert [issue["severity"] for issue in issues] == ["major", "minor", "info", "minor"]
    broken = issues[-1]
    assert broken["check_name"] == "SyntaxError"
    assert broken["location"] == {
        "path": "shop/legacy/importer.py",
        "lines": {"begin": 14, "end": 14},
    }


def test_gitlab_fingerprints_are_unique_and_survive_moved_lines() -> None:
    before = json.loads(gitlab.render(cart_scan(), RULES))
    assert len({issue["fingerprint"] for issue in before}) == len(before)
    moved = dataclasses.replace(CARTS_FINDING, line=15, end_line=15)
    after = json.loads(gitlab.render(cart_scan(findings=[moved]), RULES))
    assert after[0]["location"]["lines"]["begin"] == 15
    assert after[0]["fingerprint"] == before[0]["fingerprint"]


def test_gitlab_keeps_findings_that_share_an_engine_fingerprint_apart() -> None:
    second = dataclasses.replace(CARTS_FINDING, line=50, end_line=50)
    issues = json.loads(gitlab.render(cart_scan(findings=[CARTS_FINDING, second]), RULES))
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    alone = json.loads(gitlab.render(cart_scan(findings=[CARTS_FINDING]), RULES))
    assert fingerprints[0] == alone[0]["fingerprint"]


def test_gitlab_falls_back_to_position_when_the_engine_gave_no_fingerprint() -> None:
    first = dataclasses.replace(CARTS_FINDING, fingerprint="")
    second = dataclasses.replace(first, line=50, end_line=50)
    issues = json.loads(gitlab.render(cart_scan(findings=[first, second], problems=[]), RULES))
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]


def test_gitlab_renders_an_empty_list_for_a_clean_scan() -> None:
    assert json.loads(gitlab.render(empty_scan(), RULES)) == []


# ---------------------------------------------------------------------------
# JUnit XML
# ---------------------------------------------------------------------------


def _testcases(text: str) -> dict[tuple[str, str], ET.Element]:
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    return {(case.get("classname", ""), case.get("name", "")): case for case in suite}


def test_junit_has_one_testcase_per_handler_failing_the_stateful_ones() -> None:
    cases = _testcases(junit.render(cart_scan(), RULES))
    assert cases[("shop/views.py", "health")].find("failure") is None
    for name in ("add_to_cart", "view_cart"):
        failure = cases[("shop/views.py", name)].find("failure")
        assert failure is not None and failure.get("type") == "stateful"


def test_junit_failure_text_lists_the_findings_that_reach_the_handler() -> None:
    cases = _testcases(junit.render(cart_scan(), RULES))
    add = cases[("shop/views.py", "add_to_cart")].find("failure")
    view = cases[("shop/views.py", "view_cart")].find("failure")
    assert add is not None and view is not None
    assert add.get("message") == "add_to_cart is stateful: 1 finding"
    assert view.get("message") == "view_cart is stateful: 2 findings"
    assert add.text is not None and view.text is not None
    assert add.text.startswith(
        "shop/services/cart.py:12:1: SL101 mutable-module-state [error]: " + CARTS_FINDING.message
    )
    assert "  chain: add_to_cart handles POST /cart/<item_id> (shop/views.py:18) -> " in add.text
    assert f"  fix: {CARTS_FINDING.suggestion}" in add.text
    assert "SL201" not in add.text and "SL201" in view.text


def test_junit_gives_unreached_findings_and_broken_files_their_own_testcases() -> None:
    text = junit.render(cart_scan(), RULES)
    cases = _testcases(text)
    unreached = cases[("shop/services/pricing.py", "SL201 shop.services.pricing.exchange_rate")]
    assert unreached.find("failure") is not None
    error = cases[("shop/legacy/importer.py", "SyntaxError")].find("error")
    assert error is not None and error.get("message") == "invalid syntax (expected ':')"
    root = ET.fromstring(text)
    suite = root.find("testsuite")
    assert suite is not None
    counts = {key: suite.get(key) for key in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": "5", "failures": "3", "errors": "1", "skipped": "0"}
    assert {key: root.get(key) for key in counts} == counts


def test_junit_falls_back_to_verdict_reasons_when_no_finding_names_the_handler() -> None:
    anonymous = dataclasses.replace(CARTS_FINDING, handlers=("somewhere.else",))
    cases = _testcases(junit.render(cart_scan(findings=[anonymous]), RULES))
    failure = cases[("shop/views.py", "add_to_cart")].find("failure")
    assert failure is not None
    assert failure.text == "SL101 shop.services.cart.CARTS: writes carts into this process's memory"


def test_junit_matches_findings_to_handlers_by_the_engine_key_only() -> None:
    twin = dataclasses.replace(ADD_TO_CART, path="admin/views.py")
    scan = cart_scan(
        findings=[CARTS_FINDING],
        verdicts=[Verdict(twin, "stateful", ()), Verdict(ADD_TO_CART, "stateful", ())],
    )
    attached, unmatched = junit.match_findings(scan.verdicts, scan.findings)
    # Same name, other file: not the handler the finding names.
    assert attached == {1: [CARTS_FINDING]} and unmatched == []
    assert engine.handler_key(ADD_TO_CART) in CARTS_FINDING.handlers


def test_junit_escapes_markup_and_drops_characters_xml_cannot_hold() -> None:
    hostile = TRICKY_MESSAGE + "\x1b[31m\x00"
    finding = dataclasses.replace(CARTS_FINDING, message=hostile, handlers=())
    text = junit.render(cart_scan(findings=[finding]), RULES)
    assert "<b>" not in text and "\x00" not in text and "\x1b" not in text
    cases = _testcases(text)
    failure = cases[("shop/services/cart.py", "SL101 shop.services.cart.CARTS")].find("failure")
    assert failure is not None
    assert failure.get("message") == TRICKY_MESSAGE + "\ufffd[31m\ufffd"


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def _table_rows(text: str, header: str) -> list[list[str]]:
    lines = text.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        # Split on pipes that are not escaped, as GitHub does.
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        rows.append([cell.strip() for cell in cells])
    return rows


FINDINGS_HEADER = "| Severity | Rule | Location | State | Handlers | Message |"


def test_markdown_opens_with_a_marker_heading_and_counts() -> None:
    lines = markdown.render(cart_scan(), RULES).splitlines()
    assert lines[:2] == [markdown.MARKER, "## statelint"]
    assert lines[3] == (
        "**3** handlers · **2** stateful · **1** self-contained · **9** files scanned  "
    )
    assert lines[4] == "Findings: **1** error · **1** warning · **1** info"


def test_markdown_counts_use_plurals_except_for_info() -> None:
    second_error = dataclasses.replace(CARTS_FINDING, line=50, end_line=50)
    second_info = dataclasses.replace(RATES_FINDING, line=60, end_line=60)
    scan = cart_scan(findings=[CARTS_FINDING, second_error, RATES_FINDING, second_info])
    assert "Findings: **2** errors · **2** info" in markdown.render(scan, RULES)


def test_markdown_shows_handler_names_and_folds_long_lists() -> None:
    keys = tuple(f"shop/views.py::handler_{number}" for number in range(5))
    crowded = dataclasses.replace(CARTS_FINDING, handlers=keys)
    row = _table_rows(markdown.render(cart_scan(findings=[crowded]), RULES), FINDINGS_HEADER)[0]
    assert row[4] == "`handler_0`, `handler_1`, `handler_2`, +2 more"


def test_markdown_findings_table_has_one_row_per_finding() -> None:
    rows = _table_rows(markdown.render(cart_scan(), RULES), FINDINGS_HEADER)
    assert len(rows) == 3
    assert rows[0] == [
        "error",
        "SL101 mutable-module-state",
        "`shop/services/cart.py:12:1`",
        "`shop.services.cart.CARTS`",
        "`add_to_cart`, `view_cart`",
        "Module-level dict `CARTS` is changed while serving requests.",
    ]
    assert [row[0] for row in rows] == ["error", "warning", "info"]


def test_markdown_escapes_pipes_markup_and_emphasis_in_cells() -> None:
    text = markdown.render(tricky_scan(), RULES)
    row = _table_rows(text, FINDINGS_HEADER)[0]
    assert len(row) == 6, "an unescaped pipe would add a column"
    assert row[5] == (
        'Cart total is 100% wrong \\| see &lt;b&gt;CARTS&lt;/b&gt; &amp; "items", key: user\\_id'
        "<br>second line: \\_\\_init\\_\\_ \\*args \\[link\\](x)"
    )
    assert "<b>" not in text


def test_markdown_keeps_code_spans_but_escapes_pipes_inside_them_in_tables() -> None:
    assert markdown.inline("use `a|b` or a|b", in_table=True) == "use `a\\|b` or a\\|b"
    assert markdown.inline("use `__init__` not __init__") == "use `__init__` not \\_\\_init\\_\\_"
    assert markdown.inline("a lone ` backtick") == "a lone \\` backtick"
    assert markdown.code("x = `y`") == "`` x = `y` ``"


def test_markdown_lists_stateful_handlers_with_routes_and_reasons() -> None:
    text = markdown.render(cart_scan(), RULES)
    rows = _table_rows(text, "| Handler | Route | Location | Why |")
    assert rows == [
        [
            "`add_to_cart`",
            "`POST /cart/<item_id>`",
            "`shop/views.py:18:1`",
            "writes carts into this process's memory",
        ],
        [
            "`view_cart`",
            "`GET /cart`",
            "`shop/views.py:27:1`",
            "reads carts kept in this process<br>answers from a per-process price cache",
        ],
    ]


def test_markdown_details_give_each_suggestion_and_chain_in_order() -> None:
    text = markdown.render(cart_scan(), RULES)
    details = text[text.index("<details>") : text.index("</details>")]
    assert "<summary>Suggestions and call chains</summary>\n\n" in details
    assert (
        "**SL101** mutable-module-state on `shop.services.cart.CARTS` at "
        "`shop/services/cart.py:12:1`"
    ) in details
    assert "Suggestion: Store carts in Redis under cart:&lt;user\\_id&gt;" in details
    chain = [
        "1. `shop/views.py:18:1` add\\_to\\_cart handles POST /cart/&lt;item\\_id&gt;",
        "2. `shop/services/cart.py:30:5` add\\_item() is called",
        "3. `shop/services/cart.py:31:5` CARTS.setdefault(...) changes the dict",
    ]
    positions = [details.index(step) for step in chain]
    assert positions == sorted(positions)
    assert "- `shop/services/cart.py:44:9` mutated here: del CARTS\\[user\\_id\\]" in details


def test_markdown_names_files_that_could_not_be_analysed() -> None:
    text = markdown.render(cart_scan(), RULES)
    assert text.rstrip().endswith(
        "1 file could not be analysed:\n\n"
        "- `shop/legacy/importer.py:14:9`: SyntaxError: invalid syntax (expected ':')"
    )


def test_markdown_for_a_clean_scan_says_no_state_was_found() -> None:
    text = markdown.render(empty_scan(), RULES)
    assert "No process-local state reached from any handler." in text
    assert "Findings: none" in text
    assert "<details>" not in text and "| Severity |" not in text
    assert "**1** handler · **0** stateful · **1** self-contained · **3** files scanned" in text


def test_markdown_cuts_long_tables_and_says_how_many_were_left_out() -> None:
    many = [
        dataclasses.replace(CARTS_FINDING, line=line, end_line=line)
        for line in range(1, markdown.MAX_ROWS + 6)
    ]
    text = markdown.render(cart_scan(findings=many), RULES)
    assert len(_table_rows(text, FINDINGS_HEADER)) == markdown.MAX_ROWS
    assert "…and 5 more findings; run statelint locally to see them all." in text
