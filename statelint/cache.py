"""The facts cache: per-file facts pickled under ``.statelint_cache/``.

An entry is keyed by the sha256 of the file's bytes, its path and module name,
the fingerprint of statelint itself (its source and data tables, so a changed
rule table or extractor never reuses stale facts) and the configuration that
changes facts.  Entries are written atomically (a temporary file renamed over
the final name), so concurrent runs can share a cache; an entry that cannot be
read back, or that is not what this version wrote, is ignored and rebuilt:
nothing read from the cache is trusted without checking its type and version.

Two shortcuts make a warm run cheap:

* a **manifest** maps ``(path, mtime_ns, size)`` to the content key, so files
  that did not change are neither read nor hashed; an entry whose mtime is too
  close to when the manifest was written is hashed anyway (a file rewritten
  within the clock's granularity keeps its mtime);
* a **result memo** keyed by every file's content key, the selected rules and
  the configuration holds the output of the link and rule stages, which are a
  pure function of those inputs, so a run where nothing changed skips them.

This module never imports LibCST: a warm run must not pay for it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from statelint import __version__

#: Bumped when the layout of cache entries changes.
CACHE_FORMAT = 1
MAGIC = "statelint-cache"
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
    """A digest of statelint's own code and data tables.

    The version string alone does not change while statelint is developed or
    patched; the sources do.  Hashing them costs about a millisecond.
    """
    digest = hashlib.sha256(f"{MAGIC}:{CACHE_FORMAT}:{__version__}".encode())
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


@dataclass
class FactsCache:
    """A directory of pickled facts, safe to share between concurrent runs."""

    directory: Path
    salt: str
    stats: CacheStats = field(default_factory=CacheStats)
    usable: bool = True

    @classmethod
    def open(cls, directory: Path, config: Any = None) -> FactsCache:
        """Open (creating it when needed) the cache at ``directory``."""
        cache = cls(directory, facts_salt(config))
        try:
            directory.mkdir(parents=True, exist_ok=True)
            tag = directory / "CACHEDIR.TAG"
            if not tag.exists():
                _write_atomic(tag, CACHEDIR_TAG.encode())
            ignore = directory / ".gitignore"
            if not ignore.exists():
                _write_atomic(ignore, b"# Created by statelint.\n*\n")
        except OSError:
            cache.usable = False  # a read-only tree still gets scanned, just not cached
        return cache

    # -- entries ---------------------------------------------------------------

    def _entry(self, kind: str, key: str) -> Path:
        return self.directory / kind / key[:2] / f"{key[2:]}.pickle"

    def load(self, kind: str, key: str, expected: type | tuple[type, ...]) -> Any:
        """The object stored under ``key``, or None when absent, foreign or corrupt."""
        if not self.usable:
            return None
        try:
            data = self._entry(kind, key).read_bytes()
            stored = pickle.loads(data)
        except Exception:  # noqa: BLE001 - a damaged entry is a miss, never an error
            return None
        if (not isinstance(stored, tuple) or len(stored) != 4 or stored[0] != MAGIC
                or stored[1] != CACHE_FORMAT or stored[2] != key
                or not isinstance(stored[3], expected)):
            return None
        return stored[3]

    def store(self, kind: str, key: str, value: Any) -> None:
        """Store ``value`` under ``key``; failures to write are ignored."""
        if not self.usable:
            return
        try:
            data = pickle.dumps((MAGIC, CACHE_FORMAT, key, value), protocol=pickle.HIGHEST_PROTOCOL)
            _write_atomic(self._entry(kind, key), data)
        except (OSError, pickle.PicklingError, RecursionError, TypeError):
            pass

    # -- manifest ----------------------------------------------------------------

    def load_manifest(self) -> dict[str, tuple[int, int, str]]:
        """``relpath -> (mtime_ns, size, content key)`` for files safe to trust unread."""
        if not self.usable:
            return {}
        try:
            stored = pickle.loads((self.directory / f"manifest-{self.salt[:16]}.pickle").read_bytes())
        except Exception:  # noqa: BLE001 - no manifest, or a damaged one: hash everything
            return {}
        if (not isinstance(stored, tuple) or len(stored) != 5 or stored[0] != MAGIC
                or stored[1] != CACHE_FORMAT or stored[2] != self.salt
                or not isinstance(stored[3], int) or not isinstance(stored[4], dict)):
            return {}
        written = stored[3]
        trusted: dict[str, tuple[int, int, str]] = {}
        for relpath, entry in stored[4].items():
            if (isinstance(relpath, str) and isinstance(entry, tuple) and len(entry) == 3
                    and isinstance(entry[0], int) and isinstance(entry[1], int)
                    and isinstance(entry[2], str) and entry[0] < written - MTIME_SLACK_NS):
                trusted[relpath] = entry
        return trusted

    def store_manifest(self, entries: dict[str, tuple[int, int, str]]) -> None:
        """Record the files of this run; the write time bounds which mtimes are trusted."""
        if not self.usable:
            return
        try:
            data = pickle.dumps((MAGIC, CACHE_FORMAT, self.salt, time.time_ns(), entries),
                                protocol=pickle.HIGHEST_PROTOCOL)
            _write_atomic(self.directory / f"manifest-{self.salt[:16]}.pickle", data)
        except OSError:
            pass


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def memo_key(salt: str, keys: list[tuple[str, str]], extra: str) -> str:
    """The key of a whole-result memo: every file's content key plus ``extra`` settings."""
    digest = hashlib.sha256(f"memo\0{salt}\0{extra}\0".encode())
    for relpath, key in keys:
        digest.update(f"{relpath}\0{key}\n".encode())
    return digest.hexdigest()
