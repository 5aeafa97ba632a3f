"""A cache folder inside a scanned tree cannot run code or change the report.

The facts cache usually lives in the scanned tree, where a pull request can put
anything: the old pickles with a ``__reduce__`` that runs code, damaged or lying
entries, symbolic links leading out of the folder, a whole committed cache.
Each test plants such a folder and requires that nothing runs, that nothing
outside the folder is read or written, and that the report (findings and
handlers) is the one of a scan without a cache.
"""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statelint import cache as cache_module
from statelint import codec
from statelint.cache import CACHE_FORMAT, MAGIC, FactsCache
from statelint.codec import CodecError
from statelint.discover import discover
from statelint.engine import LinkMemo, read_facts, scan
from statelint.model import Finding, Handler, ModuleFacts, Span, Value
from statelint.reporters import renderer
from statelint.rule import all_rules

REPO = Path(__file__).resolve().parent.parent
CORPUS = [p for p in sorted((REPO / "tests" / "projects").iterdir()) + sorted(
    (REPO / "examples").iterdir()) if p.is_dir()]

SHOP = {
    "shop/__init__.py": "",
    "shop/app.py": """
        from flask import Flask, request

        app = Flask(__name__)
        CARTS = {}


        @app.post("/cart/<user>")
        def add_to_cart(user):
            CARTS.setdefault(user, []).append(request.get_json()["item"])
            return {"items": len(CARTS[user])}
        """,
    "shop/health.py": """
        from shop.app import app

        LIMITS = {"items": 50, "timeout": 2.5, "tags": ("a", "b"), None: -1}


        @app.get("/health")
        def health():
            return {"ok": True, "limit": LIMITS["items"]}
        """,
}

#: What ``shop/app.py`` would look like if it kept no state: the lie a planted entry tells.
INNOCENT_APP = """
    from flask import Flask, request

    app = Flask(__name__)


    @app.post("/cart/<user>")
    def add_to_cart(user):
        return {"items": len(request.get_json()["item"])}
    """


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def report(tree: Path, **options: object) -> str:
    result = scan([str(tree)], **options)  # type: ignore[arg-type]
    return renderer("json")(result, list(all_rules()))


def findings_and_handlers(text: str) -> tuple[object, object]:
    data = json.loads(text)
    return data["findings"], data["handlers"]


def assert_as_without_cache(tree: Path, pristine: str, **options: object) -> None:
    """A cached scan of ``tree`` reports what a scan without the cache does, and that
    report has the findings and handlers of the tree before anything was planted."""
    cold = report(tree, cache=False)
    assert findings_and_handlers(cold) == findings_and_handlers(pristine)
    assert report(tree, cache=True, **options) == cold


@pytest.fixture()
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tree = write_tree(tmp_path / "shop-service", SHOP)
    monkeypatch.chdir(tree)  # the scan root, where the cache folder goes by default
    return tree


def entries(cache_dir: Path, kind: str = "facts") -> list[Path]:
    return sorted((cache_dir / kind).rglob("*.json"))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (not following links) with its bytes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[str(path.relative_to(folder))] = path.read_bytes()
    return found


