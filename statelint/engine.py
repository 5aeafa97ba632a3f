"""The pipeline: discover → facts → link → rules → filter → verdicts.

``scan`` is the one entry point the CLI, the tests and other tools call.  Data
flows one way; each stage takes the previous stage's plain results.
"""

from __future__ import annotations

import gc
import heapq
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from statelint.baseline import fingerprint, with_fingerprint  # noqa: F401  (engine.fingerprint is public)
from statelint.cache import (
    FactsCache,
    ManifestEntry,
    collection_paused,
    content_key,
    facts_digest,
    memo_key,
)
from statelint.discover import DEFAULT_EXCLUDED_DIRS, Discovery, SourceFile, discover
from statelint.filtering import (
    apply_config,
    attach_ledger,
    discovery_filters,
    enabled_rules,
    reported_problems,
    scan_root,
)
from statelint.handlers import no_handler_note
from statelint.model import (
    SEVERITY_RANK,
    FileProblem,
    Finding,
    Handler,
    InternalError,
    ModuleFacts,
    ParseError,
    Reason,
    ScanResult,
    Verdict,
)
from statelint.project import Project
from statelint.rule import Rule, all_rules

#: Below this many files a process pool costs more than it saves.
PARALLEL_THRESHOLD = 64

INTERNAL_ERROR_HELP = (
    "this is a bug in statelint; please report it with the file (or a reduced copy of it)"
)


def handler_key(handler: Handler) -> str:
    """How findings name a handler: ``path::name`` (``Handler.key``)."""
    return handler.key


def read_facts(file: SourceFile, source: bytes | None = None) -> ModuleFacts:
    """Parse one file (reading it unless ``source`` is given); never raises."""
    from statelint.facts import extract_facts

    if source is None:
        try:
            source = file.path.read_bytes()
        except OSError as error:
            return _unreadable(file, error)
    try:
        return extract_facts(source, file.relpath, file.module, file.is_package)
    except Exception as error:  # noqa: BLE001 - one bad file must not end the scan
        return ModuleFacts(file.relpath, file.module, file.is_package,
                           error=ParseError(f"internal error: {type(error).__name__}: {error}; "
                                            f"{INTERNAL_ERROR_HELP}", kind="internal"))


def _unreadable(file: SourceFile, error: OSError) -> ModuleFacts:
    return ModuleFacts(file.relpath, file.module, file.is_package,
                       error=ParseError(f"cannot read file: {error.strerror or error}",
                                        kind="unreadable"))


#: What a worker parses: a file, its bytes (None: read them) and its content key.
Work = tuple[SourceFile, "bytes | None", str]


def _read_many(work: list[Work], cache: FactsCache | None) -> list[tuple[ModuleFacts, str]]:
    """Parse a batch; with a cache, store each result under its content key.

    Returns each file's facts with the digest of their encoding ("" when they
    were not stored).
    """
    results = []
    for file, source, key in work:
        facts = read_facts(file, source)
        digest = ""
        # An unreadable file is not cached: its bytes are unknown.
        if cache is not None and key and (facts.error is None or facts.error.kind != "unreadable"):
            digest = cache.store("facts", key, facts)
        results.append((facts, digest))
    return results


#: The facts cache of a worker process, opened once when the worker starts.
_worker_cache: FactsCache | None = None


def _start_worker(cache_dir: str | None, salt: str) -> None:
    global _worker_cache
    _worker_cache = FactsCache(Path(cache_dir), salt) if cache_dir else None


def _read_batch(work: list[Work]) -> list[tuple[ModuleFacts, str]]:
    """``_read_many`` in a worker, with the cache it opened at start."""
    return _read_many(work, _worker_cache)


def _workers(jobs: int) -> int:
    if jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class Workers:
    """A process pool started on first use and kept for the rest of the scan.

    Demand-driven parsing asks for files in rounds; one pool serves them all, so
    a round does not start new workers that import LibCST again.  Each worker
    opens the facts cache once, when it starts.  (A worker that died turns the
    rest of the scan sequential, see ``_parse_all``.)
    """

    def __init__(self, jobs: int, cache: FactsCache | None = None) -> None:
        self.count = _workers(jobs)
        self.cache = cache if cache is not None and cache.usable else None
        self._pool: ProcessPoolExecutor | None = None

    @property
    def running(self) -> bool:
        """Whether the pool has been started (and not closed)."""
        return self._pool is not None

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            cache_dir = str(self.cache.directory) if self.cache is not None else None
            salt = self.cache.salt if self.cache is not None else ""
            self._pool = ProcessPoolExecutor(max_workers=self.count, initializer=_start_worker,
                                             initargs=(cache_dir, salt))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Batches per worker: enough for the last ones to even out, few enough that a
#: batch is large (one round trip carries dozens of files).
BATCHES_PER_WORKER = 4


def balanced_batches(sizes: list[int], count: int) -> list[list[int]]:
    """Indexes of ``sizes`` in ``count`` batches of about equal total size.

    The largest items go first, each to the lightest batch so far; batches come
    out heaviest first, so that the longest work starts first.  Parsing time
    follows a file's size, so the workers finish at about the same time.
    """
    batches: list[list[int]] = [[] for _ in range(max(1, min(count, len(sizes))))]
    heap = [(0, number) for number in range(len(batches))]
    for index in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        total, number = heapq.heappop(heap)
        batches[number].append(index)
        heapq.heappush(heap, (total + sizes[index], number))
    weight = {number: sum(sizes[i] for i in batch) for number, batch in enumerate(batches)}
    return [sorted(batches[n]) for n in sorted(weight, key=lambda n: (-weight[n], n)) if batches[n]]


