"""``statelint server`` through a real language client, on copies of the example projects.

Each test starts the server as an editor would (``python -m statelint server`` over
standard input and output), sends the notifications an editor sends and waits on
what the server publishes, with generous timeouts and no sleeps.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from lsp_client import Editor
from lsprotocol import types

from statelint.add_noqa import annotate
from statelint.cli import main
from statelint.engine import scan
from statelint.model import Finding

PROJECTS = Path(__file__).parent / "projects"


def copy_project(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(PROJECTS / name, root)
    return root


def run_session(root: Path, body: Callable[[Editor], Awaitable[None]], *,
                cwd: Path | None = None) -> None:
    """Start the server on ``root``, run ``body`` with the editor, and shut it down."""
    async def session() -> None:
        editor = Editor(root)
        await editor.start(cwd=cwd)
        try:
            await body(editor)
        finally:
            await editor.stop()

    asyncio.run(session())


def codes(diagnostics: list[types.Diagnostic]) -> list[tuple[str, int]]:
    return [(str(item.code), item.range.start.line) for item in diagnostics]


MAIN = "shop/views/main.py"
# The two lines of `index` that rebind the module-level counter (SL102 at line 14).
REBINDING = "    global _requests_served\n    _requests_served += 1\n"


def test_open_publishes_findings_and_a_self_contained_edit_clears_them(tmp_path: Path) -> None:
    root = copy_project("flask_shop", tmp_path)
    on_disk = (root / MAIN).read_bytes()

    async def body(editor: Editor) -> None:
        editor.open(MAIN)
        published = await editor.diagnostics(MAIN, version=1)
        diagnostic, = published.params.diagnostics
        assert (diagnostic.code, diagnostic.range.start.line) == ("SL102", 13)
        assert diagnostic.severity == types.DiagnosticSeverity.Error
        assert diagnostic.source == "statelint"
        assert diagnostic.message.startswith("`_requests_served` is rebound with `global` "
                                             "while index serves requests")
        assert diagnostic.code_description is not None
        assert diagnostic.code_description.href.startswith("https://")
        related = {(info.location.uri, info.location.range.start.line, info.message)
                   for info in diagnostic.related_information or ()}
        assert (editor.uri(MAIN), 17, "handler index (flask /)") in related
        assert (editor.uri(MAIN), 19, "rebinds it (global): _requests_served") in related
        # Findings are project-wide: a file the editor never opened gets its own.
        cart = await editor.diagnostics("shop/services/cart.py", where=bool)
        assert codes(list(cart.params.diagnostics)) == [("SL101", 16)]

        # The unsaved buffer is checked in place of the file: `index` no longer rebinds it.
        before = len(editor.published)
        text = editor.texts[editor.uri(MAIN)]
        assert REBINDING in text
        version = editor.change(MAIN, text.replace(REBINDING, "    print('hello')\n"))
        cleared = await editor.diagnostics(MAIN, since=before, version=version)
        assert cleared.params.diagnostics == ()
        # The cart is still reported: its handlers did not change.
        assert not any(item.params.uri == editor.uri("shop/services/cart.py")
                       and not item.params.diagnostics for item in editor.published[before:])
        assert (root / MAIN).read_bytes() == on_disk  # the buffer never reaches the disk

        # Saved: the file on disk has no finding either.
        before = len(editor.published)
        editor.save(MAIN)
        saved = await editor.diagnostics(MAIN, since=before, version=version)
        assert saved.params.diagnostics == ()
        assert "global _requests_served" not in (root / MAIN).read_text(encoding="utf-8")

    run_session(root, body, cwd=tmp_path)


def test_an_edit_in_one_file_clears_findings_in_another_and_closing_restores_them(
        tmp_path: Path) -> None:
    root = copy_project("fastapi_chat", tmp_path)
    router, queries = "app/routers/rooms.py", "app/services/rooms.py"
    call = '"rules": room_queries.load_room_rules(room_id)'

    async def body(editor: Editor) -> None:
        editor.open(router)
        await editor.diagnostics(router, version=1)
        cached = await editor.diagnostics(queries, where=bool)
        assert ("SL201", 14) in codes(list(cached.params.diagnostics))

        # room_detail stops calling the cached query: its lru_cache serves no request now.
        before = len(editor.published)
        text = editor.texts[editor.uri(router)]
        assert call in text
        editor.change(router, text.replace(call, '"rules": room.rules'))
        cleared = await editor.diagnostics(queries, since=before,
                                           where=lambda found: not found)
        assert cleared.params.diagnostics == ()

        # Closing the buffer without saving: the file on disk counts again.
        before = len(editor.published)
        editor.close(router)
        back = await editor.diagnostics(queries, since=before, where=bool)
        assert ("SL201", 14) in codes(list(back.params.diagnostics))

    run_session(root, body)


async def lens_titles(editor: Editor, uri: str) -> dict[int, str]:
    """The code lenses of a document: each one's title by its line."""
    lenses = await editor.client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri)))
    return {lens.range.start.line: lens.command.title for lens in lenses or ()
            if lens.command is not None}


