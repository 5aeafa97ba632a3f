"""Tests of the handler inventory (``statelint handlers``) and its four formats.

Most tests scan a small lending-library service written with Flask: an app with
three blueprints spread over several modules, a dict of active loans changed two
calls below the handlers, a ``global`` checkout counter, a maintenance flag that
one handler sets and another reads, and handlers that keep nothing in the
process (a catalogue served from Redis, a tuple of genres, a health check).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap

import pytest
from click.testing import CliRunner

from statelint.cli import INVENTORY_FORMATS, main
from statelint.engine import scan
from statelint.handler_formats import available_formats, dot, markdown, text
from statelint.handler_formats import json as json_format
from statelint.inventory import (
    STATEFUL_POINTS,
    Inventory,
    application_of,
    build_inventory,
    explain_state,
)
from statelint.model import Finding, Handler, Location, Reason, ScanResult, Verdict

LIBRARY = {
    "library/__init__.py": "",
    "library/app.py": '''
        import os

        from flask import Flask, jsonify

        from library.views import admin, catalog, loans

        app = Flask(__name__)
        app.config["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
        app.register_blueprint(catalog.bp)
        app.register_blueprint(loans.bp)
        app.register_blueprint(admin.bp)


        @app.get("/healthz")
        def healthz():
            return jsonify(status="ok")
    ''',
    "library/db.py": '''
        import os

        import redis

        redis_client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
    ''',
    "library/services/__init__.py": "",
    "library/services/loans.py": '''
        from datetime import date, timedelta

        LOAN_DAYS = 21
        ACTIVE_LOANS = {}


        def _record(member_id, isbn, due):
            books = ACTIVE_LOANS.setdefault(member_id, {})
            books[isbn] = due.isoformat()


        def lend(member_id, isbn):
            due = date.today() + timedelta(days=LOAN_DAYS)
            _record(member_id, isbn, due)
            return due


        def give_back(member_id, isbn):
            ACTIVE_LOANS.get(member_id, {}).pop(isbn, None)
            if not ACTIVE_LOANS.get(member_id):
                ACTIVE_LOANS.pop(member_id, None)
    ''',
    "library/services/metrics.py": '''
        _checkouts = 0


        def count_checkout():
            global _checkouts
            _checkouts += 1


        def checkouts():
            return _checkouts
    ''',
    "library/views/__init__.py": "",
    "library/views/catalog.py": '''
        import json

        from flask import Blueprint, abort, jsonify

        from library.db import redis_client

        bp = Blueprint("catalog", __name__)

        GENRES = ("fiction", "history", "science", "poetry")


        @bp.get("/books/<isbn>")
        def book(isbn):
            raw = redis_client.get(f"book:{isbn}")
            if raw is None:
                abort(404)
            return jsonify(json.loads(raw))


        @bp.get("/genres")
        def genres():
            return jsonify(genres=list(GENRES))
    ''',
    "library/views/loans.py": '''
        from flask import Blueprint, jsonify, request

        from library.services import loans
        from library.services.metrics import count_checkout

        bp = Blueprint("loans", __name__, url_prefix="/loans")


        @bp.post("/")
        def borrow():
            payload = request.get_json()
            due = loans.lend(payload["member_id"], payload["isbn"])
            count_checkout()
            return jsonify(due=due.isoformat()), 201


        @bp.get("/<member_id>")
        def member_loans(member_id):
            return jsonify(loans=loans.ACTIVE_LOANS.get(member_id, {}))


        @bp.delete("/<member_id>/<isbn>")
        def return_book(member_id, isbn):
            loans.give_back(member_id, isbn)
            return "", 204
    ''',
    "library/views/admin.py": '''
        from flask import Blueprint, jsonify, request

        from library.services.metrics import checkouts

        bp = Blueprint("admin", __name__, url_prefix="/admin")

        MAINTENANCE = {"on": False, "reason": ""}


        @bp.post("/maintenance")
        def set_maintenance():
            payload = request.get_json()
            MAINTENANCE["on"] = bool(payload.get("on"))
            MAINTENANCE["reason"] = payload.get("reason", "")
            return jsonify(MAINTENANCE)


        @bp.get("/maintenance")
        def maintenance_status():
            return jsonify(on=MAINTENANCE["on"], reason=MAINTENANCE["reason"])


        @bp.get("/stats")
        def stats():
            return jsonify(checkouts=checkouts())
    ''',
}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    """The library service, scanned once for the tests that only read the inventory."""
    root = tmp_path_factory.mktemp("library")
    for relative, source in LIBRARY.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        # Paths in the result are relative to the working directory, as in a real run.
        patch.chdir(root)
        return build_inventory(scan([str(root)]))


def entry_named(inventory: Inventory, name: str):
    """The inventory entry of the handler called ``name``."""
    matches = [entry for entry in inventory.entries if entry.handler.name == name]
    assert len(matches) == 1, [entry.handler.name for entry in inventory.entries]
    return matches[0]


def state_of(inventory: Inventory, handler: str, symbol: str):
    """One state dependency of one handler."""
    entry = entry_named(inventory, handler)
    matches = [state for state in entry.states if state.symbol == symbol]
    assert len(matches) == 1, [state.symbol for state in entry.states]
    return matches[0]


def invoke(*args: str):
    """Run the CLI in-process, as a user would from the project root."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# ---------------------------------------------------------------------------