def _parse_all(work: list[Work], workers: Workers,
               progress: Callable[[int], None] | None) -> list[tuple[ModuleFacts, str]]:
    """Parse every item, results in the order given, in the process pool when it pays.

    Workers get the bytes (read here when the item has none), never a path to
    read, in size-balanced batches.
    """
    results: list[tuple[ModuleFacts, str] | None] = [None] * len(work)
    ready: list[Work] = []
    for position, (file, source, key) in enumerate(work):
        if source is None:
            try:
                source = file.path.read_bytes()
            except OSError as error:
                results[position] = (_unreadable(file, error), "")
        ready.append((file, source, key))
    todo = [position for position, result in enumerate(results) if result is None]
    count = min(workers.count, max(1, len(todo)))
    # Starting the pool costs a LibCST import per worker; once it runs, a later round
    # of a few files is worth sending to it too.
    if count > 1 and (len(todo) >= PARALLEL_THRESHOLD
                      or (workers.running and len(todo) >= 2 * count)):
        sizes = [len(ready[position][1] or b"") for position in todo]
        batches = [[todo[i] for i in batch]
                   for batch in balanced_batches(sizes, count * BATCHES_PER_WORKER)]
        try:
            pool = workers.pool()
            pending = {pool.submit(_read_batch, [ready[p] for p in batch]): batch for batch in batches}
            for future in as_completed(pending):
                for position, result in zip(pending[future], future.result(), strict=True):
                    results[position] = result
                if progress is not None:
                    progress(len(pending[future]))
        except BrokenProcessPool:
            # A worker died (killed for memory, a crash in a native extension): finish
            # the remaining files in this process rather than lose the whole scan.
            workers.close()
            workers.count = 1
    for position, result in enumerate(results):
        if result is None:
            results[position] = _read_many([ready[position]], workers.cache)[0]
            if progress is not None:
                progress(1)
    return [result for result in results if result is not None]


@dataclass
class FactsStage:
    """What the facts stage produced: facts in file order, and how it got them."""

    facts: list[ModuleFacts]
    #: per file, what decides its facts (see ``contributions``)
    keys: list[tuple[str, str]]
    parsed: int = 0
    cache_hits: int = 0
    hashed: int = 0
    #: The memoised link and rule output, when nothing that decides it changed.
    memo: LinkMemo | None = None


def collect_facts(files: list[SourceFile], jobs: int = 0, *, cache: FactsCache | None = None,
                  progress: Callable[[int], None] | None = None) -> list[ModuleFacts]:
    """Facts for every file, in the order of ``files``, in parallel when it pays."""
    return gather_facts(files, jobs, cache=cache, progress=progress).facts


#: Sources that replace what is on disk for a scan, by absolute path: an editor's
#: unsaved buffers.  The bytes are the file's as they would be saved.
Overlay = Mapping[Path, bytes]


def overlaid_sources(files: list[SourceFile], overlay: Overlay | None) -> dict[int, bytes]:
    """The overlay's bytes for the discovered files it covers, by file index."""
    if not overlay:
        return {}
    wanted = {os.path.normcase(os.path.abspath(path)): data for path, data in overlay.items()}
    return {index: wanted[key] for index, file in enumerate(files)
            if (key := os.path.normcase(os.path.abspath(file.path))) in wanted}


@dataclass
class KeyedFiles:
    """Every file's content key, and what finding them taught."""

    keys: list[str]
    #: the bytes read (by index): files the manifest did not vouch for
    sources: dict[int, bytes]
    #: read errors (by index)
    errors: dict[int, OSError]
    hashed: int
    #: this run's manifest (by path); a file's facts digest is carried over while
    #: its content key stays the same
    entries: dict[str, ManifestEntry]
    #: files whose content changed since the manifest recorded their facts digest
    changed: list[int]

    def contributions(self, files: list[SourceFile]) -> list[tuple[str, str]]:
        """What each file contributes to the memo key: its facts digest when known
        (so an edit that leaves the facts as they were keeps the memo), else its
        content key.  Both decide the file's facts."""
        out = []
        for index, file in enumerate(files):
            entry = self.entries.get(file.relpath)
            if entry is not None and entry.digest and entry.key == self.keys[index]:
                out.append((file.relpath, "f" + entry.digest))
            else:
                out.append((file.relpath, "c" + self.keys[index] if self.keys[index] else ""))
        return out

    def record(self, file: SourceFile, index: int, digest: str) -> None:
        entry = self.entries.get(file.relpath)
        if digest and entry is not None and entry.key == self.keys[index]:
            self.entries[file.relpath] = replace(entry, digest=digest)