async def hover_text(editor: Editor, uri: str, line: int, character: int) -> str | None:
    """The Markdown of the hover at a position, or None when there is none."""
    hover = await editor.client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(line, character)))
    if hover is None:
        return None
    assert isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


def test_code_lens_and_hover_show_each_handlers_verdict(tmp_path: Path) -> None:
    root = copy_project("flask_shop", tmp_path)

    async def body(editor: Editor) -> None:
        cart_views, checkout = "shop/views/cart.py", "shop/views/checkout.py"
        uri = editor.open(cart_views)
        await editor.diagnostics(cart_views, version=1)
        titles = await lens_titles(editor, uri)
        assert titles[13] == "statelint: stateful ← CARTS"  # def add_to_cart

        # Hover on the decorator above the `def` line.
        text = await hover_text(editor, uri, 12, 6)
        assert text is not None
        assert "`add_to_cart` (flask, POST /cart/items) is **stateful**" in text
        assert "SL101 error `shop.services.cart.CARTS`" in text
        assert await hover_text(editor, uri, 16, 4) is None  # not on a line of the body

        checkout_uri = editor.open(checkout)
        await editor.diagnostics(checkout, version=1)
        titles = await lens_titles(editor, checkout_uri)
        assert titles[17] == "statelint: stateful ← CARTS"  # def checkout
        assert titles[31] == "statelint: self-contained"  # def order_status
        text = await hover_text(editor, checkout_uri, 31, 4)
        assert text is not None
        assert ("`order_status` (flask, GET /checkout/orders/<int:order_id>) is "
                "**self-contained**") in text

    run_session(root, body)


def test_quick_fix_inserts_the_suppression_add_noqa_writes(tmp_path: Path) -> None:
    root = copy_project("flask_shop", tmp_path)
    finding: Finding = next(f for f in scan([str(root)]).findings if f.rule == "SL102")
    expected = annotate((root / MAIN).read_bytes(), [finding]).source.decode()

    async def body(editor: Editor) -> None:
        uri = editor.open(MAIN)
        published = await editor.diagnostics(MAIN, version=1, where=bool)
        diagnostic, = published.params.diagnostics
        actions = await editor.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), diagnostic.range,
            types.CodeActionContext([diagnostic])))
        action, = actions or ()
        assert isinstance(action, types.CodeAction)
        assert action.kind == types.CodeActionKind.QuickFix
        assert action.edit is not None and action.edit.changes is not None
        edit, = action.edit.changes[uri]
        assert edit.range.start == edit.range.end == types.Position(13, 20)
        assert edit.new_text == "  # statelint: ignore[SL102]  # reason: TODO"
        text = editor.texts[uri]
        lines = text.splitlines(keepends=True)
        line = lines[13]
        lines[13] = line[:20] + edit.new_text + line[20:]
        edited = "".join(lines)
        assert edited == expected

        # With the comment in the buffer, the finding is suppressed.
        before = len(editor.published)
        version = editor.change(MAIN, edited)
        done = await editor.diagnostics(MAIN, since=before, version=version)
        assert done.params.diagnostics == ()

    run_session(root, body)


