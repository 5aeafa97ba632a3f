#!/usr/bin/env python3
"""Benchmark harness for statelint against peer linters on real corpora.

What it does, in order:

1. Prepares a corpus under ``benchmarks/.corpora/`` (gitignored): Django's sdist
   (downloaded with ``pip download``), an mlflow sdist or wheel, or a local
   directory.  Files that ``ast.parse`` rejects are set aside (Django ships one
   deliberately invalid test file; what remains must be exactly 2,822 ``.py``).
2. Installs the peer tools (ruff, pylint, fixit, flake8 + flake8-bugbear) into a
   separate venv, ``benchmarks/.venv-peers``, so the project's environment is
   never touched.  A peer that fails to install or to run is reported as
   ``unavailable: <reason>``, never a crash.
3. Runs each scenario up to ``--repeat`` times and records wall time (median) and
   peak resident memory, measured per child process either by ``/usr/bin/time -v``
   or by ``os.wait4`` (exact ``ru_maxrss`` of the child and its waited-for
   descendants, i.e. of the *largest single* process), plus a sampled sum of RSS
   over the child's whole process tree (which is what matters for tools that
   fork workers).
4. Prints a table with statelint/peer ratios and the issue's performance
   targets, and optionally writes all raw numbers as JSON (``--json FILE``).

Only the standard library is used, so the harness runs with any Python >= 3.11.
See ``benchmarks/README.md`` for the exact command lines.
"""

from __future__ import annotations

import argparse
import ast
import datetime as _dt
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_DIR: Path = Path(__file__).resolve().parent
CORPORA_DIR: Path = BENCH_DIR / ".corpora"
DOWNLOADS_DIR: Path = CORPORA_DIR / "_downloads"
SET_ASIDE_DIR: Path = CORPORA_DIR / "_set-aside"
RUNS_DIR: Path = CORPORA_DIR / "_runs"  # caches, logs, crash-recovery backups
PEERS_VENV: Path = BENCH_DIR / ".venv-peers"

DJANGO_VERSION = "5.2.19"
DJANGO_EXPECTED_PY_FILES = 2822
DJANGO_TOUCH_FILE = "django/views/generic/base.py"

#: Peer packages and the versions the published figures were taken with.
#: ``--unpinned`` installs whatever is newest instead.
PEER_PINS: dict[str, str] = {
    "ruff": "0.17.6",
    "pylint": "4.1.4",
    "fixit": "2.2.1",
    "flake8": "7.5.0",
    "flake8-bugbear": "26.10.27",
}

#: A ``return`` inside a function: where the one-function-edited scenario adds a statement.
_RETURN = re.compile(r"^([ \t]+)return\b", re.M)

#: The peers, as ``--peers`` names them.
PEERS = ("ruff", "pylint", "fixit", "flake8")

RUFF_RULES = "PLW0603,B006,RUF012"  # global statement, mutable default, mutable class attr
PYLINT_CHECKS = "global-statement,dangerous-default-value"
#: fixit has no rule about mutable state; this one needs scope and qualified-name
#: metadata, the same kind of LibCST analysis statelint does.
FIXIT_DEFAULT_RULES = "fixit.rules:UseClsInClassmethod"

#: Targets: (key, label, limit, unit, strict "<" instead of "<=").  The absolute limits
#: hold on every tree; ``RELATIVE_TARGETS`` say what they must be next to the references
#: timed in the same run.
TARGETS: list[tuple[str, str, float, str, bool]] = [
    ("cold", "cold run", 10.0, "s", False),
    ("warm", "nothing changed (cache)", 0.3, "s", False),
    ("edited", "one function body edited", 1.0, "s", False),
    ("touched", "one comment appended", 1.0, "s", False),
    ("memory", "peak memory (process tree)", 500.0, "MiB", False),
]
#: (scenario, reference, how it is measured, at most this multiple, only on Django).
RELATIVE_TARGETS: list[tuple[str, str, str, float, bool]] = [
    ("cold", "libcst.parse_module", "cpu", 0.6, False),
    ("warm", "ast.parse", "wall", 0.1, True),
    ("edited", "ast.parse", "wall", 1.0, True),
]

SKIP_DIRS: frozenset[str] = frozenset(
    {
        ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", "__pycache__",
        "node_modules", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".statelint_cache",
        "build", "dist",
    }
)

PAGE_SIZE: int = os.sysconf("SC_PAGE_SIZE")


def log(msg: str) -> None:
    """Print a progress line to stderr (the table goes to stdout)."""
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- corpus


@dataclass
class Corpus:
    """A tree of Python files to benchmark on."""

    name: str
    root: Path
    version: str
    files: list[str]  # paths relative to root, sorted
    total_bytes: int
    set_aside: list[str] = field(default_factory=list)
    touch_file: str | None = None


