"""How long ``statelint server`` takes to answer an edit, on a real project.

Starts the server on a copy of PROJECT (the copy keeps the project folder free of
statelint's cache), opens one module, then edits a function body several times.
For each edit it measures the time from sending ``textDocument/didChange`` to the
``textDocument/publishDiagnostics`` for that version, and subtracts the debounce
the server waits after the last change.  Target: at most 0.3 s after the debounce.

    python benchmarks/lsp_latency.py /work/corpus/mealie
    python benchmarks/lsp_latency.py /work/corpus/wger --file wger/core/views/user.py --edits 8

Prints the first (cold) check, the check on open, each edit's latency and the
scan time the server reported for it, and the median and worst edit.  A
benchmark, not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from lsp_client import Editor  # noqa: E402  (the tests' language client)

TARGET_SECONDS = 0.3
SKIPPED_PARTS = {"tests", "test", "migrations", "alembic", "node_modules", ".git", ".venv", "venv"}


def pick_module(root: Path) -> str:
    """A module to edit: the largest one that handles requests (mentions `request` and
    defines functions), outside tests and migrations."""
    best: tuple[int, str] | None = None
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if SKIPPED_PARTS & set(relative.parts):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "request" not in text or "def " not in text:
            continue
        candidate = (len(text), relative.as_posix())
        if best is None or candidate > best:
            best = candidate
    if best is None:
        raise SystemExit(f"no module that handles requests under {root}; give one with --file")
    return best[1]


def edit_function_body(text: str, number: int) -> str:
    """``text`` with one assignment added at the top of a function's body (the
    ``number``-th function, wrapping around), as a person editing it would."""
    functions = [node for node in ast.walk(ast.parse(text))
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and node.body and node.body[0].lineno > node.lineno]
    if not functions:
        raise SystemExit("the module defines no function with a body on its own lines")
    function = functions[number % len(functions)]
    first = function.body[0]
    lines = text.splitlines(keepends=True)
    indent = " " * first.col_offset
    lines.insert(first.lineno - 1, f"{indent}edited_{number} = {number}\n")
    return "".join(lines)


def scan_seconds(logs: list[str], start: int) -> str:
    """The scan time the server logged for the first check after ``start``."""
    for message in logs[start:]:
        if message.startswith("statelint: checked ") and " in " in message:
            return message.split(" in ", 1)[1].split(":", 1)[0]
    return "?"


async def measure(root: Path, relpath: str, edits: int, debounce_ms: int) -> int:
    editor = Editor(root, debounce_ms=debounce_ms)
    started = time.perf_counter()
    await editor.start()
    first = await editor.wait_for(
        lambda: next((m for m in editor.logs if m.startswith("statelint: checked ")), None),
        "the first check")
    print(f"first check (cold cache), from start:  {time.perf_counter() - started:7.3f} s   "
          f"[{first}]")
    try:
        before, logged = len(editor.published), len(editor.logs)
        sent = time.perf_counter()
        uri = editor.open(relpath)
        opened = await editor.diagnostics(relpath, since=before, version=1)
        print(f"didOpen → diagnostics:                 {opened.at - sent:7.3f} s   "
              f"(scan {scan_seconds(editor.logs, logged)})")
        original = editor.texts[uri]
        latencies = []
        for number in range(edits):
            before, logged = len(editor.published), len(editor.logs)
            text = edit_function_body(original, number)
            sent = time.perf_counter()
            version = editor.change(relpath, text)
            published = await editor.diagnostics(relpath, since=before, version=version)
            latency = published.at - sent - debounce_ms / 1000
            latencies.append(latency)
            print(f"edit {number + 1}: didChange → diagnostics − debounce: {latency:7.3f} s   "
                  f"(scan {scan_seconds(editor.logs, logged)}, "
                  f"{len(published.params.diagnostics)} diagnostics in the file)")
    finally:
        await editor.stop()
    median, worst = statistics.median(latencies), max(latencies)
    verdict = "meets" if worst <= TARGET_SECONDS else "misses"
    print(f"edits: median {median:.3f} s, worst {worst:.3f} s after the {debounce_ms} ms "
          f"debounce; {verdict} the {TARGET_SECONDS:.1f} s target")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("project", type=Path, help="the project folder (it is copied first)")
    parser.add_argument("--file", help="the module to open and edit, relative to the project "
                                       "(default: the largest one that handles requests)")
    parser.add_argument("--edits", type=int, default=5, help="how many edits to time")
    parser.add_argument("--debounce", type=int, default=300, help="the server's debounce, in ms")
    options = parser.parse_args()
    source = options.project.resolve()
    if not source.is_dir():
        parser.error(f"{options.project}: not a folder")
    with tempfile.TemporaryDirectory(prefix="statelint-lsp-") as folder:
        root = Path(folder) / source.name
        shutil.copytree(source, root, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", ".statelint_cache", "node_modules"))
        relpath = options.file or pick_module(root)
        files = sum(1 for _ in root.rglob("*.py"))
        print(f"project {source} ({files} Python files), editing {relpath}, "
              f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
        return asyncio.run(measure(root, relpath, options.edits, options.debounce))


if __name__ == "__main__":
    sys.exit(main())
