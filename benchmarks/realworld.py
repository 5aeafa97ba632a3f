"""Score statelint against hand-labelled real applications (not part of the test suite).

Each ``benchmarks/corpus/<app>.json`` says, line by line, where an application keeps
per-process state (``stateful``) and where its look-alikes are (``acceptable``), in files
its labeller read completely (``files``).  The labels were written from reading the code,
before statelint was run on it.  This script scans each application at the pinned commit
or version and prints, per application and overall: object recall (a stateful object is
found when any of its cases is), case recall, precision, and internal errors.

    python benchmarks/realworld.py --snapshots /path/to/snapshots      # every application
    python benchmarks/realworld.py --snapshots DIR --app CTFd --misses # one, with every miss

Applications labelled from a git snapshot are read from ``SNAPSHOTS/<app>`` (the tree at
the commit the label file names); those labelled from PyPI (``"source": "pypi"``) are
downloaded as sdists into ``benchmarks/.corpora/realworld``.  Applications marked
``"held_out": true`` were set aside before any scan and are never tuned on: they are
scored on a line of their own.

Matching (as the labelling guide says): a finding's primary location matches a case of
the same path within two lines, the nearest first (on a tie, the same symbol, then the
stateful case).  Recall also counts the related locations a finding lists (the other
mutation sites).  Precision is over findings of severity error or warning: one that
matches a stateful case is right; one that matches an acceptable case, or matches none
but lies in a completely read file, is a false positive; others are not scored.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
DOWNLOADS = HERE / ".corpora" / "realworld"
TOLERANCE = 2


@dataclass(frozen=True)
class Case:
    path: str
    line: int
    symbol: str
    label: str
    kind: str
    why: str


@dataclass
class App:
    name: str
    repo: str
    commit: str
    source: str
    cases: list[Case]
    complete: set[str]
    held_out: bool = False
    version: str = ""


@dataclass
class Score:
    app: str
    objects: int = 0
    objects_found: int = 0
    cases: int = 0
    cases_found: int = 0
    true_positives: int = 0
    false_positives: int = 0
    unscored: int = 0
    internal_errors: int = 0
    seconds: float = 0.0
    handlers: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def object_recall(self) -> float:
        return self.objects_found / self.objects if self.objects else 1.0

    @property
    def case_recall(self) -> float:
        return self.cases_found / self.cases if self.cases else 1.0

    @property
    def precision(self) -> float:
        scored = self.true_positives + self.false_positives
        return self.true_positives / scored if scored else 1.0


def load_app(path: Path) -> App:
    data = json.loads(path.read_text(encoding="utf-8"))
    cases = [Case(item["path"], int(item["line"]), item["symbol"], item["label"], item["kind"],
                  item.get("why", "")) for item in data["cases"]]
    return App(name=data.get("app", path.stem), repo=data.get("repo", ""),
               commit=data.get("commit", ""), source=data.get("source", "github"), cases=cases,
               complete={item["path"] for item in data.get("files", [])},
               held_out=bool(data.get("held_out", False)), version=data.get("version", ""))


def tree_of(app: App, snapshots: Path | None) -> Path:
    """Where the application's source is: a snapshot folder, or a downloaded sdist."""
    if app.source == "pypi":
        target = DOWNLOADS / f"{app.name}-{app.version}"
        if not target.is_dir():
            DOWNLOADS.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                            ":all:", "-q", "-d", str(DOWNLOADS), f"{app.name}=={app.version}"],
                           check=True)
            archive = next(DOWNLOADS.glob(f"{app.name}-{app.version}.tar.gz"))
            with tarfile.open(archive) as bundle:
                bundle.extractall(DOWNLOADS, filter="data")
        return target
    if snapshots is None:
        raise SystemExit(f"{app.name}: labelled from a git snapshot; pass --snapshots DIR "
                         f"holding {app.name}/ at {app.repo}@{app.commit[:12]}")
    return snapshots / app.name


def run_statelint(tree: Path) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-m", "statelint", "check", ".", "--format", "json", "--no-cache",
         "--no-respect-gitignore", "--exit-zero"],
        cwd=tree, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if not process.stdout.strip():
        raise SystemExit(f"statelint wrote no report for {tree}: {process.stderr.strip()}")
    return json.loads(process.stdout), seconds


def _nearest(cases: list[Case], path: str, line: int, symbol: str) -> Case | None:
    near = [case for case in cases if case.path == path and abs(case.line - line) <= TOLERANCE]
    if not near:
        return None
    tail = symbol.replace(":", ".")
    return min(near, key=lambda case: (abs(case.line - line),
                                       not tail.endswith(case.symbol.split(".")[-1]),
                                       case.label != "stateful"))


