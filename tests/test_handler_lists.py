"""Findings name the handlers they affect truthfully, however many share a name.

A hook runs for every handler of its app, and an app split into blueprints reuses the
same view names (``index``, ``detail``, ...) in each.  A finding lists every handler
and its message counts handlers, not distinct names.
"""

from __future__ import annotations

from statelint.state import name_list

RESOURCES = ("orders", "invoices", "customers", "products", "shipments", "refunds",
             "coupons", "reviews", "carts", "payments", "returns", "suppliers", "warehouses",
             "teams", "webhooks", "reports", "tickets", "articles", "tags", "users", "plans",
             "notes")
VIEWS = ("index", "detail", "create", "update", "delete")


def blueprint(resource: str) -> str:
    views = "".join(
        f'''

@bp.route("/{resource}/<int:item_id>/{view}")
def {view}(item_id):
    return jsonify(resource="{resource}", id=item_id)
''' for view in VIEWS)
    return f'''from flask import Blueprint, jsonify

bp = Blueprint("{resource}", __name__)
{views}'''


APP = '''
import os
import time

from flask import Flask, request

from shop.views import {imports}

app = Flask(__name__)
app.secret_key = os.urandom(32)
LAST_SEEN: dict[str, float] = {{}}

{registrations}


@app.before_request
def remember_client():
    LAST_SEEN[request.remote_addr] = time.time()
'''


def shop_files() -> dict[str, str]:
    files = {"shop/__init__.py": "", "shop/views/__init__.py": ""}
    for resource in RESOURCES:
        files[f"shop/views/{resource}.py"] = blueprint(resource)
    files["shop/app.py"] = APP.format(
        imports=", ".join(RESOURCES),
        registrations="\n".join(f"app.register_blueprint({name}.bp, url_prefix='/{name}')"
                                for name in RESOURCES))
    return files


def test_a_hook_finding_names_every_handler_it_runs_for(scan_files) -> None:
    result = scan_files(shop_files())
    total = len(RESOURCES) * len(VIEWS)
    assert len(result.verdicts) == total == 110
    (state,) = [f for f in result.findings if f.rule == "SL101"]
    assert state.symbol == "shop.app.LAST_SEEN"
    assert len(state.handlers) == total
    assert state.trace[0].message.startswith("hook remember_client, run for handler ")
    # Five distinct names, 110 handlers: the count is of handlers.
    assert state.message.startswith(
        "`LAST_SEEN` is a module-level dict that index, detail, create and 107 more change "
        "while serving requests")
    (secret,) = [f for f in result.findings if f.rule == "SL901"]
    assert len(secret.handlers) == total
    assert secret.message.endswith("(signs for index, detail, create and 107 more)")
    assert result.stateful_handlers == total


def test_name_list_shows_distinct_names_and_counts_the_rest() -> None:
    assert name_list(["get", "get", "post"]) == "get, post and 1 more"
    assert name_list(["index", "detail"]) == "index, detail"
    assert name_list(["get"] * 4) == "get and 3 more"
    assert name_list(["a", "b", "c", "d", "e"], limit=2) == "a, b and 3 more"
