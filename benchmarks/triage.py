"""Re-run the hand triage of statelint's findings on real applications from PyPI.

Each application's wheel is downloaded (no dependencies, nothing installed or
imported), unpacked under ``benchmarks/.corpora/apps/`` and scanned with
``python -m statelint check --format json``.  Every finding is looked up in
``benchmarks/triage.toml``, where a person recorded whether it is a true or a
false positive and why.  The script prints, per application, the handlers found,
the stateful ones, the findings, how many are true / false / not yet triaged,
and the precision over the triaged ones.

    python benchmarks/triage.py                  # every application
    python benchmarks/triage.py --app mlflow     # one
    python benchmarks/triage.py --untriaged      # list findings nobody judged yet

Findings are matched by (application, rule, symbol), which survives line moves
between releases; versions are pinned so that the numbers are reproducible.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import zipfile
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
CORPORA = HERE / ".corpora" / "apps"
TRIAGE = HERE / "triage.toml"

#: application → pinned requirement (wheels: a zip of the sources)
APPS = {
    "mlflow": "mlflow==3.18.0",
    "apache-superset": "apache-superset==6.1.0",
    "label-studio": "label-studio==1.23.2",
    "jupyter-server": "jupyter_server==2.21.1",
    "datasette": "datasette==0.65.5",
    "flask-appbuilder": "flask-appbuilder==5.3.0",
}


def fetch(app: str) -> Path:
    """Download and unpack one application's wheel; return its source folder."""
    target = CORPORA / app
    if target.exists():
        return target
    download = CORPORA / "_wheels"
    download.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
         "-d", str(download), APPS[app]],
        check=True,
    )
    name = APPS[app].split("==")[0].replace("-", "_").lower()
    wheels = sorted(p for p in download.glob("*.whl") if p.name.lower().startswith(name))
    if not wheels:
        raise SystemExit(f"no wheel downloaded for {APPS[app]}")
    with zipfile.ZipFile(wheels[-1]) as archive:
        members = [m for m in archive.namelist() if m.endswith(".py")]
        archive.extractall(target, members)
    return target


def scan(folder: Path) -> dict:
    """Run statelint on a folder and return its JSON report."""
    completed = subprocess.run(
        [sys.executable, "-m", "statelint", "check", "--format", "json", "--no-cache",
         "--no-respect-gitignore", "."],
        cwd=folder, capture_output=True, text=True,
    )
    if completed.returncode not in (0, 1):
        raise SystemExit(f"statelint failed on {folder}: {completed.stderr.strip()}")
    return json.loads(completed.stdout)


def load_triage() -> dict[tuple[str, str, str], dict]:
    """The recorded verdicts, by (application, rule, symbol)."""
    data = tomllib.loads(TRIAGE.read_text(encoding="utf-8"))
    return {(item["app"], item["rule"], item["symbol"]): item for item in data.get("finding", [])}


def main() -> int:
    """Scan, match against the recorded triage, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=sorted(APPS), action="append")
    parser.add_argument("--untriaged", action="store_true", help="list findings with no verdict")
    args = parser.parse_args()
    triage = load_triage()
    rows = []
    totals = {"tp": 0, "fp": 0, "open": 0}
    for app in args.app or sorted(APPS):
        report = scan(fetch(app))
        summary = report["summary"]
        counts = {"tp": 0, "fp": 0, "open": 0}
        for finding in report["findings"]:
            verdict = triage.get((app, finding["rule"], finding["symbol"]))
            if verdict is None:
                counts["open"] += 1
                if args.untriaged:
                    print(f"untriaged: {app} {finding['rule']} {finding['symbol']} "
                          f"{finding['path']}:{finding['line']}  {finding['message'][:120]}")
            else:
                counts["tp" if verdict["verdict"] == "true" else "fp"] += 1
        for key in totals:
            totals[key] += counts[key]
        rows.append((app, summary["files_scanned"], summary["handlers"],
                     summary["stateful_handlers"], summary["findings"], counts))
    print(f"{'application':<18}{'files':>7}{'handlers':>10}{'stateful':>10}{'findings':>10}"
          f"{'true':>6}{'false':>7}{'open':>6}")
    for app, files, handlers, stateful, findings, counts in rows:
        print(f"{app:<18}{files:>7}{handlers:>10}{stateful:>10}{findings:>10}"
              f"{counts['tp']:>6}{counts['fp']:>7}{counts['open']:>6}")
    judged = totals["tp"] + totals["fp"]
    precision = f"{totals['tp'] / judged:.0%}" if judged else "n/a"
    print(f"precision over triaged findings: {precision} "
          f"({totals['tp']} true, {totals['fp']} false, {totals['open']} not triaged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
