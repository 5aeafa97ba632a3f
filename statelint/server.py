"""``statelint server``: a language server that shows statelint's findings in an editor.

It checks the project of the editor's workspace folder: on start, when a file is
opened or saved, and a moment (``DEBOUNCE_SECONDS``) after the last keystroke in a
changed buffer.  Findings are project-wide (a handler in one module makes state in
another stateful), so every check publishes diagnostics for every file that has
findings and clears the files whose findings went away.  Unsaved buffers are
scanned in place of the files on disk (``engine.scan(overlay=...)``); nothing is
written to the project except the facts cache, and nothing scanned is imported or
run.

Besides diagnostics it offers a code lens and a hover on each handler's
definition (its verdict and the state it reaches) and a quick fix that adds a
``# statelint: ignore[CODE]`` comment at a finding, written by ``--add-noqa``'s
own code.

pygls and lsprotocol come with the ``server`` extra: ``pip install 'statelint[server]'``.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import threading
import time
import tokenize
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from statelint import __version__
from statelint.model import Finding, Location, ScanResult, Verdict
from statelint.reporters.concise import plural

#: How long after the last change to a buffer the project is checked again.
DEBOUNCE_SECONDS = 0.3
#: How long after a file is opened or saved (several events at once make one check).
SETTLE_SECONDS = 0.05
SOURCE = "statelint"
#: The command a code lens runs: show the handler's verdict with its reasons.
SHOW_VERDICT_COMMAND = "statelint.showVerdict"
#: A file problem's code (a file statelint could not analyse).
PROBLEM_CODE = "E902"
SEVERITIES: dict[str, types.DiagnosticSeverity] = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}
#: Files whose change may change a check besides Python sources: the configuration.
WATCHED_GLOBS = ("**/*.py", "**/pyproject.toml", "**/statelint.toml", "**/.statelint.toml")


# --- buffers -------------------------------------------------------------------------------


def buffer_bytes(text: str) -> bytes:
    """An editor buffer as saving it would write it: in the encoding its coding
    cookie names, UTF-8 without one (or when the text does not fit the cookie's)."""
    head = "".join(text.splitlines(keepends=True)[:2]).encode("utf-8", "surrogateescape")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(head).readline)
    except SyntaxError:  # an unknown encoding: the parser will say so
        encoding = "utf-8"
    try:
        return text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    except (UnicodeEncodeError, LookupError):
        return text.encode("utf-8", "surrogateescape")


def source_text(data: bytes) -> str:
    """A file's bytes as text, decoded the way Python decodes a module."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return data.decode("utf-8", "replace")


def text_edit_between(old: str, new: str) -> tuple[int, int, str]:
    """The smallest single replacement that turns ``old`` into ``new``: the start
    and end offsets in ``old`` and the text put there."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    return start, end_old, new[start:end_new]


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """0-based line and code-point column of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


# --- what a check shows ------------------------------------------------------------------


@dataclass(frozen=True)
class Spot:
    """A place in a file in code points, 0-based, as statelint knows it."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def of(cls, path: str, line: int, column: int, end_line: int = 0,
           end_column: int = 0) -> Spot:
        start_line = max(line - 1, 0)
        start_column = max(column, 0)
        if end_line > line or (end_line == line and end_column > column):
            return cls(path, start_line, start_column, end_line - 1, end_column)
        return cls(path, start_line, start_column, start_line, -1)  # -1: to the line's end


@dataclass(frozen=True)
class Related:
    spot: Spot
    message: str


@dataclass(frozen=True)
class Shown:
    """One diagnostic before its positions are put in the client's units."""

    spot: Spot
    severity: types.DiagnosticSeverity
    code: str
    message: str
    related: tuple[Related, ...] = ()
    #: the finding's fingerprint, for the quick fix to find it again
    fingerprint: str = ""


def finding_message(finding: Finding) -> str:
    message = finding.message
    if finding.suggestion:
        message += f"\n\nfix: {finding.suggestion}"
    return message


def _related(locations: Iterable[Location]) -> tuple[Related, ...]:
    return tuple(Related(Spot.of(item.path, item.line, item.column, item.end_line,
                                 item.end_column), item.message or "related")
                 for item in locations if item.line > 0)