def score(app: App, report: dict[str, Any]) -> Score:
    result = Score(app.name)
    stateful = [case for case in app.cases if case.label == "stateful"]
    found_cases: set[Case] = set()
    for finding in report["findings"]:
        places = [(finding["path"], finding["line"])]
        places += [(item["path"], item["line"]) for item in finding.get("related", [])]
        for path, line in places:
            case = _nearest(app.cases, path, line, finding.get("symbol", ""))
            if case is not None and case.label == "stateful":
                found_cases.add(case)
        if finding["severity"] not in ("error", "warning"):
            continue
        where = f"{finding['path']}:{finding['line']} {finding['rule']} {finding['symbol']}"
        primary = _nearest(app.cases, finding["path"], finding["line"], finding.get("symbol", ""))
        if primary is not None and primary.label == "stateful":
            result.true_positives += 1
        elif primary is not None:
            result.false_positives += 1
            result.wrong.append(f"{where}  (labelled acceptable: {primary.why[:100]})")
        elif finding["path"] in app.complete:
            result.false_positives += 1
            result.wrong.append(f"{where}  (unlabelled line in a completely read file)")
        else:
            result.unscored += 1
    objects: dict[str, bool] = {}
    for case in stateful:
        objects[case.symbol] = objects.get(case.symbol, False) or case in found_cases
    result.objects, result.objects_found = len(objects), sum(objects.values())
    result.cases, result.cases_found = len(stateful), len(found_cases)
    result.misses = sorted(f"{symbol}" for symbol, hit in objects.items() if not hit)
    result.internal_errors = len(report.get("errors", [])) + sum(
        1 for problem in report.get("problems", []) if problem.get("kind") == "internal")
    result.handlers = len(report.get("handlers", []))
    return result


def _row(label: str, score: Score) -> str:
    return (f"{label:<22} {score.objects_found:>3}/{score.objects:<3} {score.object_recall:>6.2f}"
            f" {score.cases_found:>4}/{score.cases:<4} {score.case_recall:>6.2f}"
            f" {score.true_positives:>4} {score.false_positives:>4} {score.precision:>6.2f}"
            f" {score.internal_errors:>4} {score.handlers:>5} {score.seconds:>7.1f}")


def _total(label: str, scores: list[Score]) -> Score:
    total = Score(label)
    for item in scores:
        for name in ("objects", "objects_found", "cases", "cases_found", "true_positives",
                     "false_positives", "unscored", "internal_errors", "seconds", "handlers"):
            setattr(total, name, getattr(total, name) + getattr(item, name))
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshots", type=Path, help="folder holding <app>/ source trees")
    parser.add_argument("--app", action="append", help="score only these applications")
    parser.add_argument("--misses", action="store_true", help="list every miss and false positive")
    parser.add_argument("--json", type=Path, help="also write the scores as JSON here")
    args = parser.parse_args()
    apps = [load_app(path) for path in sorted(CORPUS.glob("*.json"))]
    if args.app:
        apps = [app for app in apps if app.name in args.app]
    header = (f"{'application':<22} {'objects':>7} {'recall':>6} {'cases':>9} {'recall':>6}"
              f" {'TP':>4} {'FP':>4} {'prec.':>6} {'int.':>4} {'hand.':>5} {'seconds':>7}")
    print(header)
    scores: dict[str, Score] = {}
    for app in apps:
        report, seconds = run_statelint(tree_of(app, args.snapshots))
        scores[app.name] = score(app, report)
        scores[app.name].seconds = seconds
        print(_row(app.name + (" (held out)" if app.held_out else ""), scores[app.name]),
              flush=True)
    tuned = [scores[app.name] for app in apps if not app.held_out]
    held = [scores[app.name] for app in apps if app.held_out]
    print("-" * len(header))
    if tuned:
        print(_row("overall (tuned on)", _total("tuned", tuned)))
    if held:
        print(_row("overall (held out)", _total("held", held)))
    if args.misses:
        for app in apps:
            item = scores[app.name]
            if item.misses or item.wrong:
                print(f"\n{app.name}")
                for symbol in item.misses:
                    print(f"  missed   {symbol}")
                for line in item.wrong:
                    print(f"  false +  {line}")
    if args.json:
        args.json.write_text(json.dumps({name: vars(item) for name, item in scores.items()},
                                        indent=1, default=list))
    return 0


if __name__ == "__main__":
    sys.exit(main())