# The inventory itself
# ---------------------------------------------------------------------------


def test_handlers_are_grouped_by_the_module_of_their_app_or_blueprint(library):
    groups = {app.module: (app.objects, sorted(e.handler.name for e in app.entries))
              for app in library.applications}
    assert groups == {
        "library.app": (("app",), ["healthz"]),
        "library.views.admin": (("bp",), ["maintenance_status", "set_maintenance", "stats"]),
        "library.views.catalog": (("bp",), ["book", "genres"]),
        "library.views.loans": (("bp",), ["borrow", "member_loans", "return_book"]),
    }


def test_verdicts_and_reasons_are_the_engines_own(scan_files):
    result = scan_files(LIBRARY)
    inventory = build_inventory(result)
    # The very same Verdict objects: nothing is re-judged or re-worded.
    assert sorted(map(id, (e.verdict for e in inventory.entries))) == sorted(map(id, result.verdicts))
    stateful = {e.handler.name for e in inventory.entries if e.is_stateful}
    assert stateful == {"set_maintenance", "maintenance_status", "stats", "borrow",
                        "member_loans", "return_book"}
    assert (inventory.total, inventory.self_contained, inventory.stateful) == (9, 3, 6)


def test_each_stateful_handler_lists_the_state_it_depends_on(library):
    depends = {e.handler.name: sorted(s.symbol for s in e.states)
               for e in library.entries if e.is_stateful}
    assert depends == {
        "borrow": ["library.services.loans.ACTIVE_LOANS", "library.services.metrics._checkouts"],
        "member_loans": ["library.services.loans.ACTIVE_LOANS"],
        "return_book": ["library.services.loans.ACTIVE_LOANS"],
        "set_maintenance": ["library.views.admin.MAINTENANCE"],
        "maintenance_status": ["library.views.admin.MAINTENANCE"],
        "stats": ["library.services.metrics._checkouts"],
    }
    assert all(not e.states for e in library.entries if not e.is_stateful)


def test_a_handler_whose_chain_ends_in_a_write_writes(library):
    borrow = state_of(library, "borrow", "library.services.loans.ACTIVE_LOANS")
    assert borrow.role == "writes"
    assert borrow.chain_from == "borrow"
    # The chain runs from the handler through both helpers to the mutation.
    assert borrow.chain[0].message.startswith("handler borrow (flask ")
    assert [step.message for step in borrow.chain[1:]] == [
        "calls lend()", "calls _record()", "calls .setdefault(): ACTIVE_LOANS",
    ]
    assert borrow.chain[-1].path == "library/services/loans.py"
    assert borrow.definition is not None and borrow.definition.line == 4


def test_a_handler_that_changes_state_in_its_own_body_writes(library):
    assert state_of(library, "set_maintenance", "library.views.admin.MAINTENANCE").role == "writes"


def test_a_handler_is_a_reader_when_every_write_happens_in_other_handlers(library):
    status = state_of(library, "maintenance_status", "library.views.admin.MAINTENANCE")
    assert status.role == "reads"
    # Its own chain is not recorded, so the one shown says whose it is.
    assert status.chain_from == "set_maintenance"
    assert status.explanation.point == "replicas-differ"