def shown_by_path(result: ScanResult) -> dict[str, list[Shown]]:
    """Every diagnostic of a check, by the relative path of the file it is in."""
    shown: dict[str, list[Shown]] = {}
    for finding in result.findings:
        shown.setdefault(finding.path, []).append(Shown(
            Spot.of(finding.path, finding.line, finding.column, finding.end_line,
                    finding.end_column),
            SEVERITIES.get(finding.severity, types.DiagnosticSeverity.Warning),
            finding.rule, finding_message(finding),
            _related(finding.trace) + _related(finding.related), finding.fingerprint))
    for problem in result.problems:
        if problem.kind == "internal":
            continue  # shown as a message: it is statelint's failure, not the file's
        shown.setdefault(problem.path, []).append(Shown(
            Spot.of(problem.path, problem.line or 1, max(problem.column - 1, 0)),
            types.DiagnosticSeverity.Warning, PROBLEM_CODE,
            f"statelint cannot analyse this file: {problem.message}"))
    return shown


def _state_names(verdict: Verdict) -> list[str]:
    names: list[str] = []
    for reason in verdict.reasons:
        name = reason.symbol.rsplit(".", 1)[-1] if reason.symbol else reason.rule
        if name and name not in names:
            names.append(name)
    return names


def verdict_title(verdict: Verdict) -> str:
    """One line for a code lens: the verdict and the state behind it."""
    if verdict.verdict != "stateful":
        return "statelint: self-contained"
    names = _state_names(verdict)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"statelint: stateful ← {shown}" if shown else "statelint: stateful"


def _route(verdict: Verdict) -> str:
    handler = verdict.handler
    parts = [handler.framework]
    if handler.route:
        parts.append(" ".join(filter(None, [" ".join(handler.methods), handler.route])))
    return ", ".join(part for part in parts if part)


def verdict_markdown(verdict: Verdict) -> str:
    """A hover: the handler, its verdict, and each reason with the chain that reaches it."""
    handler = verdict.handler
    lines = [f"**statelint**: `{handler.name}` ({_route(verdict)}) is **{verdict.verdict}**", ""]
    for reason in verdict.reasons:
        if not reason.rule:
            lines.append(reason.text)
            continue
        what = f"`{reason.symbol}` " if reason.symbol else ""
        lines.append(f"- {reason.rule} {reason.severity} {what}({reason.how}): {reason.text}")
        for step in reason.trace:
            lines.append(f"  - `{step.path}:{step.line}` {step.message}")
    return "\n".join(lines)


def verdict_text(verdict: Verdict) -> str:
    """A message for the code lens command: the hover without Markdown."""
    return verdict_markdown(verdict).replace("**", "").replace("`", "")


def definition_lines(lines: Sequence[str], verdict: Verdict) -> range:
    """The 0-based lines of a handler's ``def`` and of the one-line decorators above it."""
    line = max(verdict.handler.line - 1, 0)
    first = line
    while 0 < first <= len(lines) and lines[first - 1].lstrip().startswith("@"):
        first -= 1
    return range(first, line + 1)


# --- the server ----------------------------------------------------------------------------


@dataclass
class CheckState:
    """What the server knows between checks."""

    root: Path | None = None
    result: ScanResult | None = None
    #: the URIs published with diagnostics last time, with what was sent
    published: dict[str, list[types.Diagnostic]] = field(default_factory=dict)
    timer: asyncio.TimerHandle | None = None
    running: bool = False
    again: bool = False
    config_error: str = ""
    #: seconds the last check's scan took
    last_scan: float = 0.0