def file_keys(files: list[SourceFile], cache: FactsCache,
              overlaid: Mapping[int, bytes] | None = None) -> KeyedFiles:
    """The content key of every file; files the manifest vouches for are not read.

    ``overlaid`` gives the bytes of some files (by index) in place of the disk's:
    they are hashed, and the manifest keeps its entry for the file on disk.
    """
    manifest = cache.load_manifest()
    keys: list[str] = []
    sources: dict[int, bytes] = {}
    errors: dict[int, OSError] = {}
    entries: dict[str, ManifestEntry] = {}
    changed: list[int] = []
    hashed = 0
    for index, file in enumerate(files):
        if overlaid and index in overlaid:
            sources[index] = overlaid[index]
            keys.append(content_key(cache.salt, sources[index], file.relpath, file.module,
                                    file.is_package))
            hashed += 1
            if (known := manifest.get(file.relpath)) is not None:
                entries[file.relpath] = known
            continue
        try:
            info = os.stat(file.path)
        except OSError as error:
            errors[index] = error
            keys.append("")
            continue
        known = manifest.get(file.relpath)
        if (known is not None and known.trusted and known.mtime_ns == info.st_mtime_ns
                and known.size == info.st_size):
            keys.append(known.key)
            entries[file.relpath] = known
            continue
        try:
            data = file.path.read_bytes()
        except OSError as error:
            errors[index] = error
            keys.append("")
            continue
        hashed += 1
        key = content_key(cache.salt, data, file.relpath, file.module, file.is_package)
        sources[index] = data
        keys.append(key)
        digest = ""
        if known is not None and known.digest:
            if known.key == key:
                digest = known.digest  # touched, not changed
            else:
                changed.append(index)
        if len(data) == info.st_size:
            entries[file.relpath] = ManifestEntry(info.st_mtime_ns, info.st_size, key, digest)
    return KeyedFiles(keys, sources, errors, hashed, entries, changed)


def gather_facts(files: list[SourceFile], jobs: int = 0, *, cache: FactsCache | None = None,
                 progress: Callable[[int], None] | None = None,
                 recall: Callable[[FactsStage], LinkMemo | None] | None = None,
                 lazy: LazyLink | None = None, overlay: Overlay | None = None) -> FactsStage:
    """Facts for every file from the cache when it has them, parsed otherwise.

    ``recall`` is asked, once every file's content key is known and before any
    facts are loaded, for a memoised link result; when it has one, the facts are
    the memo's skeletons and nothing is loaded or parsed.  Files that changed
    since they were last parsed are parsed first: when their facts are what they
    were, the memo still holds.

    With ``lazy``, only the files the result depends on are parsed (see
    ``statelint.prescan``); the others get facts with nothing in them, and the
    stage carries the linked project and the findings of the final round.

    ``overlay`` replaces the bytes of the files it names (see ``Overlay``).
    """
    workers = Workers(jobs, cache)  # started only if something must be parsed in parallel
    overlaid = overlaid_sources(files, overlay)
    if cache is None:
        if lazy is None:
            with workers:
                parsed = _parse_all([(file, overlaid.get(i), "") for i, file in enumerate(files)],
                                    workers, progress)
            return FactsStage([facts for facts, _ in parsed], [(f.relpath, "") for f in files],
                              parsed=len(files))
        keyed = KeyedFiles([""] * len(files), dict(overlaid), {}, 0, {}, [])
    else:
        keyed = file_keys(files, cache, overlaid)
    keys, sources, errors = keyed.keys, keyed.sources, keyed.errors
    counts = {"parsed": 0, "hits": 0, "hashed": keyed.hashed}
    found: dict[int, ModuleFacts] = {}  # loaded or parsed so far

    def load(indexes: list[int]) -> dict[int, ModuleFacts]:
        """Facts of the files at ``indexes``: from the cache, else parsed."""
        missing: list[int] = []
        with collection_paused():  # one pause for the whole batch of cached facts
            for index in indexes:
                file = files[index]
                if index in found:
                    continue
                if index in errors:
                    found[index] = _unreadable(file, errors[index])
                    continue
                if cache is None:
                    missing.append(index)
                    continue
                cached = cache.load("facts", keys[index], ModuleFacts)
                if (cached is not None and cached.path == file.relpath
                        and cached.module == file.module and cached.is_package == file.is_package):
                    found[index] = cached
                    counts["hits"] += 1
                    if progress is not None:
                        progress(1)
                else:
                    missing.append(index)
        work = []
        for index in missing:
            source = sources.get(index)
            if source is None and cache is not None:  # vouched for by the manifest, entry gone
                try:
                    source = files[index].path.read_bytes()
                except OSError as error:
                    found[index] = _unreadable(files[index], error)
                    continue
                keys[index] = content_key(cache.salt, source, files[index].relpath,
                                          files[index].module, files[index].is_package)
                counts["hashed"] += 1
            work.append((index, source))
        parsed = _parse_all([(files[i], source, keys[i]) for i, source in work], workers, progress)
        counts["parsed"] += len(work)
        for (index, _), (facts, digest) in zip(work, parsed, strict=True):
            found[index] = facts
            keyed.record(files[index], index, digest)
        return {index: found[index] for index in indexes}

    with workers:
        if cache is not None and recall is not None and not errors:
            if keyed.changed:
                for index, facts in load(keyed.changed).items():
                    entry = keyed.entries.get(files[index].relpath)
                    if entry is not None and not entry.digest:  # served by the cache
                        keyed.record(files[index], index, facts_digest(facts))
            stage = FactsStage([], keyed.contributions(files), hashed=counts["hashed"])
            memo = recall(stage)
            if memo is not None:
                cache.store_manifest(keyed.entries)
                stage.facts, stage.memo = memo.skeleton, memo
                stage.parsed = counts["parsed"]
                stage.cache_hits = len(files) - counts["parsed"]
                return stage
        if lazy is not None:
            stage = lazy.run(files, load, sources, errors, keys, counts, progress)
        else:
            load(list(range(len(files))))
            stage = FactsStage([found[i] for i in range(len(files))], [],
                               parsed=counts["parsed"], cache_hits=counts["hits"],
                               hashed=counts["hashed"])
    if cache is not None:
        cache.store_manifest(keyed.entries)
    stage.keys = keyed.contributions(files)
    return stage


