"""The facts cache: per-file facts kept as checked JSON under ``.statelint_cache/``.

An entry is keyed by the sha256 of the file's bytes, its path and module name,
the fingerprint of statelint itself (its source and data tables, so a changed
rule table or extractor never reuses stale facts) and the configuration that
changes facts.  Entries are written atomically (a temporary file renamed over
the final name), so concurrent runs can share a cache.

The cache folder usually sits inside the scanned tree, so its bytes are not
trusted:

* entries are data only: JSON decoded by ``statelint.codec`` against the
  expected types, field by field; nothing read from the folder is unpickled or
  evaluated.  An entry that is damaged, too large, of another version or kind,
  or stored under another key is a miss, and the file is parsed again;
* a folder that git tracks in the scanned tree (something a commit put there,
  not statelint) is neither read nor written;
* entries are opened without following symbolic links, the folder itself must
  not be one, and only regular files are read: nothing outside the folder is
  read or written through it.

Two shortcuts make a warm run cheap:

* a **manifest** maps ``(path, mtime_ns, size)`` to the content key, so files
  that did not change are neither read nor hashed; an entry whose mtime is too
  close to when the manifest was written is hashed anyway (a file rewritten
  within the clock's granularity keeps its mtime).  It also records the
  **facts digest** of each file parsed so far: the sha256 of its encoded facts;
* a **result memo** keyed by what every file contributes -- its facts digest
  when known, else its content key -- the selected rules and the configuration
  holds the output of the link and rule stages, which are a pure function of
  those inputs.  A run where nothing changed skips them, and so does a run
  where a file changed without changing its facts (a comment, blank lines at
  its end): only that file is parsed again.

This module never imports LibCST: a warm run must not pay for it.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from statelint import __version__
from statelint.codec import CodecError, from_data, to_json
from statelint.replay import atomic_write, source_fingerprint

#: Bumped when the layout of cache entries changes (2: checked JSON instead of pickles;
#: 3: the manifest records each file's facts digest; 4: functions record their loop
#: variables' iterables and the conditions of their ``if`` blocks).
CACHE_FORMAT = 4
MAGIC = "statelint-cache"
#: The file name suffix of entries and manifests.
SUFFIX = ".json"
#: An entry or manifest larger than this is not read (a miss) nor written.
MAX_ENTRY_BYTES = 64 * 1024 * 1024
#: The kinds of entries, each a folder of the cache.
KINDS = frozenset({"facts", "memo"})
#: How long asking git whether the cache folder is tracked may take.
GIT_TIMEOUT = 10.0
_KEY = re.compile(r"[0-9a-f]{64}")
#: A manifest entry whose mtime is this close to the manifest's own write time is
#: re-hashed: the file may have changed again within the same clock tick.
MTIME_SLACK_NS = 2_000_000_000

CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by statelint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """A digest of the cache's format and statelint's own code and data tables
    (``replay.source_fingerprint``): the version string alone does not change while
    statelint is developed or patched; the sources do."""
    text = f"{MAGIC}:{CACHE_FORMAT}:{__version__}:{source_fingerprint()}"
    return hashlib.sha256(text.encode()).hexdigest()


def facts_salt(config: Any) -> str:
    """What besides a file's bytes decides its facts: statelint and the facts config."""
    inputs = ""
    method = getattr(config, "fingerprint_inputs", None)
    if callable(method):
        inputs = str(method())
    return hashlib.sha256(f"{engine_fingerprint()}\0{inputs}".encode()).hexdigest()


def content_key(salt: str, data: bytes, relpath: str, module: str, is_package: bool) -> str:
    """The key of one file's facts: its bytes, where it is and how it is named."""
    digest = hashlib.sha256(salt.encode())
    digest.update(f"\0{relpath}\0{module}\0{int(is_package)}\0".encode())
    digest.update(data)
    return digest.hexdigest()


@dataclass
class CacheStats:
    """What the cache did during one run."""

    hits: int = 0
    misses: int = 0
    hashed: int = 0
    unchanged: int = 0
    memo: bool = False


#: A manifest: when it was written, and ``(relpath, mtime_ns, size, content key, facts
#: digest)`` per file (the digest is "" for a file never parsed).
Manifest = tuple[int, tuple[tuple[str, int, int, str, str], ...]]


@dataclass(frozen=True)
class ManifestEntry:
    """What the manifest says about one file."""

    mtime_ns: int
    size: int
    key: str
    #: sha256 of the file's encoded facts ("" while the file was never parsed)
    digest: str = ""
    #: whether the file's mtime is old enough for the entry to be trusted unread
    trusted: bool = True

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a named pipe planted as an entry must not block
_BINARY = getattr(os, "O_BINARY", 0)


