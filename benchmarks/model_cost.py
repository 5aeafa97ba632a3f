"""What following objects costs: a cold scan now against a cold scan of an earlier commit.

    python benchmarks/model_cost.py --base REF PATH [PATH ...] [--repeat 3]

REF is a commit of this repository (for instance the last one before the semantic model).
Its ``statelint`` and ``rules`` folders are exported with ``git archive`` into a temporary
folder and run from there, so nothing is installed.  Each round times, in alternation, a
cold scan (``--no-cache``, every file parsed, JSON report discarded) by the earlier commit
and by the working tree, as separate processes on the same machine in the same run, and
prints the median wall times, their ratio, and the working tree's own stage timings
(``--timings``), where the semantic model has a line of its own.  Not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCAN = ["check", "--no-cache", "--exhaustive", "--format", "json", "--exit-zero",
        "--no-respect-gitignore", "-o", os.devnull]


def export(ref: str, target: Path) -> Path:
    """The engine and rule catalogue of ``ref``, laid out as an importable package."""
    archive = target / "base.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref, "statelint", "rules"],
                       stdout=out, check=True)
    source = target / "src"
    with tarfile.open(archive) as bundle:
        bundle.extractall(source, filter="data")
    (source / "rules").rename(source / "statelint" / "rules")
    return source


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    process = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): "
                         f"{process.stderr.strip()[-500:]}")
    return seconds, process.stderr


def measure(path: Path, base: Path, repeat: int) -> None:
    base_env = {**os.environ, "PYTHONPATH": str(base)}
    here_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    earlier: list[float] = []
    now: list[float] = []
    stages = ""
    for _ in range(repeat):
        seconds, _ = timed([sys.executable, "-m", "statelint", *SCAN, "."], base_env, path)
        earlier.append(seconds)
        seconds, stages = timed([sys.executable, "-m", "statelint", *SCAN, "--timings", "."],
                                here_env, path)
        now.append(seconds)
    before, after = statistics.median(earlier), statistics.median(now)
    print(f"{path}: cold scan {after:.1f}s now, {before:.1f}s at the base commit "
          f"= {after / before:.2f}x (median of {repeat}; "
          f"now {', '.join(f'{s:.1f}' for s in now)}; base {', '.join(f'{s:.1f}' for s in earlier)})")
    for line in stages.splitlines():
        if line.strip().split(":")[0] in ("discover", "facts", "link", "model", "rules", "total"):
            print(f"    {line.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the earlier commit to compare with")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("paths", nargs="+", type=Path)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = export(options.base, Path(folder))
        for path in options.paths:
            measure(path.resolve(), base, options.repeat)


if __name__ == "__main__":
    main()
