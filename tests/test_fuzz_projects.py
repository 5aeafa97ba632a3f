"""Whole-pipeline fuzzing: generated multi-module web services, scanned every way.

Hypothesis builds small projects on disk: a package whose modules import each other
(absolute and relative imports, a package ``__init__`` that re-exports, import
cycles, helpers between handlers and state), handlers of one or two of Flask,
FastAPI, Django, aiohttp, Tornado, Starlette, Sanic, Bottle, Falcon and Pyramid,
and state idioms (a module dict or list mutated in a handler, ``lru_cache``, a
class-attribute registry, global rebinding, ``SimpleCache``, a ``Counter``) next to
their look-alikes (constants, tables filled once at import time, locals that
shadow a global, frozensets, request-scoped dicts).

Whatever the project, statelint reports no internal error, and its JSON report is
the same for any order the files were written in, any order of the paths given,
``--jobs 1`` or a pool of two, with or without the facts cache (cold and warm), and
lazy or exhaustive parsing.  Derandomized and bounded (``conftest.py``): the file
runs in well under a minute.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statelint import engine
from statelint.cli import main
from statelint.engine import scan
from statelint.reporters import renderer
from statelint.rule import all_rules

PROJECT_FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                               HealthCheck.function_scoped_fixture])


@dataclass(frozen=True)
class Idiom:
    """State (or a look-alike) defined in ``stores.py`` and used by a handler."""

    name: str
    names: tuple[str, ...]  # what a handler module imports from stores
    definition: str  # module-level code in stores.py
    usage: str  # statements in a handler; {s} prefixes a store name, order_id is in scope


IDIOMS = [
    Idiom("module dict", ("CARTS",), "CARTS: dict[str, list[str]] = {}\n",
          '{s}CARTS.setdefault(order_id, []).append("sku-1")'),
    Idiom("module list", ("RECENT_ORDERS",), "RECENT_ORDERS: list[str] = []\n",
          "{s}RECENT_ORDERS.append(order_id)"),
    Idiom("lru_cache", ("price_for",),
          "@functools.lru_cache(maxsize=256)\ndef price_for(sku):\n    return len(sku) * 100\n",
          "price = {s}price_for(order_id)"),
    Idiom("class registry", ("SessionRegistry",),
          "class SessionRegistry:\n    active: dict[str, str] = {}\n\n    @classmethod\n"
          "    def register(cls, token, user):\n        cls.active[token] = user\n",
          '{s}SessionRegistry.register(order_id, "guest")'),
    Idiom("global rebinding", ("remember_last",),
          "LAST_ORDER_ID = None\n\n\ndef remember_last(order_id):\n    global LAST_ORDER_ID\n"
          "    LAST_ORDER_ID = order_id\n",
          "{s}remember_last(order_id)"),
    Idiom("SimpleCache", ("response_cache",),
          "response_cache = SimpleCache(threshold=500)\n",
          '{s}response_cache.set(order_id, "done", timeout=60)'),
    Idiom("Counter", ("HITS",), "HITS = Counter()\n", "{s}HITS[order_id] += 1"),
    # look-alikes: not state kept between requests
    Idiom("constant", ("TAX_RATES",), 'TAX_RATES = {"fr": 0.2, "de": 0.19}\n',
          'rate = {s}TAX_RATES.get("fr", 0.0)'),
    Idiom("start-up table", ("PLUGINS",),
          'PLUGINS: dict[str, str] = {}\n\n\ndef register_plugin(name, path):\n'
          '    PLUGINS[name] = path\n\n\nregister_plugin("pdf", "exports.pdf")\n',
          'plugin = {s}PLUGINS.get("pdf")'),
    Idiom("local shadowing", ("SEEN",), "SEEN: dict[str, bool] = {}\n",
          "SEEN = {{}}\n    SEEN[order_id] = True"),
    Idiom("frozenset", ("COUNTRIES",), 'COUNTRIES = frozenset({"fr", "de"})\n',
          "known = order_id in {s}COUNTRIES"),
    Idiom("request-scoped", (), "", "cart: dict[str, int] = {{}}\n    cart[order_id] = 1"),
]

STORES_HEADER = ("import functools\nfrom collections import Counter\n\n"
                 "from cachelib import SimpleCache\n\n")


@dataclass(frozen=True)
class Framework:
    name: str
    app: str  # app.py; {modules} lists the handler modules, {package} the package
    handler: str  # one handler: {name}, {path}, {body}
    module_head: str  # top of a handler module: {package}
    registers: str = ""  # lines app.py adds per handler module: {module}, {name}


FRAMEWORKS = [
    Framework(
        "flask",
        "from flask import Flask\n\napp = Flask(__name__)\n",
        '@app.post("/{path}/<order_id>")\ndef {name}(order_id):\n    {body}\n'
        '    return jsonify(ok=True)\n',
        "from flask import jsonify\n\nfrom {package}.app import app\n"),
    Framework(
        "flask blueprint",
        "from flask import Flask\n\n{imports}\n\napp = Flask(__name__)\n{registers}",
        '@bp.post("/{path}/<order_id>")\ndef {name}(order_id):\n    {body}\n'
        '    return jsonify(ok=True)\n',
        'from flask import Blueprint, jsonify\n\nbp = Blueprint(__name__.rsplit(".", 1)[-1], '
        "__name__)\n",
        "app.register_blueprint({module}.bp)\n"),
    Framework(
        "fastapi",
        "from fastapi import FastAPI\n\n{imports}\n\napp = FastAPI()\n{registers}",
        '@router.post("/{path}/{{order_id}}")\nasync def {name}(order_id: str):\n    {body}\n'
        '    return {{"ok": True}}\n',
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
        "app.include_router({module}.router)\n"),
    Framework(
        "django",
        "from django.urls import path\n\n{imports}\n\nurlpatterns = [\n{registers}]\n",
        "def {name}(request, order_id):\n    {body}\n    return JsonResponse({{'ok': True}})\n",
        "from django.http import JsonResponse\n",
        '    path("{module}/<str:order_id>/", {module}.{name}),\n'),
    Framework(
        "aiohttp",
        "from aiohttp import web\n\n{imports}\n\n\ndef create_app():\n"
        "    app = web.Application()\n{registers}    return app\n",
        '@routes.post("/{path}/{{order_id}}")\nasync def {name}(request):\n'
        '    order_id = request.match_info["order_id"]\n    {body}\n'
        '    return web.json_response({{"ok": True}})\n',
        "from aiohttp import web\n\nroutes = web.RouteTableDef()\n",
        "    app.add_routes({module}.routes)\n"),
    Framework(
        "tornado",
        "import tornado.web\n\n{imports}\n\n\ndef make_app():\n"
        "    return tornado.web.Application([\n{registers}    ])\n",
        "class {name}(tornado.web.RequestHandler):\n    def post(self, order_id):\n"
        "        {body}\n        self.write({{'ok': True}})\n",
        "import tornado.web\n",
        '        (r"/{module}/{name}/(.*)", {module}.{name}),\n'),
    Framework(
        "starlette",
        "from starlette.applications import Starlette\nfrom starlette.routing import Route\n\n"
        "{imports}\n\napp = Starlette(routes=[\n{registers}])\n",
        "async def {name}(request):\n    order_id = request.path_params['order_id']\n"
        "    {body}\n    return JSONResponse({{'ok': True}})\n",
        "from starlette.responses import JSONResponse\n",
        '    Route("/{module}/{name}/{{order_id}}", {module}.{name}, methods=["POST"]),\n'),
    Framework(
        "sanic",
        'from sanic import Sanic\n\napp = Sanic("{package}")\n',
        '@app.post("/{path}/<order_id>")\nasync def {name}(request, order_id):\n    {body}\n'
        '    return json({{"ok": True}})\n',
        "from sanic.response import json\n\nfrom {package}.app import app\n"),
    Framework(
        "bottle",
        "from bottle import Bottle\n\napp = Bottle()\n",
        '@app.post("/{path}/<order_id>")\ndef {name}(order_id):\n    {body}\n'
        '    return {{"ok": True}}\n',
        "from {package}.app import app\n"),
    Framework(
        "falcon",
        "import falcon\n\n{imports}\n\napp = falcon.App()\n{registers}",
        "class {name}:\n    def on_post(self, req, resp, order_id):\n        {body}\n"
        "        resp.media = {{'ok': True}}\n",
        "",
        'app.add_route("/{module}/{name}/{{order_id}}", {module}.{name}())\n'),
    Framework(
        "pyramid",
        "from pyramid.config import Configurator\n\n\ndef main(global_config, **settings):\n"
        "    with Configurator(settings=settings) as config:\n"
        '        config.add_route("orders", "/orders/{{order_id}}")\n'
        "        config.scan()\n        return config.make_wsgi_app()\n",
        '@view_config(route_name="{path}", renderer="json")\ndef {name}(request):\n'
        '    order_id = request.matchdict["order_id"]\n    {body}\n    return {{"ok": True}}\n',
        "from pyramid.view import view_config\n"),
]

PACKAGES = ["shop", "billing", "catalog", "accounts"]
MODULES = ["orders", "carts", "sessions", "payments", "reports"]
HANDLERS = ["create", "update", "checkout", "refund", "preview"]
IMPORT_STYLES = ["absolute", "relative", "package", "module", "service"]


@st.composite
def projects(draw: st.DrawFn) -> dict[str, str]:
    """Files of a generated service: relative path -> source."""
    package = draw(st.sampled_from(PACKAGES))
    chosen = draw(st.lists(st.sampled_from(FRAMEWORKS), min_size=1, max_size=2,
                           unique_by=lambda framework: framework.name))
    idioms = draw(st.lists(st.sampled_from(IDIOMS), min_size=1, max_size=5,
                           unique_by=lambda idiom: idiom.name))
    re_export = draw(st.booleans())
    cycle = draw(st.booleans())
    files: dict[str, str] = {}

    exported = sorted({name for idiom in idioms for name in idiom.names})
    files[f"{package}/__init__.py"] = (
        f"from .stores import {', '.join(exported)}\n\n__all__ = {exported!r}\n"
        if re_export and exported else '"""The service package."""\n')
    stores = STORES_HEADER
    if cycle:  # stores <-> services: an import cycle, harmless when nothing runs it
        stores += f"from {package} import services\n\n"
    files[f"{package}/stores.py"] = stores + "\n\n".join(
        idiom.definition for idiom in idioms if idiom.definition)

    service_functions = []
    handler_modules: dict[str, list[str]] = {}
    for index, framework in enumerate(chosen):
        folder = "routes" if index == 0 else f"routes_{framework.name.split()[0]}"
        files[f"{package}/{folder}/__init__.py"] = ""
        modules = draw(st.lists(st.sampled_from(MODULES), min_size=1, max_size=3, unique=True))
        registered: list[tuple[str, str]] = []
        for module in modules:
            style = draw(st.sampled_from(IMPORT_STYLES if re_export else
                                         [s for s in IMPORT_STYLES if s != "package"]))
            uses = draw(st.lists(st.sampled_from(idioms), min_size=1, max_size=2))
            names = sorted({name for idiom in uses for name in idiom.names})
            head = framework.module_head.format(package=package)
            prefix = ""
            if style == "module":
                head += f"from {package} import stores\n"
                prefix = "stores."
            elif style == "service":
                head += f"from {package} import services\n"
            elif names:
                source = {"absolute": f"{package}.stores", "relative": "..stores",
                          "package": package}[style]
                head += f"from {source} import {', '.join(names)}\n"
            handlers = []
            for number, idiom in enumerate(uses):
                verb = HANDLERS[(index + number) % len(HANDLERS)]
                name = f"{verb}_{module}" if "class" not in framework.handler else \
                    f"{verb.title()}{module.title()}Handler"
                body = idiom.usage.format(s=prefix)
                if style == "service":
                    helper = f"{verb}_{module}_{number}"
                    service_functions.append(
                        f"def {helper}(order_id):\n    "
                        + idiom.usage.format(s="stores.").replace("\n    ", "\n    ")
                        + "\n    return order_id\n")
                    body = f"services.{helper}(order_id)"
                if "class" in framework.handler:
                    body = body.replace("\n    ", "\n        ")
                handlers.append(framework.handler.format(name=name, path=f"{module}", body=body))
                registered.append((module, name))
            files[f"{package}/{folder}/{module}.py"] = head + "\n\n" + "\n\n".join(handlers)
            handler_modules.setdefault(folder, []).append(module)
        imports = "\n".join(f"from {package}.{folder} import {module}"
                            for module in handler_modules[folder])
        registers = "".join(framework.registers.format(module=module, name=name)
                            for module, name in registered)
        app_name = "app.py" if index == 0 else f"app_{framework.name.split()[0]}.py"
        if framework.name == "django":
            app_name = "urls.py" if index == 0 or "urls.py" not in str(files) else "urls_2.py"
        files[f"{package}/{app_name}"] = framework.app.format(
            package=package, imports=imports, registers=registers, modules="")
    files[f"{package}/services.py"] = (f"from {package} import stores\n\n\n"
                                       + "\n\n".join(service_functions))
    if draw(st.booleans()):
        files["tests/test_smoke.py"] = (f"from {package}.stores import *  # noqa: F403\n\n\n"
                                        "def test_imports():\n    assert True\n")
    if draw(st.integers(0, 9)) == 0:  # now and then, a file that does not parse
        files[f"{package}/legacy.py"] = "def broken(:\n    pass\n"
    return files


def write(root: Path, files: dict[str, str], order: list[str]) -> Path:
    for name in order:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(files[name], encoding="utf-8")
    return root


def report(paths: list[str], **options) -> tuple[str, list]:
    result = scan(paths, **options)
    internal = [problem for problem in result.problems if problem.kind == "internal"]
    return renderer("json")(result, list(all_rules())), internal


def tops(files: dict[str, str]) -> list[str]:
    return sorted({name.split("/")[0] for name in files})


@settings(PROJECT_FUZZ, max_examples=examples(12))
@given(files=projects())
def test_generated_projects_scan_without_internal_errors(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
        files: dict[str, str]) -> None:
    root = write(tmp_path_factory.mktemp("service"), files, sorted(files))
    monkeypatch.chdir(root)
    outcome = CliRunner().invoke(main, ["check", "--format", "json", "--no-cache", "--jobs", "1",
                                        *tops(files)])
    assert outcome.exit_code in (0, 1), outcome.output
    parsed = json.loads(outcome.stdout)
    assert not [p for p in parsed["problems"] if p["kind"] == "internal"], parsed["problems"]
    summary = parsed["summary"]
    assert summary["files_scanned"] + summary["files_failed"] == sum(
        1 for name in files if name.endswith(".py"))


@settings(PROJECT_FUZZ, max_examples=examples(5))
@given(files=projects(), data=st.data())
def test_generated_projects_give_one_report_however_they_are_scanned(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
        files: dict[str, str], data: st.DataObject) -> None:
    first = write(tmp_path_factory.mktemp("first"), files, sorted(files))
    order = data.draw(st.permutations(sorted(files)))
    second = write(tmp_path_factory.mktemp("second"), files, list(order))
    cache = tmp_path_factory.mktemp("cache")

    monkeypatch.chdir(first)
    baseline, internal = report(tops(files), jobs=1, exhaustive=True)
    assert not internal, internal

    monkeypatch.chdir(second)
    variants = {
        "written in another order": report(tops(files), jobs=1, exhaustive=True),
        "paths in reverse order": report(list(reversed(tops(files))), jobs=1, exhaustive=True),
        "lazy": report(tops(files), jobs=1),
        "cache, cold": report(tops(files), jobs=1, cache=True, cache_dir=str(cache)),
        "cache, warm": report(tops(files), jobs=1, cache=True, cache_dir=str(cache)),
        "cache, warm, exhaustive": report(tops(files), jobs=1, cache=True, cache_dir=str(cache),
                                          exhaustive=True),
    }
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 1)  # a pool of two, even for a few files
    variants["--jobs 2"] = report(tops(files), jobs=2, exhaustive=True)
    for label, (text, internal) in variants.items():
        assert not internal, (label, internal)
        assert text == baseline, label
