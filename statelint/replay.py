"""Replay: a ``statelint check`` whose every input is as it was prints what it printed then.

A run where nothing changed is the one a pre-commit hook or an editor's save makes
most often.  Its report is a function of the scanned files, the configuration and
ignore files, the command line, the environment and statelint itself; when all of
them are as they were for an earlier run, that run's output is the answer.  This
module keeps that output (a **replay record**) and checks, before any of
statelint's analysis is imported, whether a new run may print it again:

* the record is found under the cache folder by a digest of the working folder,
  the command line, the environment and the Python running statelint;
* its ``state`` is a digest of the file system as the scan saw it, taken again by
  this run: every folder under the scanned paths that discovery may enter (its
  inode and modification time in nanoseconds, which change when an entry is added,
  removed or renamed), every Python and ``.gitignore`` file in them (inode,
  modification time, size; a link by its target), the packages above each path, the
  configuration and ignore files that could apply from each path up to the repository
  root, and git's own ignore and configuration files;
* the digest of statelint's sources and tables must match as well.

Only plain runs are replayed: not with ``--diff``, ``--baseline``,
``--write-baseline``, ``--output``, ``--add-noqa``, ``--watch``, ``--statistics``,
``--timings``, ``--no-cache`` or ``--config``, nor to a terminal.
A record is written only when no file it depends on was modified within
``MTIME_SLACK_NS`` of the run (a change within one clock tick could go unseen)
and the tree was the same before and after the scan.

The cache folder sits inside the scanned tree and is not trusted: a record is
JSON checked field by field, read without following links, and the state it
must match includes inode numbers and nanosecond times of this machine's files,
which nothing planted in a repository can foresee.  A damaged, foreign or stale
record is a miss, and the run goes on as usual.

This module imports nothing of statelint's analysis: a replayed run costs the
interpreter's start, a walk of the tree's folders and the writing of the report.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from statelint.layout import CONFIG_FILENAMES, DEFAULT_EXCLUDED_DIRS

#: Bumped when the record's layout or what its state covers changes.
REPLAY_FORMAT = 1
#: The folder of the cache that holds the records.
FOLDER = "replay"
#: A record larger than this is neither read nor written.
MAX_RECORD_BYTES = 64 * 1024 * 1024
#: Files and folders modified this close to the run are not vouched for by their mtime.
MTIME_SLACK_NS = 2_000_000_000
#: ``check`` options after which the report depends on more than the state covers.
UNREPLAYABLE = frozenset({
    "--diff", "--baseline", "--write-baseline", "-o", "--output", "--add-noqa", "--watch",
    "--statistics", "--timings", "--no-cache", "--config", "-h", "--help",
})
#: ``check`` options that take a value (the next word is not a path to scan).
VALUE_OPTIONS = frozenset({
    "--format", "--output-format", "-o", "--output", "--config", "--select", "--ignore",
    "--per-file-ignores", "--exclude", "--extend-exclude", "--fail-on", "-j", "--jobs",
    "--max-file-size", "--baseline", "--write-baseline", "--diff", "--cache-dir",
})
#: Environment variables that change between two otherwise equal shell commands.
VOLATILE_ENVIRONMENT = frozenset({"_", "OLDPWD", "SHLVL"})

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)


@lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """A digest of statelint's own code and data tables (about a millisecond).

    The version string alone does not change while statelint is developed or
    patched; the sources do.
    """
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    roots = [package]
    try:
        import statelint.rules as catalogue  # the rule catalogue and its TOML tables

        roots += [Path(p).resolve() for p in catalogue.__path__]
    except ImportError:  # pragma: no cover - the catalogue always ships
        pass
    files: list[Path] = []
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
                files.append(path)
    for path in sorted(set(files)):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def scanned_paths(arguments: Sequence[str]) -> list[str] | None:
    """The paths a ``check`` command line names (the words after ``check`` that are
    neither options nor their values), or None when the run must not be replayed."""
    paths: list[str] = []
    words = iter(arguments)
    for word in words:
        if word == "--":
            paths.extend(words)
            break
        name = word.split("=", 1)[0]
        if name in UNREPLAYABLE:
            return None
        if word.startswith("-"):
            if name in VALUE_OPTIONS and "=" not in word:
                next(words, None)
            continue
        paths.append(word)
    return paths


def record_name(cwd: str, arguments: Sequence[str]) -> str:
    """The file name of the record of this command line, run from ``cwd`` in this environment."""
    environment = sorted((key, value) for key, value in os.environ.items()
                         if key not in VOLATILE_ENVIRONMENT)
    text = json.dumps([REPLAY_FORMAT, cwd, list(arguments), sys.executable, sys.version,
                       environment], ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest() + ".json"


def default_cache_folder(cwd: str, arguments: Sequence[str]) -> Path:
    """Where the record is looked for: ``--cache-dir`` when given, else ``.statelint_cache``
    in the working folder."""
    words = list(arguments)
    for index, word in enumerate(words):
        if word == "--":
            break
        if word == "--cache-dir" and index + 1 < len(words):
            return Path(cwd, words[index + 1])
        if word.startswith("--cache-dir="):
            return Path(cwd, word.split("=", 1)[1])
    return Path(cwd, ".statelint_cache")


@dataclass
class TreeState:
    """The digest of what a scan read from the file system, and its newest mtime."""

    digest: str
    newest_ns: int


def _signature(path: str) -> str:
    """``inode:mtime_ns:size:type`` of ``path`` (not following a link), or ``-``."""
    try:
        info = os.lstat(path)
    except OSError:
        return "-"
    return f"{info.st_ino}:{info.st_mtime_ns}:{info.st_size}:{stat.S_IFMT(info.st_mode)}"


def tree_state(cwd: str, paths: Sequence[str]) -> TreeState | None:
    """The state of everything a ``check`` of ``paths`` from ``cwd`` reads, or None when
    it cannot be vouched for (an unreadable folder)."""
    digest = hashlib.sha256()
    newest = 0
    given = list(paths) or ["."]
    try:
        for path in given:
            full = os.path.join(cwd, path)
            link = os.lstat(full)
            info = os.stat(full)
            if stat.S_ISLNK(link.st_mode):
                digest.update(f"L\0{path}\0{os.readlink(full)}\0{link.st_mtime_ns}\n".encode(
                    "utf-8", "surrogateescape"))
            digest.update(f"P\0{path}\0{info.st_ino}:{info.st_mtime_ns}:{info.st_size}\n".encode(
                "utf-8", "surrogateescape"))
            newest = max(newest, info.st_mtime_ns)
            if stat.S_ISDIR(info.st_mode):
                newest = max(newest, _walk(full, digest))
        newest = max(newest, _surroundings([os.path.join(cwd, path) for path in given], digest))
    except OSError:
        return None
    return TreeState(digest.hexdigest(), newest)


def _walk(top: str, digest: hashlib._Hash) -> int:
    """Add every folder discovery may enter under ``top`` and the files in it that a scan
    reads; returns the newest mtime seen.  A link is added as its target's text and
    state; a link to a folder is walked at its real path (once, as discovery does)."""
    newest = 0
    pending = [top]
    visited: set[str] = set()
    inside = os.path.join(os.path.realpath(top), "")
    while pending:
        folder = pending.pop()
        real = os.path.realpath(folder)
        if real in visited:
            digest.update(f"R\0{folder}\0{real}\n".encode("utf-8", "surrogateescape"))
            continue
        visited.add(real)
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        folder_info = os.stat(folder)
        newest = max(newest, folder_info.st_mtime_ns)
        digest.update(f"D\0{folder}\0{folder_info.st_ino}:{folder_info.st_mtime_ns}\n".encode(
            "utf-8", "surrogateescape"))
        for entry in entries:
            name = entry.name
            if entry.is_symlink():
                if not (name.endswith(".py") or name == ".gitignore" or entry.is_dir()):
                    continue
                link = os.lstat(entry.path)
                newest = max(newest, link.st_mtime_ns)
                target = os.readlink(entry.path)
                digest.update(f"L\0{name}\0{target}\0{link.st_ino}:{link.st_mtime_ns}\0"
                              f"{_followed(entry.path)}\n".encode("utf-8", "surrogateescape"))
                if (entry.is_dir() and name not in DEFAULT_EXCLUDED_DIRS
                        and os.path.realpath(entry.path).startswith(inside)):
                    pending.append(entry.path)  # discovery follows a link within the tree
                continue
            if entry.is_dir(follow_symlinks=False):
                if name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info"):
                    continue
                venv = _signature(os.path.join(entry.path, "pyvenv.cfg"))
                digest.update(f"V\0{entry.path}\0{venv}\n".encode("utf-8", "surrogateescape"))
                if venv == "-":
                    pending.append(entry.path)
                continue
            if name.endswith(".py") or name == ".gitignore":
                info = entry.stat(follow_symlinks=False)
                newest = max(newest, info.st_mtime_ns)
                digest.update(f"F\0{name}\0{info.st_ino}:{info.st_mtime_ns}:{info.st_size}\n"
                              .encode("utf-8", "surrogateescape"))
    return newest


def _followed(path: str) -> str:
    """``inode:mtime_ns:size`` of what the link at ``path`` finally points to, or ``-``."""
    try:
        info = os.stat(path)
    except OSError:  # a link to nothing, or a loop
        return "-"
    return f"{info.st_ino}:{info.st_mtime_ns}:{info.st_size}"


def _surroundings(given: Sequence[str], digest: hashlib._Hash) -> int:
    """Add the files around the scanned paths that change a report: from each path's folder
    up, the packages above it (module names) and, up to the repository root, the
    configuration and ignore files; then git's own ignore and configuration files."""
    newest = 0
    folders: list[Path] = []
    for path in given:
        start = Path(path).resolve()
        folder = start if start.is_dir() else start.parent
        if folder not in folders:
            folders.append(folder)
    gits: list[str] = []
    for start in folders:
        names: tuple[str, ...] = (*CONFIG_FILENAMES, ".gitignore", ".git", "__init__.py")
        for folder in (start, *start.parents):
            for name in names:
                signature = _signature(str(folder / name))
                digest.update(f"S\0{folder}/{name}\0{signature}\n".encode("utf-8",
                                                                         "surrogateescape"))
                if signature != "-":
                    newest = max(newest, int(signature.split(":")[1]))
            if ".git" in names and os.path.lexists(folder / ".git"):
                gits.append(str(folder / ".git"))
                names = ("__init__.py",)  # module names may still reach above the repository
    home = os.environ.get("HOME", "")
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    settings = [os.path.join(home, ".gitconfig"), os.path.join(config_home, "git", "config"),
                "/etc/gitconfig"]
    extra = [*settings, os.path.join(config_home, "git", "ignore")]
    for git in gits:
        settings.append(os.path.join(git, "config"))
        extra += [os.path.join(git, "info", "exclude"), os.path.join(git, "config"),
                  os.path.join(git, "index"), os.path.join(git, "HEAD")]
    extra += _excludes_files(settings)
    for path in extra:
        digest.update(f"G\0{path}\0{_signature(path)}\n".encode("utf-8", "surrogateescape"))
    return newest


