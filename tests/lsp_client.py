"""A language client that drives ``statelint server`` the way an editor does.

Used by the server tests and ``benchmarks/lsp_latency.py``.  Every wait is on a
notification the server sends, with a generous timeout; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

T = TypeVar("T")

#: Long enough for a cold scan of a real application on a loaded two-core machine.
TIMEOUT = 300.0


@dataclass
class Published:
    """One ``textDocument/publishDiagnostics`` notification and when it arrived."""

    params: types.PublishDiagnosticsParams
    at: float


@dataclass
class Editor:
    """A client session with ``statelint server`` on the project at ``root``."""

    root: Path
    debounce_ms: int = 300
    published: list[Published] = field(default_factory=list)
    messages: list[types.ShowMessageParams] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    stderr: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.client = LanguageClient("statelint-test-editor", "1")
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}
        self._arrived = asyncio.Event()

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            self.published.append(Published(params, time.perf_counter()))
            self._arrived.set()

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def shown(params: types.ShowMessageParams) -> None:
            self.messages.append(params)
            self._arrived.set()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def logged(params: types.LogMessageParams) -> None:
            self.logs.append(params.message)
            self._arrived.set()

    def uri(self, relpath: str) -> str:
        return from_fs_path(str(self.root / relpath)) or ""

    async def start(self, *, cwd: Path | None = None) -> None:
        await self.client.start_io(sys.executable, "-m", "statelint", "server",
                                   cwd=str(cwd or self.root), env=dict(os.environ))
        process = self.client._server  # pygls keeps the server's stderr in a pipe: drain it
        if process is not None and process.stderr is not None:
            asyncio.ensure_future(self._drain(process.stderr))
        folder = types.WorkspaceFolder(self.uri(""), self.root.name)
        await self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=folder.uri,
            workspace_folders=[folder],
            initialization_options={"debounce": self.debounce_ms},
        ))
        self.client.initialized(types.InitializedParams())

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(65536):
            self.stderr += chunk

    async def stop(self) -> None:
        """Shut the server down as an editor does; it must exit by itself."""
        process = self.client._server
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 60)
            self.client.exit(None)
            if process is not None:
                await asyncio.wait_for(process.wait(), 60)
        finally:
            if process is not None and process.returncode is None:
                process.kill()
            await asyncio.wait_for(self.client.stop(), 60)

    async def wait_for(self, found: Callable[[], T | None], what: str,
                       timeout: float = TIMEOUT) -> T:
        """Wait until ``found()`` returns something, re-asking on every notification."""
        deadline = time.monotonic() + timeout
        while True:
            self._arrived.clear()
            value = found()
            if value is not None:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out waiting for {what}; published: "
                    f"{[(p.params.uri, p.params.version, len(p.params.diagnostics)) for p in self.published]}; "
                    f"messages: {[m.message for m in self.messages]}; "
                    f"stderr: {self.stderr.decode(errors='replace')[-2000:]}")
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def diagnostics(self, relpath: str, *, since: int = 0,
                          version: int | None = None,
                          where: Callable[[list[types.Diagnostic]], bool] = lambda _: True,
                          ) -> Published:
        """The first publication for ``relpath`` after the ``since``-th one that matches."""
        uri = self.uri(relpath)

        def found() -> Published | None:
            for item in self.published[since:]:
                if item.params.uri != uri:
                    continue
                if version is not None and item.params.version != version:
                    continue
                if where(list(item.params.diagnostics)):
                    return item
            return None

        return await self.wait_for(found, f"diagnostics for {relpath}")

    def open(self, relpath: str) -> str:
        uri = self.uri(relpath)
        text = (self.root / relpath).read_text(encoding="utf-8")
        self.versions[uri] = 1
        self.texts[uri] = text
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri, "python", 1, text)))
        return uri

    def change(self, relpath: str, text: str) -> int:
        """Replace the buffer's whole text; returns its new version."""
        uri = self.uri(relpath)
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(self.versions[uri], uri),
            [types.TextDocumentContentChangeWholeDocument(text)]))
        return self.versions[uri]

    def save(self, relpath: str) -> None:
        """Write the buffer to its file and tell the server, as saving in an editor does."""
        uri = self.uri(relpath)
        (self.root / relpath).write_text(self.texts[uri], encoding="utf-8")
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(
            types.TextDocumentIdentifier(uri)))

    def close(self, relpath: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            types.TextDocumentIdentifier(self.uri(relpath))))
