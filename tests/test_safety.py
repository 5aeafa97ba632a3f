"""Issue 7: statelint never imports, executes or evaluates the code it scans, never
reads outside what it was asked to scan, and writes nothing but its cache and the
outputs it was told to write.

The scanned project here is hostile: importing or running any of its files (a
``conftest.py``, a package ``__init__.py``, a ``setup.py``, modules named like
statelint's own dependencies) writes a marker file and raises ``SystemExit``.  The
scans run in-process (watched with an audit hook) and as real subprocesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from statelint.engine import scan

# Importing or running this writes a marker named after the file, then stops the process.
PAYLOAD = '''\
import pathlib
pathlib.Path({markers!r}, {name!r}).write_text("executed")
raise SystemExit("{name} was executed by the scanner")
'''

HANDLER = '''\
import pathlib
from flask import Flask

app = Flask(__name__)
SESSIONS = {{}}
pathlib.Path({markers!r}, "app.py").write_text("imported")


@app.get("/login/<user>")
def login(user):
    SESSIONS[user] = eval("__import__('os').getpid()")
    return "ok"
'''

HOSTILE_NAMES = [
    "conftest.py",
    "setup.py",
    "sitecustomize.py",
    "usercustomize.py",
    "noxfile.py",
    # modules named like what statelint itself imports: shadowing must not happen
    "click.py",
    "libcst.py",
    "tomli.py",
    "json.py",
    "shop/__init__.py",
    "shop/__main__.py",
    "shop/settings/__init__.py",
    "shop/settings/production.py",
]


def hostile_project(root: Path, markers: Path) -> Path:
    """A project whose every file, if imported or run, leaves a marker in ``markers``."""
    project = root / "hostile project"
    for name in HOSTILE_NAMES:
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(PAYLOAD.format(markers=str(markers), name=name.replace("/", "_")))
    (project / "shop" / "app.py").write_text(HANDLER.format(markers=str(markers)))
    # a broken file and an undecodable one must not be "tried" any other way
    (project / "shop" / "broken.py").write_text("exec(open('x').read()\n")
    (project / "shop" / "legacy.py").write_bytes(b"# coding: latin-1\nexec '\xe9'\n")
    return project


def tree_listing(root: Path) -> set[str]:
    """Every file and folder under ``root``, hidden ones included."""
    return {path.relative_to(root).as_posix() for path in root.rglob("*")}


def only_cache_added(before: set[str], after: set[str]) -> set[str]:
    """Entries added to a tree, other than the ``.statelint_cache`` folder and its content."""
    return {entry for entry in after - before
            if not any(part == ".statelint_cache" for part in entry.split("/"))}


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    folder = tmp_path / "markers"
    folder.mkdir()
    return folder


# -- in-process, watched by an audit hook -----------------------------------

_RECORDER: dict[str, Any] = {"events": None}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    events = _RECORDER["events"]
    if events is not None and event in ("open", "exec", "import", "os.scandir", "os.listdir",
                                        "os.system", "subprocess.Popen", "os.exec",
                                        "os.posix_spawn", "os.fork", "os.remove", "os.rename"):
        events.append((event, args))


@pytest.fixture
def audit() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """Record file opens, code execution, imports and processes while the test runs."""
    if not _RECORDER.get("installed"):
        sys.addaudithook(_audit)  # hooks cannot be removed; this one is idle when not recording
        _RECORDER["installed"] = True
    events: list[tuple[str, tuple[Any, ...]]] = []
    _RECORDER["events"] = events
    try:
        yield events
    finally:
        _RECORDER["events"] = None


def _inside(path: str | bytes | int, folder: Path) -> bool:
    if isinstance(path, int):
        return True  # an already open descriptor
    text = os.fsdecode(path)
    resolved = Path(text).resolve()
    return resolved == folder or folder in resolved.parents


def _is_write(args: tuple[Any, ...]) -> bool:
    mode, flags = args[1], args[2]
    if isinstance(mode, str) and any(letter in mode for letter in "wax+"):
        return True
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))


def test_in_process_scan_imports_and_runs_nothing(tmp_path: Path, markers: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  audit: list) -> None:
    project = hostile_project(tmp_path, markers)
    cache_dir = tmp_path / "cache"
    monkeypatch.chdir(project)
    modules_before = set(sys.modules)
    # a first scan of a harmless file loads statelint's own lazily imported modules
    harmless = tmp_path / "harmless"
    harmless.mkdir()
    (harmless / "ok.py").write_text("X = 1\n")
    scan([str(harmless)], jobs=1, cache=True, cache_dir=str(tmp_path / "warm-cache"))
    audit.clear()
    before = tree_listing(project)

    result = scan(["."], jobs=1, cache=True, cache_dir=str(cache_dir))
    recorded = list(audit)

    assert sorted(os.listdir(markers)) == []
    assert tree_listing(project) == before
    assert {f.symbol for f in result.findings} == {"shop.app.SESSIONS"}
    assert {p.path for p in result.problems} == {"shop/broken.py", "shop/legacy.py"}
    assert result.files_scanned + result.files_failed == len(HOSTILE_NAMES) + 3

    real_project = project.resolve()
    # The only code a scan may run is library code from files on disk (a coding cookie
    # loads its codec from the standard library), never code compiled from a string.
    executed = [args[0].co_filename for event, args in recorded if event == "exec"]
    for filename in executed:
        assert Path(filename).is_file(), f"executed code compiled from a string: {filename}"
        assert not _inside(filename, real_project), f"executed scanned code: {filename}"
    imported_from_tree = [name for name in set(sys.modules) - modules_before
                          if _inside(getattr(sys.modules[name], "__file__", None) or "/nonexistent",
                                     real_project)]
    assert imported_from_tree == []
    assert not [args for event, args in recorded
                if event in ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn",
                             "os.fork")]
    for event, args in recorded:
        if event == "open" and _is_write(args):
            assert _inside(args[0], cache_dir.resolve()), f"wrote outside the cache: {args[0]}"
        if event in ("os.remove", "os.rename"):
            assert _inside(args[0], cache_dir.resolve()), f"{event} outside the cache: {args}"
        if event in ("os.scandir", "os.listdir") and args and args[0] is not None:
            assert _inside(args[0], real_project) or _inside(args[0], cache_dir.resolve()), args


def test_scan_reads_nothing_outside_the_given_folder(tmp_path: Path, markers: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     audit: list) -> None:
    project = hostile_project(tmp_path, markers)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("TOKENS = {}\n")
    (outside / "nested").mkdir()
    (outside / "nested" / "deeper.py").write_text("CACHE = {}\n")
    (project / "shop" / "vendored").symlink_to(outside, target_is_directory=True)
    (project / "shop" / "secret_link.py").symlink_to(outside / "secret.py")
    (project / "shop" / "up").symlink_to(tmp_path, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    scan([str(harmless_folder(tmp_path))], jobs=1)  # warm up lazy imports
    audit.clear()

    result = scan([str(project / "shop")], jobs=1)
    recorded = list(audit)

    assert {f.symbol for f in result.findings} == {"shop.app.SESSIONS"}
    real_outside = outside.resolve()
    for event, args in recorded:
        if event == "open":
            assert not _inside(args[0], real_outside), f"read outside the scan: {args[0]}"
        if event in ("os.scandir", "os.listdir") and args and args[0] is not None:
            assert not _inside(args[0], real_outside), f"listed outside the scan: {args[0]}"
    assert os.listdir(markers) == []


def harmless_folder(root: Path) -> Path:
    folder = root / "harmless"
    folder.mkdir(exist_ok=True)
    (folder / "ok.py").write_text("X = 1\n")
    return folder


# -- real processes -----------------------------------------------------------


def _statelint_command() -> list[str]:
    """The installed console script when there is one (it does not put the working
    directory on ``sys.path``), else the module through ``python -P`` (which does not either)."""
    script = Path(sys.executable).with_name("statelint")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-P", "-m", "statelint"]


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_subprocess_scan_from_inside_the_hostile_tree(tmp_path: Path, markers: Path,
                                                      output_format: str) -> None:
    project = hostile_project(tmp_path, markers)
    before = tree_listing(project)
    report = tmp_path / "reports" / f"statelint.{output_format}"
    report.parent.mkdir()
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "", "NO_COLOR": "1"}
    environment.pop("PYTHONPATH", None)
    completed = subprocess.run(
        [*_statelint_command(), "check", ".", "--format", output_format, "-o", str(report),
         "--jobs", "1"],
        cwd=project, env=environment, capture_output=True, text=True, timeout=300, check=False)

    assert completed.returncode == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "was executed" not in completed.stdout + completed.stderr
    assert os.listdir(markers) == []
    assert only_cache_added(before, tree_listing(project)) == set()
    assert sorted(os.listdir(report.parent)) == [report.name]
    json.loads(report.read_text(encoding="utf-8"))


def test_python_dash_m_from_another_folder_runs_nothing(tmp_path: Path, markers: Path) -> None:
    project = hostile_project(tmp_path, markers)
    before = tree_listing(project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    completed = subprocess.run(
        [sys.executable, "-m", "statelint", "check", str(project), "--format", "json",
         "--jobs", "2"],
        cwd=elsewhere, capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    assert {f["symbol"] for f in report["findings"]} == {"shop.app.SESSIONS"}
    assert os.listdir(markers) == []
    assert only_cache_added(before, tree_listing(project)) == set()
    assert only_cache_added(set(), tree_listing(elsewhere)) == set()


def test_the_payload_is_live(tmp_path: Path, markers: Path) -> None:
    """The hostile files do what they threaten when run, so the tests above mean something."""
    project = hostile_project(tmp_path, markers)
    completed = subprocess.run([sys.executable, "-c", "import conftest"], cwd=project,
                               capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 1
    assert "conftest.py was executed by the scanner" in completed.stderr
    assert os.listdir(markers) == ["conftest.py"]


def test_python_dash_m_inside_the_hostile_tree_runs_nothing(tmp_path: Path,
                                                            markers: Path) -> None:
    project = hostile_project(tmp_path, markers)
    completed = subprocess.run(
        [sys.executable, "-m", "statelint", "check", ".", "--format", "json", "--jobs", "1"],
        cwd=project, capture_output=True, text=True, timeout=300, check=False)
    assert os.listdir(markers) == []
    assert completed.returncode == 1, completed.stderr
