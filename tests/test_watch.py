"""``statelint check --watch``: what counts as a change, one iteration of the loop at a
time (no waiting: the sleep is injected), the command in-process, and once in a real
process that is edited under it and stopped with Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from statelint.cli import main
from statelint.watch import TreeDetector, WatchLoop, project_folders

PROJECTS = Path(__file__).parent / "projects"

# A handler added to the shop's home page module while statelint watches it: a module-level
# list every request appends to, so the next check has a third finding.
NEW_HANDLER = '''

RECENT_SEARCHES: list[str] = []


@bp.get("/search")
def search():
    RECENT_SEARCHES.append(request.args.get("q", ""))
    return {"recent": RECENT_SEARCHES[-10:]}
'''


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    target = tmp_path / "flask_shop"
    shutil.copytree(PROJECTS / "flask_shop", target,
                    ignore=shutil.ignore_patterns("expected.toml", ".statelint_cache"))
    return target


def add_search_handler(shop: Path) -> None:
    main_view = shop / "shop/views/main.py"
    text = main_view.read_text(encoding="utf-8")
    imports = "from flask import Blueprint, jsonify, render_template\n"
    assert imports in text
    text = text.replace(imports, "from flask import Blueprint, jsonify, render_template, request\n")
    main_view.write_text(text + NEW_HANDLER, encoding="utf-8")


def detector_for(shop: Path) -> TreeDetector:
    return TreeDetector(files=lambda: sorted(shop.rglob("*.py")),
                        folders=lambda: project_folders([str(shop)], None))


def bump_mtime(path: Path, seconds: int = 5) -> None:
    """Move a modification time forward, as a later save would (no waiting for the clock)."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + seconds * 1_000_000_000))


# -- what counts as a change --------------------------------------------------------------


def test_detector_sees_an_edited_module(shop: Path) -> None:
    detector = detector_for(shop)
    detector.reset()
    assert detector.changed() == []
    cart = shop / "shop/services/cart.py"
    bump_mtime(cart)  # same bytes, saved again
    assert detector.changed() == [str(cart)]
    detector.reset()
    assert detector.changed() == []


def test_detector_sees_new_and_deleted_modules_and_packages(shop: Path) -> None:
    detector = detector_for(shop)
    detector.reset()
    services = shop / "shop/services"
    (services / "audit.py").write_text("AUDIT_LOG: list[str] = []\n", encoding="utf-8")
    bump_mtime(services)
    assert detector.changed() == [str(services)]

    detector.reset()
    api = shop / "shop/api"
    api.mkdir()
    bump_mtime(shop / "shop")
    assert detector.changed() == [str(shop / "shop")]
    detector.reset()  # the new folder is watched from now on, before it holds a module
    (api / "routes.py").write_text("ROUTES = []\n", encoding="utf-8")
    bump_mtime(api)
    assert detector.changed() == [str(api)]

    detector.reset()
    (services / "audit.py").unlink()
    bump_mtime(services)
    assert str(services / "audit.py") in detector.changed()


def test_detector_ignores_files_a_check_does_not_read(shop: Path) -> None:
    detector = TreeDetector(files=lambda: sorted(shop.rglob("*.py")),
                            folders=lambda: project_folders([str(shop)], None,
                                                            [shop / "cache-here"]))
    (shop / "cache-here").mkdir()
    detector.reset()
    views = shop / "shop/views"
    (views / ".cart.py.swp").write_bytes(b"vim swap")
    (shop / "report.txt").write_text("written by -o\n", encoding="utf-8")
    (shop / ".statelint_cache").mkdir()
    (shop / "cache-here" / "entry.py").write_text("x = 1\n", encoding="utf-8")
    for folder in (views, shop, shop / "cache-here"):
        bump_mtime(folder)
    assert detector.changed() == []


# -- the loop, one iteration at a time ----------------------------------------------------


class ScriptedDetector:
    """Answers ``changed`` from a script and counts resets."""

    def __init__(self, answers: list[list[str]]) -> None:
        self.answers = answers
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1

    def changed(self) -> list[str]:
        return self.answers.pop(0)


def test_loop_checks_again_only_after_a_change() -> None:
    checks: list[int] = []
    slept: list[float] = []
    announced: list[list[str]] = []
    detector = ScriptedDetector([[], [], ["shop/views/main.py"], []])
    loop = WatchLoop(lambda: checks.append(1), detector, sleep=slept.append, interval=0.25,
                     announce=announced.append)
    loop.start()
    assert (loop.runs, detector.resets) == (1, 1)
    assert [loop.step(), loop.step()] == [False, False]
    assert loop.runs == 1 and slept == [0.25, 0.25]
    assert loop.step() is True
    assert (loop.runs, detector.resets, announced) == (2, 2, [["shop/views/main.py"]])
    assert loop.step() is False and loop.runs == 2 and len(checks) == 2


def test_the_tree_is_looked_at_before_the_check_runs() -> None:
    order: list[str] = []

    class Recording(ScriptedDetector):
        def reset(self) -> None:
            order.append("reset")

    loop = WatchLoop(lambda: order.append("check"), Recording([["a.py"]]), sleep=lambda _: None)
    loop.start()
    loop.step()
    # a file saved while a check runs is newer than what reset saw: the next poll sees it
    assert order == ["reset", "check", "reset", "check"]


# -- the command ----------------------------------------------------------------------------


def test_watch_checks_again_after_an_edit_and_ctrl_c_exits_0(
        shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(shop)
    polls: list[float] = []

    def poll_sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 1:
            add_search_handler(shop)
        elif len(polls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr("statelint.watch.poll_sleep", poll_sleep)
    result = CliRunner().invoke(main, ["check", "--watch", "--timings", "--format", "concise"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    summaries = [line for line in result.stdout.splitlines() if line.startswith("Found ")]
    assert [line.split(";")[0] for line in summaries] == [
        "Found 2 findings (2 errors)", "Found 3 findings (3 errors)"]
    assert "shop/views/main.py:32:1: SL101 `RECENT_SEARCHES` is a module-level list" in (
        result.stdout)
    assert "statelint: " in result.stderr and "main.py changed; checking again" in result.stderr
    parsed = [int(line.split(":")[1]) for line in result.stderr.splitlines()
              if line.strip().startswith("files parsed:")]
    # the second check parsed the edited file only: the others came from the cache
    assert len(parsed) == 2 and parsed[1] == 1 and parsed[0] > 1


def test_watch_in_a_real_process(shop: Path) -> None:
    output = shop.parent / "watch.out"
    errors = shop.parent / "watch.err"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CI", None)
    with open(output, "wb") as out, open(errors, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "statelint", "check", "--watch", "--format", "concise", "."],
            cwd=shop, stdout=out, stderr=err, env=env)
        try:
            def wait_for(text: str) -> str:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    seen = output.read_text(encoding="utf-8", errors="replace")
                    if text in seen:
                        return seen
                    if process.poll() is not None:
                        break
                    time.sleep(0.1)
                pytest.fail(f"no {text!r} in the output of --watch; stdout:\n"
                            f"{output.read_text(errors='replace')}\nstderr:\n"
                            f"{errors.read_text(errors='replace')}")

            wait_for("Found 2 findings")
            add_search_handler(shop)
            seen = wait_for("Found 3 findings")
            assert "SL101 `RECENT_SEARCHES`" in seen
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert "Traceback" not in errors.read_text(errors="replace")