@dataclass
class FactsCache:
    """A directory of facts as checked JSON, safe to share between concurrent runs."""

    directory: Path
    salt: str
    stats: CacheStats = field(default_factory=CacheStats)
    usable: bool = True
    #: Why the folder is not used, when it is not (said once on stderr by ``open``).
    refused: str = ""
    #: Folders of the cache found to be real folders (not links) during this run.
    _checked: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def open(cls, directory: Path, config: Any = None) -> FactsCache:
        """Open (creating it when needed) the cache at ``directory``.

        A folder that is a symbolic link, or that git tracks, is not used: the
        scan goes on without a cache, and one line on stderr says why.
        """
        cache = cls(directory, facts_salt(config))
        if os.path.islink(directory):
            cache._refuse("it is a symbolic link")
            return cache
        tracked = git_tracked(directory)
        if tracked:
            cache._refuse(tracked)
            return cache
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if os.path.islink(directory) or not directory.is_dir():
                raise OSError("not a folder")
            for name, text in (("CACHEDIR.TAG", CACHEDIR_TAG), (".gitignore", "# Created by statelint.\n*\n")):
                if not os.path.lexists(directory / name):
                    cache._write((name,), text.encode())
        except OSError:
            cache.usable = False  # a read-only tree still gets scanned, just not cached
        return cache

    def _refuse(self, why: str) -> None:
        self.usable = False
        self.refused = why
        print(f"statelint: not using the cache folder {self.directory}: {why}", file=sys.stderr)

    # -- entries ---------------------------------------------------------------

    def _parts(self, kind: str, key: str) -> tuple[str, str, str]:
        if kind not in KINDS or not _KEY.fullmatch(key):
            raise ValueError(f"not a cache key: {kind}/{key}")
        return (kind, key[:2], key[2:] + SUFFIX)

    def _entry(self, kind: str, key: str) -> Path:
        """Where the entry ``key`` of ``kind`` lives."""
        return self.directory.joinpath(*self._parts(kind, key))

    def _manifest_name(self) -> str:
        return f"manifest-{self.salt[:16]}{SUFFIX}"

    def _folder(self, parts: tuple[str, ...], create: bool) -> str | None:
        """The folder of the entry at ``parts``, when it and every folder between it
        and the cache folder are real folders, not symbolic links (checked once per
        run and folder); None otherwise."""
        folder = os.path.join(self.directory, *parts[:-1])
        if folder in self._checked:
            return folder
        path = str(self.directory)
        for part in ("", *parts[:-1]):
            path = os.path.join(path, part) if part else path
            if path in self._checked:
                continue
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                if not create:
                    return None
                try:
                    os.mkdir(path)
                except FileExistsError:
                    pass
                info = os.lstat(path)
            if not stat.S_ISDIR(info.st_mode):  # a link (to a folder or not), a file
                return None
            self._checked.add(path)
        return folder

    def _read(self, parts: tuple[str, ...]) -> bytes | None:
        """The bytes of the regular file at ``parts`` under the folder, or None.

        No symbolic link is followed, at the folder or below it, only a regular
        file is read, and one larger than ``MAX_ENTRY_BYTES`` is not.
        """
        try:
            folder = self._folder(parts, create=False)
            if folder is None:
                return None
            handle = os.open(os.path.join(folder, parts[-1]),
                             os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY)
            with os.fdopen(handle, "rb") as stream:
                info = os.fstat(handle)
                if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
                    return None
                if not _NOFOLLOW and os.path.islink(os.path.join(folder, parts[-1])):
                    return None  # pragma: no cover - where O_NOFOLLOW is missing
                data = stream.read(MAX_ENTRY_BYTES + 1)
            return data if len(data) <= MAX_ENTRY_BYTES else None
        except OSError:
            return None

    def _write(self, parts: tuple[str, ...], data: bytes) -> None:
        """Write ``data`` at ``parts`` under the folder: to a new temporary file,
        renamed over the entry (which replaces a link there, never writes through it)."""
        if len(data) > MAX_ENTRY_BYTES:
            return
        folder = self._folder(parts, create=True)
        if folder is None:
            raise OSError(f"not a folder of the cache: {parts[:-1]}")
        atomic_write(folder, parts[-1], data, SUFFIX)

    def _load(self, parts: tuple[str, ...], kind: str, key: str, expected: Any) -> Any:
        data = self._read(parts)
        if data is None:
            return None
        with collection_paused():
            try:
                stored = json.loads(data)
                if (type(stored) is not list or len(stored) != 5 or stored[0] != MAGIC
                        or stored[1] != CACHE_FORMAT or type(stored[1]) is not int
                        or stored[2] != kind or stored[3] != key):
                    return None
                return from_data(expected, stored[4])
            except (CodecError, ValueError, RecursionError, MemoryError):
                return None

    def _store(self, parts: tuple[str, ...], kind: str, key: str, value: Any) -> str:
        """Write the entry; returns the sha256 of ``value``'s encoding ("" on failure)."""
        try:
            payload = to_json(value)
            head = to_json([MAGIC, CACHE_FORMAT, kind, key])
            self._write(parts, f"{head[:-1]},{payload}]".encode())
        except (OSError, TypeError, ValueError, RecursionError):
            return ""
        return value_digest(payload)

    def load(self, kind: str, key: str, expected: Any) -> Any:
        """The value of type ``expected`` stored under ``key``, or None when absent,
        foreign or damaged.  ``expected`` is a dataclass or a type annotation
        (``tuple[str, ...]``) that ``statelint.codec`` can check."""
        if not self.usable:
            return None
        try:
            parts = self._parts(kind, key)
        except ValueError:
            return None
        return self._load(parts, kind, key, expected)

    def store(self, kind: str, key: str, value: Any) -> str:
        """Store ``value`` under ``key``; failures to write are ignored.

        Returns the digest of ``value``'s encoding (see ``facts_digest``), or ""
        when nothing was written."""
        if not self.usable:
            return ""
        try:
            parts = self._parts(kind, key)
        except ValueError:
            return ""
        return self._store(parts, kind, key, value)

    # -- manifest ----------------------------------------------------------------

    def load_manifest(self) -> dict[str, ManifestEntry]:
        """``relpath -> ManifestEntry`` for every file of the last run.

        An entry whose mtime is too close to when the manifest was written is not
        ``trusted``: the file must be read and hashed again; its digest still
        says what the file's facts were when it had that content key.
        """
        if not self.usable:
            return {}
        stored = self._load((self._manifest_name(),), "manifest", self.salt, Manifest)
        if stored is None:
            return {}
        written, entries = stored
        found: dict[str, ManifestEntry] = {}
        match = _KEY.fullmatch
        for relpath, mtime, size, key, digest in entries:
            if match(key) and (not digest or match(digest)):
                found[relpath] = ManifestEntry(mtime, size, key, digest,
                                               mtime < written - MTIME_SLACK_NS)
        return found

    def store_manifest(self, entries: dict[str, ManifestEntry]) -> None:
        """Record the files of this run; the write time bounds which mtimes are trusted."""
        if not self.usable:
            return
        value = (time.time_ns(), tuple((relpath, entry.mtime_ns, entry.size, entry.key, entry.digest)
                                       for relpath, entry in entries.items()))
        self._store((self._manifest_name(),), "manifest", self.salt, value)


