#!/usr/bin/env python3
"""Open-ended fuzzing of statelint: the property tests, with random seeds, many times.

The test suite runs its Hypothesis tests derandomized with a bounded number of
examples, so that it is fast and every run checks the same inputs.  This script
runs the same tests with ``STATELINT_FUZZ=open`` (see ``tests/conftest.py``): each
round picks a new random seed and runs ``--scale`` times (default 10) each test's
bounded number of examples, until the time budget is spent (a round still running
then is stopped, and does not count as failed).  No example database is kept.

A failing round's output (with the seed and Hypothesis's falsifying example) is
saved under ``benchmarks/.corpora/fuzz/`` (gitignored); turn each crash into a
fixed example in ``tests/test_regressions.py``.  Not part of CI.

    python benchmarks/fuzz.py                      # 10 minutes, all property tests
    python benchmarks/fuzz.py --minutes 60 --scale 50
    python benchmarks/fuzz.py --tests tests/test_fuzz.py -k grammar
    python benchmarks/fuzz.py --seed 1234 --rounds 1   # repeat one round

Exit status: 0 when no round failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / ".corpora" / "fuzz"
DEFAULT_TESTS = ["tests/test_fuzz.py", "tests/test_fuzz_projects.py", "tests/test_walk.py",
                 "tests/test_positions.py"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="time budget (default 10)")
    parser.add_argument("--rounds", type=int, default=0, help="stop after N rounds (0: no limit)")
    parser.add_argument("--scale", type=int, default=10,
                        help="times each test's bounded number of examples (default 10)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the first round (then random)")
    parser.add_argument("--tests", nargs="*", default=None, help="test files to run")
    parser.add_argument("-k", default=None, help="pytest -k expression")
    args = parser.parse_args(argv)

    tests = [test for test in (args.tests or DEFAULT_TESTS) if (REPO / test).exists()]
    env = dict(os.environ, STATELINT_FUZZ="open", STATELINT_FUZZ_SCALE=str(args.scale))
    OUT.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + args.minutes * 60
    failures: list[tuple[int, Path]] = []
    round_number = 0
    seed = args.seed
    while time.monotonic() < deadline and (not args.rounds or round_number < args.rounds):
        round_number += 1
        if seed is None:
            seed = random.SystemRandom().randrange(2**32)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "-p", "no:warnings", f"--hypothesis-seed={seed}", *tests]
        if args.k:
            command += ["-k", args.k]
        started = time.monotonic()
        try:
            completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True,
                                       text=True, timeout=max(1.0, deadline - started))
        except subprocess.TimeoutExpired:
            print(f"round {round_number}: seed {seed}: stopped at the time limit", flush=True)
            break
        elapsed = time.monotonic() - started
        last = (completed.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"round {round_number}: seed {seed}: exit {completed.returncode} "
              f"in {elapsed:.0f} s: {last}", flush=True)
        if completed.returncode != 0:
            log = OUT / f"seed-{seed}.log"
            log.write_text(" ".join(command) + "\n\n" + completed.stdout + completed.stderr,
                           encoding="utf-8")
            failures.append((seed, log))
            print(f"  failed: output in {log}", flush=True)
        seed = None
    print(f"{round_number} rounds, {len(failures)} failed"
          + "".join(f"\n  seed {seed}: {log}" for seed, log in failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