class Bomb:
    """A pickle that creates ``marker`` when it is loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (io.open, (self.marker, "w"))


def test_the_planted_pickle_would_run_if_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "proof"
    pickle.loads(pickle.dumps(Bomb(marker)))  # the test's own bytes, to show the bomb is live
    assert marker.exists()


def test_planted_pickles_never_run(shop: Path, tmp_path: Path) -> None:
    expected = report(shop, cache=False)
    cache_dir = shop / ".statelint_cache"
    report(shop, cache=True)
    marker = tmp_path / "PWNED"
    bomb = pickle.dumps(Bomb(marker))
    salt = next(cache_dir.glob("manifest-*.json")).name[len("manifest-"):-len(".json")]
    # Named as the old format's manifest and entries, and as the new ones.
    (cache_dir / f"manifest-{salt}.pickle").write_bytes(bomb)
    (cache_dir / f"manifest-{salt}.json").write_bytes(bomb)
    for entry in entries(cache_dir) + entries(cache_dir, "memo"):
        entry.write_bytes(bomb)
        entry.with_suffix(".pickle").write_bytes(bomb)
    for options in ({}, {"exhaustive": True}):
        assert_as_without_cache(shop, expected, **options)
    assert not marker.exists()


def test_damaged_entries_are_misses(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = report(shop, cache=False)
    cache_dir = shop / ".statelint_cache"
    report(shop, cache=True, exhaustive=True)
    facts = entries(cache_dir)
    assert len(facts) == 3
    stored = [json.loads(path.read_bytes()) for path in facts]
    largest = max(path.stat().st_size for path in facts)

    def damage(variant: int, path: Path, entry: list) -> None:
        header, payload = entry[:4], entry[4]
        if variant == 0:  # truncated
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        elif variant == 1:  # valid, but too large to be read
            path.write_bytes(path.read_bytes() + b" " * (largest + 32))
        elif variant == 2:  # one field too many
            path.write_text(json.dumps(header + [payload + ["extra"]]))
        elif variant == 3:  # a field of the wrong type
            path.write_text(json.dumps(header + [[7] + payload[1:]]))
        elif variant == 4:  # another entry's valid bytes: the key in the header differs
            other = next(item for item in stored if item[3] != header[3])
            path.write_text(json.dumps(other))
        elif variant == 5:  # the format before this one
            path.write_text(json.dumps([MAGIC, CACHE_FORMAT - 1, *header[2:], payload]))
        elif variant == 6:  # a literal with a tag the codec does not know
            path.write_text(json.dumps(header + [payload[:3] + [[], [["x", [1, 0, 1, 1],
                                                                      ["literal", "", "", {"x": 1}]]]]]))
        elif variant == 7:  # nested far deeper than any facts
            deep: object = "leaf"
            for _ in range(codec.MAX_DEPTH + 5):
                deep = ["call", "f", "", None, [deep]]
            path.write_text(json.dumps(header + [payload[:3] + [[], [["x", [1, 0, 1, 1], deep]]]]))
        elif variant == 8:  # nested deeper than the JSON parser goes
            path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
        elif variant == 9:  # a Span whose line is a string, in a valid module
            path.write_text(json.dumps(header + [payload[:3] + [[], [["x", ["1", 0, 1, 1],
                                                                      ["literal"]]]]]))
        elif variant == 10:  # not even a list
            path.write_text(json.dumps({"magic": MAGIC}))

    for variant in range(11):
        monkeypatch.setattr(cache_module, "MAX_ENTRY_BYTES",
                            largest + 16 if variant == 1 else 64 * 2**20)
        for path, entry in zip(facts, stored, strict=True):
            damage(variant, path, entry)
        for memo in entries(cache_dir, "memo"):
            memo.unlink()
        result = scan([str(shop)], cache=True, exhaustive=True)
        assert result.statistics["files parsed"] == len(facts), variant
        assert renderer("json")(result, list(all_rules())) == expected, variant


def test_damaged_manifest_and_memos_are_ignored(shop: Path) -> None:
    expected = report(shop, cache=False)
    cache_dir = shop / ".statelint_cache"
    report(shop, cache=True)
    manifest = next(cache_dir.glob("manifest-*.json"))
    header = json.loads(manifest.read_bytes())[:4]
    key = "../" * 8 + "tmp/elsewhere"  # a content key that would lead out of the folder
    for payload in ([0, [["shop/app.py", 0, 1, key]]], [0, [["shop/app.py", "0", 1, "0" * 64]]],
                    [0, [["shop/app.py", 0, 1]]], "everything", [1, 2, 3]):
        manifest.write_text(json.dumps(header + [payload]))
        for memo in entries(cache_dir, "memo"):
            stored = json.loads(memo.read_bytes())
            memo.write_text(json.dumps(stored[:4] + [[[], [["rule"]], []]]))
        assert report(shop, cache=True) == expected


def lying_cache(shop: Path, tmp_path: Path) -> None:
    """Replace the real facts of ``shop/app.py`` with those of a file keeping no state,
    under the real key, and the memos with a result that finds nothing."""
    cache_dir = shop / ".statelint_cache"
    innocent = write_tree(tmp_path / "innocent", {"shop/__init__.py": "", "shop/app.py": INNOCENT_APP})
    lie = next(read_facts(file) for file in discover([str(innocent)], root=innocent).files
               if file.relpath.endswith("app.py"))
    for path in entries(cache_dir):
        stored = json.loads(path.read_bytes())
        if stored[4][0].endswith("app.py"):
            lie_data = json.loads(codec.to_json(lie))
            lie_data[0], lie_data[1] = stored[4][0], stored[4][1]
            path.write_text(json.dumps(stored[:4] + [lie_data]))
    for memo in entries(cache_dir, "memo"):
        stored = json.loads(memo.read_bytes())
        if type(stored[4][0]) is list and stored[4][0] and type(stored[4][0][0]) is list:
            stored[4][1] = []  # a link memo: no findings
        memo.write_text(json.dumps(stored))


def git(tree: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=tree, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_cache_folder_tracked_by_git_is_never_trusted(
        shop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = report(shop, cache=False)
    assert '"CARTS"' in expected or "CARTS" in expected
    report(shop, cache=True)
    lying_cache(shop, tmp_path)
    # Untracked, the folder is statelint's own and believed: the lie is a working one.
    assert findings_and_handlers(report(shop, cache=True)) != findings_and_handlers(expected)
    git(shop, "init", "-q")
    git(shop, "add", "-A")
    git(shop, "add", "-f", ".statelint_cache")
    git(shop, "commit", "-q", "-m", "a cache that says nothing keeps state")
    before = snapshot(shop / ".statelint_cache")
    capsys.readouterr()
    for options in ({}, {"exhaustive": True}):
        assert_as_without_cache(shop, expected, **options)
    assert "git tracks it" in capsys.readouterr().err
    assert snapshot(shop / ".statelint_cache") == before  # nor written


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_one_tracked_entry_is_enough(shop: Path, tmp_path: Path) -> None:
    expected = report(shop, cache=False)
    report(shop, cache=True)
    lying_cache(shop, tmp_path)
    git(shop, "init", "-q")
    git(shop, "add", "-A")
    git(shop, "add", "-f", next(iter(entries(shop / ".statelint_cache"))).relative_to(shop).as_posix())
    git(shop, "commit", "-q", "-m", "one entry")
    assert_as_without_cache(shop, expected)


def test_without_git_an_untracked_folder_is_used(shop: Path, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    report(shop, cache=True)
    monkeypatch.setenv("PATH", str(shop / "no-such-bin"))
    opened = FactsCache.open(shop / ".statelint_cache")
    assert opened.usable and not opened.refused


def test_entries_that_are_links_out_of_the_folder_are_not_followed(shop: Path, tmp_path: Path
                                                                   ) -> None:
    expected = report(shop, cache=False)
    cache_dir = shop / ".statelint_cache"
    report(shop, cache=True, exhaustive=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    facts = entries(cache_dir)
    # Each entry moves outside (where it would be a good hit) and a link takes its place.
    for index, entry in enumerate(facts):
        target = outside / f"entry-{index}.json"
        shutil.move(entry, target)
        entry.symlink_to(target)
    for memo in entries(cache_dir, "memo"):
        memo.unlink()
    before = snapshot(outside)
    result = scan([str(shop)], cache=True, exhaustive=True)
    assert renderer("json")(result, list(all_rules())) == expected
    assert result.statistics["files parsed"] == len(facts)  # none of them was read
    assert snapshot(outside) == before  # nor written through
    assert not any(entry.is_symlink() for entry in facts)  # the links were replaced


def test_subfolders_that_are_links_out_of_the_folder_are_not_followed(shop: Path, tmp_path: Path
                                                                      ) -> None:
    expected = report(shop, cache=False)
    cache_dir = shop / ".statelint_cache"
    report(shop, cache=True, exhaustive=True)
    outside = tmp_path / "outside"
    shutil.move(cache_dir / "facts", outside)
    (cache_dir / "facts").symlink_to(outside, target_is_directory=True)
    for memo in entries(cache_dir, "memo"):
        memo.unlink()
    before = snapshot(outside)
    result = scan([str(shop)], cache=True, exhaustive=True)
    assert renderer("json")(result, list(all_rules())) == expected
    assert result.statistics["files parsed"] == len(before)
    assert snapshot(outside) == before


def test_a_cache_folder_that_is_a_link_is_not_used(shop: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    expected = report(shop, cache=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not statelint's")
    (shop / ".statelint_cache").symlink_to(outside, target_is_directory=True)
    capsys.readouterr()
    assert_as_without_cache(shop, expected)
    assert "symbolic link" in capsys.readouterr().err
    assert snapshot(outside) == {"keep.txt": b"not statelint's"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_as_an_entry_does_not_block(shop: Path) -> None:
    expected = report(shop, cache=False)
    cache_dir = shop / ".statelint_cache"
    report(shop, cache=True, exhaustive=True)
    for entry in entries(cache_dir) + entries(cache_dir, "memo"):
        entry.unlink()
        os.mkfifo(entry)
    assert report(shop, cache=True, exhaustive=True) == expected


def test_keys_that_are_not_content_keys_are_refused(tmp_path: Path) -> None:
    store = FactsCache.open(tmp_path / "cache")
    for key in ("../../escape", "0" * 63, "g" * 64, "0" * 64 + "/x"):
        store.store("facts", key, ModuleFacts("a.py", "a", False))
        assert store.load("facts", key, ModuleFacts) is None
    store.store("../other", "0" * 64, ModuleFacts("a.py", "a", False))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]
    assert not (tmp_path / "cache" / "facts").exists()


# -- the codec -------------------------------------------------------------------


def corpus_facts() -> list[ModuleFacts]:
    found = []
    for project in CORPUS:
        for file in discover([str(project)], root=project).files:
            found.append(read_facts(file))
    return found


def test_facts_of_every_corpus_file_decode_to_equal_objects() -> None:
    facts = corpus_facts()
    assert len(facts) > 50
    for item in facts:
        assert codec.from_json(ModuleFacts, codec.to_json(item)) == item, item.path


def test_link_memos_decode_to_equal_objects(tmp_path: Path) -> None:
    project = REPO / "examples" / "orders_service"
    result = scan([str(project)])
    handlers = [verdict.handler for verdict in result.verdicts]
    assert handlers and result.findings
    skeleton = [ModuleFacts(item.path, item.module, item.is_package, suppressions=item.suppressions,
                            error=item.error) for item in corpus_facts()[:20]]
    memo = LinkMemo(handlers, list(result.findings), skeleton)
    back = codec.from_json(LinkMemo, codec.to_json(memo))
    assert back == memo
    assert all(type(item) is Handler for item in back.handlers)
    assert all(type(item) is Finding for item in back.findings)


def same(left: object, right: object) -> bool:
    """Equal, and of the same types all the way down (``1 == 1.0 == True``)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return left == right or (math.isnan(left) and math.isnan(right))
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(map(same, left, right))  # type: ignore[arg-type]
    if isinstance(left, dict):
        return list(left) == list(right) and all(same(left[k], right[k]) for k in left)  # type: ignore[index]
    if isinstance(left, (set, frozenset)):
        return left == right and {type(item) for item in left} == {type(item) for item in right}  # type: ignore[union-attr]
    return left == right


