"""What a change touched, according to git: for ``--diff`` and ``respect-gitignore``.

``changed_lines`` compares the working tree (staged and unstaged edits, plus
untracked files) with the merge base of a reference and ``HEAD``, which is what a
pull request introduces.  Only added or modified lines count: a pure deletion
leaves no line behind to attach a finding to.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from statelint.model import Finding, Location

__all__ = ["ChangedLines", "DiffError", "changed_lines", "gitignored", "touches_change"]


class DiffError(Exception):
    """``--diff`` cannot be computed; the message is one line saying what to do."""


class ChangedLines(dict[str, set[int]]):
    """Repository-relative path (forward slashes) -> changed line numbers (1-based).

    ``prefix`` is the scan root's path inside the repository (``""`` at the top,
    ``"services/shop/"`` for a subdirectory): a finding's path relative to the
    scan root becomes ``prefix + path``.
    """

    def __init__(
        self, *args: object, repo_root: Path | None = None, prefix: str = "", **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.repo_root = repo_root
        self.prefix = prefix


_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def _git(cwd: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run git without a pager, prompts, optional locks or user diff drivers."""
    env = dict(os.environ)
    env.update({"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    try:
        return subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise DiffError("git is not installed or not on PATH; --diff needs git") from None
    except OSError as error:
        raise DiffError(f"cannot run git in {cwd}: {error.strerror or error}") from None


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _first_line(data: bytes) -> str:
    lines = [line.strip() for line in _text(data).splitlines() if line.strip()]
    return lines[0] if lines else "no message"


def _toplevel(root: Path) -> Path:
    result = _git(root, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        raise DiffError(f"{root} is not inside a git repository; --diff needs one")
    return Path(_text(result.stdout).strip()).resolve()


def _is_shallow(top: Path) -> bool:
    result = _git(top, "rev-parse", "--is-shallow-repository")
    return result.returncode == 0 and _text(result.stdout).strip() == "true"


_SHALLOW_HINT = (
    "fetch more history: `git fetch --unshallow` or actions/checkout with fetch-depth: 0"
)


def _fetch_hint(top: Path, ref: str) -> str:
    """What to run to get ``ref``: ``git fetch REMOTE BRANCH`` for a remote-tracking
    branch (never the ``origin/main`` spelling, which names no branch on the remote)."""
    remotes = _text(_git(top, "remote").stdout).split()
    name = ref
    for prefix in ("refs/remotes/", "remotes/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    remote, _, branch = name.partition("/")
    if branch and remote in remotes:
        return f"run `git fetch {remote} {branch}`"
    if branch and not remotes:
        return (f"this repository has no remotes: add one (`git remote add {remote} <url>`) and "
                f"run `git fetch {remote} {branch}`, or name a local branch (`git branch` lists "
                "them)")
    if branch:
        return (f"check the name with `git branch -a` (`{remote}` is not a remote of this "
                f"repository; its remotes: {', '.join(remotes)})")
    if not remotes:
        return "check the name with `git branch -a` (this repository has no remotes)"
    remote = "origin" if "origin" in remotes else remotes[0]
    return f"check the name with `git branch -a`, or run `git fetch {remote} {ref}`"


def _resolve_commit(top: Path, ref: str) -> str | None:
    result = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return _text(result.stdout).strip() if result.returncode == 0 else None


def _merge_base(top: Path, ref: str) -> str:
    if not ref or ref.startswith("-"):
        raise DiffError(f'"{ref}" is not a git reference')
    head = _resolve_commit(top, "HEAD")
    if head is None:
        raise DiffError("the repository has no commits yet; --diff needs a HEAD commit")
    commit = _resolve_commit(top, ref)
    if commit is None:
        message = f'git reference "{ref}" not found; {_fetch_hint(top, ref)}'
        if _is_shallow(top):
            message += f" (this is a shallow clone: {_SHALLOW_HINT})"
        raise DiffError(message)
    result = _git(top, "merge-base", commit, head)
    if result.returncode != 0:
        if _is_shallow(top):
            raise DiffError(
                f'no merge base between "{ref}" and HEAD in this shallow clone; {_SHALLOW_HINT}'
            )
        if result.returncode == 1:
            raise DiffError(
                f'"{ref}" and HEAD have no common history, so there is nothing to diff against'
            )
        raise DiffError(f'git merge-base failed for "{ref}": {_first_line(result.stderr)}')
    return _text(result.stdout).strip()


def _unquote(path: bytes) -> bytes:
    """Undo git's C-style quoting of a path in diff headers (``"b/caf\\303\\251.py"``)."""
    if not (path.startswith(b'"') and path.endswith(b'"')):
        return path
    body, out, index = path[1:-1], bytearray(), 0
    escapes = {
        ord("n"): b"\n",
        ord("t"): b"\t",
        ord('"'): b'"',
        ord("\\"): b"\\",
        ord("a"): b"\a",
        ord("b"): b"\b",
        ord("f"): b"\f",
        ord("r"): b"\r",
        ord("v"): b"\v",
    }
    while index < len(body):
        byte = body[index]
        if byte == ord("\\") and index + 1 < len(body):
            following = body[index + 1]
            if following in escapes:
                out += escapes[following]
                index += 2
                continue
            if 48 <= following <= 55:
                out.append(int(body[index + 1 : index + 4], 8))
                index += 4
                continue
        out.append(byte)
        index += 1
    return bytes(out)


def _header_path(field: bytes) -> bytes:
    """The path of a ``+++`` header; git appends a tab after names containing spaces."""
    if field.startswith(b'"'):
        index = 1
        while index < len(field):
            if field[index] == ord("\\"):
                index += 2
                continue
            if field[index] == ord('"'):
                return _unquote(field[: index + 1])
            index += 1
        return field
    return field.split(b"\t", 1)[0]


def _parse_diff(output: bytes) -> dict[str, set[int]]:
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    in_header = False  # between "diff --git" and the first hunk: where "+++ " names the file
    for line in output.split(b"\n"):
        if line.startswith(b"diff --git "):
            in_header, current = True, None
        elif in_header and line.startswith(b"+++ "):
            target = _header_path(line[4:].rstrip(b"\r"))
            if target == b"/dev/null":
                continue
            if target.startswith(b"b/"):
                target = target[2:]
            current = changed.setdefault(_text(target), set())
        elif line.startswith(b"@@ "):
            in_header = False
            match = _HUNK.match(line)
            if match and current is not None:
                start = int(match.group(1))
                count = int(match.group(2)) if match.group(2) is not None else 1
                current.update(range(start, start + count))
    return {path: lines for path, lines in changed.items() if lines}


def _count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                count += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return 0
    return count + (0 if last == b"\n" else 1)


def changed_lines(root: Path | str, ref: str) -> ChangedLines:
    """Lines added or modified in the working tree since ``git merge-base ref HEAD``.

    ``root`` is the scan root (any directory inside the repository).  Keys are
    paths relative to the repository's top level with forward slashes;
    ``result.prefix`` is the scan root's place inside the repository.
    Untracked files that git does not ignore count as changed on every line.

    Raises :class:`DiffError` outside a repository, for an unknown reference
    (with the ``git fetch`` that would get it), and for a shallow clone that
    lacks the merge base.
    """
    root = Path(root).resolve()
    if root.is_file():
        root = root.parent
    if not root.is_dir():
        raise DiffError(f"{root}: no such directory")
    top = _toplevel(root)
    base = _merge_base(top, ref)
    diff = _git(
        top,
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--ignore-submodules",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        base,
        "--",
    )
    if diff.returncode != 0:
        raise DiffError(f"git diff against {base[:12]} failed: {_first_line(diff.stderr)}")
    changed = _parse_diff(diff.stdout)
    untracked = _git(top, "ls-files", "--others", "--exclude-standard", "-z")
    if untracked.returncode != 0:
        raise DiffError(f"git ls-files failed: {_first_line(untracked.stderr)}")
    for raw in untracked.stdout.split(b"\0"):
        if not raw:
            continue
        relpath = _text(raw)
        lines = _count_lines(top / relpath)
        if lines:
            changed[relpath] = set(range(1, lines + 1))
    try:
        inside = root.relative_to(top).as_posix()
    except ValueError:
        inside = "."
    prefix = "" if inside == "." else inside + "/"
    return ChangedLines(changed, repo_root=top, prefix=prefix)


def _normalise(path: str) -> str:
    normalised = PurePosixPath(path.replace("\\", "/")).as_posix()
    return "" if normalised == "." else normalised


def _span(line: int, end_line: int) -> Iterable[int]:
    if end_line >= line:
        return range(line, end_line + 1)
    return (line,)


def touches_change(
    finding: Finding, changed: dict[str, set[int]], *, prefix: str | None = None
) -> bool:
    """Whether a finding's own span, a ``related`` location or a ``trace`` step is on a changed line.

    Finding paths are relative to the scan root; ``prefix`` (default:
    ``changed.prefix`` when ``changed`` is a :class:`ChangedLines`) maps them to
    repository-relative paths.
    """
    if prefix is None:
        prefix = getattr(changed, "prefix", "")
    places: list[tuple[str, Iterable[int]]] = [
        (finding.path, _span(finding.line, finding.end_line))
    ]
    locations: Sequence[Location] = (*finding.related, *finding.trace)
    places += [(location.path, _span(location.line, location.end_line)) for location in locations]
    for path, lines in places:
        lines_changed = changed.get(_normalise(prefix + _normalise(path)))
        if lines_changed and any(line in lines_changed for line in lines):
            return True
    return False


def gitignored(root: Path | str, relpaths: Sequence[str]) -> set[str]:
    """The members of ``relpaths`` (relative to ``root``) that git ignores, in one git call.

    Tracked files are never reported.  Outside a git repository, or without
    git, nothing is ignored and the result is empty.
    """
    if not relpaths:
        return set()
    root = Path(root)
    if not root.is_dir():
        return set()
    wanted = {_normalise(path) for path in relpaths}
    payload = b"".join(path.encode("utf-8", "surrogateescape") + b"\0" for path in wanted if path)
    try:
        result = _git(root, "check-ignore", "--stdin", "-z", input=payload)
    except DiffError:
        return set()
    if result.returncode not in (0, 1):
        return set()
    reported = {_normalise(_text(item)) for item in result.stdout.split(b"\0") if item}
    return {path for path in relpaths if _normalise(path) in reported}
