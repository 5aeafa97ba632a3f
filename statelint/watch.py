"""``statelint check --watch``: check again whenever a scanned file changes.

The loop polls: every ``POLL_INTERVAL`` seconds it compares the size,
modification time and inode of every discovered file (an editor that saves by
renaming a new file over the old one changes the inode) and the Python files and
folders listed in every folder of the scanned tree (a new module, a deleted one,
a new package).  Files that are not Python (an editor's swap file, the report
written by ``-o``, the facts cache) change nothing.  When something changed,
the check runs again, in this process, with the options it was started with;
the facts cache keeps every unchanged file from being parsed again.

Polling needs no extra dependency and behaves the same on every file system
(network mounts and containers included); a few thousand ``stat`` calls per
interval cost little next to a check.

``WatchLoop`` takes the change detector and the sleep function as arguments,
so a test drives one iteration at a time without waiting.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, Protocol

import click

from statelint.config import CONFIG_FILENAMES, find_config
from statelint.discover import DEFAULT_EXCLUDED_DIRS, discover
from statelint.engine import cache_directory
from statelint.filtering import discovery_filters, scan_root
from statelint.reporters.concise import plural, printable

#: Seconds between two looks at the files.
POLL_INTERVAL = 0.5
#: Folders whose listing is watched, at most (a larger tree watches its files only).
MAX_WATCHED_FOLDERS = 20_000

#: What is known of a file: (size, modification time in ns, inode); None when it is gone.
FileStamp = tuple[int, int, int] | None
#: What is known of a folder: its modification time in ns and, once listed, the names in it
#: that matter (Python files, configuration files, folders); None when it is gone.
FolderStamp = tuple[int, frozenset[str]] | None


class ChangeDetector(Protocol):
    """What the loop asks about the scanned tree."""

    def reset(self) -> None:
        """Look at the tree as it is now; later changes are measured from here."""

    def changed(self) -> list[str]:
        """The paths that changed since ``reset`` (empty when none did)."""


def _file_stamp(path: Path) -> FileStamp:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def _relevant_names(folder: Path) -> frozenset[str]:
    """The names in ``folder`` that can change a check: Python files, configuration
    files and sub-folders (not the ones discovery always skips)."""
    names: set[str] = set()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.endswith(".py") and not name.startswith(".#"):
                    names.add(name)
                elif name in CONFIG_FILENAMES:
                    names.add(name)
                else:
                    try:
                        is_folder = entry.is_dir()
                    except OSError:
                        continue
                    if is_folder and name not in DEFAULT_EXCLUDED_DIRS:
                        names.add(name + "/")
    except OSError:
        pass
    return frozenset(names)


def _folder_stamp(folder: Path, listing: frozenset[str] | None = None) -> FolderStamp:
    try:
        mtime = os.stat(folder).st_mtime_ns
    except OSError:
        return None
    return (mtime, listing if listing is not None else _relevant_names(folder))


@dataclass
class TreeDetector:
    """Polls the files a check reads and the folders they live in.

    ``files`` lists the discovered files and ``folders`` the folders to watch for
    new or deleted modules; both are asked again at every ``reset``, so that a
    new file is watched from the check that first reads it.
    """

    files: Callable[[], Iterable[Path]]
    folders: Callable[[], Iterable[Path]]
    _files: dict[Path, FileStamp] = field(default_factory=dict)
    _folders: dict[Path, FolderStamp] = field(default_factory=dict)

    def reset(self) -> None:
        self._files = {path: _file_stamp(path) for path in self.files()}
        self._folders = {folder: _folder_stamp(folder) for folder in self.folders()}

    def changed(self) -> list[str]:
        found = [str(path) for path, stamp in self._files.items() if _file_stamp(path) != stamp]
        for folder, stamp in self._folders.items():
            try:
                mtime = os.stat(folder).st_mtime_ns
            except OSError:
                if stamp is not None:
                    found.append(str(folder))
                continue
            if stamp is None:
                found.append(str(folder))
            elif mtime != stamp[0]:
                # Something was added, removed or renamed here: a change only if it is
                # a name a check reads (not a swap file, not the report being written).
                names = _relevant_names(folder)
                if names != stamp[1]:
                    found.append(str(folder))
                else:
                    self._folders[folder] = (mtime, names)
        return found


def project_folders(paths: Sequence[str], is_excluded: Callable[[str], bool] | None,
                    skip: Iterable[Path] = ()) -> list[Path]:
    """The folders under ``paths`` discovery would enter, up to ``MAX_WATCHED_FOLDERS``."""
    root = scan_root(list(paths))
    skipped = {folder.resolve() for folder in skip}
    folders: list[Path] = []
    for given in paths:
        top = Path(given)
        if not top.is_dir():
            folders.append(top.parent if str(top.parent) else Path("."))
            continue
        for dirpath, dirnames, _ in os.walk(top):
            folder = Path(dirpath)
            folders.append(folder)
            if len(folders) >= MAX_WATCHED_FOLDERS:
                return folders
            keep = []
            for name in dirnames:
                child = folder / name
                if (name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info")
                        or child.resolve() in skipped):
                    continue
                if is_excluded is not None:
                    try:
                        relative = child.resolve().relative_to(root.resolve()).as_posix()
                    except ValueError:
                        relative = child.as_posix()
                    if is_excluded(relative):
                        continue
                keep.append(name)
            dirnames[:] = sorted(keep)
    return folders


def poll_sleep(seconds: float) -> None:
    """Wait between two polls (a test replaces it)."""
    time.sleep(seconds)


@dataclass
class WatchLoop:
    """Run ``check``, then run it again after each change ``detector`` reports.

    ``sleep`` is called with ``interval`` before every poll; ``announce`` is told
    the paths that changed before the check runs again.
    """

    check: Callable[[], Any]
    detector: ChangeDetector
    sleep: Callable[[float], None] = poll_sleep
    interval: float = POLL_INTERVAL
    announce: Callable[[list[str]], None] = lambda changed: None
    #: how many checks have run
    runs: int = 0

    def start(self) -> None:
        """The first check.  The tree is looked at before it runs, so that a file saved
        while it runs is seen as changed at the next poll."""
        self.detector.reset()
        self._run()

    def step(self) -> bool:
        """Wait, poll once and check again if something changed; True when it did."""
        self.sleep(self.interval)
        changed = self.detector.changed()
        if not changed:
            return False
        self.announce(changed)
        self.detector.reset()
        self._run()
        return True

    def run_forever(self) -> NoReturn:
        self.start()
        while True:
            self.step()

    def _run(self) -> None:
        self.runs += 1
        self.check()
        sys.stdout.flush()
        sys.stderr.flush()


def check_once(context: click.Context) -> int:
    """Run the ``check`` command of ``context`` once more, with its options but ``--watch``;
    its exit code is returned, not acted on."""
    params = dict(context.params, watch=False)
    try:
        context.invoke(context.command, **params)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 1
    return 0


def watch_check(context: click.Context, paths: Sequence[str], config: Any, *,
                cache_dir: str | None, quiet: bool) -> NoReturn:
    """``check --watch``: check, then check again after every change, until Ctrl-C (exit 0)."""
    root = scan_root(list(paths))
    is_excluded, is_ignored = discovery_filters(config, root)
    cache_folder = cache_directory(root, config, cache_dir)

    def files() -> list[Path]:
        found = discover(list(paths), is_excluded=is_excluded, is_ignored=is_ignored, root=root,
                         max_file_size=getattr(config, "max_file_size", None))
        config_file = find_config(list(paths))
        extra = [config_file] if config_file is not None else []
        return [file.path for file in found.files] + extra

    detector = TreeDetector(files, lambda: project_folders(paths, is_excluded, [cache_folder]))
    clear = sys.stdout.isatty() and not quiet

    def check() -> None:
        if clear:
            click.echo("\x1b[2J\x1b[H", nl=False)
        check_once(context)
        if not quiet:
            click.echo(f"statelint: watching for changes at {datetime.now():%H:%M:%S} "
                       "(Ctrl-C to stop)", err=True)

    def announce(changed: list[str]) -> None:
        if not quiet:
            first = printable(changed[0])
            more = f" and {plural(len(changed) - 1, 'other')}" if len(changed) > 1 else ""
            click.echo(f"statelint: {first}{more} changed; checking again", err=True)

    loop = WatchLoop(check, detector, sleep=poll_sleep, announce=announce)
    previous = None
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C stops at once, whatever the check is doing (parsing in workers, writing
        # the cache): cache entries are written to a temporary file and renamed, so an
        # entry is whole or absent, and a report already printed stays as it was.
        previous = signal.signal(signal.SIGINT, _stop_now)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        sys.exit(0)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _stop_now(signum: int, frame: object) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(0)