LITERALS = [None, True, False, 0, -1, 2**200, 1.5, -0.0, math.inf, -math.inf, "text", "\ud800",
            "", [], {}, (), [1, "a", None], (1, (2, 3)), {"a": 1, 2: "b", None: [1], 1.5: (True,)},
            {1, 2}, frozenset({"x"}), b"\x00bytes", 1 + 2j, Ellipsis, [{"nested": [[(1,)]]}]]


@pytest.mark.parametrize("literal", LITERALS, ids=repr)
def test_literals_keep_their_value_and_type(literal: object) -> None:
    value = Value("literal", literal=literal)
    back = codec.from_json(Value, codec.to_json(value))
    assert same(back.literal, literal)


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
hashables = st.recursive(scalars, lambda inner: st.tuples(inner, inner) | st.frozensets(
    scalars, max_size=3), max_leaves=6)
literals = st.recursive(
    scalars | st.binary(max_size=8) | st.complex_numbers(allow_nan=False) | st.just(Ellipsis),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner) | st.dictionaries(
        hashables, inner, max_size=3) | st.sets(scalars, max_size=3),
    max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(literals)
def test_any_literal_round_trips(literal: object) -> None:
    back = codec.from_json(Value, codec.to_json(Value("literal", literal=literal))).literal
    assert same(back, literal)