def test_a_handler_reaching_state_next_to_a_shared_writing_helper_is_a_reader(library):
    # ``give_back`` and ``count_checkout`` are helpers that write; the finding
    # records which handlers' requests go through a write, so handlers that
    # only look (``member_loans`` reads ``.get``, ``stats`` reads the counter)
    # are readers, and ``return_book`` (through ``give_back``) writes.
    assert state_of(library, "member_loans", "library.services.loans.ACTIVE_LOANS").role \
        == "reads"
    assert state_of(library, "stats", "library.services.metrics._checkouts").role == "reads"
    assert state_of(library, "return_book", "library.services.loans.ACTIVE_LOANS").role \
        == "writes"


def test_stateful_verdicts_name_their_side_of_the_comparison(library):
    for entry in library.entries:
        if entry.is_stateful:
            assert entry.explanation.side == "stateful"
            assert entry.explanation.point in STATEFUL_POINTS
            assert entry.explanation.text.startswith(STATEFUL_POINTS[entry.explanation.point])
            for state in entry.states:
                assert f"`{state.name}`" in state.explanation.text
        else:
            assert entry.explanation.side == "self-contained"
            assert "any worker or replica" in entry.explanation.text
    assert entry_named(library, "borrow").explanation.point == "not-independent"


def test_the_summary_ranks_state_by_the_verdicts_it_decides(library):
    ranked = [(i.symbol, len(i.handlers), len(i.frees)) for i in library.impacts]
    assert ranked == [
        ("library.services.loans.ACTIVE_LOANS", 3, 2),
        ("library.views.admin.MAINTENANCE", 2, 2),
        # borrow also depends on ACTIVE_LOANS, so fixing the counter frees stats only.
        ("library.services.metrics._checkouts", 2, 1),
    ]
    assert library.summary_line().startswith(
        "9 handlers: 3 self-contained, 6 stateful; fixing "
        "`library.services.loans.ACTIVE_LOANS` frees 2 of the 3 handlers it makes stateful; "
        "fixing `library.views.admin.MAINTENANCE` frees 2 handlers"
    )


@pytest.mark.parametrize(
    ("how", "symbol", "role", "point"),
    [
        ("connections", "chat.hub.ROOMS", "holds connections", "server-held"),
        ("disk", "uploads.store.UPLOAD_DIR", "writes local disk", "needs-sticky-or-shared"),
        ("caches", "catalog.prices.price_for", "caches", "replicas-differ"),
        ("background", "reports.jobs.EXECUTOR", "starts background work", "not-independent"),
        ("config", "app.settings.FEATURE_FLAGS", "changes configuration", "replicas-differ"),
        ("key", "app.settings.SECRET_KEY", "signs with a key of its own", "needs-sticky-or-shared"),
    ],
)
def test_each_kind_of_state_gets_its_own_explanation(how, symbol, role, point):
    handler = Handler("chat/api.py", 12, 0, "join_room", "chat.api", "chat.api:join_room",
                      "fastapi", "/rooms/{room}", (), "chat.api.app", "websocket")
    finding = Finding(
        rule="SL199", name="process-state", severity="error", path="chat/hub.py", line=3,
        column=0, end_line=3, end_column=20, message=f"`{symbol}` lives in the process",
        symbol=symbol, suggestion="Move it to Redis.", handlers=("chat/api.py::join_room",),
        trace=(Location("chat/api.py", 12, 0, "handler join_room (fastapi /rooms/{room})"),),
        how=how,
    )
    reason = Reason(finding.message, finding.rule, symbol, how, "error", finding.trace)
    result = ScanResult(root=".", findings=[finding],
                        verdicts=[Verdict(handler, "stateful", (reason,))])
    state = build_inventory(result).entries[0].states[0]
    assert (state.role, state.explanation.point) == (role, point)


def test_per_client_data_is_explained_as_held_by_this_server():
    explanation = explain_state("shop.services.cart.CARTS", "writes")
    assert explanation.point == "server-held"
    assert "sticky" in explanation.text


