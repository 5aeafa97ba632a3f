"""End-to-end checks against the realistic example projects in ``tests/projects``.

Each directory under ``tests/projects`` is a small web service written the way
teams write them (packages, models, service modules, several routing idioms)
with an ``expected.toml`` that records the truth: every request handler, its
verdict, the state that makes it stateful, and look-alikes that must never be
reported.  Two tests run per project:

* ``test_expected_file_is_well_formed`` checks the fixture itself (schema, that
  every listed handler and symbol exists in the sources, that every file
  compiles).  It needs no engine, so a broken fixture is caught on its own.
* ``test_project_verdicts`` scans the project with ``statelint.engine.scan`` and
  compares handlers, verdicts, reasons and findings with the expectations.

Frameworks whose support lands later are listed in ``LATER``; their projects
run as non-strict xfails until they are removed from that set.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PROJECTS_DIR = Path(__file__).parent / "projects"

# Shrink this set as framework support and the remaining rule kinds land.
LATER: set[str] = set()

FRAMEWORKS = {
    "flask",
    "fastapi",
    "django",
    "starlette",
    "quart",
    "aiohttp",
    "tornado",
    "sanic",
    "litestar",
    "falcon",
    "bottle",
    "pyramid",
}
VERDICTS = {"stateful", "self-contained"}
KINDS = {
    "module-state",
    "global-rebind",
    "cache",
    "backend",
    "connections",
    "disk",
    "class-state",
    "app-state",
    "background",
}
HANDLER_KEYS = {"path", "name", "framework", "verdict", "state", "kind", "note"}
NOT_STATE_KEYS = {"symbol", "why"}


def _project_dirs() -> list[Path]:
    if not PROJECTS_DIR.is_dir():
        return []
    return sorted(p for p in PROJECTS_DIR.iterdir() if (p / "expected.toml").is_file())


def _params() -> list[Any]:
    params = []
    for project in _project_dirs():
        marks = []
        if project.name in LATER:
            marks.append(
                pytest.mark.xfail(
                    strict=False, reason="framework support lands with the catalogue issue"
                )
            )
        params.append(pytest.param(project, id=project.name, marks=marks))
    return params


def _load_expected(project: Path) -> dict[str, Any]:
    with (project / "expected.toml").open("rb") as handle:
        return tomllib.load(handle)


# ---------------------------------------------------------------------------
# Fixture sanity: no engine needed
# ---------------------------------------------------------------------------


def _module_file(project: Path, dotted: str) -> Path | None:
    """The source file of module ``dotted`` in flat or src layout, if it exists."""
    parts = dotted.split(".")
    for base in (project, project / "src"):
        candidate = base.joinpath(*parts)
        if candidate.with_suffix(".py").is_file():
            return candidate.with_suffix(".py")
        if (candidate / "__init__.py").is_file():
            return candidate / "__init__.py"
    return None


def _top_level_names(tree: ast.Module) -> dict[str, ast.AST]:
    """Names bound at module level: assignments, defs, classes, imports, loop targets."""
    names: dict[str, ast.AST] = {}

    def bind(target: ast.AST, node: ast.AST) -> None:
        if isinstance(target, ast.Name):
            names.setdefault(target.id, node)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                bind(element, node)

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.setdefault(node.name, node)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    bind(target, node)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                bind(node.target, node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    names.setdefault((alias.asname or alias.name).split(".")[0], node)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                bind(node.target, node)
                visit(node.body)
            elif isinstance(node, (ast.If, ast.With, ast.Try)):
                visit(node.body)
                visit(getattr(node, "orelse", []))

    visit(tree.body)
    return names


def _class_members(node: ast.ClassDef) -> set[str]:
    """Class-level names plus attributes assigned on ``self``/``cls`` in any method."""
    members: set[str] = set()
    for item in ast.walk(node):
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            members.add(item.name)
        elif isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store):
            members.add(item.id)
        elif (
            isinstance(item, ast.Attribute)
            and isinstance(item.ctx, ast.Store)
            and isinstance(item.value, ast.Name)
            and item.value.id in ("self", "cls")
        ):
            members.add(item.attr)
    return members


def _symbol_problem(project: Path, symbol: str) -> str | None:
    """Why ``symbol`` does not name something in the project, or None if it does.

    Symbols whose top-level package is not part of the project (``django.core.cache.cache``)
    are accepted as they are: they name library objects.
    """
    parts = symbol.split(".")
    if _module_file(project, parts[0]) is None:
        return None
    for split in range(len(parts) - 1, 0, -1):
        source = _module_file(project, ".".join(parts[:split]))
        if source is None:
            continue
        rest = parts[split:]
        names = _top_level_names(ast.parse(source.read_text(encoding="utf-8")))
        if rest[0] not in names:
            return f"{symbol}: {rest[0]!r} is not bound at module level in {source.name}"
        if len(rest) > 1:
            owner = names[rest[0]]
            if not isinstance(owner, ast.ClassDef) or rest[1] not in _class_members(owner):
                return f"{symbol}: {rest[0]!r} has no attribute {rest[1]!r}"
        return None
    return f"{symbol}: no module of the project matches"


def _find_handler_def(tree: ast.Module, name: str) -> bool:
    head, _, method = name.partition(".")
    for node in tree.body:
        if method and isinstance(node, ast.ClassDef) and node.name == head:
            return any(
                isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == method
                for item in node.body
            )
        if (
            not method
            and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name == head
        ):
            return True
    return False


@pytest.mark.parametrize("project", [pytest.param(p, id=p.name) for p in _project_dirs()])
def test_expected_file_is_well_formed(project: Path) -> None:
    """The fixture is internally consistent, so engine failures point at the engine."""
    expected = _load_expected(project)
    problems: list[str] = []

    for source in sorted(project.rglob("*.py")):
        try:
            compile(source.read_bytes(), str(source), "exec", dont_inherit=True)
        except SyntaxError as exc:
            problems.append(f"{source.relative_to(project)} does not compile: {exc}")

    handlers = expected.get("handler", [])
    if not handlers:
        problems.append("no [[handler]] entries")
    if not any(h.get("verdict") == "stateful" for h in handlers):
        problems.append("no stateful handler")
    if not any(h.get("verdict") == "self-contained" for h in handlers):
        problems.append("no self-contained handler")

    seen: set[tuple[str, str]] = set()
    for entry in handlers:
        label = f"{entry.get('path')}::{entry.get('name')}"
        unknown = set(entry) - HANDLER_KEYS
        if unknown:
            problems.append(f"{label}: unknown keys {sorted(unknown)}")
        key = (entry.get("path", ""), entry.get("name", ""))
        if key in seen:
            problems.append(f"{label}: listed twice")
        seen.add(key)
        if entry.get("framework") not in FRAMEWORKS:
            problems.append(f"{label}: framework {entry.get('framework')!r}")
        if entry.get("verdict") not in VERDICTS:
            problems.append(f"{label}: verdict {entry.get('verdict')!r}")
        if entry.get("verdict") != "stateful" and ("state" in entry or "kind" in entry):
            problems.append(f"{label}: state/kind given for a self-contained handler")
        if "kind" in entry and entry["kind"] not in KINDS:
            problems.append(f"{label}: kind {entry['kind']!r}")
        source = project / key[0]
        if not source.is_file():
            problems.append(f"{label}: no such file")
            continue
        if not _find_handler_def(ast.parse(source.read_text(encoding="utf-8")), key[1]):
            problems.append(f"{label}: no such function or method at top level")
        for symbol in entry.get("state", []):
            problem = _symbol_problem(project, symbol)
            if problem:
                problems.append(f"{label}: {problem}")

    stateful_symbols = {s for h in handlers for s in h.get("state", [])}
    for entry in expected.get("not_state", []):
        unknown = set(entry) - NOT_STATE_KEYS
        if unknown or "symbol" not in entry:
            problems.append(f"not_state {entry}: expected keys symbol and why")
            continue
        if entry["symbol"] in stateful_symbols:
            problems.append(f"not_state {entry['symbol']} is also listed as state")
        problem = _symbol_problem(project, entry["symbol"])
        if problem:
            problems.append(f"not_state {problem}")

    assert not problems, f"{project.name}/expected.toml:\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------------------
# The engine against the truth
# ---------------------------------------------------------------------------


def _describe(keys: set[tuple[str, str]]) -> str:
    return ", ".join(f"{path}::{name}" for path, name in sorted(keys)) or "-"


@pytest.mark.parametrize("project", _params())
def test_project_verdicts(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scanning the project finds exactly the expected handlers with the expected verdicts."""
    from statelint.engine import scan

    expected = _load_expected(project)
    # Paths in the expectations are relative to the project directory; scanning from
    # inside it makes that true whether reports are relative to the root or the cwd.
    monkeypatch.chdir(project)
    result = scan([str(project)])

    # Hooks (before_request, teardown, middleware) may be reported with kind "hook";
    # the fixtures only enumerate request handlers (http and websocket).
    verdicts_by_key: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for verdict in result.verdicts:
        if verdict.handler.kind == "hook":
            continue
        verdicts_by_key[(verdict.handler.path, verdict.handler.name)].append(verdict)

    expected_by_key = {(h["path"], h["name"]): h for h in expected["handler"]}
    missing = set(expected_by_key) - set(verdicts_by_key)
    extra = set(verdicts_by_key) - set(expected_by_key)
    problems: list[str] = []
    if missing:
        problems.append(f"handlers not found: {_describe(missing)}")
    if extra:
        problems.append(f"unexpected handlers: {_describe(extra)}")

    finding_symbols = {finding.symbol for finding in result.findings}
    for key, entry in sorted(expected_by_key.items()):
        label = f"{key[0]}::{key[1]}"
        # A view registered under several routes may be reported once per route;
        # every registration must agree.
        for verdict in verdicts_by_key.get(key, []):
            if verdict.handler.framework != entry["framework"]:
                problems.append(
                    f"{label}: framework {verdict.handler.framework!r}, "
                    f"expected {entry['framework']!r}"
                )
            if verdict.verdict != entry["verdict"]:
                reasons = "; ".join(r.symbol or r.text for r in verdict.reasons) or "no reasons"
                problems.append(
                    f"{label}: verdict {verdict.verdict!r}, expected {entry['verdict']!r} "
                    f"({reasons})"
                )
                continue
            for symbol in entry.get("state", []):
                if not any(symbol in found for found in finding_symbols):
                    problems.append(f"{label}: no finding for state {symbol}")
                if not any(symbol in reason.symbol for reason in verdict.reasons):
                    got = sorted({r.symbol for r in verdict.reasons if r.symbol})
                    problems.append(f"{label}: reasons do not mention {symbol} (got {got})")

    for entry in expected.get("not_state", []):
        symbol = entry["symbol"]
        wrong = sorted(
            f"{f.rule} at {f.path}:{f.line}"
            for f in result.findings
            if f.symbol == symbol or f.symbol.startswith(symbol + ".")
        )
        if wrong:
            problems.append(f"{symbol} reported as state ({entry.get('why', '')}): {wrong}")

    assert not problems, f"{project.name}:\n  " + "\n  ".join(problems)