json_data = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                         lambda inner: st.lists(inner, max_size=6) | st.dictionaries(
                             st.text(max_size=2), inner, max_size=3), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(json_data)
def test_any_json_either_decodes_or_raises_codec_error(data: object) -> None:
    for spec in (ModuleFacts, LinkMemo, Value, Span, tuple[tuple[str, ...], tuple[str, ...]]):
        try:
            codec.from_data(spec, data)
        except CodecError:
            pass


def test_wrong_field_counts_and_types_are_codec_errors() -> None:
    good = json.loads(codec.to_json(Span(1, 2, 3, 4)))
    assert codec.from_data(Span, good) == Span(1, 2, 3, 4)
    for bad in (good[:3], good + [5], [True, 2, 3, 4], [1.0, 2, 3, 4], {"line": 1}, None, "1,2,3,4"):
        with pytest.raises(CodecError):
            codec.from_data(Span, bad)
    finding = json.loads(codec.to_json(Finding("R", "n", "error", "a.py", 1, 0, 1, 1, "m", "s", "x")))
    finding[2] = "fatal"  # not a severity
    with pytest.raises(CodecError):
        codec.from_data(Finding, finding)


def test_statelint_never_unpickles_or_evaluates() -> None:
    forbidden = re.compile(r"\b(import (pickle|marshal|shelve|dill)|from (pickle|marshal|shelve) import"
                           r"|pickle\.loads?|marshal\.loads?|(?<![.\w])eval\(|(?<![.\w])exec\()")
    offenders = []
    for path in sorted((REPO / "statelint").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if forbidden.search(line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
