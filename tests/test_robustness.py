"""Issue 7: any input, no traceback, no lost result.

Every broken, hostile or odd file gives one precise problem naming the file (and the
line where there is one) while the rest of the scan goes on, and the summary accounts
for every file: scanned + failed == the Python files given.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from statelint import facts as facts_module
from statelint.cli import main
from statelint.engine import scan
from statelint.facts import ISSUES_URL, extract_facts
from statelint.model import ScanResult

# A Flask shop that keeps carts in the process: it must be found whatever sits next to it.
SHOP = """\
from flask import Flask, jsonify, request

app = Flask(__name__)
CARTS: dict[str, list[str]] = {}


@app.post("/carts/<user_id>/items")
def add_item(user_id):
    CARTS.setdefault(user_id, []).append(request.json["sku"])
    return jsonify(items=CARTS[user_id]), 201
"""

# (file name, bytes, expected kind or None when the file must parse, line, text in message)
HOSTILE_FILES: list[tuple[str, bytes, str | None, int, str]] = [
    ("syntax_error.py", b"def view(:\n    pass\n", "syntax", 1, "syntax error"),
    ("python2.py", b'print "hello"\n', "syntax", 1, "Missing parentheses in call to 'print'"),
    ("merge_conflict.py",
     b"TIMEOUT = 5\n<<<<<<< HEAD\nRETRIES = 2\n=======\nRETRIES = 3\n>>>>>>> feature\n",
     "syntax", 2, "unresolved merge conflict marker `<<<<<<<`"),
    ("unterminated.py", b"QUERY = '''select *\n", "syntax", 1, "unterminated triple-quoted"),
    ("tabs_and_spaces.py", b"if DEBUG:\n\tx = 1\n        y = 2\n", "syntax", 3, "tabs and spaces"),
    ("deep_blocks.py",
     b"".join(b" " * i + b"if x:\n" for i in range(101)) + b" " * 101 + b"pass\n",
     "syntax", 101, "too many levels of indentation"),
    ("bad_utf8.py", b"NAME = 'caf\xc3\xa9'\nGREETING = 'ol\xe1'\n", "encoding", 2,
     "cannot decode file as utf-8: byte 0xe1 at line 2"),
    ("mixed_encodings.py", "A = 'é'\n".encode() + "B = 'é'\n".encode("latin-1"), "encoding", 2,
     "byte 0xe9 at line 2"),
    ("utf16_without_cookie.py", "VALUE = 1\n".encode("utf-16"), "encoding", 1,
     "cannot decode file as utf-8"),
    ("bogus_cookie.py", b"#!/usr/bin/env python\n# -*- coding: klingon -*-\nX = 1\n", "encoding",
     2, "unknown encoding 'klingon' in the coding declaration"),
    ("codec_cookie.py", b"# coding: rot13\nX = 1\n", "encoding", 1, "not a text encoding"),
    ("bom_and_latin1_cookie.py", b"\xef\xbb\xbf# coding: latin-1\nX = 1\n", "encoding", 1,
     "byte order mark"),
    ("nul_bytes.py", b"X = 1\nY = 2\x00\n", "syntax", 2, "line 2 contains a NUL byte"),
    ("binary.py", bytes(range(256)) * 4, "encoding", 2, "byte 0x80 at line 2"),
    ("nested_parens.py", b"X = " + b"(" * 500 + b"1" + b")" * 500 + b"\n", "syntax", 1,
     "too many nested parentheses"),
    ("nested_lists.py", b"X = " + b"[" * 500 + b"]" * 500 + b"\n", "syntax", 1,
     "too many nested parentheses"),
    ("long_chain.py", b"\n\nX = a" + b".b" * 1500 + b"\n", "syntax", 3,
     "nested more than 1000 levels deep at line 3"),
    ("long_sum.py", b"X = " + b" + ".join([b"1"] * 10000) + b"\n", "syntax", 1,
     "nested more than 1000 levels deep at line 1"),
    # so deep that CPython's parser gives up too, without saying where: no line
    ("endless_chain.py", b"X = a" + b".b" * 100_000 + b"\n", "syntax", 0,
     "nested more than 1000 levels deep (a generated file?)"),
    ("many_strings.py", b"X = " + b" ".join([b"'a'"] * 4000) + b"\n", "syntax", 1,
     "LibCST cannot parse this file, although Python"),
    ("empty.py", b"", None, 0, ""),
    ("deep_lambdas.py", b"X = " + b"lambda: " * 500 + b"1\n", None, 0, ""),
    ("long_message.py", b"HELP = (\n" + b"\n".join([b"    'one more line of help'"] * 2500)
     + b"\n)\n", None, 0, ""),
    ("bom.py", b"\xef\xbb\xbfTIMEOUT = 5\n", None, 0, ""),
    ("latin1_cookie.py", b"# -*- coding: latin-1 -*-\nGREETING = 'ol\xe1'\n", None, 0, ""),
    ("one_mb_line.py", b"BLOB = '" + b"a" * 1_000_000 + b"'\n", None, 0, ""),
    ("huge_int.py", b"N = " + b"9" * 5000 + b"\n", None, 0, ""),
    ("infinite_floats.py", b"LIMITS = {1e999: -1e999}\n", None, 0, ""),
    ("newer_syntax.py", b"type Cart = dict[str, int]\ndef first[T](xs: list[T]) -> T: ...\n",
     None, 0, ""),
    ("form_feed_and_cr.py", b"\x0cA = 1\rB = 2\r", None, 0, ""),
]


def problems_by_path(result: ScanResult) -> dict[str, list]:
    found: dict[str, list] = {}
    for problem in result.problems:
        found.setdefault(problem.path, []).append(problem)
    return found


def python_file_count(root: Path) -> int:
    return sum(1 for path in root.rglob("*.py") if path.is_file())


def write_shop(root: Path) -> None:
    (root / "shop").mkdir(parents=True, exist_ok=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "app.py").write_text(SHOP)


@pytest.mark.parametrize(("name", "source", "kind", "line", "message"), HOSTILE_FILES,
                         ids=[case[0] for case in HOSTILE_FILES])
def test_every_odd_file_gives_a_precise_problem_and_the_scan_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: bytes,
        kind: str | None, line: int, message: str) -> None:
    write_shop(tmp_path)
    (tmp_path / "shop" / name).write_bytes(source)
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    result = scan(["shop"], jobs=1)
    assert time.perf_counter() - started < 30, "a hostile file must not stall the scan"

    problems = problems_by_path(result)
    if kind is None:
        assert problems == {}
    else:
        [problem] = problems[f"shop/{name}"]
        assert (problem.kind, problem.line) == (kind, line), problem
        assert message in problem.message
        assert "\n" not in problem.message
    assert [f.symbol for f in result.findings] == ["shop.app.CARTS"]
    assert result.files_scanned + result.files_failed == 3
    assert result.files_failed == (0 if kind is None else 1)


def test_latin1_file_with_cookie_is_analysed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = "# -*- coding: latin-1 -*-\n" + SHOP.replace("CARTS: dict", "# Paniers (clé: client)\nCARTS: dict")
    (tmp_path / "boutique.py").write_bytes(source.encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    result = scan(["."], jobs=1)
    assert result.problems == []
    assert [f.symbol for f in result.findings] == ["boutique.CARTS"]


def test_nesting_beyond_the_walk_limit_is_reported_not_raised(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts_module, "WALK_RECURSION_LIMIT", 1000)
    result = extract_facts(b"\n\nX = " + b"lambda: " * 500 + b"1\n", "gen.py", "gen", False)
    assert result.error is not None
    assert (result.error.kind, result.error.line) == ("syntax", 3)
    assert "expression nesting too deep to analyse" in result.error.message


def test_deep_implicit_concatenation_is_analysed(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # like the standard library's pydoc_data/topics.py: thousands of pieces in one string
    pieces = "\n".join(f"    'paragraph {number} of the help text\\n'" for number in range(2500))
    (tmp_path / "shop.py").write_text(SHOP + f"\nHELP = (\n{pieces}\n)\n")
    monkeypatch.chdir(tmp_path)
    result = scan(["."], jobs=1)
    assert result.problems == []
    assert [f.symbol for f in result.findings] == ["shop.CARTS"]


def test_without_a_big_stack_thread_files_are_still_analysed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(facts_module.threading.Thread, "start", refuse)
    result = extract_facts(SHOP.encode(), "shop/app.py", "shop.app", False)
    assert result.error is None
    assert result.binding("CARTS") is not None


def test_extract_facts_never_raises_for_a_visitor_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self, node):
        raise KeyError("unexpected node")

    monkeypatch.setattr(facts_module.FactsCollector, "visit_FunctionDef", explode)
    result = extract_facts(SHOP.encode(), "shop/app.py", "shop.app", False)
    assert result.error is not None
    assert result.error.kind == "internal"
    assert "internal error: KeyError: 'unexpected node'" in result.error.message
    assert "test_robustness.py" in result.error.message  # where it was raised
    assert ISSUES_URL in result.error.message


def test_internal_error_costs_one_file_and_exits_2(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "shop" / "checkout.py").write_text(
        "from flask import Blueprint\n\nbp = Blueprint('checkout', __name__)\n\n\n"
        "@bp.post('/checkout')\ndef explode():\n    return 'ok'\n")
    original = facts_module.FactsCollector.visit_FunctionDef

    def visit_function(self, node):
        if node.name.value == "explode":
            raise AssertionError("statelint bug")
        return original(self, node)

    monkeypatch.setattr(facts_module.FactsCollector, "visit_FunctionDef", visit_function)
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", "shop"])
    assert outcome.exit_code == 2, outcome.output
    report = json.loads(outcome.stdout)
    [problem] = report["problems"]
    assert problem["path"] == "shop/checkout.py"
    assert problem["kind"] == "internal"
    assert "this is a bug in statelint" in problem["message"] and ISSUES_URL in problem["message"]
    assert [f["symbol"] for f in report["findings"]] == ["shop.app.CARTS"]
    summary = report["summary"]
    assert (summary["files_scanned"], summary["files_failed"]) == (2, 1)
    assert "Traceback" not in outcome.output


def test_text_report_names_file_line_and_reason(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "shop" / "legacy.py").write_bytes(b"import os\nprint os.getcwd()\n")
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["check", "--no-color", "--jobs", "1", "shop"])
    assert outcome.exit_code == 1
    assert "shop/legacy.py:2" in outcome.output
    assert "Traceback" not in outcome.output


# -- unreadable files and folders -------------------------------------------


def test_unreadable_file_is_reported_and_the_scan_goes_on(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "shop" / "secrets.py").write_text("TOKEN = 'x'\n")
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "secrets.py":
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.chdir(tmp_path)
    result = scan(["shop"], jobs=1)
    [problem] = problems_by_path(result)["shop/secrets.py"]
    assert problem.kind == "unreadable"
    assert "Permission denied" in problem.message
    assert [f.symbol for f in result.findings] == ["shop.app.CARTS"]
    assert (result.files_scanned, result.files_failed) == (2, 1)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root reads files whatever their mode; the monkeypatched tests "
                           "cover unreadable files and folders")
def test_chmod_000_file_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    locked_file = tmp_path / "shop" / "locked.py"
    locked_file.write_text("X = 1\n")
    locked_dir = tmp_path / "shop" / "private"
    locked_dir.mkdir()
    (locked_dir / "hidden.py").write_text("Y = 2\n")
    locked_file.chmod(0)
    locked_dir.chmod(0)
    try:
        monkeypatch.chdir(tmp_path)
        result = scan(["shop"], jobs=1)
    finally:
        locked_file.chmod(0o644)
        locked_dir.chmod(0o755)
    problems = problems_by_path(result)
    assert "Permission denied" in problems["shop/locked.py"][0].message
    assert "Permission denied" in problems["shop/private"][0].message
    assert [f.symbol for f in result.findings] == ["shop.app.CARTS"]


def test_unreadable_folder_is_reported_and_the_scan_goes_on(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "shop" / "private").mkdir()
    (tmp_path / "shop" / "private" / "hidden.py").write_text("Y = 2\n")
    original = os.scandir

    def scandir(path=None):
        if Path(path).name == "private":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return original(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    result = scan(["shop"], jobs=1)
    [problem] = problems_by_path(result)["shop/private"]
    assert problem.kind == "unreadable"
    assert "cannot read directory: Permission denied" in problem.message
    assert [f.symbol for f in result.findings] == ["shop.app.CARTS"]
    assert result.files_scanned == 2


# -- links, names and overlapping paths -------------------------------------


def test_symlink_loops_and_links_out_of_the_tree_are_not_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    write_shop(project)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "elsewhere.py").write_text("STATE = {}\n")
    (project / "shop" / "loop").symlink_to(project / "shop", target_is_directory=True)
    (project / "shop" / "self").symlink_to(".", target_is_directory=True)
    (project / "shop" / "vendor").symlink_to(outside, target_is_directory=True)
    (project / "shop" / "linked.py").symlink_to(outside / "elsewhere.py")
    (project / "shop" / "ping.py").symlink_to("pong.py")
    (project / "shop" / "pong.py").symlink_to("ping.py")
    (project / "shop" / "dangling.py").symlink_to(tmp_path / "missing.py")
    (project / "shop" / ".#app.py").symlink_to("root@laptop.4242:1700000000")  # editor lock
    monkeypatch.chdir(project)
    result = scan(["shop"], jobs=1)
    assert [f.symbol for f in result.findings] == ["shop.app.CARTS"]
    problems = {problem.path: problem.message for problem in result.problems}
    assert problems == {
        "shop/dangling.py": f"broken symbolic link: its target {tmp_path / 'missing.py'} "
                            "does not exist",
        "shop/ping.py": "symbolic link loop (-> pong.py): it never reaches a file",
        "shop/pong.py": "symbolic link loop (-> ping.py): it never reaches a file",
    }
    assert (result.files_scanned, result.files_failed) == (2, 3)
    assert result.files_skipped == 2  # linked.py, the lock file
    assert result.folders_skipped == 3  # loop, self, vendor


def test_a_symlink_loop_given_on_the_command_line(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "ping.py").symlink_to("pong.py")
    (tmp_path / "pong.py").symlink_to("ping.py")
    monkeypatch.chdir(tmp_path)
    result = scan(["shop", "ping.py"], jobs=1)
    assert [(p.path, p.kind) for p in result.problems] == [("ping.py", "unreadable")]
    assert [f.symbol for f in result.findings] == ["shop.app.CARTS"]


@pytest.mark.skipif(sys.platform in ("darwin", "win32"),
                    reason="the file system insists on valid UTF-8 (or UTF-16) names")
def test_file_name_that_is_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (Path(os.fsdecode(os.fsencode(tmp_path / "shop") + b"/caf\xe9.py"))).write_text(SHOP)
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", "shop",
                                        "-o", "report.json"])
    assert outcome.exit_code == 1, outcome.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [(p["path"], p["kind"]) for p in report["problems"]] == [
        ("shop/caf\\xe9.py", "unreadable")]
    assert "not valid UTF-8" in report["problems"][0]["message"]
    assert [f["symbol"] for f in report["findings"]] == ["shop.app.CARTS"]


def test_paths_with_spaces_and_non_ascii_names(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "my shop" / "vues_été"
    folder.mkdir(parents=True)
    (folder / "paniers à jour.py").write_text(SHOP)
    (folder / "cassé.py").write_text("def vue(:\n")
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", "my shop"])
    assert outcome.exit_code == 1, outcome.output
    report = json.loads(outcome.stdout)
    assert [f["path"] for f in report["findings"]] == ["my shop/vues_été/paniers à jour.py"]
    assert [(p["path"], p["line"]) for p in report["problems"]] == [("my shop/vues_été/cassé.py", 1)]


def test_paths_given_twice_or_nested_scan_each_file_once(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "shop" / "sub").mkdir()
    (tmp_path / "shop" / "sub" / "__init__.py").write_text("")
    (tmp_path / "shop" / "sub" / "views.py").write_text(SHOP.replace("CARTS", "WISHLISTS"))
    monkeypatch.chdir(tmp_path)
    once = scan(["shop"], jobs=1)
    overlapping = scan(["shop", "shop/sub", "shop", "shop/app.py", "./shop/sub/"], jobs=1)
    assert once.files_scanned == overlapping.files_scanned == 4
    assert [f.symbol for f in overlapping.findings] == [f.symbol for f in once.findings] == [
        "shop.app.CARTS", "shop.sub.views.WISHLISTS"]
    assert len(overlapping.verdicts) == len(once.verdicts) == 2


def test_summary_accounts_for_every_python_file(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    for name, source, *_ in HOSTILE_FILES:
        if b"10000" not in source and len(source) < 100_000:
            (tmp_path / "shop" / name).write_bytes(source)
    (tmp_path / "shop" / "README.txt").write_text("not python")
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["check", "--format", "json", "--jobs", "1", "shop"])
    summary = json.loads(outcome.stdout)["summary"]
    assert summary["files_scanned"] + summary["files_failed"] == python_file_count(tmp_path)
    assert summary["files_failed"] == len(json.loads(outcome.stdout)["problems"])
    assert "Traceback" not in outcome.output


# -- configuration and output files -----------------------------------------


def test_malformed_toml_is_a_one_line_error_naming_the_file(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.statelint\nselect = [\n")
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["check", "shop"])
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith("statelint: error: ")
    assert "pyproject.toml" in outcome.stderr
    assert outcome.stderr.count("\n") == 1
    assert "Traceback" not in outcome.output


def test_config_that_is_not_utf8_is_a_clear_error(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "statelint.toml").write_bytes(b"fail-on = \"caf\xe9\"\n")
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["check", "shop"])
    assert outcome.exit_code == 2
    assert "statelint.toml" in outcome.stderr
    assert "Traceback" not in outcome.output


@pytest.mark.parametrize("command", ["check", "handlers"])
def test_output_in_a_missing_folder_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            command: str) -> None:
    write_shop(tmp_path)
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, [command, "shop", "--output", "nowhere/report.txt"])
    assert outcome.exit_code == 2
    assert "nowhere" in outcome.stderr and "does not exist" in outcome.stderr
    assert not (tmp_path / "nowhere").exists()


def test_output_file_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "reports").mkdir()
    report = tmp_path / "reports" / "statelint.json"
    report.write_text("previous report\n")
    monkeypatch.chdir(tmp_path)
    replaced: list[tuple[str, str]] = []
    original_replace = os.replace

    def spy_replace(source, target):
        # the new content is complete before it takes the report's name
        if Path(target).name == report.name:
            replaced.append((Path(source).read_text(encoding="utf-8"), str(target)))
        return original_replace(source, target)

    monkeypatch.setattr(os, "replace", spy_replace)
    outcome = CliRunner().invoke(main, ["check", "shop", "--format", "json", "-o", str(report)])
    assert outcome.exit_code == 1, outcome.output
    [(content, target)] = replaced
    assert Path(target) == report
    assert json.loads(content) == json.loads(report.read_text())
    assert os.listdir(tmp_path / "reports") == ["statelint.json"]


def test_failed_output_write_keeps_the_old_report(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "reports").mkdir()
    report = tmp_path / "reports" / "statelint.json"
    report.write_text("previous report\n")
    monkeypatch.chdir(tmp_path)

    original_replace = os.replace

    def failing_replace(source, target):
        if Path(target).name == report.name:
            raise OSError(28, "No space left on device")
        return original_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    outcome = CliRunner().invoke(main, ["check", "shop", "--format", "json", "-o", str(report)])
    assert outcome.exit_code == 2
    assert "No space left on device" in outcome.stderr
    assert report.read_text() == "previous report\n"
    assert os.listdir(tmp_path / "reports") == ["statelint.json"]


def test_cyclic_aliases_do_not_end_the_scan(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "shop" / "compat.py").write_text(
        "View = BaseView\nBaseView = View\n\n\nclass OrderView(View):\n    pass\n")
    monkeypatch.chdir(tmp_path)
    result = scan(["shop"], jobs=1)
    assert [f.symbol for f in result.findings] == ["shop.app.CARTS"]


# -- hostile input within bounds ------------------------------------------------

FLASK_VIEW = """\