class StatelintServer(LanguageServer):
    """The language server; ``create_server`` registers its features."""

    def __init__(self) -> None:
        super().__init__("statelint", __version__)
        self.state = CheckState()
        self.debounce = DEBOUNCE_SECONDS

    # --- scheduling --------------------------------------------------------------------

    def schedule_check(self, delay: float) -> None:
        """Check the project ``delay`` seconds from now (a later call moves the check)."""
        if self.state.root is None:
            return
        if self.state.timer is not None:
            self.state.timer.cancel()
        loop = asyncio.get_running_loop()
        self.state.timer = loop.call_later(delay, self._start_check)

    def _start_check(self) -> None:
        self.state.timer = None
        if self.state.running:
            self.state.again = True  # the running check reads old buffers: check once more
            return
        self.state.running = True
        asyncio.ensure_future(self._check_until_current())

    async def _check_until_current(self) -> None:
        try:
            while True:
                self.state.again = False
                root = self.state.root
                assert root is not None
                overlay, versions = self.overlay()
                started = time.perf_counter()
                try:
                    result = await in_thread(check_project, root, overlay)
                except ProjectConfigError as error:
                    self._config_failed(str(error))
                except Exception as error:  # noqa: BLE001 - the server must outlive one bad check
                    self.window_show_message(types.ShowMessageParams(
                        types.MessageType.Error,
                        f"statelint: internal error: {type(error).__name__}: {error}; this is "
                        "a bug in statelint, please report it"))
                else:
                    self.state.last_scan = time.perf_counter() - started
                    self._checked(result, versions)
                if not self.state.again:
                    break
        finally:
            self.state.running = False

    # --- buffers -----------------------------------------------------------------------

    def overlay(self) -> tuple[dict[Path, bytes], dict[str, int]]:
        """The open buffers that differ from their files, and every open document's version."""
        overlay: dict[Path, bytes] = {}
        versions: dict[str, int] = {}
        for uri, document in list(self.workspace.text_documents.items()):
            path = document_path(uri)
            if path is None:
                continue
            if document.version is not None:
                versions[uri] = document.version
            data = buffer_bytes(document.source)
            try:
                on_disk = path.read_bytes()
            except OSError:
                on_disk = None
            if data != on_disk:
                overlay[path] = data
        return overlay, versions

    def lines_of(self, uri: str) -> list[str]:
        """The text of a file as the editor has it: its buffer when open, else the disk's."""
        document = self.workspace.text_documents.get(uri)
        if document is not None:
            return list(document.lines)
        path = document_path(uri)
        try:
            data = path.read_bytes() if path is not None else b""
        except OSError:
            data = b""
        return source_text(data).splitlines(keepends=True)

    # --- publishing ----------------------------------------------------------------------

    def _config_failed(self, message: str) -> None:
        if message != self.state.config_error:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error,
                                                             f"statelint: {message}"))
        self.state.config_error = message

    def _checked(self, result: ScanResult, versions: Mapping[str, int]) -> None:
        self.state.config_error = ""
        self.state.result = result
        root = Path(result.root)
        codec = self.workspace.position_codec
        documentation = documentation_url()
        texts: dict[str, list[str]] = {}

        def lines(spot: Spot) -> list[str]:
            uri = from_fs_path(str(root / spot.path)) or ""
            if uri not in texts:
                texts[uri] = self.lines_of(uri)
            return texts[uri]

        diagnostics = {from_fs_path(str(root / relpath)) or "":
                       [to_diagnostic(item, root, lines, codec, documentation) for item in items]
                       for relpath, items in shown_by_path(result).items()}
        self.window_log_message(types.LogMessageParams(types.MessageType.Log, (
            f"statelint: checked {result.files_scanned} files in {self.state.last_scan:.3f}s: "
            f"{plural(len(result.findings), 'finding')}, {result.stateful_handlers} of "
            f"{plural(len(result.verdicts), 'handler')} stateful; "
            f"{int(result.statistics.get('files parsed', 0))} parsed, "
            f"{int(result.statistics.get('cache hits', 0))} from the cache")))
        for note in result.notes:
            self.window_log_message(types.LogMessageParams(types.MessageType.Info,
                                                           f"statelint: {note}"))
        for error in result.errors:
            self.window_log_message(types.LogMessageParams(
                types.MessageType.Error, f"statelint: internal error in {error.stage}: "
                                         f"{error.message}"))
        open_uris = set(self.workspace.text_documents)
        for uri in sorted(set(diagnostics) | set(self.state.published) | open_uris):
            new = diagnostics.get(uri, [])
            # An open document is published on every check, with the version checked;
            # other files only when what they show changed.
            if uri not in open_uris and new == self.state.published.get(uri, []):
                continue
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, diagnostics=new, version=versions.get(uri)))
        self.state.published = {uri: items for uri, items in diagnostics.items() if items}
        if self._can_refresh_lenses():
            self.workspace_code_lens_refresh(None)

    def _can_refresh_lenses(self) -> bool:
        workspace = self.client_capabilities.workspace
        lens = workspace.code_lens if workspace is not None else None
        return bool(lens is not None and lens.refresh_support)

    # --- lookups for requests ----------------------------------------------------------

    def verdicts_in(self, uri: str) -> list[Verdict]:
        relpath = self.relpath(uri)
        result = self.state.result
        if relpath is None or result is None:
            return []
        return [verdict for verdict in result.verdicts if verdict.handler.path == relpath]

    def relpath(self, uri: str) -> str | None:
        path = document_path(uri)
        result = self.state.result
        if path is None or result is None:
            return None
        try:
            return Path(os.path.abspath(path)).relative_to(result.root).as_posix()
        except ValueError:
            return None

    def finding_for(self, uri: str, diagnostic: types.Diagnostic) -> Finding | None:
        result = self.state.result
        relpath = self.relpath(uri)
        if result is None or relpath is None or diagnostic.source != SOURCE:
            return None
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        fingerprint = data.get("fingerprint", "")
        line = diagnostic.range.start.line + 1
        for finding in result.findings:
            if finding.path != relpath or finding.rule != diagnostic.code:
                continue
            if (fingerprint and finding.fingerprint == fingerprint) or (
                    not fingerprint and finding.line == line):
                return finding
        return None