def test_routes_registered_through_a_library_are_grouped_by_their_own_module():
    django_view = Handler("notes/views.py", 20, 0, "autosave", "notes.views",
                          "notes.views:autosave", "django", "<int:pk>/autosave/", (),
                          "django.urls")
    blueprint_view = Handler("notes/api.py", 8, 0, "ping", "notes.api", "notes.api:ping",
                             "flask", "/ping", ("GET",), "notes.web.bp")
    assert application_of(django_view, {"notes"}) == ("notes.views", "")
    assert application_of(blueprint_view, {"notes"}) == ("notes.web", "bp")


# ---------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------


def test_the_command_offers_every_format_module():
    assert sorted(available_formats()) == sorted(INVENTORY_FORMATS) == [
        "dot", "json", "markdown", "text"]


def test_text_is_an_aligned_table_per_application(library):
    output = text.render(library)
    assert "\x1b[" not in output
    lines = output.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("library.views.loans")))
    table = lines[header + 1:header + 5]
    assert table[0].split() == ["VERDICT", "METHODS", "ROUTE", "ENDPOINT", "HANDLER", "FRAMEWORK",
                                "LOCATION", "STATE"]
    # Every column starts at the same offset on every row.
    for column in ("METHODS", "ROUTE", "ENDPOINT", "HANDLER", "LOCATION"):
        offset = table[0].index(column)
        assert all(row[offset - 2:offset] == "  " and row[offset] != " " for row in table)
    route = re.escape(entry_named(library, "borrow").handler.route)
    assert re.search(rf"^  stateful +POST +{route} +loans.borrow +borrow +flask "
                     r"+library/views/loans.py:10 +"
                     r"ACTIVE_LOANS, _checkouts$", output, re.MULTILINE)
    assert "Summary: 9 handlers: 3 self-contained, 6 stateful" in output


def test_text_explains_stateful_handlers_with_chain_and_fix(library):
    output = text.render(library)
    detail = output[output.index("stateful  borrow"):]
    detail = detail[:detail.index("\n\n")]
    assert "library.services.loans.ACTIVE_LOANS  writes  [SL101]" in detail
    assert "chain: borrow (library/views/loans.py:10) → lend() (library/views/loans.py:12)" \
        in detail
    assert "fix: " in detail
    status = output[output.index("stateful  maintenance_status"):]
    assert "chain (as recorded from set_maintenance):" in status


def test_text_is_coloured_only_when_asked(library):
    plain, coloured = text.render(library), text.render(library, colour=True)
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_json_keeps_the_contract_and_adds_detail(library):
    data = json.loads(json_format.render(library))
    assert data["summary"]["handlers"] == 9
    assert data["summary"]["stateful_handlers"] == 6
    assert data["summary"]["self_contained_handlers"] == 3
    by_name = {item["name"]: item for item in data["handlers"]}
    borrow = by_name["borrow"]
    for field in ("path", "line", "name", "framework", "route", "methods", "verdict", "reasons"):
        assert field in borrow
    assert borrow["path"] == "library/views/loans.py"
    assert borrow["methods"] == ["POST"]
    assert borrow["application"] == "library.views.loans"
    assert {s["symbol"]: s["role"] for s in borrow["states"]} == {
        "library.services.loans.ACTIVE_LOANS": "writes",
        "library.services.metrics._checkouts": "writes",
    }
    assert borrow["comparison"]["side"] == "stateful"
    assert by_name["genres"]["comparison"]["side"] == "self-contained"
    assert by_name["genres"]["states"] == []
    assert data["states"][0]["symbol"] == "library.services.loans.ACTIVE_LOANS"
    assert sorted(data["states"][0]["frees"]) == ["library/views/loans.py::member_loans",
                                                  "library/views/loans.py::return_book"]


MERMAID_ID = r"[A-Za-z][A-Za-z0-9_]*"


def _mermaid_block(output: str) -> list[str]:
    match = re.search(r"```mermaid\n(.*?)\n```", output, re.DOTALL)
    assert match, output
    return match.group(1).splitlines()