def _excludes_files(settings: Sequence[str]) -> list[str]:
    """The ``core.excludesFile`` paths git's configuration files name."""
    found = []
    for path in settings:
        try:
            with open(path, encoding="utf-8", errors="replace") as stream:
                text = stream.read(MAX_RECORD_BYTES)
        except OSError:
            continue
        for line in text.splitlines():
            name, _, value = line.partition("=")
            if name.strip().lower() == "excludesfile" and value.strip():
                found.append(os.path.expanduser(value.strip().strip('"')))
    return found


def atomic_write(folder: str, name: str, data: bytes, suffix: str = ".json") -> None:
    """Write ``data`` as ``folder/name``: to a new temporary file, renamed over the name
    (which replaces a link there, never writes through it); raises OSError."""
    temporary = os.path.join(folder, f".tmp-{os.getpid()}-{secrets.token_hex(6)}{suffix}")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY,
                     0o600)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, os.path.join(folder, name))
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


@dataclass
class Record:
    """What a run printed, and what it depended on."""

    fingerprint: str
    paths: list[str]
    state: str
    stdout: str
    stderr: str
    code: int

    def to_json(self) -> bytes:
        return json.dumps(["statelint-replay", REPLAY_FORMAT, self.fingerprint, self.paths,
                           self.state, self.stdout, self.stderr, self.code],
                          ensure_ascii=True, separators=(",", ":")).encode("ascii")

    @classmethod
    def from_json(cls, data: bytes) -> Record | None:
        try:
            stored = json.loads(data)
        except (ValueError, RecursionError):
            return None
        if (type(stored) is not list or len(stored) != 8 or stored[0] != "statelint-replay"
                or type(stored[1]) is not int or stored[1] != REPLAY_FORMAT):
            return None
        _, _, fingerprint, paths, state, out, err, code = stored
        if (type(fingerprint) is not str or type(state) is not str or type(out) is not str
                or type(err) is not str or type(code) is not int or type(paths) is not list
                or any(type(path) is not str for path in paths)):
            return None
        return cls(fingerprint, paths, state, out, err, code)


