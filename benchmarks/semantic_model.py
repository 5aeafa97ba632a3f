"""Time the semantic model against the scan it is part of.

    python benchmarks/semantic_model.py PATH [PATH ...]

For each path: an exhaustive scan (every file parsed, default jobs) with its own
statistics, then the facts gathered and linked the same way and ``points_to`` timed
on the linked project.  Prints the model's share of the scan.  Not a test.
"""

from __future__ import annotations

import sys
import time

from statelint.discover import discover
from statelint.engine import collect_facts, scan
from statelint.filtering import discovery_filters, scan_root
from statelint.project import Project
from statelint.semantic import points_to


def measure(path: str) -> None:
    started = time.perf_counter()
    result = scan([path], exhaustive=True)
    scan_seconds = time.perf_counter() - started
    root = scan_root([path])
    is_excluded, is_ignored = discovery_filters(None, root)
    files = discover([path], is_excluded=is_excluded, is_ignored=is_ignored, root=root).files
    facts = collect_facts(files)
    project = Project(facts)
    mark = time.perf_counter()
    model = points_to(project)
    model_seconds = time.perf_counter() - mark
    print(f"{path}: {len(files)} files, {len(project.handlers)} handlers; scan {scan_seconds:.2f}s "
          f"(link {result.statistics.get('link', 0):.2f}s, rules {result.statistics.get('rules', 0):.2f}s); "
          f"model {model_seconds:.2f}s = {100 * model_seconds / scan_seconds:.1f}% of the scan; "
          f"{model.statistics}; process state {len(model.process_state())}")


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        measure(argument)