def test_a_project_parsed_by_worker_processes_is_checked(tmp_path: Path) -> None:
    """Enough modules that the cold check parses them in a process pool, started while
    the server's protocol thread runs (a plain fork there could hang the workers)."""
    root = tmp_path / "catalogue"
    package = root / "catalogue"
    package.mkdir(parents=True)
    (root / "statelint.toml").write_text("jobs = 2\n", encoding="utf-8")
    sections = [f"section{number:02d}" for number in range(80)]
    (package / "__init__.py").write_text(
        "from flask import Flask\n\n"
        + "".join(f"from .{name} import bp as {name}_bp\n" for name in sections)
        + "\napp = Flask(__name__)\n"
        + "".join(f"app.register_blueprint({name}_bp, url_prefix='/{name}')\n"
                  for name in sections), encoding="utf-8")
    for name in sections:
        (package / f"{name}.py").write_text(
            "from flask import Blueprint, jsonify, request\n\n"
            f"bp = Blueprint({name!r}, __name__)\n"
            "VIEWS: dict[str, int] = {}\n\n\n"
            "@bp.get('/items/<item>')\n"
            "def show(item: str):\n"
            "    VIEWS[item] = VIEWS.get(item, 0) + 1\n"
            "    return jsonify(item=item, views=VIEWS[item], q=request.args.get('q'))\n",
            encoding="utf-8")

    async def body(editor: Editor) -> None:
        published = await editor.diagnostics("catalogue/section79.py", where=bool)
        assert codes(list(published.params.diagnostics)) == [("SL101", 3)]
        checked = await editor.wait_for(
            lambda: next((m for m in editor.logs if m.startswith("statelint: checked")), None),
            "the check's log line")
        assert "81 parsed" in checked

    run_session(root, body)


def test_server_without_the_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "statelint.server", None)
    outcome = CliRunner().invoke(main, ["server"])
    assert outcome.exit_code == 2
    assert "pip install 'statelint[server]'" in outcome.output


def same_size_edit(text: str) -> str:
    """``text`` with the rebinding in ``index`` turned into a comment of the same length
    (a cache that trusted size and modification time would take it for the file)."""
    comment = "    # " + "x" * (len(REBINDING) - 7) + "\n"
    assert len(comment) == len(REBINDING)
    return text.replace(REBINDING, comment)


def summary(findings: list[Finding]) -> list[tuple[str, str, int, str]]:
    return [(f.rule, f.path, f.line, f.message) for f in findings]


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cache"])
@pytest.mark.parametrize("exhaustive", [False, True], ids=["lazy", "exhaustive"])
def test_scan_overlay_reads_the_buffer_not_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   cache: bool, exhaustive: bool) -> None:
    root = copy_project("flask_shop", tmp_path)
    saved = copy_project("flask_shop", tmp_path / "saved")
    edited = same_size_edit((root / MAIN).read_text(encoding="utf-8")).encode()
    (saved / MAIN).write_bytes(edited)
    on_disk = (root / MAIN).read_bytes()
    monkeypatch.chdir(saved)
    as_saved = scan(["."], exhaustive=exhaustive)
    monkeypatch.chdir(root)
    before = scan(["."], cache=cache, exhaustive=exhaustive)
    assert ("SL102", MAIN, 14) in [(f.rule, f.path, f.line) for f in before.findings]

    overlaid = scan(["."], cache=cache, exhaustive=exhaustive,
                    overlay={root / MAIN: edited})
    assert summary(overlaid.findings) == summary(as_saved.findings)
    assert "SL102" not in {f.rule for f in overlaid.findings}
    assert {v.handler.name: v.verdict for v in overlaid.verdicts}["index"] == "self-contained"
    assert (root / MAIN).read_bytes() == on_disk

    # The file on disk is what counts again without the overlay, cache or not.
    after = scan(["."], cache=cache, exhaustive=exhaustive)
    assert summary(after.findings) == summary(before.findings)


def test_scan_overlay_of_a_file_not_discovered_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project("flask_shop", tmp_path)
    monkeypatch.chdir(root)
    plain = scan(["."])
    overlaid = scan(["."], overlay={root / "shop" / "views" / "unsaved.py":
                                    b"from flask import Blueprint\nbp = Blueprint('x', __name__)\n"})
    assert summary(overlaid.findings) == summary(plain.findings)
    assert overlaid.files_scanned == plain.files_scanned
