#!/usr/bin/env python3
"""Scan many real web applications and libraries and count statelint's internal errors.

What it does:

1. Downloads each project of ``PROJECTS`` at its pinned version as a source
   distribution (``pip download --no-deps --no-binary :all: NAME==VERSION``; again
   with ``--python-version 3.13`` for a release that needs a newer Python, and with
   ``--no-binary NAME`` when a build dependency cannot be built from source) into
   ``benchmarks/.corpora/robustness/`` (gitignored) and unpacks it; a project
   already unpacked there is reused.  The standard library of the running Python
   (its ``Lib`` folder) is scanned in place.
2. Scans each one with statelint as a subprocess, twice with the same fresh cache
   folder: cold, then cached (``--exhaustive``, so every file is parsed and a bug
   in any file shows), ``--format json``.
3. Prints a table: project, framework, Python files, files that failed (syntax,
   encoding...), internal errors, cold and cached wall time, and whether the two
   reports agree.  Every internal error is listed below the table with its file.

Not part of CI: it downloads about fifty packages and takes a while on two cores.
Only the standard library is used; statelint must be importable by this Python.

    python benchmarks/robustness.py                   # everything
    python benchmarks/robustness.py --only flask pyramid stdlib
    python benchmarks/robustness.py --json /tmp/robustness.json --jobs 2

Exit status: 0 when no scan had an internal error, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO / "benchmarks" / ".corpora" / "robustness"

#: (PyPI name, pinned version, framework, what it is).  Applications where PyPI has
#: them, the frameworks and their extensions otherwise.
PROJECTS: list[tuple[str, str, str, str]] = [
    # Flask
    ("flask", "3.1.3", "Flask", "framework"),
    ("flask-login", "0.6.3", "Flask", "extension"),
    ("flask-caching", "2.5.1", "Flask", "extension"),
    ("flask-limiter", "4.1.1", "Flask", "extension"),
    ("flask-admin", "2.2.1", "Flask", "extension"),
    ("flask-restx", "1.3.2", "Flask", "extension"),
    ("flask-appbuilder", "5.3.0", "Flask", "framework"),
    ("flaskbb", "2.2.0", "Flask", "application"),
    ("lektor", "3.3.14", "Flask", "application"),
    ("isso", "0.14.0", "Flask", "application"),
    ("ihatemoney", "7.2.1", "Flask", "application"),
    # Quart
    ("quart", "0.23.1", "Quart", "framework"),
    ("quart-schema", "0.25.0", "Quart", "extension"),
    ("quart-auth", "0.12.0", "Quart", "extension"),
    ("quart-cors", "0.8.0", "Quart", "extension"),
    # FastAPI
    ("fastapi", "0.163.2", "FastAPI", "framework"),
    ("fastapi-users", "15.0.5", "FastAPI", "extension"),
    ("fastapi-pagination", "0.16.1", "FastAPI", "extension"),
    ("lnbits", "1.6.2", "FastAPI", "application"),
    ("nicegui", "3.18.0", "FastAPI", "application"),
    ("fief-server", "0.30.0", "FastAPI", "application"),
    # Starlette
    ("starlette", "1.10.0", "Starlette", "framework"),
    ("sqladmin", "0.32.0", "Starlette", "extension"),
    ("starlette-admin", "1.0.3", "Starlette", "extension"),
    ("starlette-exporter", "0.24.0", "Starlette", "extension"),
    ("datasette", "0.65.5", "ASGI", "application"),
    # Django / DRF
    ("django", "5.2.19", "Django", "framework"),
    ("djangorestframework", "3.18.3", "Django", "framework"),
    ("django-filter", "26.2", "Django", "extension"),
    ("django-debug-toolbar", "8.0.0", "Django", "extension"),
    ("django-allauth", "65.21.1", "Django", "extension"),
    ("graphene-django", "3.2.3", "Django", "extension"),
    ("channels", "4.3.2", "Django", "extension"),
    ("wagtail", "8.0.1", "Django", "application"),
    ("django-cms", "5.1.3", "Django", "application"),
    ("django-oscar", "4.2.1", "Django", "application"),
    ("mezzanine", "6.1.1", "Django", "application"),
    ("netbox", "4.7.3", "Django", "application"),
    # aiohttp
    ("aiohttp", "3.14.5", "aiohttp", "framework"),
    ("aiohttp-jinja2", "1.6", "aiohttp", "extension"),
    ("aiohttp-session", "2.12.1", "aiohttp", "extension"),
    ("aiohttp-cors", "0.8.1", "aiohttp", "extension"),
    # Tornado
    ("tornado", "6.6.1", "Tornado", "framework"),
    ("terminado", "0.18.1", "Tornado", "extension"),
    ("jupyter-server", "2.21.1", "Tornado", "application"),
    ("flower", "2.2.0", "Tornado", "application"),
    ("jupyterhub", "6.1.1", "Tornado", "application"),
    # Sanic
    ("sanic", "25.12.1", "Sanic", "framework"),
    ("sanic-ext", "25.12.0", "Sanic", "extension"),
    ("sanic-routing", "23.12.0", "Sanic", "extension"),
    # Litestar
    ("litestar", "2.25.0", "Litestar", "framework"),
    ("advanced-alchemy", "1.12.0", "Litestar", "extension"),
    # Falcon
    ("falcon", "4.4.0", "Falcon", "framework"),
    ("spectree", "3.0.0", "Falcon", "extension"),
    # Bottle
    ("bottle", "0.13.4", "Bottle", "framework"),
    ("pypiserver", "2.4.2", "Bottle", "application"),
    # Pyramid
    ("pyramid", "2.1", "Pyramid", "framework"),
    ("cornice", "6.1.0", "Pyramid", "extension"),
    ("pyramid-jinja2", "2.10.1", "Pyramid", "extension"),
    ("kinto", "26.5.0", "Pyramid", "application"),
]


#: Files a project ships broken on purpose, moved to ``_set-aside/`` before scanning.
SET_ASIDE: dict[str, list[str]] = {
    # a test of Django's test runner reporting a syntax error
    "django": ["tests/test_runner_apps/tagged/tests_syntax_error.py"],
}


@dataclass
class Outcome:
    project: str
    framework: str
    kind: str
    files: int = 0
    failed: int = 0
    internal: list[str] = field(default_factory=list)
    cold: float | None = None
    cached: float | None = None
    same: bool | None = None
    note: str = ""


def download(name: str, version: str, log: Path) -> Path | None:
    """The unpacked sdist of ``name==version`` under CORPORA, downloading it if needed."""
    unpacked = CORPORA / f"{name}-{version}"
    if unpacked.is_dir():
        return unpacked
    downloads = CORPORA / "_sdists"
    downloads.mkdir(parents=True, exist_ok=True)
    def norm(text: str) -> str:
        return text.replace("-", "_").replace(".", "_").lower()

    prefix = norm(f"{name}-{version}.")
    found = [path for path in downloads.iterdir() if norm(path.name).startswith(prefix)]
    if not found:
        output = ""
        # Source distributions only; then, should building the metadata need a build
        # dependency that cannot be built from source here (a Rust toolchain...), with
        # wheels allowed for the build dependencies.
        for no_binary in (":all:", name):
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                       "--no-binary", no_binary, f"{name}=={version}", "-d", str(downloads)]
            completed = subprocess.run(command, capture_output=True, text=True)
            if completed.returncode != 0 and "Requires-Python" in completed.stderr:
                # A release for a newer Python than the one running here: statelint
                # only parses it, so ask pip for the sdist as if for that Python.
                completed = subprocess.run([*command, "--python-version", "3.13"],
                                           capture_output=True, text=True)
            output += " ".join(command) + "\n" + completed.stdout + completed.stderr
            if completed.returncode == 0:
                break
        log.write_text(output, encoding="utf-8")
        found = [path for path in downloads.iterdir() if norm(path.name).startswith(prefix)]
        if completed.returncode != 0 or not found:
            return None
    archive = found[0]
    staging = Path(tempfile.mkdtemp(dir=CORPORA))
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(staging)
    else:
        with tarfile.open(archive) as bundle:
            bundle.extractall(staging, filter="data")
    inner = [path for path in staging.iterdir() if path.is_dir()]
    shutil.move(str(inner[0] if len(inner) == 1 else staging), unpacked)
    shutil.rmtree(staging, ignore_errors=True)
    for relative in SET_ASIDE.get(name, []):
        if (unpacked / relative).is_file():
            target = CORPORA / "_set-aside" / f"{name}-{version}" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(unpacked / relative), target)
    return unpacked


def run_statelint(folder: Path, cache: Path, jobs: int) -> tuple[float, int, dict | None, str]:
    command = [sys.executable, "-m", "statelint", "check", str(folder), "--format", "json",
               "--exhaustive", "--no-respect-gitignore", "--cache-dir", str(cache),
               "--jobs", str(jobs)]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True,
                               env=dict(os.environ, CI="1"))
    elapsed = time.perf_counter() - started
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        report = None
    return elapsed, completed.returncode, report, completed.stderr.strip()


def scan_project(outcome: Outcome, folder: Path, jobs: int) -> Outcome:
    outcome.files = sum(1 for _ in folder.rglob("*.py"))
    with tempfile.TemporaryDirectory(prefix="statelint-robustness-") as cache:
        cold, cold_code, cold_report, cold_err = run_statelint(folder, Path(cache), jobs)
        cached, cached_code, cached_report, cached_err = run_statelint(folder, Path(cache), jobs)
    outcome.cold, outcome.cached = cold, cached
    for code, report, err, label in ((cold_code, cold_report, cold_err, "cold"),
                                     (cached_code, cached_report, cached_err, "cached")):
        if report is None or code not in (0, 1):
            outcome.internal.append(f"{label} run: exit {code}: {err.splitlines()[-1:] or ''}")
    if cold_report is not None:
        problems = cold_report.get("problems", [])
        outcome.failed = sum(1 for problem in problems if problem.get("kind") != "internal")
        outcome.internal += [f"{problem['path']}:{problem.get('line', 0)}: {problem['message']}"
                             for problem in problems if problem.get("kind") == "internal"]
        summary = cold_report.get("summary", {})
        outcome.files = summary.get("files_scanned", 0) + summary.get("files_failed", 0) \
            or outcome.files
    if cold_report is not None and cached_report is not None:
        strip = ("timings", "duration", "stats", "statistics")
        outcome.same = ({k: v for k, v in cold_report.items() if k not in strip}
                        == {k: v for k, v in cached_report.items() if k not in strip})
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=None, help="project names (or 'stdlib')")
    parser.add_argument("--jobs", type=int, default=2, help="statelint --jobs (default 2)")
    parser.add_argument("--downloads", type=int, default=3, help="parallel downloads")
    parser.add_argument("--json", type=Path, default=None, help="write the outcomes as JSON")
    args = parser.parse_args(argv)

    CORPORA.mkdir(parents=True, exist_ok=True)
    chosen = [project for project in PROJECTS if not args.only or project[0] in args.only]
    logs = CORPORA / "_logs"
    logs.mkdir(exist_ok=True)

    def fetch(project: tuple[str, str, str, str]) -> tuple[tuple[str, str, str, str], Path | None]:
        name, version = project[0], project[1]
        return project, download(name, version, logs / f"{name}-{version}.log")

    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=max(1, args.downloads)) as pool:
        for (name, version, framework, kind), folder in pool.map(fetch, chosen):
            outcome = Outcome(f"{name} {version}", framework, kind)
            if folder is None:
                outcome.note = f"download failed (see {logs / f'{name}-{version}.log'})"
                print(f"{outcome.project}: {outcome.note}", file=sys.stderr, flush=True)
            else:
                scan_project(outcome, folder, args.jobs)
                print(f"{outcome.project}: {outcome.files} files, {len(outcome.internal)} "
                      f"internal, cold {outcome.cold:.1f} s, cached {outcome.cached:.1f} s",
                      file=sys.stderr, flush=True)
            outcomes.append(outcome)
    if not args.only or "stdlib" in args.only:
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        outcome = Outcome(f"stdlib {sys.version.split()[0]}", "-", "standard library")
        scan_project(outcome, stdlib, args.jobs)
        print(f"{outcome.project}: {outcome.files} files, {len(outcome.internal)} internal",
              file=sys.stderr, flush=True)
        outcomes.append(outcome)

    header = ("project", "framework", "kind", "files", "failed", "internal", "cold s",
              "cached s", "same")
    rows = [(o.project, o.framework, o.kind, str(o.files), str(o.failed), str(len(o.internal)),
             "-" if o.cold is None else f"{o.cold:.1f}",
             "-" if o.cached is None else f"{o.cached:.2f}",
             o.note or ("-" if o.same is None else ("yes" if o.same else "NO")))
            for o in outcomes]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    scanned = [o for o in outcomes if o.cold is not None]
    print(f"\n{len(scanned)} projects scanned, {sum(o.files for o in scanned)} files, "
          f"{sum(len(o.internal) for o in outcomes)} internal errors, "
          f"{len(outcomes) - len(scanned)} not downloaded")
    for outcome in outcomes:
        for line in outcome.internal:
            print(f"INTERNAL {outcome.project}: {line}")
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n",
                             encoding="utf-8")
    return 1 if any(o.internal for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