@app.get("/items/{number}")
def item_{number}(item_id: int = {number}):
    data = {{"id": item_id, "name": "item-{number}", "tags": [1, 2, 3]}}
    return jsonify(data)
"""


def generated_module(size: int) -> bytes:
    """A generated Flask module of at least ``size`` bytes (made fast: no parse here)."""
    head = "from flask import Flask, jsonify\n\napp = Flask(__name__)\n"
    chunk = "".join(FLASK_VIEW.format(number=number) for number in range(100))
    body = chunk * (size // len(chunk) + 1)
    return (head + body).encode()


def test_a_10_mb_module_is_skipped_without_being_parsed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    big = generated_module(10 * 1024 * 1024)
    (tmp_path / "shop" / "generated_routes.py").write_bytes(big)
    parsed: list[int] = []
    original = facts_module.extract_facts

    def spy(source: bytes, *args):
        parsed.append(len(source))
        return original(source, *args)

    monkeypatch.setattr(facts_module, "extract_facts", spy)
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    result = scan(["shop"], jobs=1, exhaustive=True)
    assert time.perf_counter() - started < 10
    assert max(parsed) < 1024 * 1024, "the big file was handed to the parser"
    [problem] = problems_by_path(result)["shop/generated_routes.py"]
    assert problem.kind == "too-large"
    assert problem.message == (f"skipped: {len(big):,} bytes, over the max-file-size limit "
                               "of 1,048,576")
    assert [f.symbol for f in result.findings] == ["shop.app.CARTS"]
    assert (result.files_scanned, result.files_failed) == (2, 1)


def test_max_file_size_from_the_configuration_and_the_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_shop(tmp_path)
    (tmp_path / "shop" / "routes.py").write_bytes(generated_module(3000))
    (tmp_path / "pyproject.toml").write_text('[tool.statelint]\nmax-file-size = "2 KiB"\n')
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, dict]:
        outcome = CliRunner().invoke(main, ["check", "--format", "json", "--no-cache",
                                            "--jobs", "1", *args, "shop"])
        return outcome.exit_code, (json.loads(outcome.stdout) if outcome.exit_code != 2
                                   else {"error": outcome.output})

    code, report = run()
    assert code == 1  # the shop's finding; the skipped file alone does not fail the run
    [problem] = report["problems"]
    assert (problem["path"], problem["kind"]) == ("shop/routes.py", "too-large")
    assert "over the max-file-size limit of 2,048" in problem["message"]
    code, report = run("--max-file-size", "0")  # no limit
    assert report["problems"] == []
    code, report = run("--max-file-size", "1MB")
    assert report["problems"] == []
    code, report = run("--max-file-size", "huge")
    assert code == 2
    assert "--max-file-size must be a number of bytes" in report["error"]
    assert len(report["error"].strip().splitlines()) == 1
    (tmp_path / "pyproject.toml").write_text("[tool.statelint]\nmax-file-size = -1\n")
    code, report = run()
    assert code == 2
    assert '"max-file-size" must be a non-negative number of bytes' in report["error"]


DEEP_1000 = {
    "unary_minus": b"X = " + b"-" * 1000 + b"1\n",
    "not": b"X = " + b"not " * 1000 + b"y\n",
    "calls": b"X = f" + b"()" * 1000 + b"\n",
    "subscripts": b"X = a" + b"[0]" * 1000 + b"\n",
    "power": b"X = " + b"2 ** " * 1000 + b"2\n",
    "lambdas": b"X = " + b"lambda: " * 1000 + b"1\n",
    "conditional": b"X = " + b"a if b else " * 1000 + b"c\n",
    "boolean": b"X = " + b" and ".join([b"a"] * 1001) + b"\n",
    "parentheses": b"X = " + b"(" * 1000 + b"1" + b")" * 1000 + b"\n",
}


@pytest.mark.parametrize("shape", sorted(DEEP_1000))
def test_an_expression_nested_1000_deep_is_one_line(shape: str) -> None:
    facts = extract_facts(DEEP_1000[shape], "gen/deep.py", "gen.deep", False)
    assert facts.error is not None
    assert facts.error.kind == "syntax"
    assert facts.error.line == 1
    assert "\n" not in facts.error.message
    assert ("nested more than 1000 levels deep" in facts.error.message
            or "too many nested parentheses" in facts.error.message)


def test_a_recursion_error_while_parsing_is_one_line_not_internal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def overflow(text: str):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(facts_module.cst, "parse_module", overflow)
    facts = extract_facts(SHOP.encode(), "shop/app.py", "shop.app", False)
    assert facts.error is not None
    assert facts.error.kind == "syntax"
    assert facts.error.message == "expression nesting too deep to parse"


def test_nul_bytes_at_the_end_of_a_long_file(tmp_path: Path) -> None:
    source = generated_module(500_000) + b"\nTRAILER = 1\x00\x00\n"
    started = time.perf_counter()
    facts = extract_facts(source, "shop/dump.py", "shop.dump", False)
    assert time.perf_counter() - started < 2, "NUL bytes are found before parsing"
    assert facts.error is not None
    assert facts.error.kind == "syntax"
    assert facts.error.line == source.count(b"\n")
    assert "contains a NUL byte" in facts.error.message


def _vanishing(monkeypatch: pytest.MonkeyPatch, change) -> None:
    """Make ``change`` run right after discovery listed the files, before any is read."""
    from statelint import engine

    original = engine.discover

    def discover(*args, **kwargs):
        found = original(*args, **kwargs)
        change()
        return found

    monkeypatch.setattr(engine, "discover", discover)


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cache"])
@pytest.mark.parametrize("exhaustive", [False, True], ids=["lazy", "exhaustive"])
def test_a_file_that_disappears_during_the_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                cache: bool, exhaustive: bool) -> None:
    write_shop(tmp_path / "src")
    doomed = tmp_path / "src" / "shop" / "reports.py"
    doomed.write_text("from shop.app import CARTS\n\nTOTALS = {}\n")
    _vanishing(monkeypatch, doomed.unlink)
    monkeypatch.chdir(tmp_path / "src")
    result = scan(["shop"], jobs=1, cache=cache, cache_dir=str(tmp_path / "cache"),
                  exhaustive=exhaustive)
    assert not [p for p in result.problems if p.kind == "internal"]
    [problem] = problems_by_path(result)["shop/reports.py"]
    assert problem.kind == "unreadable"
    assert "No such file or directory" in problem.message
    assert [f.symbol for f in result.findings] == ["shop.app.CARTS"]


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cache"])
def test_a_file_that_changes_during_the_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             cache: bool) -> None:
    write_shop(tmp_path / "src")
    app = tmp_path / "src" / "shop" / "app.py"
    _vanishing(monkeypatch, lambda: app.write_text(SHOP.replace("def add_item(user_id):",
                                                                "def add_item(user_id:")))
    monkeypatch.chdir(tmp_path / "src")
    result = scan(["shop"], jobs=1, cache=cache, cache_dir=str(tmp_path / "cache"))
    # the file is read once, after the change: its new bytes are what is reported
    [problem] = problems_by_path(result)["shop/app.py"]
    assert problem.kind == "syntax"
    assert result.findings == []


PEP_701 = '''\
from flask import Flask

app = Flask(__name__)
HITS: dict[str, int] = {}


@app.get("/hits/<page>")
def hits(page: str):
    HITS[page] = HITS.get(page, 0) + 1
    return f"{page}: {HITS[page]} {f"{"nested"}"} {"\\n".join(sorted(HITS))}"
'''

PEP_695 = '''\
from flask import Flask

app = Flask(__name__)
type Registry[T] = dict[str, T]
SEEN: dict[str, int] = {}


class Store[T]:
    def __init__(self) -> None:
        self.items: list[T] = []


@app.get("/seen/<name>")
def seen(name: str):
    SEEN[name] = SEEN.get(name, 0) + 1
    return {"count": SEEN[name]}
'''


@pytest.mark.parametrize(("source", "symbol"), [(PEP_701, "views.HITS"), (PEP_695, "views.SEEN")],
                         ids=["pep701-fstrings", "pep695-type-parameters"])
def test_python_312_syntax_is_analysed_or_named_as_a_syntax_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, symbol: str) -> None:
    import libcst

    (tmp_path / "views.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = scan(["."], jobs=1)
    try:
        libcst.parse_module(source)
    except libcst.ParserSyntaxError:
        # an older LibCST: one precise line, from CPython where it can say more
        [problem] = result.problems
        assert problem.kind == "syntax" and problem.line >= 4
        assert "\n" not in problem.message
    else:
        # LibCST parses what this Python (3.10, 3.11) cannot: statelint analyses it
        assert result.problems == []
        assert [f.symbol for f in result.findings] == [symbol]