def test_markdown_has_a_table_per_application_and_a_mermaid_graph(library):
    output = markdown.render(library)
    assert "### `library.views.loans` (`bp`)" in output
    route = entry_named(library, "return_book").handler.route
    assert route.endswith("/<member_id>/<isbn>")
    assert (f"| **stateful** | DELETE | `{route}` | `loans.return_book` | `return_book` | flask |"
            in output)
    # Outside code spans, angle brackets would be read as HTML tags.
    outside_code = re.sub(r"`[^`]*`", "", output.split("```mermaid")[0])
    assert "<" not in outside_code
    block = _mermaid_block(output)
    assert block[0] == "graph LR"
    nodes = {}
    for line in block:
        node = re.fullmatch(rf"\s+({MERMAID_ID})(?:\[\(|\[)\"([^\"]*)\"(?:\)\]|\])", line)
        if node:
            nodes[node.group(1)] = node.group(2)
    edges = [re.fullmatch(rf"\s+({MERMAID_ID}) -->\|\"([^\"]*)\"\| ({MERMAID_ID})", line)
             for line in block if "-->" in line]
    assert edges and all(edges)
    labels = {(nodes[e.group(1)].split("<br/>")[0], e.group(2), nodes[e.group(3)])
              for e in edges}
    assert ("borrow", "writes", "library.services.loans.ACTIVE_LOANS") in labels
    assert ("maintenance_status", "reads", "library.views.admin.MAINTENANCE") in labels
    assert len(edges) == 7
    # Route placeholders are written as entity codes, never as raw angle brackets.
    assert "/#lt;member_id#gt;/#lt;isbn#gt;" in nodes[
        next(k for k, v in nodes.items() if v.startswith("return_book"))]
    subgraphs = [line.split()[1] for line in block if line.strip().startswith("subgraph")]
    assert all(re.fullmatch(rf'{MERMAID_ID}\[".*"\]', item) for item in subgraphs)
    assert sum(1 for line in block if line.strip() == "end") == len(subgraphs)
    # Self-contained handlers are counted, not drawn.
    assert "genres" not in "\n".join(block)
    assert "3 self-contained handlers are not drawn." in output


def test_mermaid_labels_escape_quotes_and_markup():
    assert markdown.mermaid_label('say "hi" <b>#1</b>') == \
        "say #quot;hi#quot; #lt;b#gt;#35;1#lt;/b#gt;"


def test_dot_is_a_valid_digraph_of_handlers_and_state(library):
    output = dot.render(library)
    assert output.startswith("digraph statelint_handlers {")
    assert output.count("{") == output.count("}")
    assert output.count("subgraph cluster_") == 4
    declared = set(re.findall(r"^\s+([hs]\d+) \[", output, re.MULTILINE))
    edges = re.findall(r"^\s+([hs]\d+) -> ([hs]\d+) \[label=\"([^\"]*)\"\];$", output,
                       re.MULTILINE)
    assert len(edges) == 7
    assert all(a in declared and b in declared for a, b, _ in edges)
    assert len([n for n in declared if n.startswith("h")]) == 9  # every handler is drawn


