"""The discover stage: walk the given paths and name each file's module.

Nothing is imported or executed: files are only listed.  Directories that are
never application code (version control, virtual environments, build output,
caches, ``node_modules``) are skipped, as are symlinks that leave the scanned
tree or loop back into it.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from statelint.config import DEFAULT_MAX_FILE_SIZE
from statelint.layout import DEFAULT_EXCLUDED_DIRS
from statelint.model import FileProblem


@dataclass(frozen=True)
class SourceFile:
    """A file to scan: absolute path, path relative to the root, dotted module."""

    path: Path
    relpath: str
    module: str
    is_package: bool


@dataclass
class Discovery:
    """What discovery found: the root, the files and the paths it could not use."""

    root: Path
    files: list[SourceFile] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    #: Python files left out (excluded, git-ignored, links leaving the tree, editor locks)
    skipped: int = 0
    #: folders not entered (version control, virtual environments, caches, excluded ones)
    skipped_folders: int = 0
    #: the given paths under which no Python file was found at all
    empty: list[str] = field(default_factory=list)


def common_root(paths: list[Path]) -> Path:
    """The directory that relative paths in reports are measured from."""
    resolved = [p.resolve() for p in paths]
    dirs = [p if p.is_dir() else p.parent for p in resolved]
    if not dirs:
        return Path.cwd().resolve()
    root = Path(os.path.commonpath([str(d) for d in dirs]))
    cwd = Path.cwd().resolve()
    # Report paths relative to the working directory when the scan is inside it,
    # the way linters do, so that editors and CI annotations can open them.
    try:
        root.relative_to(cwd)
        return cwd
    except ValueError:
        return root


def module_name(path: Path, root: Path,
                packages: dict[Path, tuple[str, ...]] | None = None) -> tuple[str, bool]:
    """The dotted module name of a file, and whether it is a package ``__init__``.

    Inside packages (directories with ``__init__.py``) the name climbs to the top
    package, as the interpreter would see it; elsewhere it is the path relative
    to the scanned root, with a leading ``src`` folder dropped.  ``packages``
    memoises each directory's package chain across the files of one scan.
    """
    is_package = path.name == "__init__.py"
    chain = _package_chain(path.parent, packages if packages is not None else {})
    if chain:
        return ".".join([*chain, *([] if is_package else [path.stem])]), is_package
    parts: list[str] = [] if is_package else [path.stem]
    try:
        relative = path.parent.relative_to(root).parts
    except ValueError:
        relative = ()
    if relative and relative[0] == "src":
        relative = relative[1:]
    return ".".join([*relative, *reversed(parts)]) or path.stem, is_package


def _package_chain(directory: Path, memo: dict[Path, tuple[str, ...]]) -> tuple[str, ...]:
    """The package names from the top package down to ``directory`` (empty when it
    is not a package), asking the file system once per directory."""
    known = memo.get(directory)
    if known is not None:
        return known
    if not (directory / "__init__.py").exists():
        chain: tuple[str, ...] = ()
    elif directory == directory.parent:
        chain = (directory.name,)
    else:
        chain = (*_package_chain(directory.parent, memo), directory.name)
    memo[directory] = chain
    return chain


def discover(paths: list[str], *, is_excluded: Callable[[str], bool] | None = None,
             is_ignored: Callable[[list[str]], set[str]] | None = None,
             root: Path | None = None, max_file_size: int | None = None) -> Discovery:
    """List the Python files under ``paths`` with their module names.

    ``is_excluded`` is asked about every relative path (config excludes);
    ``is_ignored`` receives the relative paths of the files found and returns
    those to drop (``.gitignore``).  A file larger than ``max_file_size`` bytes
    (default: the configuration's default, 1 MiB; 0: no limit) is not listed but
    reported, without being read.
    """
    if max_file_size is None:
        max_file_size = DEFAULT_MAX_FILE_SIZE
    given = [Path(p) for p in paths] or [Path(".")]
    base = root or common_root([p for p in given if p.exists()] or [Path(".")])
    result = Discovery(root=base)
    seen: set[Path] = set()
    found: list[Path] = []
    known: dict[Path, str] = {}  # relative paths the walk already worked out
    for path in given:
        if not path.exists() and not path.is_symlink():
            result.problems.append(FileProblem(_printable(str(path)), "path does not exist",
                                               kind="unreadable"))
            continue
        if path.is_symlink() and _real(path) is None:
            result.problems.append(FileProblem(_printable(str(path)), _broken_link(path),
                                               kind="unreadable"))
            continue
        if path.is_file():
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                found.append(path.absolute())
            continue
        before = (len(found), len(result.problems), result.skipped)
        _walk(path.absolute(), path.resolve(), base, seen, found, result, is_excluded, known)
        if (len(found), len(result.problems), result.skipped) == before:
            result.empty.append(_printable(str(path)))
    relpaths = {p: known.get(p) or _relpath(p, base) for p in found}
    for path, rel in list(relpaths.items()):
        if not _encodable(rel):
            # Reports, fingerprints and the cache all need the path as UTF-8 text; a name
            # that is not valid UTF-8 cannot be imported by Python either.
            result.problems.append(FileProblem(
                _printable(rel), "file name is not valid UTF-8: Python cannot import it under "
                                 "that name; rename it", kind="unreadable"))
            del relpaths[path]
    found = [path for path in found if path in relpaths]
    ignored = is_ignored(sorted(relpaths.values())) if is_ignored and relpaths else set()
    packages: dict[Path, tuple[str, ...]] = {}
    for path in sorted(found, key=lambda p: relpaths[p]):
        rel = relpaths[path]
        if rel in ignored:
            result.skipped += 1
            continue
        if max_file_size:
            size = _size(path)
            if size > max_file_size:
                result.problems.append(FileProblem(
                    rel, f"skipped: {size:,} bytes, over the max-file-size limit of "
                         f"{max_file_size:,}", kind="too-large"))
                continue
        module, is_package = module_name(path, base, packages)
        result.files.append(SourceFile(path, rel, module, is_package))
    return result


def _size(path: Path) -> int:
    """The file's size in bytes; 0 when it cannot be had (reading it will then say why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        try:
            return Path(os.path.relpath(path, root)).as_posix()
        except ValueError:
            return path.as_posix()


def _walk(top: Path, real_top: Path, root: Path, seen: set[Path], found: list[Path],
          result: Discovery, is_excluded: Callable[[str], bool] | None,
          known: dict[Path, str]) -> None:
    visited_dirs: set[Path] = set()

    def on_error(error: OSError) -> None:
        name = error.filename or str(top)
        result.problems.append(FileProblem(_printable(_relpath(Path(name), root)),
                                           f"cannot read directory: {error.strerror}",
                                           kind="unreadable"))

    # Real paths and relative paths of the folders being walked, worked out from
    # their parent's (one ``resolve`` per symbolic link, not per folder and file).
    reals: dict[str, Path] = {str(top): real_top}
    rels: dict[str, str] = {str(top): _relpath(top, root)}

    def join(rel: str, name: str) -> str:
        return name if rel in ("", ".") else f"{rel}/{name}"

    for dirpath, dirnames, filenames in os.walk(top, onerror=on_error, followlinks=True):
        directory = Path(dirpath)
        real = reals.pop(dirpath, None) or directory.resolve()
        rel_dir = rels.pop(dirpath, None) or _relpath(directory, root)
        if real in visited_dirs:
            dirnames[:] = []
            continue
        visited_dirs.add(real)
        keep = []
        for name in sorted(dirnames):
            if name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info"):
                result.skipped_folders += 1
                continue
            child_path = os.path.join(dirpath, name)
            if os.path.exists(os.path.join(child_path, "pyvenv.cfg")):  # a virtualenv
                result.skipped_folders += 1
                continue
            child_real = real / name
            if os.path.islink(child_path):
                target = _real(Path(child_path))
                if target is None or target in visited_dirs or not _inside(target, real_top):
                    # a loop, or a link that leaves the tree we were asked to scan
                    result.skipped_folders += 1
                    continue
                child_real = target
            child_rel = join(rel_dir, name)
            if is_excluded is not None and is_excluded(child_rel):
                result.skipped_folders += 1
                continue
            keep.append(name)
            reals[child_path] = child_real
            rels[child_path] = child_rel
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = directory / name
            rel = join(rel_dir, name)
            if is_excluded is not None and is_excluded(rel):
                result.skipped += 1
                continue
            is_link = os.path.islink(os.path.join(dirpath, name))
            if is_link:
                if name.startswith(".#"):  # an editor's lock file, a link to nowhere
                    result.skipped += 1
                    continue
                if _real(path) is None:
                    result.problems.append(FileProblem(_printable(_relpath(path, root)),
                                                       _broken_link(path), kind="unreadable"))
                    continue
                if not _inside(path.resolve(), real_top):
                    result.skipped += 1
                    continue
            # A plain file in an already resolved directory resolves to that
            # directory / name: no need to ask the file system again per file.
            resolved = path.resolve() if is_link else real / name
            if resolved in seen:
                continue
            seen.add(resolved)
            found.append(path)
            known[path] = rel


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes of a file name, kept as surrogates
        return False
    return True


def _printable(text: str) -> str:
    """A path as text any report can hold: undecodable bytes shown as ``\\xe9``."""
    if _encodable(text):
        return text
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def _real(path: Path) -> Path | None:
    """Where a link finally points, or None for a link loop or a link to nothing."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on Python < 3.13
        return None
    return target


def _broken_link(path: Path) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return f"symbolic link loop (-> {target}): it never reaches a file"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return f"symbolic link loop (-> {target}): it never reaches a file"
    return f"broken symbolic link: its target {target} does not exist"


def _inside(path: Path, top: Path) -> bool:
    try:
        path.relative_to(top)
        return True
    except ValueError:
        return False