T = TypeVar("T")


def in_thread(function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """Run ``function`` in a thread of its own, so requests are answered while the
    project is checked.  The thread is a daemon: a check under way does not keep the
    server from exiting when the editor stops it."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def work() -> None:
        value, error = None, None
        try:
            value = function(*args)
        except BaseException as failure:  # noqa: BLE001 - handed to the awaiting task
            error = failure
        try:
            loop.call_soon_threadsafe(settle, value, error)
        except RuntimeError:  # the loop closed: the server is exiting
            pass

    threading.Thread(target=work, name="statelint-check", daemon=True).start()
    return future


class ProjectConfigError(Exception):
    """The project's configuration cannot be used; the message names the file and key."""


def check_project(root: Path, overlay: Mapping[Path, bytes]) -> ScanResult:
    """One check of the project at ``root`` (the current folder), with the facts cache."""
    from statelint.cli import resolve_run_config
    from statelint.config import ConfigError
    from statelint.engine import scan

    try:
        config = resolve_run_config([str(root)])
    except ConfigError as error:
        raise ProjectConfigError(str(error)) from error
    return scan(["."], config=config, jobs=config.jobs, cache=True, overlay=overlay)


def document_path(uri: str) -> Path | None:
    """The file a ``file:`` URI names, or None for other schemes (untitled buffers)."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def documentation_url() -> str:
    """Where statelint's documentation lives, from the installed package's metadata."""
    from statelint.reporters.sarif import information_uri

    return information_uri(("documentation", "homepage"))


def to_client_range(spot: Spot, lines: Sequence[str], codec: Any) -> types.Range:
    line_text = lines[spot.line] if spot.line < len(lines) else ""
    end_column = spot.end_column
    if end_column < 0:
        end_column = len(line_text.rstrip("\r\n"))
    start = codec.position_to_client_units(lines, types.Position(spot.line, spot.column))
    end = codec.position_to_client_units(lines, types.Position(spot.end_line, end_column))
    if spot.line >= len(lines):  # a line the text no longer has: keep statelint's numbers
        start = types.Position(spot.line, spot.column)
        end = types.Position(spot.end_line, max(end_column, spot.column))
    return types.Range(start, end)


def to_diagnostic(item: Shown, root: Path, lines: Any, codec: Any,
                  documentation: str) -> types.Diagnostic:
    """``item`` as an LSP diagnostic; ``lines(spot)`` gives the text a spot is in."""
    related = [types.DiagnosticRelatedInformation(
        types.Location(from_fs_path(str(root / other.spot.path)) or "",
                       to_client_range(other.spot, lines(other.spot), codec)),
        other.message) for other in item.related]
    return types.Diagnostic(
        range=to_client_range(item.spot, lines(item.spot), codec),
        message=item.message,
        severity=item.severity,
        code=item.code,
        code_description=types.CodeDescription(documentation) if documentation else None,
        source=SOURCE,
        related_information=related or None,
        data={"fingerprint": item.fingerprint} if item.fingerprint else None,
    )


def suppression_action(uri: str, document: TextDocument, finding: Finding,
                       diagnostic: types.Diagnostic, codec: Any) -> types.CodeAction | None:
    """A quick fix that adds ``# statelint: ignore[CODE]`` for ``finding`` to the buffer,
    the way ``--add-noqa`` writes it; None when the buffer does not parse."""
    import libcst as cst

    from statelint.add_noqa import annotate

    text = document.source
    data = buffer_bytes(text)
    try:
        annotated = annotate(data, [finding])
    except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError):
        return None
    if annotated.comments == 0 or annotated.source == data:
        return None
    start, end, inserted = text_edit_between(text, source_text(annotated.source))
    lines = list(document.lines)
    first = codec.position_to_client_units(lines, types.Position(*line_and_column(text, start)))
    last = codec.position_to_client_units(lines, types.Position(*line_and_column(text, end)))
    return types.CodeAction(
        title=f"Suppress {finding.rule} here (# statelint: ignore[{finding.rule}])",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(types.Range(first, last),
                                                               inserted)]}),
    )


def create_server() -> StatelintServer:
    """The server with its features registered."""
    server = StatelintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: StatelintServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounce"), (int, float)):
            ls.debounce = max(float(options["debounce"]), 0.0) / 1000  # milliseconds
        folders = params.workspace_folders or []
        uri = folders[0].uri if folders else params.root_uri
        path = document_path(uri) if uri else (Path(params.root_path) if params.root_path
                                               else None)
        if path is not None and path.is_dir():
            ls.state.root = path.resolve()
            # Reports, module names and the configuration are found from the working
            # folder, as for `statelint check` run in the project.
            os.chdir(ls.state.root)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: StatelintServer, params: types.InitializedParams) -> None:
        if ls.state.root is None:
            ls.window_show_message(types.ShowMessageParams(
                types.MessageType.Warning,
                "statelint: no workspace folder was given, so there is no project to check"))
            return
        ls.schedule_check(0)
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace is not None else None
        if watched is not None and watched.dynamic_registration:
            await ls.client_register_capability_async(types.RegistrationParams([
                types.Registration(
                    "statelint-watched-files", types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    types.DidChangeWatchedFilesRegistrationOptions(
                        [types.FileSystemWatcher(glob) for glob in WATCHED_GLOBS]))]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: StatelintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule_check(SETTLE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: StatelintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule_check(ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: StatelintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule_check(SETTLE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: StatelintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.schedule_check(SETTLE_SECONDS)  # unsaved changes closed away: back to the disk

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: StatelintServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.schedule_check(ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(ls: StatelintServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        lenses = []
        seen: set[tuple[int, str]] = set()
        for verdict in ls.verdicts_in(params.text_document.uri):
            line = max(verdict.handler.line - 1, 0)
            title = verdict_title(verdict)
            if (line, title) in seen:
                continue  # a function registered at several routes: one lens
            seen.add((line, title))
            lenses.append(types.CodeLens(
                range=types.Range(types.Position(line, 0), types.Position(line, 0)),
                command=types.Command(title=title, command=SHOW_VERDICT_COMMAND,
                                      arguments=[params.text_document.uri, verdict.handler.line,
                                                 verdict.handler.name])))
        return lenses

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: StatelintServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        lines = ls.lines_of(uri)
        parts = [verdict_markdown(verdict) for verdict in ls.verdicts_in(uri)
                 if params.position.line in definition_lines(lines, verdict)]
        if not parts:
            return None
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown,
                                               "\n\n---\n\n".join(dict.fromkeys(parts))))

    @server.command(SHOW_VERDICT_COMMAND)
    def show_verdict(ls: StatelintServer, uri: str, line: int, name: str) -> None:
        for verdict in ls.verdicts_in(uri):
            if verdict.handler.line == line and verdict.handler.name == name:
                ls.window_show_message(types.ShowMessageParams(types.MessageType.Info,
                                                               verdict_text(verdict)))
                return

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: StatelintServer,
                    params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        actions = []
        for diagnostic in params.context.diagnostics:
            finding = ls.finding_for(uri, diagnostic)
            if finding is None:
                continue
            action = suppression_action(uri, document, finding, diagnostic,
                                        ls.workspace.position_codec)
            if action is not None:
                actions.append(action)
        return actions

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: StatelintServer, params: None) -> None:
        if ls.state.timer is not None:
            ls.state.timer.cancel()

    return server


def serve() -> None:
    """Run the language server over standard input and output until the editor stops it."""
    import multiprocessing

    # Checks run in a thread beside the protocol's.  A parsing worker forked from a
    # process with several threads can inherit a lock another thread held and hang, so
    # workers are started from a clean single-threaded process instead.
    multiprocessing.set_start_method("forkserver", force=True)
    protocol_out = sys.stdout.buffer
    # Standard output carries the protocol: anything printed by accident goes to stderr.
    sys.stdout = sys.stderr
    create_server().start_io(sys.stdin.buffer, protocol_out)