def test_dot_quotes_backslashes_and_quotes():
    assert dot.quote(r'^items/(?P<id>\d+)/$ "x"') == r'"^items/(?P<id>\\d+)/$ \"x\""'


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_accepts_the_dot_output(library, tmp_path):
    target = tmp_path / "handlers.dot"
    target.write_text(dot.render(library), encoding="utf-8")
    completed = subprocess.run(["dot", "-Tsvg", str(target)], capture_output=True, text=True,
                               timeout=30, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "set_maintenance" in completed.stdout


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------


def test_check_and_handlers_agree_on_every_verdict_and_reason(scan_files):
    scan_files(LIBRARY)
    checked = json.loads(invoke("check", "--format", "json", ".").output)
    listed = json.loads(invoke("handlers", "--format", "json", ".").output)

    def by_key(handlers):
        return {(h["path"], h["name"]): (h["verdict"], h["reasons"]) for h in handlers}

    assert by_key(listed["handlers"]) == by_key(checked["handlers"])
    assert len(listed["handlers"]) == 9


def test_handlers_exits_zero_even_when_handlers_are_stateful(scan_files):
    scan_files(LIBRARY)
    outcome = invoke("handlers", ".")
    assert outcome.exit_code == 0
    assert "\x1b[" not in outcome.output  # not a terminal: no colour
    assert "library.views.loans  (bp)  3 handlers, 3 stateful" in outcome.output


def test_fail_on_stateful_exits_one(scan_files):
    scan_files(LIBRARY)
    assert invoke("handlers", "--fail-on-stateful", ".").exit_code == 1


def test_fail_on_stateful_exits_zero_for_a_self_contained_service(scan_files):
    scan_files({
        "status/app.py": '''
            from fastapi import FastAPI

            app = FastAPI()
            STATUSES = ("pending", "paid", "shipped")


            @app.get("/statuses")
            async def statuses():
                return {"statuses": list(STATUSES)}
        ''',
    })
    outcome = invoke("handlers", "--fail-on-stateful", "--format", "markdown", ".")
    assert outcome.exit_code == 0
    assert "1 handler: 1 self-contained, 0 stateful" in outcome.output
    assert "```mermaid" not in outcome.output


def test_a_missing_path_is_a_usage_error():
    outcome = CliRunner().invoke(main, ["handlers", "no/such/service"])
    assert outcome.exit_code == 2
    assert "path does not exist" in outcome.output


def test_output_file_gets_the_chosen_format(scan_files, tmp_path):
    scan_files(LIBRARY)
    target = tmp_path / "handlers.md"
    outcome = invoke("handlers", "--format", "markdown", "-o", str(target), ".")
    assert outcome.exit_code == 0
    assert outcome.output == ""
    assert target.read_text(encoding="utf-8").startswith("## statelint: request handlers")


def test_rule_selection_changes_both_commands_alike(scan_files):
    scan_files(LIBRARY)
    listed = json.loads(invoke("handlers", "--format", "json", "--select", "SL102", ".").output)
    stateful = sorted(h["name"] for h in listed["handlers"] if h["verdict"] == "stateful")
    assert stateful == ["borrow", "stats"]


def _table_rows(output: str, header: str) -> list[list[str]]:
    lines = output.splitlines()
    start = lines.index(next(line for line in lines if line.startswith(header))) + 2
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(line.split())
    return rows


def test_sort_orders_each_applications_routes_by_the_chosen_column(scan_files):
    scan_files(LIBRARY)
    by_path = _table_rows(invoke("handlers", "--sort", "path", ".").output,
                          "library.views.loans")
    paths = [row[2] for row in by_path]
    assert paths == sorted(paths) and len(paths) == 3
    by_endpoint = _table_rows(invoke("handlers", "--sort", "endpoint", ".").output,
                              "library.views.loans")
    endpoints = [row[3] for row in by_endpoint]
    assert endpoints == sorted(endpoints) and all(e.startswith("loans.") for e in endpoints)
    assert invoke("handlers", "--sort", "colour", ".").exit_code == 2


def test_all_methods_adds_what_the_framework_adds_itself(scan_files):
    scan_files(LIBRARY)
    plain = invoke("handlers", ".").output
    assert re.search(r"^  self-contained +GET +/healthz +healthz ", plain, re.MULTILINE)
    full = invoke("handlers", "--all-methods", ".").output
    assert re.search(r"^  self-contained +GET, HEAD, OPTIONS +/healthz +healthz ", full,
                     re.MULTILINE)
    listed = json.loads(invoke("handlers", "--format", "json", "--all-methods", ".").output)
    health = next(h for h in listed["handlers"] if h["name"] == "healthz")
    assert health["methods"] == ["GET", "HEAD", "OPTIONS"]


def test_json_lists_each_route_with_endpoint_and_blueprint(scan_files):
    scan_files(LIBRARY)
    listed = json.loads(invoke("handlers", "--format", "json", ".").output)
    borrow = next(h for h in listed["handlers"] if h["name"] == "borrow")
    assert borrow["methods"] == ["POST"]
    assert borrow["endpoint"] == "loans.borrow" and borrow["namespace"] == "loans"
    assert borrow["routes"] == [{
        "path": borrow["route"], "methods": ["POST"], "added_methods": ["OPTIONS"],
        "all_methods": ["POST", "OPTIONS"], "endpoint": "loans.borrow", "namespace": "loans",
    }]
    # ``check`` carries the same routes, as the JSON contract's handler objects
    checked = json.loads(invoke("check", "--format", "json", ".").output)
    same = next(h for h in checked["handlers"] if h["name"] == "borrow")
    assert same["routes"][0]["endpoint"] == "loans.borrow"