def git_tracked(directory: Path) -> str:
    """Why the cache folder must not be used because of git, or "" when it may be.

    A folder (or any file in it) that git tracks came with the scanned tree, not
    from statelint.  Asked with one ``git ls-files`` in the nearest existing
    folder; no git, or a folder outside any work tree, means not tracked.  Git
    runs with the repository's own file-system monitor hook switched off, so
    that asking runs nothing the scanned tree configures.
    """
    if not os.path.lexists(directory):
        return ""
    parent = directory.parent
    try:
        completed = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", "-c", "safe.directory=*", "--literal-pathspecs",
             "ls-files", "-z", "--", directory.name or "."],
            cwd=parent, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, timeout=GIT_TIMEOUT, check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"},
        )
    except subprocess.TimeoutExpired:
        return "git took too long to say whether the folder is tracked"
    except OSError:  # no git
        return ""
    if completed.returncode == 0 and completed.stdout:
        return "git tracks it (a cache that comes with the scanned files is never trusted)"
    return ""


def value_digest(payload: str) -> str:
    """The digest of an encoded value (``codec.to_json``): equal facts, equal digests."""
    return hashlib.sha256(payload.encode()).hexdigest()


def facts_digest(value: Any) -> str:
    """The digest of a value's encoding, as ``FactsCache.store`` returns it."""
    return value_digest(to_json(value))


def memo_key(salt: str, keys: list[tuple[str, str]], extra: str) -> str:
    """The key of a whole-result memo: what each file contributes (its content key or
    its facts digest, told apart by a prefix) plus ``extra`` settings."""
    digest = hashlib.sha256(f"memo\0{salt}\0{extra}\0".encode())
    for relpath, key in keys:
        digest.update(f"{relpath}\0{key}\n".encode())
    return digest.hexdigest()


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cycle collector while cached entries are decoded.

    Decoding makes many small objects and nothing cyclic: the collector, run again
    and again meanwhile (and over every entry already loaded), took more time than
    the decoding itself.  Nested pauses leave the outermost one in charge.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