def iter_py_files(root: Path) -> Iterator[str]:
    """Yield the relative paths of ``.py`` files under ``root``, skipping tool/venv dirs."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in filenames:
            if name.endswith(".py"):
                yield os.path.relpath(os.path.join(dirpath, name), root)


def unparsable_files(root: Path, files: Sequence[str]) -> list[str]:
    """Return the files of ``files`` that ``ast.parse`` rejects."""
    bad: list[str] = []
    for rel in files:
        try:
            ast.parse((root / rel).read_bytes(), filename=rel)
        except (SyntaxError, ValueError):
            bad.append(rel)
    return bad


def pip_download(spec: str, dest: Path, no_binary: bool) -> Path:
    """Download one distribution with pip (no dependencies) and return its file."""
    dest.mkdir(parents=True, exist_ok=True)
    before = set(dest.iterdir())
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(dest), spec]
    if no_binary:
        cmd[4:4] = ["--no-binary", ":all:"]
    log("$ " + shlex.join(cmd))
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pip download {spec} failed:\n{proc.stderr[-2000:]}")
    # pip prints "Saved <path>" or "File was already downloaded <path>".
    m = re.search(r"(?:Saved|File was already downloaded) (\S+)", proc.stdout)
    if m and Path(m.group(1)).exists():
        return Path(m.group(1))
    new = sorted(set(dest.iterdir()) - before)
    if len(new) == 1:
        return new[0]
    raise RuntimeError(f"could not tell which file pip downloaded for {spec}:\n{proc.stdout}")


def unpack(archive: Path, dest: Path) -> None:
    """Unpack an sdist (.tar.gz/.zip) or a wheel into ``dest`` (created fresh)."""
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if archive.name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(tmp, filter="data")
    entries = list(tmp.iterdir())
    # An sdist has one top-level folder: use it as the corpus root.
    src = entries[0] if len(entries) == 1 and entries[0].is_dir() else tmp
    shutil.rmtree(dest, ignore_errors=True)
    src.rename(dest)
    shutil.rmtree(tmp, ignore_errors=True)


def set_aside(root: Path, name: str, rels: Sequence[str]) -> None:
    """Move ``rels`` out of the corpus into ``_set-aside/<name>/`` (keeping their paths)."""
    for rel in rels:
        target = SET_ASIDE_DIR / name / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(root / rel), str(target))


def pick_touch_file(files: Sequence[str], root: Path | None = None) -> str | None:
    """Pick a views module to touch: the first ``views.py``, ``routes.py``, ``views/*.py``
    or ``routes/*.py`` with a function body to edit, else the largest module with one,
    else any file."""
    def editable(rel: str) -> bool:
        if root is None:
            return True
        try:
            return _RETURN.search((root / rel).read_text(encoding="utf-8")) is not None
        except (OSError, UnicodeError):
            return False

    for rel in files:
        parts = Path(rel).parts
        if ((parts[-1] in ("views.py", "routes.py") or {"views", "routes"} & set(parts[:-1]))
                and editable(rel)):
            return rel
    if root is not None:
        for rel in sorted(files, key=lambda rel: -(root / rel).stat().st_size):
            if editable(rel):
                return rel
    return files[0] if files else None


def prepare_downloaded(name: str, spec: str, no_binary: bool, expected: int | None,
                       touch: str | None, force: bool) -> Corpus:
    """Download, unpack and clean a PyPI corpus; cached by a ``<name>.ready.json`` stamp."""
    stamp = CORPORA_DIR / f"{name}.ready.json"
    if stamp.exists() and not force:
        meta = json.loads(stamp.read_text())
        root = Path(meta["root"])
        if root.is_dir():
            files = sorted(iter_py_files(root))
            if len(files) == meta["count"]:
                log(f"corpus {name}: reusing {root} ({len(files)} .py files)")
                return make_corpus(name, root, meta["version"], files, meta["set_aside"], touch)
            log(f"corpus {name}: {len(files)} files instead of {meta['count']}, re-preparing")
    archive = pip_download(spec, DOWNLOADS_DIR / name, no_binary)
    version = archive.name.split("-")[1].removesuffix(".tar.gz").removesuffix(".zip")
    root = CORPORA_DIR / f"{name}-{version}"
    log(f"corpus {name}: unpacking {archive.name} into {root}")
    shutil.rmtree(SET_ASIDE_DIR / name, ignore_errors=True)
    unpack(archive, root)
    files = sorted(iter_py_files(root))
    bad = unparsable_files(root, files)
    for rel in bad:
        log(f"corpus {name}: setting aside {rel} (ast.parse fails)")
    set_aside(root, name, bad)
    files = sorted(iter_py_files(root))
    log(f"corpus {name}: {len(files)} .py files after setting aside {len(bad)}")
    if expected is not None:
        assert len(files) == expected, f"{name}: expected {expected} .py files, found {len(files)}"
    stamp.write_text(json.dumps({"root": str(root), "version": version, "count": len(files),
                                 "set_aside": bad}, indent=2))
    return make_corpus(name, root, version, files, bad, touch)


def make_corpus(name: str, root: Path, version: str, files: list[str], bad: list[str],
                touch: str | None) -> Corpus:
    """Build a :class:`Corpus`, computing its size and the file to touch."""
    total = sum((root / rel).stat().st_size for rel in files)
    if touch is None:
        django_views = (root / DJANGO_TOUCH_FILE).is_file()
        touch = DJANGO_TOUCH_FILE if django_views else pick_touch_file(files, root)
    return Corpus(name, root, version, files, total, bad, touch)


def prepare_corpus(spec: str, mlflow_version: str | None, touch: str | None,
                   force: bool) -> Corpus:
    """Resolve ``--corpus`` (``django``, ``mlflow`` or a local directory) to a :class:`Corpus`."""
    if spec == "django":
        return prepare_downloaded("django", f"django=={DJANGO_VERSION}", True,
                                  DJANGO_EXPECTED_PY_FILES, touch, force)
    if spec == "mlflow":
        pin = f"mlflow=={mlflow_version}" if mlflow_version else "mlflow"
        return prepare_downloaded("mlflow", pin, False, None, touch, force)
    root = Path(spec).resolve()
    if not root.is_dir():
        raise SystemExit(f"--corpus {spec!r}: not 'django', 'mlflow' or a directory")
    files = sorted(iter_py_files(root))
    bad = unparsable_files(root, files)
    if bad:
        log(f"corpus {root}: {len(bad)} files fail ast.parse (left in place): {bad[:5]}")
    log(f"corpus {root}: {len(files)} .py files (local directory, used in place)")
    if is_django_tree(root, files):
        # An unpacked Django sdist, cleaned as above: judged against Django's targets.
        return make_corpus("django", root, DJANGO_VERSION, files, [], touch)
    return make_corpus(root.name, root, "local", files, [], touch)


def is_django_tree(root: Path, files: Sequence[str]) -> bool:
    """Whether ``root`` is Django's sdist at ``DJANGO_VERSION`` with its unparsable file
    set aside (``DJANGO_EXPECTED_PY_FILES`` files)."""
    init = root / "django" / "__init__.py"
    if len(files) != DJANGO_EXPECTED_PY_FILES or not init.is_file():
        return False
    major, minor, micro = (int(part) for part in DJANGO_VERSION.split("."))
    return f"VERSION = ({major}, {minor}, {micro}," in init.read_text(errors="replace")


# ----------------------------------------------------------------------- measurement


@dataclass
class Run:
    """One measured execution of a command."""

    wall_s: float
    cpu_s: float  # user + system time of the child and its reaped descendants
    maxrss_kib: int  # largest single process (ru_maxrss / time -v)
    tree_rss_kib: int  # sampled peak of the summed RSS of the whole process tree
    returncode: int
    out_lines: int
    timed_out: bool = False


def _proc_table() -> dict[int, int]:
    """Map pid -> ppid for every process visible in /proc."""
    table: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # Field 4 (ppid) follows the ")" closing the command name.
        rest = stat[stat.rfind(b")") + 2:].split()
        table[int(entry.name)] = int(rest[1])
    return table


def _rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (0 if it has gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE_SIZE // 1024
    except (OSError, IndexError, ValueError):
        return 0


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants until stopped."""

    def __init__(self, root_pid: int, interval: float) -> None:
        """Watch ``root_pid``'s tree every ``interval`` seconds once started."""
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.interval = interval
        self.peak_kib = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Poll /proc until :meth:`stop` is called."""
        while not self._stop_event.is_set():
            table = _proc_table()
            children: dict[int, list[int]] = {}
            for pid, ppid in table.items():
                children.setdefault(ppid, []).append(pid)
            stack, total = [self.root_pid], 0
            while stack:
                pid = stack.pop()
                total += _rss_kib(pid)
                stack.extend(children.get(pid, ()))
            self.peak_kib = max(self.peak_kib, total)
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        """Stop sampling and return the peak in KiB."""
        self._stop_event.set()
        self.join()
        return self.peak_kib


def _kill_group(pid: int) -> None:
    """Terminate the process group led by ``pid`` (TERM, then KILL after 5 s)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.waitpid(pid, os.WNOHANG)  # reap the leader if it is our unreaped child
            except ChildProcessError:
                pass
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


@dataclass
class Measurer:
    """Runs a command and measures wall time and peak RSS."""

    method: str  # "time" (/usr/bin/time -v) or "wait4"
    timeout: float
    sample_interval: float  # <= 0 disables the process-tree sampler

    def measure(self, argv: Sequence[str], cwd: Path, log_stem: Path) -> Run:
        """Run ``argv`` in ``cwd``; stdout/stderr go to ``log_stem``.out/.err."""
        time_file = log_stem.with_suffix(".time")
        if self.method == "time":
            argv = ["/usr/bin/time", "-v", "-o", str(time_file), *argv]
        out_path, err_path = log_stem.with_suffix(".out"), log_stem.with_suffix(".err")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(list(argv), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, start_new_session=True)
            sampler = None
            if self.sample_interval > 0:
                sampler = TreeSampler(proc.pid, self.sample_interval)
                sampler.start()
            timed_out = threading.Event()

            def on_timeout() -> None:
                timed_out.set()
                _kill_group(proc.pid)

            timer = threading.Timer(self.timeout, on_timeout)
            timer.start()
            try:
                _, status, rusage = os.wait4(proc.pid, 0)
            except BaseException:
                _kill_group(proc.pid)
                raise
            finally:
                timer.cancel()
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped
            tree = sampler.stop() if sampler else 0
        # A tool's workers may outlive it briefly; never leave any behind.
        _kill_group(proc.pid)
        maxrss = rusage.ru_maxrss
        returncode = proc.returncode
        if self.method == "time" and time_file.exists():
            text = time_file.read_text(errors="replace")
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
            if m:
                maxrss = int(m.group(1))
            m = re.search(r"Exit status: (-?\d+)", text)
            if m:
                returncode = int(m.group(1))
        with open(out_path, "rb") as fh:
            out_lines = sum(1 for _ in fh)
        cpu = rusage.ru_utime + rusage.ru_stime
        return Run(wall, cpu, maxrss, max(tree, maxrss), returncode, out_lines,
                   timed_out.is_set())


# ------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scope:
    """What a command checks: how many files and bytes, and whether only a sample."""

    files: int = 0
    bytes: int = 0
    sampled: bool = False  # a 1-in-K sample of the corpus


@dataclass
class Scenario:
    """A command to time, with optional setup around each repetition."""

    tool: str
    name: str
    argv: list[str]
    cwd: Path
    ok_codes: frozenset[int] = frozenset({0})
    warmup: bool = False  # one unmeasured run first (populates caches)
    setup: Callable[[], None] | None = None  # once, before warm-up
    before_each: Callable[[int], None] | None = None
    after_each: Callable[[int], None] | None = None
    scope: Scope = Scope()
    note: str = ""
    unavailable: str | None = None  # set when the command cannot even be built


@dataclass
class Result:
    """Measured result of a :class:`Scenario` (JSON-serialisable)."""

    tool: str
    scenario: str
    command: str
    status: str  # "ok" or "unavailable"
    reason: str = ""
    files: int = 0
    bytes: int = 0
    sampled: bool = False
    note: str = ""
    runs: list[Run] = field(default_factory=list)

    @property
    def median_s(self) -> float | None:
        """Median wall time in seconds."""
        return statistics.median(r.wall_s for r in self.runs) if self.runs else None

    @property
    def median_cpu_s(self) -> float | None:
        """Median CPU time (user + system, all processes) in seconds."""
        return statistics.median(r.cpu_s for r in self.runs) if self.runs else None

    @property
    def peak_rss_mib(self) -> float | None:
        """Peak RSS of the largest single process over all runs, MiB."""
        return max(r.maxrss_kib for r in self.runs) / 1024 if self.runs else None

    @property
    def peak_tree_mib(self) -> float | None:
        """Peak summed RSS of the process tree over all runs, MiB."""
        return max(r.tree_rss_kib for r in self.runs) / 1024 if self.runs else None

    def to_json(self) -> dict[str, object]:
        """Raw numbers plus the derived summary."""
        data = asdict(self)
        data.update(median_s=self.median_s, median_cpu_s=self.median_cpu_s,
                    peak_rss_mib=self.peak_rss_mib,
                    peak_tree_mib=self.peak_tree_mib)
        return data


def run_scenario(sc: Scenario, measurer: Measurer, repeat: int, budget: float,
                 slug: str) -> Result:
    """Run ``sc`` up to ``repeat`` times (fewer if the time budget is exhausted)."""
    res = Result(sc.tool, sc.name, shlex.join(sc.argv), "ok", files=sc.scope.files,
                 bytes=sc.scope.bytes, sampled=sc.scope.sampled, note=sc.note)
    if sc.unavailable:
        res.status, res.reason = "unavailable", sc.unavailable
        log(f"{sc.tool} / {sc.name}: unavailable: {sc.unavailable}")
        return res
    log_dir = RUNS_DIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stem = log_dir / re.sub(r"[^A-Za-z0-9_=-]+", "_", f"{slug}-{sc.tool}-{sc.name}")

    def failed(run: Run, what: str) -> str | None:
        if run.timed_out:
            return f"{what} timed out after {measurer.timeout:.0f} s"
        if run.returncode not in sc.ok_codes:
            err = stem.with_suffix(".err").read_text(errors="replace").strip().splitlines()
            tail = err[-1] if err else "(no stderr)"
            return f"{what} exited {run.returncode}: {tail[:300]}"
        return None

    log(f"{sc.tool} / {sc.name}: $ (cd {sc.cwd} && {shlex.join(sc.argv)[:300]})")
    try:
        if sc.setup:
            sc.setup()
        if sc.warmup:
            run = measurer.measure(sc.argv, sc.cwd, stem)
            log(f"  warm-up: {run.wall_s:.2f} s")
            if reason := failed(run, "warm-up"):
                res.status, res.reason = "unavailable", reason
                return res
        spent = 0.0
        for i in range(repeat):
            if i and budget > 0 and spent + res.runs[-1].wall_s > budget:
                res.note = (res.note + "; " if res.note else "") + (
                    f"{i} of {repeat} runs (--budget {budget:.0f} s)")
                break
            if sc.before_each:
                sc.before_each(i)
            try:
                run = measurer.measure(sc.argv, sc.cwd, stem)
            finally:
                if sc.after_each:
                    sc.after_each(i)
            log(f"  run {i + 1}: {run.wall_s:.2f} s (cpu {run.cpu_s:.2f} s),"
                f" {run.maxrss_kib / 1024:.0f} MiB"
                f" (tree {run.tree_rss_kib / 1024:.0f} MiB), exit {run.returncode},"
                f" {run.out_lines} output lines")
            if reason := failed(run, f"run {i + 1}"):
                res.status, res.reason = "unavailable", reason
                return res
            res.runs.append(run)
            spent += run.wall_s
    except OSError as exc:  # e.g. executable missing
        res.status, res.reason = "unavailable", f"{type(exc).__name__}: {exc}"
        return res
    if sc.tool == "statelint":
        # Sanity check: statelint's own summary says how many files it really scanned.
        text = "".join(stem.with_suffix(ext).read_text(errors="replace")[-4000:]
                       for ext in (".err", ".out"))
        summary = statelint_summary(stem.with_suffix(".out"), text)
        if summary:
            res.note = (res.note + "; " if res.note else "") + summary
    return res


def statelint_summary(out_path: Path, tail: str) -> str:
    """Files scanned/failed and findings, from the JSON report or the text summary line."""
    try:
        data = json.loads(out_path.read_text(errors="replace"))
        summ = data.get("summary", {}) if isinstance(data, dict) else {}
        keys = ("files_scanned", "files_failed", "findings")
        if all(k in summ for k in keys):
            return (f"scanned {summ['files_scanned']} files, {summ['files_failed']} failed, "
                    f"{summ['findings']} findings")
    except (OSError, ValueError):
        pass
    m = re.search(r"(\d+) findings? in (\d+) files? \((\d+) skipped, (\d+) failed\)", tail)
    if m:
        return f"scanned {m.group(2)} files, {m.group(4)} failed, {m.group(1)} findings"
    return ""


# ---------------------------------------------------------------------- touch / restore

TOUCH_BACKUP = RUNS_DIR / "touch-backup"
TOUCH_META = RUNS_DIR / "touch-backup.json"


def recover_touched_file(quiet: bool = False) -> None:
    """Restore the touched file from its backup, if a backup exists.

    Called after every touched run, and at start-up in case an earlier run was killed
    between touching and restoring.
    """
    if TOUCH_META.exists():
        meta = json.loads(TOUCH_META.read_text())
        target = Path(meta["path"])
        shutil.copyfile(TOUCH_BACKUP, target)
        os.utime(target, ns=(meta["atime_ns"], meta["mtime_ns"]))
        TOUCH_META.unlink()
        TOUCH_BACKUP.unlink(missing_ok=True)
        if not quiet:
            log(f"restored {target} left modified by an interrupted run")


def edit_body(text: str, i: int) -> str | None:
    """``text`` with a statement added before the first ``return`` inside a function
    (a function body edited: its facts change and the lines below it move), or None."""
    match = _RETURN.search(text)
    if match is None:
        return None
    statement = f"{match.group(1)}statelint_benchmark_edit = {i}\n"
    return text[:match.start()] + statement + text[match.start():]


class Toucher:
    """Changes one file before a run and restores it after: ``comment`` appends a unique
    comment line, ``body`` edits a function body (see ``edit_body``)."""

    def __init__(self, path: Path, mode: str = "comment") -> None:
        """Work on ``path`` (an absolute path inside the corpus)."""
        self.path = path
        self.mode = mode

    def touch(self, i: int) -> None:
        """Back the file up, then change it in a way unique to this repetition."""
        st = self.path.stat()
        RUNS_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, TOUCH_BACKUP)
        TOUCH_META.write_text(json.dumps({"path": str(self.path), "atime_ns": st.st_atime_ns,
                                          "mtime_ns": st.st_mtime_ns}))
        text = self.path.read_text(encoding="utf-8")
        edited = edit_body(text, i + 1) if self.mode == "body" else None
        if edited is None:
            edited = text + f"\n# statelint benchmark touch {i} {time.time_ns()}\n"
        self.path.write_text(edited, encoding="utf-8")

    def restore(self, _i: int = 0) -> None:
        """Put the original bytes and timestamps back."""
        recover_touched_file(quiet=True)


# ------------------------------------------------------------------------------ tools


def corpus_scope(corpus: Corpus) -> Scope:
    """Return the :class:`Scope` of a command that checks the whole corpus."""
    return Scope(len(corpus.files), corpus.total_bytes)


def statelint_scenarios(corpus: Corpus, args: argparse.Namespace) -> list[Scenario]:
    """Cold, warm and one-file-touched scenarios, with flags chosen from ``check --help``."""
    names = ("cold", "warm", "edited", "touched")
    if args.statelint:
        exe = shlex.split(args.statelint)
    else:
        # Prefer the script next to this interpreter: a pyenv shim adds ~0.1 s per call.
        sibling = Path(sys.executable).parent / "statelint"
        found = str(sibling) if sibling.exists() else shutil.which("statelint")
        if not found:
            return [Scenario("statelint", n, [], corpus.root,
                             unavailable="`statelint` is not on PATH") for n in names]
        exe = [found]
    try:
        helped = subprocess.run([*exe, "check", "--help"], check=False, capture_output=True,
                                text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [Scenario("statelint", n, [], corpus.root, unavailable=f"check --help: {exc}")
                for n in names]
    if helped.returncode != 0:
        lines = (helped.stderr or helped.stdout).strip().splitlines() or ["(no output)"]
        return [Scenario("statelint", n, [], corpus.root,
                         unavailable=f"`statelint check --help` exited {helped.returncode}: "
                                     f"{lines[-1][:200]}") for n in names]
    compile_bytecode(exe)
    flags = set(re.findall(r"--[a-z][a-z0-9-]*", helped.stdout))
    base = [*exe, "check", "."]
    notes: list[str] = []
    if "--format" in flags and "json" in helped.stdout:
        base += ["--format", "json"]
    if "--no-respect-gitignore" in flags:
        # The corpora live under benchmarks/.corpora/, which this repository gitignores.
        base.append("--no-respect-gitignore")
    if args.jobs is not None:
        if "--jobs" in flags:
            base += ["--jobs", str(args.jobs)]
        else:
            notes.append("--jobs unsupported, not passed")
    slug = corpus.name
    default_caches = [corpus.root / ".statelint_cache", Path.cwd() / ".statelint_cache"]

    def clear(paths: Sequence[Path]) -> Callable[[], None]:
        def _clear() -> None:
            for p in paths:
                shutil.rmtree(p, ignore_errors=True)
        return _clear

    def clear_each(paths: Sequence[Path]) -> Callable[[int], None]:
        return lambda _i: clear(paths)()

    has_dir, has_no = "--cache-dir" in flags, "--no-cache" in flags
    mode = args.cold_mode
    if mode == "auto":
        mode = "fresh-dir" if has_dir else "no-cache" if has_no else "delete-default"
    cold_dir = RUNS_DIR / f"statelint-cache-cold-{slug}"
    if mode == "fresh-dir" and has_dir:
        cold_argv = [*base, "--cache-dir", str(cold_dir)]
        cold_before: Callable[[int], None] | None = clear_each([cold_dir])
        cold_note = "fresh empty --cache-dir each run"
    elif mode == "no-cache" and has_no:
        cold_argv, cold_before, cold_note = [*base, "--no-cache"], None, "--no-cache"
    else:
        cold_argv = list(base)
        cold_before = clear_each(default_caches)
        cold_note = "no cache flags: deleted .statelint_cache before each run"
    if has_dir:
        warm_dir = RUNS_DIR / f"statelint-cache-warm-{slug}"
        warm_argv, warm_clear = [*base, "--cache-dir", str(warm_dir)], clear([warm_dir])
    else:
        warm_argv, warm_clear = list(base), clear(default_caches)
    extra = "; ".join(notes)
    ok, scope = frozenset({0, 1}), corpus_scope(corpus)
    scenarios = [
        Scenario("statelint", "cold", cold_argv, corpus.root, before_each=cold_before,
                 note="; ".join(filter(None, [cold_note, extra])), ok_codes=ok, scope=scope),
        Scenario("statelint", "warm", warm_argv, corpus.root, warmup=True, setup=warm_clear,
                 note="; ".join(filter(None, ["after one warm-up run", extra])), ok_codes=ok,
                 scope=scope),
    ]
    if corpus.touch_file:
        for name, mode, what in (("edited", "body", "edits a function body in"),
                                 ("touched", "comment", "appends a comment to")):
            toucher = Toucher(corpus.root / corpus.touch_file, mode)
            scenarios.append(Scenario(
                "statelint", name, warm_argv, corpus.root, warmup=True,
                before_each=toucher.touch, after_each=toucher.restore,
                note="; ".join(filter(None, [f"{what} {corpus.touch_file}", extra])),
                ok_codes=ok, scope=scope))
    else:
        scenarios += [Scenario("statelint", name, [], corpus.root,
                               unavailable="corpus has no file to touch")
                      for name in ("edited", "touched")]
    return scenarios


def compile_bytecode(exe: Sequence[str]) -> None:
    """Compile statelint's modules to bytecode, as installing its wheel does.

    An editable install leaves them uncompiled, and with PYTHONDONTWRITEBYTECODE set
    every run would compile them again: a cost no installed statelint pays, and a
    large share of a run where nothing changed.
    """
    code = ("import os, compileall, statelint, statelint.rules as r; "
            "[compileall.compile_dir(d, quiet=1) for d in "
            "{os.path.dirname(statelint.__file__), *r.__path__}]")
    python = Path(exe[0]).with_name("python")
    if not python.exists():
        log("statelint's bytecode not compiled: no python next to the statelint script")
        return
    subprocess.run([str(python), "-c", code], check=False, capture_output=True, timeout=300)


def ensure_peers(reinstall: bool, unpinned: bool) -> dict[str, str]:
    """Create/refresh ``.venv-peers``; return package -> "" (installed) or a failure reason."""
    specs = {pkg: pkg if unpinned else f"{pkg}=={ver}" for pkg, ver in PEER_PINS.items()}
    stamp = PEERS_VENV / "bench-peers.json"
    py = PEERS_VENV / "bin" / "python"
    if stamp.exists() and py.exists() and not reinstall:
        saved = json.loads(stamp.read_text())
        if saved.get("specs") == specs:
            return {str(k): str(v) for k, v in saved["status"].items()}
    if reinstall or not py.exists():
        shutil.rmtree(PEERS_VENV, ignore_errors=True)
        log(f"creating peer venv {PEERS_VENV}")
        proc = subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=False,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            reason = f"venv creation failed: {proc.stderr.strip()[-200:]}"
            return {pkg: reason for pkg in specs}
    status: dict[str, str] = {}
    for pkg, spec in specs.items():
        log(f"installing {spec} into {PEERS_VENV.name}")
        proc = subprocess.run([str(py), "-m", "pip", "install", "-q", spec], check=False,
                              capture_output=True, text=True)
        lines = [ln for ln in proc.stderr.splitlines() if "ERROR" in ln]
        lines = lines or proc.stderr.splitlines() or ["?"]
        status[pkg] = "" if proc.returncode == 0 else f"pip install failed: {lines[-1][:200]}"
    stamp.write_text(json.dumps({"specs": specs, "status": status}, indent=2))
    return status


def peer_versions() -> dict[str, str]:
    """Installed versions of the peer packages (from ``pip list`` in the peer venv)."""
    py = PEERS_VENV / "bin" / "python"
    try:
        out = subprocess.run([str(py), "-m", "pip", "list", "--format=json"], check=False,
                             capture_output=True, text=True, timeout=120).stdout
        return {d["name"].lower(): d["version"] for d in json.loads(out)
                if d["name"].lower() in {*PEER_PINS, "libcst", "astroid"}}
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return {}


def sample_files(corpus: Corpus, every: int) -> tuple[list[str], int]:
    """Deterministic 1-in-``every`` sample of the corpus files, and its size in bytes."""
    picked = corpus.files[::every]
    return picked, sum((corpus.root / rel).stat().st_size for rel in picked)


def peer_scenarios(corpus: Corpus, args: argparse.Namespace,
                   status: dict[str, str]) -> list[Scenario]:
    """Build the peer commands, all on the same corpus (pylint and fixit maybe on a sample)."""
    bin_dir = PEERS_VENV / "bin"
    slug = corpus.name
    full = corpus_scope(corpus)
    every = args.sample_slow
    if every <= 1:
        paths, slow_scope, slow_note = ["."], full, ""
    else:
        paths, size = sample_files(corpus, every)
        slow_scope = Scope(len(paths), size, sampled=True)
        slow_note = f"1-in-{every} sample of the corpus"

    def why(*pkgs: str) -> str | None:
        bad = [f"{p}: {status.get(p, 'not installed')}" for p in pkgs if status.get(p, "?")]
        return "; ".join(bad) or None

    ruff = [str(bin_dir / "ruff"), "check", "--isolated", "--select", RUFF_RULES, "--exit-zero",
            "--output-format", "concise"]
    ruff_cache = RUNS_DIR / f"ruff-cache-{slug}"
    scenarios = [
        Scenario("ruff", "no cache", [*ruff, "--no-cache", "."], corpus.root,
                 unavailable=why("ruff"), scope=full),
        Scenario("ruff", "cached", [*ruff, "--cache-dir", str(ruff_cache), "."], corpus.root,
                 warmup=True, setup=lambda: shutil.rmtree(ruff_cache, ignore_errors=True),
                 unavailable=why("ruff"), note="after one warm-up run", scope=full),
    ]
    pylint = [str(bin_dir / "pylint"), "--disable=all", f"--enable={PYLINT_CHECKS}",
              "--exit-zero", "--recursive=y"]
    for jobs in (2, 1) if args.pylint_j1 else (2,):
        scenarios.append(Scenario("pylint", f"-j {jobs}", [*pylint, "-j", str(jobs), *paths],
                                  corpus.root, unavailable=why("pylint"), scope=slow_scope,
                                  note=slow_note))
    fixit = [str(bin_dir / "fixit"), "--rules", args.fixit_rules, "lint", *paths]
    scenarios.append(Scenario("fixit", "lint", fixit, corpus.root, ok_codes=frozenset({0, 1}),
                              unavailable=why("fixit"), scope=slow_scope,
                              note="; ".join(filter(None, [slow_note,
                                                           f"rules {args.fixit_rules}"]))))
    flake8 = [str(bin_dir / "flake8"), "--isolated", "--select=B", "--exit-zero", "."]
    scenarios.append(Scenario("flake8", "--select=B", flake8, corpus.root,
                              unavailable=why("flake8", "flake8-bugbear"),
                              note="bugbear; jobs=auto", scope=full))
    return scenarios


def reference_scenarios(corpus: Corpus) -> list[Scenario]:
    """Single-process parse of every file with ``ast`` and with ``libcst``, as floor lines."""
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    listing = RUNS_DIR / f"filelist-{corpus.name}.txt"
    listing.write_text("\n".join(corpus.files) + "\n")
    loop = "for p in open(sys.argv[1]).read().splitlines(): {}(open(p, 'rb').read())"
    ast_code = "import ast, sys\n" + loop.format("ast.parse")
    cst_code = "import libcst, sys\n" + loop.format("libcst.parse_module")
    full = corpus_scope(corpus)
    return [
        Scenario("reference", "ast.parse", [sys.executable, "-c", ast_code, str(listing)],
                 corpus.root, note="one process", scope=full),
        Scenario("reference", "libcst.parse_module",
                 [sys.executable, "-c", cst_code, str(listing)], corpus.root,
                 note="one process", scope=full),
    ]


# ------------------------------------------------------------------------------ report


def fmt(value: float | None, digits: int = 2) -> str:
    """Format a number or ``-``."""
    return "-" if value is None else f"{value:.{digits}f}"


def ratio(sl: Result | None, peer: Result) -> str:
    """Return statelint cold wall / peer wall, scaled by bytes checked if the peer sampled."""
    if not sl or sl.median_s is None or peer.median_s is None or peer is sl:
        return "-"
    if peer.tool == "statelint":
        return "-"
    r = sl.median_s / peer.median_s
    if peer.bytes and sl.bytes and peer.bytes != sl.bytes:
        return f"{r * peer.bytes / sl.bytes:.2f}*"
    return f"{r:.2f}"


def target_rows(results: Sequence[Result], corpus_name: str = ""
                ) -> list[tuple[str, str, str, str]]:
    """(label, limit, measured, verdict) for each target, absolute and next to its
    reference from the same run."""
    by = {r.scenario: r for r in results if r.tool == "statelint" and r.status == "ok"}
    refs = {r.scenario: r for r in results if r.tool == "reference" and r.status == "ok"}
    missing = ("unknown (statelint unavailable)" if any(r.tool == "statelint" for r in results)
               else "not measured (--only peers)")
    rows = []
    for key, label, limit, unit, strict in TARGETS:
        if key == "memory":
            ok_runs = [r for r in by.values() if r.peak_tree_mib is not None]
            value = max((r.peak_tree_mib for r in ok_runs), default=None)  # type: ignore[type-var]
        else:
            value = by[key].median_s if key in by else None
        limit_s = f"{'<' if strict else '<='} {limit:g} {unit}"
        if value is None:
            rows.append((label, limit_s, "-", missing))
            continue
        met = value < limit if strict else value <= limit
        rows.append((label, limit_s, f"{value:.2f} {unit}", "met" if met else "NOT MET"))
    for key, reference, how, most, django_only in RELATIVE_TARGETS:
        if django_only and corpus_name != "django":
            continue
        ref = refs.get(reference)
        ref_value = None if ref is None else (ref.median_cpu_s if how == "cpu" else ref.median_s)
        label = f"{key} / {reference} {how}"
        value = by[key].median_s if key in by else None
        if value is None or not ref_value:
            rows.append((label, f"<= {most:g}x", "-",
                         missing if value is None else "no reference (--no-reference)"))
            continue
        measured = value / ref_value
        rows.append((label, f"<= {most:g}x", f"{measured:.2f}x ({value:.2f} / {ref_value:.2f} s)",
                     "met" if measured <= most else "NOT MET"))
    return rows


def render(results: Sequence[Result], corpus: Corpus) -> str:
    """Render the human-readable table, the ratios and the targets."""
    cold = next((r for r in results if r.tool == "statelint" and r.scenario == "cold"
                 and r.status == "ok"), None)
    header = ("tool", "scenario", "n", "files", "median s", "cpu s", "RSS MiB", "tree MiB",
              "statelint/peer", "notes")
    rows: list[tuple[str, ...]] = []
    for r in results:
        if r.status != "ok":
            rows.append((r.tool, r.scenario, "0", str(r.files or "-"), "-", "-", "-", "-", "-",
                         f"unavailable: {r.reason}"))
            continue
        note = r.note
        if r.sampled and r.bytes and r.median_s is not None and r.median_cpu_s is not None:
            scale = corpus.total_bytes / r.bytes
            note += (f"; whole corpus ≈ {r.median_s * scale:.0f} s wall,"
                     f" {r.median_cpu_s * scale:.0f} s cpu (scaled by bytes)")
        rows.append((r.tool, r.scenario, str(len(r.runs)), str(r.files), fmt(r.median_s),
                     fmt(r.median_cpu_s), fmt(r.peak_rss_mib, 0), fmt(r.peak_tree_mib, 0),
                     ratio(cold, r), note))
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    widths[-1] = len(header[-1])
    lines = [(f"Corpus: {corpus.name} {corpus.version} — {len(corpus.files)} .py files, "
              f"{corpus.total_bytes / 2**20:.1f} MiB, at {corpus.root}")]
    if corpus.set_aside:
        lines.append(f"Set aside (fails ast.parse): {', '.join(corpus.set_aside)}")
    lines.append("")

    def fmt_row(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

    lines.append(fmt_row(header))
    lines.append(fmt_row(tuple("-" * w for w in widths)))
    lines.extend(fmt_row(row) for row in rows)
    lines += [
        "",
        "median s: median wall time of the n runs.  cpu s: median user+system time of all the",
        "run's processes (less sensitive than wall time to other load on the machine).",
        "RSS MiB: peak ru_maxrss of the largest single process over all runs.  tree MiB: peak",
        "of the sampled sum of RSS over the whole process tree (workers included).",
        "statelint/peer: statelint cold median / this median (> 1: statelint is slower);",
        "* = this row checked a sample, so the ratio is scaled by bytes checked.",
        "",
        "Targets (statelint on this corpus; memory = peak tree RSS over all statelint runs):",
    ]
    for label, limit, value, verdict in target_rows(results, corpus.name):
        lines.append(f"  {label:<40} {limit:<12} {value:<28} {verdict}")
    return "\n".join(lines)


# -------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--corpus", default="django",
                   help=f"'django' (Django {DJANGO_VERSION} sdist), 'mlflow' (PyPI sdist or "
                        "wheel) or a local directory (used in place)")
    p.add_argument("--only", choices=("all", "statelint", "peers"), default="all",
                   help="run only statelint or only the peer tools")
    p.add_argument("--repeat", type=int, default=3, help="runs per scenario (median reported)")
    p.add_argument("--budget", type=float, default=60.0,
                   help="stop repeating a scenario once another run would take its total past "
                        "this many seconds (0 = always --repeat runs)")
    p.add_argument("--timeout", type=float, default=600.0, help="kill a single run after this")
    p.add_argument("--jobs", type=int, default=None,
                   help="passed to statelint as --jobs N when `statelint check --help` lists it")
    p.add_argument("--statelint", default=None,
                   help="command to run statelint (default: the script next to this Python, "
                        "else `statelint` on PATH)")
    p.add_argument("--cold-mode", choices=("auto", "fresh-dir", "no-cache"), default="auto",
                   help="how the cold run avoids the cache (auto: fresh empty --cache-dir if "
                        "supported, else --no-cache)")
    p.add_argument("--reference", action=argparse.BooleanOptionalAction, default=True,
                   help="time one-process ast.parse and libcst.parse_module of all files, the "
                        "references the targets are judged against")
    p.add_argument("--peers", default=",".join(PEERS),
                   help="comma-separated peers to run (of " + ", ".join(PEERS) + ")")
    p.add_argument("--pylint-j1", action="store_true", help="also run pylint with -j 1")
    p.add_argument("--sample-slow", type=int, default=10, metavar="K",
                   help="run pylint and fixit on every K-th file only (1 = whole corpus)")
    p.add_argument("--fixit-rules", default=FIXIT_DEFAULT_RULES,
                   help="fixit --rules value ('fixit.rules' = all default rules)")
    p.add_argument("--mlflow-version", default=None, help="pin mlflow (default: newest)")
    p.add_argument("--touch", default=None,
                   help="file (relative to the corpus) to touch in the one-file scenario")
    p.add_argument("--rss-method", choices=("auto", "time", "wait4"), default="auto",
                   help="auto: /usr/bin/time -v if present, else os.wait4 rusage")
    p.add_argument("--sample-interval", type=float, default=0.1,
                   help="process-tree RSS sampling period in s (0 disables the sampler)")
    p.add_argument("--reinstall-peers", action="store_true", help="recreate .venv-peers")
    p.add_argument("--unpinned", action="store_true",
                   help="install the newest peer versions instead of the pinned ones")
    p.add_argument("--refresh-corpus", action="store_true", help="download and unpack again")
    p.add_argument("--dry-run", action="store_true",
                   help="prepare the corpus, print the commands, run nothing")
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="write raw numbers")
    args = p.parse_args(argv)
    if args.repeat < 1 or args.sample_slow < 1:
        p.error("--repeat and --sample-slow must be >= 1")
    args.peers = [name.strip() for name in args.peers.split(",") if name.strip()]
    unknown = sorted(set(args.peers) - set(PEERS))
    if unknown:
        p.error(f"unknown peers: {', '.join(unknown)}")
    return args


def _terminate(signum: int, _frame: object) -> None:
    """Turn SIGTERM/SIGHUP into an exception, so children are killed and files restored."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: prepare, run, report."""
    args = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    started = _dt.datetime.now(_dt.timezone.utc)
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    recover_touched_file()
    corpus = prepare_corpus(args.corpus, args.mlflow_version, args.touch, args.refresh_corpus)
    print(f"corpus {corpus.name} {corpus.version}: {len(corpus.files)} .py files", flush=True)

    method = args.rss_method
    if method == "auto":
        method = "time" if os.access("/usr/bin/time", os.X_OK) else "wait4"
    measurer = Measurer(method, args.timeout, args.sample_interval)

    scenarios: list[Scenario] = []
    if args.reference:
        scenarios += reference_scenarios(corpus)
    if args.only in ("all", "statelint"):
        scenarios += statelint_scenarios(corpus, args)
    peer_status: dict[str, str] = {}
    if args.only in ("all", "peers"):
        peer_status = ({p: "" for p in PEER_PINS} if args.dry_run
                       else ensure_peers(args.reinstall_peers, args.unpinned))
        scenarios += [sc for sc in peer_scenarios(corpus, args, peer_status)
                      if sc.tool in args.peers]

    if args.dry_run:
        for sc in scenarios:
            cmd = f"unavailable: {sc.unavailable}" if sc.unavailable else shlex.join(sc.argv)
            print(f"{sc.tool} / {sc.name} [{sc.note}]\n  (cd {sc.cwd})\n  {cmd[:1000]}")
        return 0

    load_before = os.getloadavg()
    if load_before[0] > 1.0:
        log(f"warning: load average {load_before[0]:.1f} on {os.cpu_count()} CPUs; "
            "other work on this machine will inflate the timings")
    results = [run_scenario(sc, measurer, args.repeat, args.budget, corpus.name)
               for sc in scenarios]
    load_after = os.getloadavg()

    print()
    print(render(results, corpus))
    print(f"\nmeasured with {method}; load average before {load_before[0]:.2f}, "
          f"after {load_after[0]:.2f} ({os.cpu_count()} CPUs)")
    if args.json:
        payload = {
            "started": started.isoformat(),
            "argv": sys.argv,
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "python": sys.version.split()[0], "loadavg_before": load_before,
                        "loadavg_after": load_after},
            "method": method,
            "corpus": {"name": corpus.name, "version": corpus.version, "root": str(corpus.root),
                       "files": len(corpus.files), "bytes": corpus.total_bytes,
                       "set_aside": corpus.set_aside, "touch_file": corpus.touch_file},
            "peer_versions": peer_versions() if peer_status else {},
            "peer_install": peer_status,
            "results": [r.to_json() for r in results],
            "targets": [dict(zip(("target", "limit", "measured", "verdict"), row, strict=True))
                        for row in target_rows(results, corpus.name)],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        log(f"raw numbers written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