def _read(path: Path) -> bytes | None:
    """The bytes of the regular file at ``path``, read without following a link at the
    file or at the cache folder, or None."""
    if os.path.islink(path.parent) or os.path.islink(path.parent.parent):
        return None
    try:
        handle = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return None
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_RECORD_BYTES:
            return None
        data = stream.read(MAX_RECORD_BYTES + 1)
    return data if len(data) <= MAX_RECORD_BYTES else None


def replayed(arguments: Sequence[str], cwd: str | None = None) -> Record | None:
    """The record a ``check`` with ``arguments`` (the words after ``check``) may print
    again, or None: the run must be made."""
    if sys.stdout.isatty() or sys.stderr.isatty():
        return None
    paths = scanned_paths(arguments)
    if paths is None:
        return None
    cwd = cwd or os.getcwd()
    folder = default_cache_folder(cwd, arguments)
    data = _read(folder / FOLDER / record_name(cwd, arguments))
    if data is None:
        return None
    record = Record.from_json(data)
    if record is None or record.paths != paths or record.fingerprint != source_fingerprint():
        return None
    state = tree_state(cwd, paths)
    if state is None or state.digest != record.state:
        return None
    return record


def remember(folder: Path, arguments: Sequence[str], paths: Sequence[str], before: TreeState,
             stdout: str, stderr: str, code: int, cwd: str | None = None) -> bool:
    """Write the record of a finished run whose state was ``before`` when it started;
    nothing is written when the tree changed meanwhile, changed too recently to be
    vouched for, or the run printed anything a replay could not reproduce."""
    cwd = cwd or os.getcwd()
    if (scanned_paths(arguments) != list(paths) or "\x1b" in stdout or "\x1b" in stderr
            or folder.resolve() != default_cache_folder(cwd, arguments).resolve()):
        return False
    after = tree_state(cwd, paths)
    if after is None or after != before:
        return False
    if after.newest_ns > time.time_ns() - MTIME_SLACK_NS:
        return False
    data = Record(source_fingerprint(), list(paths), after.digest, stdout, stderr,
                  code).to_json()
    if len(data) > MAX_RECORD_BYTES:
        return False
    target = folder / FOLDER
    try:
        if os.path.islink(folder) or not folder.is_dir():
            return False
        if not os.path.lexists(target):
            os.mkdir(target)
        if os.path.islink(target) or not target.is_dir():
            return False
        atomic_write(str(target), record_name(cwd, arguments), data)
    except OSError:
        return False
    return True


#: The words after ``check`` of the command line this process was started with, when
#: it was started as the ``statelint`` command (set once by ``main``).
_launched: list[str] | None = None


def launched_arguments() -> list[str] | None:
    """The words after ``check`` when this process is a ``statelint check`` command, else
    None (a test calling the command line in-process, ``statelint handlers``...)."""
    return _launched


def main() -> None:
    """The ``statelint`` command: a plain ``check`` whose inputs did not change prints
    its recorded report; everything else runs as usual."""
    global _launched
    arguments = sys.argv[1:]
    if arguments[:1] == ["check"]:
        _launched = arguments[1:]
        record = replayed(arguments[1:])
        if record is not None:
            sys.stdout.write(record.stdout)
            sys.stdout.flush()
            sys.stderr.write(record.stderr)
            sys.stderr.flush()
            sys.exit(record.code)
    from statelint.cli import main as cli_main

    cli_main()
