"""SL501 local-disk-state: files written on the local disk while serving requests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from statelint.config_values import non_production_switch
from statelint.knowledge import load_table, matches
from statelint.model import Call, Finding, Function, ModuleFacts, Span, Value
from statelint.project import Project, Reach
from statelint.rule import Example, Rule
from statelint.state import (
    Site,
    iter_values,
    local_value,
    loop_value,
    name_list,
    reached_functions,
    short_name,
    site_finding,
    site_handler_names,
)

#: Provenance of a path: where the file it names lives.
SCRATCH, MEMORY, DEVICE, DURABLE, UNKNOWN = "scratch", "memory", "device", "durable", "unknown"
WRITE_MODE_LETTERS = frozenset("wax+")


def _table() -> dict[str, list[str]]:
    return load_table("process_state")["local_disk"]


@dataclass(frozen=True)
class DiskWrite:
    """A call that writes (or opens for shared use) a file on the local disk."""

    kind: str  # open | path | copy | store | upload
    api: str
    path: Value | None
    verb: str


class LocalDiskState(Rule):
    """A handler, or a helper it calls, writes a file on the machine's own disk."""

    code = "SL501"
    # Start-up idioms are pre-scan tokens of every scan (``process_state.toml``).
    prescan_tokens = ()
    name = "local-disk-state"
    severity = "error"
    how = "disk"
    summary = "File written to the local disk while serving requests"
    what_it_finds = """
A call made at request time, by a handler or any helper it reaches, that writes
a file on the machine the worker runs on: `open(path, "w")`/`"a"`/`"x"`/`"wb"`/`"r+"`
(mode given by position or as `mode=`), `aiofiles.open(path, "a")`,
`Path.write_text`/`write_bytes`, `Path(...).open("w")` and
`base.joinpath(name).open("wb")`, archives written with `zipfile.ZipFile(path, "w")`
or `tarfile.open(path, "w")`, `shutil.copy`/`move` into a folder, an uploaded file saved with `file.save(path)` (Flask/werkzeug `FileStorage`),
and stores kept in a local file: `sqlite3.connect("app.db")` (also for reading:
the data exists on one machine only), `shelve.open`, `dbm.open`, `diskcache.Cache`.
There is one finding per file or folder written: writes under the same module-level
path (`os.path.join(UPLOAD_DIR, name)` in four places) are one finding at the first
of them, with the others as related locations; the finding lists every handler
that reaches any of them.

Not reported: reads (`open(path)`, `"r"`, `"rb"`); scratch space that lives and
dies inside the request (`tempfile.NamedTemporaryFile`, `TemporaryDirectory`,
`mkstemp`, a project's own `@contextmanager` helper that deletes the folder it
yields, a function that clears a folder (`shutil.rmtree`) and fills it again, or one
that deletes a file after writing it; deleting an old file before writing its
replacement does not make the new one scratch); in-memory buffers
(`io.BytesIO`); `sqlite3.connect(":memory:")`, which is private to its
connection; `/dev/...` paths; logging and `sys.stdout`; modes that are not
literal strings (statelint does not guess); copies of files installed with the code
(`for entry in importlib.resources.files(pkg).iterdir(): shutil.copy(entry, dest)`,
`pkg_resources.resource_filename`, files beside `__file__`), which are the same on
every machine; and writes that only a switch of the test suite, of debugging or of a
documentation build turns on (`if os.environ.get("PYTEST_SAVE_SAMPLES") == "1":`, a
variable named with `test`, `pytest`, `debug`, `doc` or `docs` and read without a
default that turns the block on). Opt-in switches of production are reported: a
deployment may set them.
"""
    why_stateful = """
A file written by one worker exists on that machine (or container) only. The
next request that needs it may run on another replica, which has no such file
or an older copy; a redeploy or a restarted container starts from the image and
loses everything written since. Uploads go missing, exports cannot be
downloaded, appended logs split into one fragment per machine, and a SQLite
file gives every replica its own diverging database. Scaling out then requires
a shared volume or sticky sessions.
"""
    how_to_fix = """
Write what must outlive the request to storage every replica reaches: object
storage for files (S3 with boto3 `s3.put_object(Bucket=..., Key=..., Body=...)` or
`upload_fileobj`, Google Cloud Storage `blob.upload_from_file`, or
`django-storages` as Django's default storage) with the object key kept in the
database; the database itself for records and audit trails (PostgreSQL or MySQL
instead of a SQLite file); Redis for small key/value data; stdout for logs, which
the platform collects. Scratch files that only live during the request belong in
`tempfile.TemporaryDirectory()` or `NamedTemporaryFile()`.
"""
    examples = (
        Example(
            kind="stateful",
            findings=(
                ("profiles/storage.py", 8, "`store_avatar` (reached from upload_avatar) writes a local file (a path"),
            ),
            title="uploaded avatars saved to a local folder and served back later",
            handlers=("upload_avatar", "avatar"),
            files={
                "profiles/__init__.py": "",
                "profiles/storage.py": '''
import os

AVATAR_DIR = os.environ.get("AVATAR_DIR", "/srv/profiles/avatars")


def store_avatar(upload, user_id):
    path = os.path.join(AVATAR_DIR, f"{user_id}.png")
    with open(path, "wb") as out:
        out.write(upload.read())
    return path
''',
                "profiles/app.py": '''
from flask import Flask, abort, jsonify, request, send_from_directory

from profiles.storage import AVATAR_DIR, store_avatar

app = Flask(__name__)


@app.post("/users/<int:user_id>/avatar")
def upload_avatar(user_id):
    upload = request.files.get("avatar")
    if upload is None:
        abort(400)
    store_avatar(upload, user_id)
    return jsonify(ok=True), 201


@app.get("/users/<int:user_id>/avatar")
def avatar(user_id):
    return send_from_directory(AVATAR_DIR, f"{user_id}.png")
''',
            },
        ),
        Example(
            kind="self-contained",
            title="uploads sent to S3, a report built in a temporary directory",
            files={
                "reports/__init__.py": "",
                "reports/app.py": '''
import csv
import os
import tempfile

import boto3
from flask import Flask, jsonify, request, send_file

app = Flask(__name__)
s3 = boto3.client("s3")
BUCKET = os.environ["UPLOAD_BUCKET"]
SETTINGS_FILE = "settings.toml"


@app.post("/documents")
def upload_document():
    upload = request.files["document"]
    key = f"documents/{upload.filename}"
    s3.upload_fileobj(upload.stream, BUCKET, key)
    return jsonify(key=key), 201


@app.get("/report.csv")
def report():
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "report.csv")
        with open(path, "w", newline="") as handle:
            csv.writer(handle).writerow(["id", "total"])
        return send_file(path, mimetype="text/csv")


@app.get("/settings")
def settings():
    with open(SETTINGS_FILE) as handle:
        return jsonify(raw=handle.read())
''',
            },
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        """One finding per file or folder written (several writes under one module-level
        path are one finding, the other writes its related locations)."""
        groups: dict[tuple[str, bool], list[tuple[DiskWrite, Site]]] = {}
        judged: dict[str, list[tuple[Call, DiskWrite]]] = {}
        for reach, function_id in reached_functions(project):
            if function_id not in judged:
                facts, fn = project.functions[function_id]
                judged[function_id] = list(_disk_writes(project, facts, fn))
            facts, fn = project.functions[function_id]
            for call, write in judged[function_id]:
                if _scratch_from_caller(project, reach, function_id, fn, write):
                    continue
                symbol = _symbol_for(project, facts, fn, write)
                # Writes are one finding when they name the same module-level path or
                # literal file; a path statelint cannot name stays a finding of its own.
                # A store file and files written into a folder need different fixes.
                place = f"{facts.path}:{call.span.line}:{call.span.column}" if ":" in symbol else ""
                group = groups.setdefault((symbol, place, write.kind == "store"), [])
                group.append((write, Site(facts.path, call.span, function_id, reach,
                                          f"{fn.qualname} {write.verb}")))
        write_keys = {(site.function_id, site.span) for group in groups.values()
                      for _, site in group}
        uses: dict[str, dict[str, Span]] = {}
        for (symbol, _place, _store), group in sorted(groups.items()):
            sites = [site for _, site in group]
            write, first = min(group, key=lambda item: _site_key(item[1]))
            places = len({_site_key(site) for site in sites})
            handlers = site_handler_names(sites)
            writers = list(dict.fromkeys(project.functions[site.function_id][1].name
                                         for site in sorted(sites, key=_site_key)))
            frameworks = {site.reach.handler.framework for site in sites if site.reach}
            readers = _readers(project, symbol, uses, write_keys) if "." in symbol else []
            reader_names = site_handler_names(readers, excluding=sites)
            message = _message(write, writers, handlers, symbol, places)
            if reader_names:
                message += f" (files there are also read by {name_list(reader_names)})"
            yield site_finding(
                project, type(self), symbol, sites,
                message=message,
                suggestion=_suggestion(_most_specific(item for item, _ in group), frameworks),
                final_message=f"{write.verb}: {_describe_path(write, symbol)}",
                readers=readers,
            )


def _site_key(site: Site) -> tuple[str, int, int]:
    return (site.path, site.span.line, site.span.column)


def _most_specific(writes: Iterable[DiskWrite]) -> DiskWrite:
    """The write whose fix to suggest for a whole folder: an upload's, else the first."""
    writes = list(writes)
    return next((write for write in writes if write.kind == "upload"), writes[0])


def _readers(project: Project, symbol: str, uses: dict[str, dict[str, Span]],
             write_keys: set[tuple[str, Span]]) -> list[Site]:
    """Request-time calls that use the same module-level path (``send_from_directory(DIR, f)``,
    ``open(os.path.join(DIR, f))``): their answers depend on what was written on this machine.
    ``uses`` keeps, per function already looked at, the first call naming each path."""
    found: list[Site] = []
    for reach, function_id in reached_functions(project):
        if function_id not in uses:
            uses[function_id] = _first_uses(project, function_id, write_keys)
        span = uses[function_id].get(symbol)
        if span is not None:
            facts, fn = project.functions[function_id]
            found.append(Site(facts.path, span, function_id, reach,
                              f"{fn.qualname} uses files under {short_name(symbol)}"))
    return found


def _first_uses(project: Project, function_id: str, write_keys: set[tuple[str, Span]]
                ) -> dict[str, Span]:
    """The first call of a function (not one of the writes) that names each module-level
    binding, directly or through a local assigned from it."""
    _, fn = project.functions[function_id]
    through: dict[str, set[str]] = {}
    for name, value in fn.local_assignments:
        through.setdefault(name, set()).update(_mentioned(project, value))
    first: dict[str, Span] = {}
    for call in fn.calls:
        if (function_id, call.span) in write_keys:
            continue
        named = _mentioned(project, call.value)
        for item in iter_values(call.value):
            if item.kind == "name" and item.target in through:
                named |= through[item.target]
        for symbol in named:
            first.setdefault(symbol, call.span)
    return first


def _mentioned(project: Project, value: Value) -> set[str]:
    """The module-level bindings a value names (``UPLOAD_DIR``, ``settings.MEDIA_ROOT``)."""
    found: set[str] = set()
    for item in iter_values(value):
        if item.kind in ("name", "attribute") and "." in item.target:
            symbol, rest = project.resolve(item.target)
            if symbol.kind == "binding" and not rest:
                found.add(symbol.key)
    return found


# -- recognising writes -------------------------------------------------------


def _disk_writes(project: Project, facts: ModuleFacts, fn: Function) -> Iterable[tuple[Call, DiskWrite]]:
    """The calls of ``fn`` that write to the local disk (scratch space left out)."""
    table = _table()
    uses_scratch = _uses_scratch(project, fn)
    # Resolved names start with an imported package (``os.environ``); locals do not.
    roots = frozenset(imp.dotted.split(".")[0] for imp in facts.imports)
    deletions = _deletions(project, fn)
    if any(folder for _, folder in deletions):
        return  # a folder the function clears and fills: scratch space
    for call in fn.calls:
        write = _classify(project, fn, call, table)
        if write is None:
            continue
        if any(position > (call.span.line, call.span.column) for position, _ in deletions):
            continue  # written, used and removed within the call: scratch space
        if non_production_switch(project, fn.guards_at(call.span.line)):
            continue  # runs only when a test or docs-build switch is set
        if write.api != "shutil.move" and write.kind == "copy" and _package_data(
                project, fn, call.value.arg(0, "src")):
            continue  # a copy of a file installed with the code: the same on every machine
        if write.path is not None and write.path.kind == "name":
            expanded = local_value(fn, write.path.target)
            if expanded is not None and expanded.kind != "other":
                write = DiskWrite(write.kind, write.api, expanded, write.verb)
        origin = _provenance(project, fn, write.path, roots) if write.path is not None else UNKNOWN
        if write.kind == "path" and write.path is None:
            origin = _receiver_provenance(project, fn, call, roots)
        if origin in (SCRATCH, MEMORY, DEVICE):
            continue
        if origin == UNKNOWN and uses_scratch:
            continue
        yield call, write


def _qualified_target(project: Project, fn: Function, call: Call) -> str:
    if call.head == "builtin":
        return call.target
    if call.head == "global":
        return project.qualify(call.target)
    return call.value.target


def _classify(project: Project, fn: Function, call: Call, table: dict[str, list[str]]
              ) -> DiskWrite | None:
    value = call.value
    qualified = _qualified_target(project, fn, call)
    if call.head in ("builtin", "global") and matches(qualified, table["open_functions"]):
        mode = value.arg(1, "mode")
        if mode is None or mode.kind != "literal" or not isinstance(mode.literal, str):
            return None
        if not WRITE_MODE_LETTERS & set(mode.literal):
            return None
        verb = "appends to a local file" if "a" in mode.literal else "writes a local file"
        return DiskWrite("open", qualified, value.arg(0, "file"), verb)
    if call.head == "global" and matches(qualified, table["copy_functions"]):
        verb = "moves" if qualified.endswith("move") else "copies"
        return DiskWrite("copy", qualified, value.arg(1, "dst"), f"{verb} a file into a local folder")
    if call.head == "global" and matches(qualified, table["local_stores"]):
        path = value.arg(0)
        if path is not None and path.kind == "literal" and path.literal in table["in_memory_databases"]:
            return None
        flag = value.arg(1, "flag")
        if qualified in ("shelve.open", "dbm.open") and flag is not None and flag.literal == "r":
            return None
        return DiskWrite("store", qualified, path, "opens a store kept in a local file")
    # ``Path(x).write_text(...)``: the callee is not a dotted name, its summary has it
    receiver, _, method = (call.target or value.target).rpartition(".")
    if not receiver:
        return None
    if method in table["path_write_methods"]:
        return DiskWrite("path", method, _path_call_argument(project, fn, call, table),
                         "writes a local file")
    if method == "open" and _is_path_receiver(project, fn, call, receiver, table):
        mode = value.arg(0, "mode")
        if mode is None or mode.kind != "literal" or not isinstance(mode.literal, str):
            return None
        if not WRITE_MODE_LETTERS & set(mode.literal):
            return None
        return DiskWrite("path", "open", _path_call_argument(project, fn, call, table),
                         "writes a local file")
    if method == "save" and _is_upload(project, fn, call, receiver, table):
        return DiskWrite("upload", "save", value.arg(0, "dst"), "saves an uploaded file locally")
    return None


def _path_call_argument(project: Project, fn: Function, call: Call,
                        table: dict[str, list[str]]) -> Value | None:
    """For ``Path(x).write_text(...)``: the ``x`` (the inner call starts where the outer does);
    for ``(Path(x) / name).write_text(...)``, the path expression itself."""
    receiver = call.value.items[0][1] if call.value.items else None
    if receiver is not None and receiver.kind == "binop":
        return receiver
    target = call.target or call.value.target
    if not target.endswith(")." + target.rsplit(".", 1)[-1]):
        return None
    for other in fn.calls:
        if (other is not call and other.span.line == call.span.line
                and other.span.column == call.span.column
                and matches(_qualified_target(project, fn, other), table["path_classes"])):
            return other.value.arg(0) or Value("other")
    return None


def _receiver_provenance(project: Project, fn: Function, call: Call, roots: frozenset[str]) -> str:
    receiver = call.target.rpartition(".")[0]
    if call.head == "local":
        value = local_value(fn, receiver.split(".")[0])
        return _provenance(project, fn, value, roots) if value is not None else UNKNOWN
    if call.head == "global":
        return DURABLE
    return UNKNOWN


def _is_path_receiver(project: Project, fn: Function, call: Call, receiver: str,
                      table: dict[str, list[str]]) -> bool:
    if receiver.endswith("()"):
        return matches(project.qualify(receiver[:-2]), table["path_classes"])
    value: Value | None = None
    if call.head == "local":
        value = local_value(fn, receiver)
    elif call.head == "global":
        symbol, rest = project.resolve(receiver)
        binding = project.binding(symbol)
        value = binding.value if binding is not None and not rest else None
    if value is None or value.kind != "call" or not value.target:
        return False
    receiver_of, _, method = value.target.rpartition(".")
    if receiver_of and method in table["path_methods"]:
        return True
    return matches(project.qualify(value.target), table["path_classes"])


def _is_upload(project: Project, fn: Function, call: Call, receiver: str,
               table: dict[str, list[str]]) -> bool:
    if call.head == "local":
        value = local_value(fn, receiver)
        if value is None or value.kind not in ("call", "subscript") or not value.target:
            return False
        return matches(project.qualify(value.target), table["upload_sources"])
    if call.head == "param":
        for param in fn.params:
            if param.name == receiver and param.annotation:
                return matches(project.qualify(param.annotation), table["upload_sources"])
    return False


def _scratch_from_caller(project: Project, reach: Reach, function_id: str, fn: Function,
                         write: DiskWrite) -> bool:
    """True when the path is a parameter and the caller on this chain passes a
    temporary file or directory (``write_to(os.path.join(tmpdir, "x.json"), ...)``).

    Helpers that write "wherever they are told" are judged by what the caller
    tells them, one call up the chain.
    """
    path = write.path
    if path is None or path.kind != "name":
        return False
    names = [param.name for param in fn.params]
    if path.target not in names:
        return False
    steps = reach.chain(function_id)
    if not steps:
        return False
    step = steps[-1]
    caller_facts, caller = project.functions[step.caller]
    call = next((c for c in caller.calls if c.span == step.span), None)
    if call is None:
        return False
    index = names.index(path.target)
    if fn.class_name and names and names[0] in ("self", "cls"):
        index -= 1  # a bound method: the receiver is not among the arguments
    argument = call.value.arg(index, path.target)
    roots = frozenset(imp.dotted.split(".")[0] for imp in caller_facts.imports)
    origin = _provenance(project, caller, argument, roots)
    return origin in (SCRATCH, MEMORY, DEVICE)


def _uses_scratch(project: Project, fn: Function) -> bool:
    """True when ``fn`` makes a temporary file or directory of its own."""
    factories = _table()["scratch_factories"]
    return any(
        value.kind == "call" and value.target and matches(project.qualify(value.target), factories)
        for _, value in fn.local_assignments
    )


def _is_scratch_helper(project: Project, qualified: str) -> bool:
    """A project context manager that hands out a path and deletes files when it ends
    (``with temporary_folder() as folder:``): what it yields is scratch space."""
    symbol, rest = project.resolve(qualified)
    if symbol.kind != "function" or rest or symbol.key not in project.functions:
        return False
    _, helper = project.functions[symbol.key]
    managers = _table()["context_managers"]
    return (any(matches(project.qualify(decorator.target), managers)
                for decorator in helper.decorators if decorator.target)
            and bool(_deletions(project, helper)))


def _deletions(project: Project, fn: Function) -> list[tuple[tuple[int, int], bool]]:
    """Where ``fn`` deletes files, and whether each call deletes a whole folder. A file
    deleted after it is written is scratch space; one deleted before it is written (an older
    copy being replaced) is not."""
    table = _table()
    found: list[tuple[tuple[int, int], bool]] = []
    for call in fn.calls:
        if call.head == "global" and matches(project.qualify(call.target), table["deleters"]):
            name = project.qualify(call.target)
        elif call.head == "local" and call.target.rsplit(".", 1)[-1] in table["deleter_methods"]:
            name = call.target.rsplit(".", 1)[-1]
        else:
            continue
        found.append(((call.span.line, call.span.column), matches(name, table["folder_deleters"])))
    return found


def _package_data(project: Project, fn: Function, value: Value | None, depth: int = 0) -> bool:
    """Whether ``value`` names a file installed with the code: package data
    (``importlib.resources.files(pkg)``, ``pkg_resources.resource_filename``), a file
    beside ``__file__``, or an entry of a loop over such a folder
    (``for entry in files(pkg).iterdir()``)."""
    if value is None or depth > 6:
        return False
    table = _table()
    if value.kind == "name":
        if any(param.name == value.target for param in fn.params):
            return False
        local = local_value(fn, value.target) or loop_value(fn, value.target)
        if local is not None:
            return _package_data(project, fn, local, depth + 1)
    if value.kind in ("name", "attribute") and value.target:
        if matches(project.qualify(value.target), table["code_locations"]):
            return True
        symbol, rest = project.resolve(value.target)
        binding = project.binding(symbol)
        if binding is None or rest or binding.assignments > 1:
            return False
        return _package_data(project, fn, binding.value, depth + 1)
    if value.kind != "call" or not value.target:
        return False
    qualified = project.qualify(value.target)
    if matches(qualified, table["package_data_functions"]):
        return True
    if matches(qualified, table["path_functions"]):
        return _package_data(project, fn, value.arg(0), depth + 1)
    receiver, _, method = value.target.rpartition(".")
    if receiver and method in (*table["path_methods"], *table["listing_methods"]):
        # ``files(pkg).joinpath(name).iterdir()`` keeps the receiver call as its one item
        inner = value.items[0][1] if value.items else Value("name", target=receiver)
        return _package_data(project, fn, inner, depth + 1)
    return False


def _provenance(project: Project, fn: Function, value: Value | None, roots: frozenset[str],
                depth: int = 0) -> str:
    """Where the file named by ``value`` lives: scratch, memory, device, durable or unknown."""
    if value is None or depth > 6:
        return UNKNOWN
    table = _table()
    if value.kind == "literal":
        if not isinstance(value.literal, str):
            return UNKNOWN
        if value.literal in table["in_memory_databases"]:
            return MEMORY
        if any(value.literal.startswith(prefix) for prefix in table["device_prefixes"]):
            return DEVICE
        return DURABLE
    if value.kind in ("name", "attribute"):
        head = value.target.split(".")[0]
        if any(param.name == head for param in fn.params):
            return UNKNOWN
        local = local_value(fn, head)
        if local is not None:
            return _provenance(project, fn, local, roots, depth + 1)
        if head in ("self", "cls"):
            return DURABLE  # an attribute of a long-lived object: configuration
        symbol, _ = project.resolve(value.target)
        if symbol.kind != "external" or value.target.split(".")[0] in roots:
            return DURABLE  # a module-level path, a settings value
        return UNKNOWN
    if value.kind in ("binop", "fstring"):
        # ``BASE + "/x"``, ``Path(BASE) / name``, ``f"{BASE}/{name}"``: where the operands lead
        parts = [_provenance(project, fn, arg, roots, depth + 1) for arg in value.args]
        return next((wanted for wanted in (SCRATCH, MEMORY, DEVICE, DURABLE) if wanted in parts),
                    UNKNOWN)
    if value.kind == "call":
        qualified = project.qualify(value.target) if value.target else ""
        if qualified and matches(qualified, table["scratch_factories"]):
            return SCRATCH
        if qualified and matches(qualified, table["memory_factories"]):
            return MEMORY
        if qualified and _is_scratch_helper(project, qualified):
            return SCRATCH
        sources = list(value.args)
        receiver, _, method = value.target.rpartition(".")
        if receiver and method in table["path_methods"]:
            sources.insert(0, Value("name", target=receiver))  # ``base.joinpath(name)``
        parts = [_provenance(project, fn, arg, roots, depth + 1) for arg in sources]
        for wanted in (SCRATCH, MEMORY, DEVICE, DURABLE):
            if wanted in parts:
                return wanted
        return UNKNOWN
    return UNKNOWN


# -- wording ---------------------------------------------------------------------


def _describe_path(write: DiskWrite, symbol: str = "") -> str:
    path = write.path
    if path is None:
        return "a path it computes"
    if path.kind == "literal" and isinstance(path.literal, str):
        return f'"{path.literal}"'
    if path.kind in ("name", "attribute") and path.target:
        return f"`{path.target.rsplit('.', 1)[-1]}`"
    if ((path.kind == "call" and path.target or path.kind in ("binop", "fstring"))
            and symbol and "." in symbol and ":" not in symbol):
        return f"a path under `{symbol.rsplit('.', 1)[-1]}`"
    return "a path it computes"


def _symbol_for(project: Project, facts: ModuleFacts, fn: Function, write: DiskWrite) -> str:
    """A stable name for the file: the module-level path constant when there is one."""
    path = write.path
    if path is not None:
        for item in iter_values(path):
            if item.kind in ("name", "attribute") and "." in item.target:
                symbol, rest = project.resolve(item.target)
                if symbol.kind == "binding" and not rest:
                    return symbol.key
        if path.kind == "literal" and isinstance(path.literal, str):
            return path.literal
    return f"{facts.module}.{fn.qualname}:{write.api}"


def _message(write: DiskWrite, writers: list[str], handlers: list[str], symbol: str,
             places: int = 1) -> str:
    where = _describe_path(write, symbol)
    who = name_list(handlers)
    if write.kind == "store":
        return (f"{who} open{'s' if len(handlers) == 1 else ''} {where} with `{write.api}`, a "
                "store kept in a file on this machine; every replica has its own copy of the "
                "data, so writes made on one are invisible to requests served by the others")
    if write.kind == "upload" and places == 1:
        return (f"{who} save{'s' if len(handlers) == 1 else ''} an uploaded file to {where} on "
                "the local disk; a later request served by another worker machine or replica, "
                "or by this one after a redeploy, will not find it")
    actor = name_list([f"`{name}`" for name in writers])
    if sorted(writers) != sorted(handlers):
        actor += f" (reached from {who})"
    if places > 1:
        return (f"{actor} write{'s' if len(writers) == 1 else ''} to {where} in {places} places "
                "at request time; the files exist on this machine only, so a later request "
                "that lands on another replica does not see them and a redeploy loses them")
    return (f"{actor} {write.verb} ({where}) at request time; the file exists on this "
            "machine only, so a later request that lands on another replica does not see it "
            "and a redeploy loses it")


def _suggestion(write: DiskWrite, frameworks: set[str]) -> str:
    django = "django" in frameworks
    if write.kind == "store":
        if write.api.startswith(("sqlite3", "aiosqlite")):
            return ("Use a database server every replica connects to (PostgreSQL or MySQL, via "
                    "`DATABASE_URL`) instead of a SQLite file on the worker's disk.")
        return ("Keep the data in Redis (`SET key value` / `GET key`, or a hash) or in a "
                "database table, both reached by every replica.")
    storage = ("configure `django-storages` (`S3Boto3Storage`) as the default storage and save "
               "through `default_storage.save(name, file)`" if django else
               "upload it to object storage, e.g. boto3 `s3.upload_fileobj(file, bucket, key)` "
               "or `s3.put_object(Bucket=bucket, Key=key, Body=data)` (GCS: "
               "`blob.upload_from_file`)")
    if write.kind == "upload":
        return f"Do not keep uploads on the worker: {storage}, and store the key in the database."
    if "appends" in write.verb:
        return ("Append records to a database table (or send log lines to stdout for the "
                "platform to collect) instead of a file on one machine.")
    return (f"Write files that later requests need to shared storage: {storage}; keep records "
            "in the database. Scratch files belong in `tempfile.TemporaryDirectory()`.")