#: When the files a demand-driven scan has parsed or wants hold more than this share of
#: the tree's bytes, it parses the rest at once (same result, fewer rounds).
EXHAUSTIVE_SHARE = 0.75
#: ... on trees of at least this many files (on smaller ones, rounds cost little).
EXHAUSTIVE_MIN_FILES = 200


class LazyLink:
    """Demand-driven facts: parse the seeds, link, parse what linking looked up, repeat.

    A round builds the ``Project`` from the facts parsed so far, knowing every
    discovered module name; every lookup that lands on a module not parsed yet is
    recorded (``Project.demanded``), as are the names of helpers and classes whose
    callers or instances an analysis reads (``prescan.reverse_names``), found in
    unparsed files by a word search.  Rules run once linking demands little more
    (what they look up is parsed along with it) and the rounds repeat until a
    round demands nothing: every lookup it made had the answer an exhaustive scan
    gives, so its result is that scan's.  When the files parsed or wanted already
    hold more than ``EXHAUSTIVE_SHARE`` of the tree's bytes, the rest is parsed at
    once: on an application whose handlers reach most of its code, rounds would
    cost more than the few files they spare.

    Files never parsed are syntax-checked with CPython's parser; one that fails is
    parsed after all (so that it is reported exactly as an exhaustive scan
    reports it) and the rounds go on.
    """

    def __init__(self, config: Any, selected: list[type[Rule]],
                 store: FactsCache | None = None) -> None:
        from statelint import prescan

        self.config = config
        self.selected = selected
        self.store = store
        self.project: Project | None = None
        self.findings: list[Finding] = []
        self.rounds = 0
        self.prescanned = 0
        self.syntax_checked = 0
        self.app_methods = prescan.app_method_names(config)
        self._searched: set[str] = set()
        #: the round after which everything left was parsed (0: never)
        self.switched = 0
        #: seconds spent per part, over all rounds (``--statistics``)
        self.times = {"prescan": 0.0, "parse": 0.0, "link": 0.0, "model": 0.0, "rules": 0.0,
                      "syntax check": 0.0}

    def _link(self, facts: list[ModuleFacts], known: list[str]) -> Project:
        return Project(
            facts,
            handler_decorators=tuple(getattr(self.config, "handler_decorators", ()) or ()),
            handler_base_classes=tuple(getattr(self.config, "handler_base_classes", ()) or ()),
            stateful_classes=tuple(getattr(self.config, "stateful_classes", ()) or ()),
            shared_classes=tuple(getattr(self.config, "shared_classes", ()) or ()),
            known_modules=known,
        )

    def _remembered_key(self) -> str:
        # One entry per cache and configuration: the list is a starting point,
        # never trusted as a result, so a stale one only costs a few parses.
        assert self.store is not None
        return memo_key(self.store.salt, [], "lazy parsed")

    def remembered(self, files: list[SourceFile]) -> tuple[set[int], frozenset[str]]:
        """What the previous lazy run with this cache learned: the files it parsed,
        and the content keys of files it found to parse cleanly without LibCST.

        Starting from those files saves the rounds that found them (a file parsed
        needlessly never changes a result, and the rounds still run until nothing
        more is demanded); a known-clean key saves compiling that file again.
        """
        if self.store is None:
            return set(), frozenset()
        stored = self.store.load("memo", self._remembered_key(),
                                 tuple[tuple[str, ...], tuple[str, ...]])
        if stored is None or len(stored) != 2:
            return set(), frozenset()
        wanted = set(stored[0])
        return ({index for index, file in enumerate(files) if file.relpath in wanted},
                frozenset(stored[1]))

    def _scans_key(self, tokens: Any) -> str:
        assert self.store is not None
        return memo_key(self.store.salt, [], "prescan\0" + tokens.digest())

    def scanned(self, tokens: Any) -> dict[str, Any]:
        """The pre-scan of each file the previous lazy run saw, by content key (the
        pre-scan is a function of a file's bytes and the tokens)."""
        from statelint.prescan import FileScan

        if self.store is None:
            return {}
        stored = self.store.load("memo", self._scans_key(tokens), tuple[tuple[str, FileScan], ...])
        return dict(stored) if stored is not None else {}

    def remember_scans(self, tokens: Any, scans: dict[str, Any]) -> None:
        if self.store is not None:
            self.store.store("memo", self._scans_key(tokens), tuple(sorted(scans.items())))

    def remember(self, files: list[SourceFile], parsed: Iterable[int], clean: set[str]) -> None:
        if self.store is not None:
            self.store.store("memo", self._remembered_key(),
                             (tuple(sorted(files[index].relpath for index in parsed)),
                              tuple(sorted(clean))))

    def run(self, files: list[SourceFile], load: Callable[[list[int]], dict[int, ModuleFacts]],
            sources: dict[int, bytes], errors: dict[int, OSError], keys: list[str],
            counts: dict[str, int],
            progress: Callable[[int], None] | None = None) -> FactsStage:
        from statelint import prescan

        mark = time.perf_counter()
        tokens = prescan.gather_tokens(self.selected, self.config)
        matcher = tokens.matcher()
        known_scans = self.scanned(tokens)
        fresh: dict[str, prescan.FileScan] = {}
        data: dict[int, bytes] = {}
        scans: list[prescan.FileScan] = []
        for index, file in enumerate(files):
            source = sources.get(index)
            if source is None and index not in errors:
                try:
                    source = file.path.read_bytes()
                except OSError:
                    source = None
            if source is None:
                scans.append(prescan.FileScan(True, (), (), ()))  # let the parser report it
                continue
            data[index] = source
            scan = known_scans.get(keys[index]) if keys[index] else None
            if scan is None:
                scan = prescan.scan_bytes(source, matcher)
                self.prescanned += 1
            if keys[index]:
                fresh[keys[index]] = scan
            scans.append(scan)
        if fresh.keys() != known_scans.keys():
            self.remember_scans(tokens, fresh)
        by_module: dict[str, list[int]] = {}
        for index, file in enumerate(files):
            by_module.setdefault(file.module, []).append(index)
        known = list(by_module)
        parsed: dict[int, ModuleFacts] = {}
        remembered, known_clean = self.remembered(files)
        want = prescan.seeds(scans, tokens) | remembered
        self.times["prescan"] += time.perf_counter() - mark
        checked: set[int] = set()
        clean: set[str] = set()
        project: Project | None = None
        findings: list[Finding] = []
        syntax_only = False
        total_size = sum(len(source) for source in data.values())
        while True:
            # Parse what is wanted, every file of the same module name (the first by
            # path wins, as in a full scan), and the packages above parsed modules.
            names = {files[i].module for i in want if i not in parsed}
            for name in list(names):
                parts = name.split(".")
                names.update(".".join(parts[:cut]) for cut in range(1, len(parts)))
            todo = sorted({i for name in names for i in by_module.get(name, ())} - parsed.keys())
            mark = time.perf_counter()
            loaded = load(todo)
            parsed.update(loaded)
            self.times["parse"] += time.perf_counter() - mark
            if syntax_only and all(facts.error is not None for facts in loaded.values()):
                # Only files the syntax check sent, and none parses: they add nothing
                # to the project, and the last round's link and rules stand.
                break
            syntax_only = False
            self.rounds += 1
            mark = time.perf_counter()
            project = self._link([parsed[i] for i in sorted(parsed)], known)
            more = self._wanted(project, by_module, parsed, data)
            self.times["link"] += time.perf_counter() - mark
            findings = []
            if len(more) <= max(16, len(parsed) // 50):
                # Close to done: the rules look things up too, and what they need is
                # parsed along with the little linking still needs.  (Before that,
                # running them would only repeat work the next round redoes.)
                mark = time.perf_counter()
                findings = run_rules(project, self.selected, self.times)
                more |= self._wanted(project, by_module, parsed, data)
                self.times["rules"] += time.perf_counter() - mark
            if more and not self.switched and len(files) >= EXHAUSTIVE_MIN_FILES:
                size = sum(len(data.get(i, b"")) for i in parsed.keys() | more)
                if size > EXHAUSTIVE_SHARE * total_size:
                    # Most of the tree's code is needed anyway: parse the rest in one
                    # go rather than pay a link and the rules per round to find it.
                    self.switched = self.rounds
                    more = set(range(len(files))) - parsed.keys()
            if not more:
                # Files never parsed must still be reported when they do not parse.
                mark = time.perf_counter()
                unchecked = [i for i in range(len(files)) if i not in parsed and i not in checked]
                checked.update(unchecked)
                for i in unchecked:
                    if i not in data:
                        more.add(i)  # unreadable: let the parser report it
                        continue
                    if keys[i] and keys[i] in known_clean:
                        clean.add(keys[i])  # found clean by an earlier run
                        continue
                    self.syntax_checked += 1
                    if prescan.syntax_ok(data[i], files[i].relpath):
                        if keys[i]:
                            clean.add(keys[i])
                    else:
                        more.add(i)
                syntax_only = True
                self.times["syntax check"] += time.perf_counter() - mark
            if not more:
                break
            want = more
        self.project, self.findings = project, findings
        self.remember(files, parsed, clean)
        if progress is not None:  # parsed files advanced the bar; the rest are settled too
            progress(len(files) - len(parsed))
        facts = [parsed.get(i) or ModuleFacts(file.relpath, file.module, file.is_package)
                 for i, file in enumerate(files)]
        return FactsStage(facts, [(file.relpath, keys[i]) for i, file in enumerate(files)],
                          parsed=counts["parsed"], cache_hits=counts["hits"],
                          hashed=counts["hashed"])

    def _wanted(self, project: Project, by_module: dict[str, list[int]],
                parsed: dict[int, ModuleFacts], data: dict[int, bytes]) -> set[int]:
        """Files of modules looked up but not parsed, and files calling or
        instantiating a name ``prescan.reverse_names`` asks about.  A name is
        searched for once: the files it matched are parsed from then on."""
        from statelint import prescan

        more = {i for name in project.demanded for i in by_module.get(name, ())} - parsed.keys()
        names = prescan.reverse_names(project, self.app_methods) - self._searched
        self._searched |= names
        pattern = prescan.mentions(names)
        if pattern is not None:
            more |= {i for i, source in data.items()
                     if i not in parsed and pattern.search(source) is not None}
        return more


def cache_directory(root: Path, config: Any, cache_dir: str | None) -> Path:
    """Where a scan keeps its cache: ``cache_dir``, else the configured one, under the root."""
    directory = Path(cache_dir or getattr(config, "cache_dir", "") or ".statelint_cache")
    return directory if directory.is_absolute() else root / directory


def open_cache(root: Path, config: Any, cache_dir: str | None) -> FactsCache:
    """The facts cache of a scan, created when needed."""
    return FactsCache.open(cache_directory(root, config, cache_dir), config)


def configured_cache_escapes(root: Path, config: Any, cache_dir: str | None) -> str:
    """Why the configured cache folder may not be used, or ``""``.

    A ``cache-dir`` read from the scanned tree's own configuration must stay inside
    the scan root once links are followed: a repository must not make statelint
    read or write elsewhere on the machine.  ``--cache-dir`` is the user's own
    choice and may point anywhere.
    """
    if cache_dir or not getattr(config, "cache_dir", ""):
        return ""
    directory = cache_directory(root, config, None)
    try:
        inside = directory.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a link loop
        inside = False
    if inside:
        return ""
    return (f"cache-dir {config.cache_dir!r} from the configuration leads outside the scanned "
            f"project (to {directory.resolve()}); the cache is off for this run: give the "
            "folder with --cache-dir to use it")


def nothing_scanned(discovery: Discovery) -> list[str]:
    """Lines saying that a given path, or the whole run, had no Python file to scan."""
    lines = [f"{path}: no Python files to scan there; nothing was scanned"
             for path in discovery.empty]
    if not discovery.files and not discovery.problems and discovery.skipped:
        lines.append(f"nothing was scanned: the {discovery.skipped} Python file"
                     f"{'s' if discovery.skipped != 1 else ''} found "
                     f"{'are' if discovery.skipped != 1 else 'is'} excluded by the "
                     "configuration or ignored by git")
    return lines


def own_cache_skipped(paths: list[str], directory: Path) -> int:
    """1 when discovery walked past our own cache folder and counted it as skipped.

    The cache must not change a scan's summary: a run that creates the folder, one
    that finds it and one with ``--no-cache`` report the same ``folders_skipped``.
    """
    if directory.name not in DEFAULT_EXCLUDED_DIRS or not (directory / "CACHEDIR.TAG").is_file():
        return 0
    parent = directory.parent.resolve()
    for given in paths or ["."]:
        top = Path(given).resolve()
        if top.is_dir() and (top == parent or top in parent.parents):
            return 1
    return 0


@dataclass
class LinkMemo:
    """The link and rule stages' output for one exact set of inputs."""

    handlers: list[Handler]
    findings: list[Finding]
    #: Each file's facts reduced to what the later stages read: path, errors, suppressions.
    skeleton: list[ModuleFacts]


def _memo_key(store: FactsCache, stage: FactsStage, config: Any,
              selected: list[type[Rule]]) -> str | None:
    # Rules from outside the catalogue (tests, plugins) are not covered by the
    # engine fingerprint, so their results are never memoised.
    if any(not rule.__module__.startswith("statelint.") for rule in selected):
        return None
    if any(not key for _, key in stage.keys):
        return None
    extra = "\0".join([
        ",".join(f"{rule.__module__}.{rule.__qualname__}" for rule in selected),
        ",".join(getattr(config, "handler_decorators", ()) or ()),
        ",".join(getattr(config, "handler_base_classes", ()) or ()),
        ",".join(getattr(config, "stateful_classes", ()) or ()),
        ",".join(getattr(config, "shared_classes", ()) or ()),
    ])
    return memo_key(store.salt, stage.keys, extra)


def recall_link(store: FactsCache | None, stage: FactsStage, config: Any,
                selected: list[type[Rule]]) -> LinkMemo | None:
    """The memoised link and rule output when every input is as it was."""
    if store is None:
        return None
    key = _memo_key(store, stage, config, selected)
    if key is None:
        return None
    memo = store.load("memo", key, LinkMemo)
    if memo is None or len(memo.skeleton) != len(stage.keys) or any(
            skeleton.path != relpath for skeleton, (relpath, _) in zip(memo.skeleton, stage.keys, strict=False)):
        return None
    store.stats.memo = True
    return memo


def remember_link(store: FactsCache | None, stage: FactsStage, config: Any,
                  selected: list[type[Rule]], handlers: list[Handler],
                  findings: list[Finding]) -> None:
    """Memoise the link and rule output of this run for the next one."""
    if store is None:
        return
    key = _memo_key(store, stage, config, selected)
    if key is None:
        return
    skeleton = [ModuleFacts(item.path, item.module, item.is_package,
                            suppressions=item.suppressions, error=item.error)
                for item in stage.facts]
    store.store("memo", key, LinkMemo(list(handlers), list(findings), skeleton))


def stage_counts(discovery: Any, stage: FactsStage, memo: bool) -> dict[str, float]:
    """Counts for ``--statistics``: how much work each stage did."""
    return {
        "files discovered": len(discovery.files),
        "files hashed": stage.hashed,
        "files parsed": stage.parsed,
        "cache hits": stage.cache_hits,
        "link reused": int(memo),
    }


@contextmanager
def progress_bar(total: int, *, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr while files are parsed (only when asked and worth it)."""
    if not enabled or total < PARALLEL_THRESHOLD:
        yield None
        return
    done = 0
    last = 0.0

    def advance(count: int) -> None:
        nonlocal done, last
        done += count
        now = time.monotonic()
        if now - last < 0.1 and done < total:
            return
        last = now
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\rstatelint [{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        sys.stderr.flush()

    try:
        yield advance
    finally:
        if done:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def run_rules(project: Project, rules: Iterable[type[Rule]],
              times: dict[str, float] | None = None) -> list[Finding]:
    """Run each rule over the linked project and return the findings, sorted.

    A rule that raises (or whose analysis raises) loses its own findings only: the
    failure is recorded with the project's other internal errors and the other
    rules run as usual.  The semantic model (which every rule's handler reaches come
    from) is solved first and its seconds are added to ``times["model"]`` (and left out of the rules').
    """
    rules = list(rules)
    # Every rule follows handlers through the model's reaches; a rule may also read it.
    if any(rule.uses_model for rule in rules) or (rules and project.handlers):
        from statelint.failures import AnalysisError
        from statelint.semantic import points_to

        mark = time.perf_counter()
        try:
            points_to(project)
        except AnalysisError:
            pass  # reported by each rule that reads the model
        if times is not None:
            elapsed = time.perf_counter() - mark
            times["model"] = times.get("model", 0.0) + elapsed
            times["rules"] = times.get("rules", 0.0) - elapsed
    findings: list[Finding] = []
    for rule_class in rules:
        own: list[Finding] = []
        with project.failures.guard("rule", rule=rule_class.code):
            own = [with_fingerprint(finding) for finding in rule_class().check(project)]
        findings.extend(own)
    findings = _without_restated(findings, {rule.code for rule in rules if rule.uses_model})
    findings.sort(key=lambda f: (f.path, f.line, f.column, f.rule, f.symbol))
    return findings


def _without_restated(findings: list[Finding], model_rules: set[str]) -> list[Finding]:
    """Leave out what a rule reading the semantic model finds about state another rule
    already reports by name (the symbol, or a global or class attribute it hangs from)."""
    named = {finding.symbol for finding in findings if finding.rule not in model_rules}
    return [finding for finding in findings if finding.rule not in model_rules or not (
        finding.symbol in named or named.intersection(finding.anchors))]


def judge_handlers(handlers: list[Handler], findings: list[Finding]) -> list[Verdict]:
    """Give every handler its verdict, with the findings that make it stateful."""
    by_handler: dict[str, list[Finding]] = {}
    for finding in findings:
        for key in finding.handlers:
            by_handler.setdefault(key, []).append(finding)
    verdicts: list[Verdict] = []
    for handler in handlers:
        own = by_handler.get(handler_key(handler), [])
        if own:
            reasons = tuple(
                Reason(text=f.message, rule=f.rule, symbol=f.symbol, how=f.how,
                       severity=f.severity, trace=f.trace)
                for f in sorted(own, key=lambda f: (-SEVERITY_RANK[f.severity], f.rule, f.symbol))
            )
            verdicts.append(Verdict(handler, "stateful", reasons))
        else:
            verdicts.append(Verdict(handler, "self-contained", (Reason(
                text="reaches no state kept in this process: every request carries or fetches "
                     "what it needs, so any worker or replica can serve it"),)))
    return verdicts


@contextmanager
def collection_settled() -> Iterator[None]:
    """Keep the objects that exist now out of the cyclic collector's walks for the block.

    A full collection walks every object alive; after the facts stage that is mostly
    the facts, which no collection could free.  (Anything among them that becomes
    garbage is collected after the block, as usual.)
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def scan(paths: list[str], *, config: Any = None, jobs: int = 0,
         rules: Iterable[type[Rule]] | None = None, cache: bool = False,
         cache_dir: str | None = None, exhaustive: bool = False,
         progress: bool = False, overlay: Overlay | None = None) -> ScanResult:
    """Scan ``paths`` and return findings, verdicts and file problems.

    With ``cache``, facts are kept per file under ``cache_dir`` (default: the
    configured ``cache-dir`` under the scan root) and reused while a file's bytes,
    statelint and the facts configuration stay the same; a run where nothing
    changed reuses the linked result as well.  The result is the same either way.
    ``progress`` draws a progress bar on stderr while files are parsed.
    Without ``exhaustive`` only the files the result depends on are parsed
    (``LazyLink``); the result is the same as with it, which parses every file.
    ``overlay`` maps absolute paths of discovered files to the bytes to scan in
    place of the disk's (an editor's unsaved buffers); the files are still found
    by discovery, and nothing is written to them.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    root = scan_root(paths)
    notes: list[str] = []
    if cache and (escape := configured_cache_escapes(root, config, cache_dir)):
        notes.append(escape)
        cache = False
    # Opened before discovery, so that every run finds the cache folder in place.
    store = open_cache(root, config, cache_dir) if cache else None
    is_excluded, is_ignored = discovery_filters(config, root)
    discovery = discover(paths, is_excluded=is_excluded, is_ignored=is_ignored, root=root,
                         max_file_size=getattr(config, "max_file_size", None))
    timings["discover"] = time.perf_counter() - started
    notes += nothing_scanned(discovery)

    mark = time.perf_counter()
    selected = enabled_rules(rules if rules is not None else all_rules(), config)
    lazy = None if exhaustive else LazyLink(config, selected, store)
    with progress_bar(len(discovery.files), enabled=progress) as advance:
        stage = gather_facts(discovery.files, jobs or getattr(config, "jobs", 0), cache=store,
                             progress=advance,
                             recall=lambda keyed: recall_link(store, keyed, config, selected),
                             lazy=lazy, overlay=overlay)
    facts = stage.facts  # with a memo: only paths, errors and suppressions, all the rest needs
    memo = stage.memo
    timings["facts"] = time.perf_counter() - mark

    problems = list(discovery.problems)
    for item in facts:
        if item.error is not None:
            problems.append(FileProblem(item.path, item.error.message, item.error.line,
                                        item.error.column, item.error.kind))
    problems = reported_problems(problems, config, root=discovery.root)

    # The facts live until the end of the scan: the collector need not walk them again
    # each time link, model and rules fill its oldest generation.
    with collection_settled():
        mark = time.perf_counter()
        if memo is not None:
            handlers, findings = memo.handlers, memo.findings
        elif lazy is not None and lazy.project is not None:
            project, handlers = lazy.project, lazy.project.handlers  # linked by the last round
        else:
            project = Project(
                facts,
                handler_decorators=tuple(getattr(config, "handler_decorators", ()) or ()),
                handler_base_classes=tuple(getattr(config, "handler_base_classes", ()) or ()),
                stateful_classes=tuple(getattr(config, "stateful_classes", ()) or ()),
                shared_classes=tuple(getattr(config, "shared_classes", ()) or ()),
            )
            handlers = project.handlers
        timings["link"] = time.perf_counter() - mark

        mark = time.perf_counter()
        errors: list[InternalError] = [
            InternalError("facts", item.error.message, path=item.path, module=item.module)
            for item in facts if item.error is not None and item.error.kind == "internal"]
        if memo is None:
            findings = lazy.findings if lazy is not None and lazy.project is not None else run_rules(
                project, selected, timings)
            errors += project.failures.errors
            if not errors:  # a failed run is computed again next time, and reported again
                remember_link(store, stage, config, selected, handlers, findings)
        # Declarations (per-file ignores, allow, severities, inline comments) come before
        # verdicts: state a team declared acceptable does not make a handler stateful.
        findings, ledger = apply_config(findings, config, root=discovery.root,
                                        suppressions={item.path: item.suppressions for item in facts})
        # ``run_rules`` has already moved the model's seconds out of "rules" (to "model")
        timings["rules"] = time.perf_counter() - mark + timings.get("rules", 0.0)
        if lazy is not None and memo is None:
            # The rounds interleave parsing, linking and rules: report each part where
            # it belongs, the facts stage keeping the pre-scan, parsing and syntax check.
            timings["facts"] -= lazy.times["link"] + lazy.times["rules"]
            timings["link"] += lazy.times["link"]
            timings["model"] = lazy.times["model"]
            timings["rules"] += lazy.times["rules"]

    verdicts = judge_handlers(handlers, findings)
    if not handlers and (unrecognised := no_handler_note(facts)):
        notes.append(unrecognised)
    timings["total"] = time.perf_counter() - started
    for stage_name in ("model", "rules", "total"):  # in the order the stages run
        if stage_name in timings:
            timings[stage_name] = timings.pop(stage_name)
    failed = sum(1 for item in facts if item.error is not None)
    result = ScanResult(
        root=str(discovery.root),
        findings=findings,
        verdicts=verdicts,
        problems=sorted(problems, key=lambda p: (p.path, p.line)),
        files_scanned=len(facts) - failed,
        files_skipped=discovery.skipped,
        files_failed=failed + sum(1 for p in discovery.problems),
        folders_skipped=discovery.skipped_folders - own_cache_skipped(
            paths, cache_directory(discovery.root, config, cache_dir)),
        statistics=timings,
        notes=notes,
        errors=errors,
    )
    timings.update(stage_counts(discovery, stage, memo is not None))
    if lazy is not None and memo is None:
        timings["lazy rounds"] = lazy.rounds
        timings["files pre-scanned"] = lazy.prescanned
        timings["files syntax-checked"] = lazy.syntax_checked
        timings["all parsed after round"] = lazy.switched
        for part in ("prescan", "parse", "syntax check"):
            timings[f"{part} (of facts)"] = lazy.times[part]
    attach_ledger(result, ledger)
    return result


def relative_root(result: ScanResult) -> Path:
    """The scan root as a path."""
    return Path(result.root)
