"""Finding, reading, validating and rendering statelint's configuration.

Configuration lives in ``pyproject.toml`` under ``[tool.statelint]``, or at the
top level of ``statelint.toml`` / ``.statelint.toml``.  Keys are written in
kebab-case (``per-file-ignores``); snake_case spellings are accepted too.
Command-line options override the file, and every resolved value remembers
where it came from so that ``statelint config`` can say so.

Every problem with a configuration is a :class:`ConfigError` whose message is one
line naming the file, the key and, where one is close, the valid spelling.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase, translate
from functools import lru_cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

from statelint.layout import CONFIG_FILENAMES
from statelint.model import SEVERITY_RANK

__all__ = [
    "CONFIG_FILENAMES",
    "DEFAULT_EXCLUDE",
    "DEFAULT_MAX_FILE_SIZE",
    "FAIL_ON_CHOICES",
    "SETTING_NAMES",
    "SEVERITIES",
    "AllowEntry",
    "Config",
    "ConfigError",
    "find_config",
    "load_config",
    "path_matches",
    "render_config",
]



def _non_negative(value: Any, requirement: str) -> int:
    """``value`` when it is an integer of at least 0 (not a bool), else ``requirement, got ...``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        got = str(value) if isinstance(value, int) and not isinstance(value, bool) else _toml_type(value)
        raise ConfigError(f"{requirement}, got {got}")
    return value

class ConfigError(Exception):
    """A configuration file or option that statelint cannot use; the message is one line."""


#: Directory and file names skipped unless ``exclude`` replaces this list.  A
#: directory named ``env`` is only a virtual environment when it holds
#: ``pyvenv.cfg``; deciding that is discovery's job, this list only names it.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "env",
    "node_modules",
    "build",
    "dist",
    "__pycache__",
    ".eggs",
    "*.egg-info",
    "site-packages",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".statelint_cache",
)

#: Files larger than this many bytes are skipped with a one-line problem.  LibCST's
#: tree of a module takes about 700 MB per MB of source (measured: a 1 MiB module of
#: Flask views peaks at 0.7 GB in ``libcst.parse_module`` and 0.85 GB for a whole
#: statelint run), so 1 MiB bounds one worker at under 1 GB; hand-written modules
#: are far smaller.  ``max-file-size = 0`` lifts the limit.
DEFAULT_MAX_FILE_SIZE = 1024 * 1024

_SIZE = re.compile(r"^\s*(\d+)\s*(|b|k|kb|kib|m|mb|mib)\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1000, "kib": 1024, "m": 1024 * 1024,
               "mb": 1000 * 1000, "mib": 1024 * 1024}

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
FAIL_ON_CHOICES: tuple[str, ...] = ("error", "warning", "info", "never")


_DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_CODE_SHAPE = re.compile(r"^[A-Z]+[0-9]*$")

#: The code of a file statelint could not analyse (it does not parse, cannot be decoded or
#: read, or is over ``max-file-size``).  Not a rule: ``select`` does not turn it off, but
#: ``ignore`` and ``per-file-ignores`` may.  Failures inside statelint have no code and are
#: always reported.
FILE_PROBLEM_CODE = "E902"


@dataclass(frozen=True, slots=True)
class AllowEntry:
    """A symbol glob (``shop.settings.*``) a team decided is fine to keep in process, and why."""

    symbol: str
    reason: str


@dataclass
class Config:
    """The resolved configuration of one statelint run.

    Path patterns (``exclude``, ``per_file_ignores``) are matched against
    forward-slash paths relative to the project root, which is the directory of
    the configuration file when there is one.
    """

    #: Rule codes or prefixes to run; empty means every rule.
    select: tuple[str, ...] = ()
    #: Rule codes or prefixes never to run.
    ignore: tuple[str, ...] = ()
    #: Path glob -> rule codes or prefixes not reported in matching files.
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Names or path globs never scanned; setting it replaces :data:`DEFAULT_EXCLUDE`.
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    #: Names or path globs never scanned, in addition to ``exclude``.
    extend_exclude: tuple[str, ...] = ()
    #: Skip files that git ignores.
    respect_gitignore: bool = True
    #: Extra decorators that register request handlers (``myapp.web.route``, ``api.get``).
    handler_decorators: tuple[str, ...] = ()
    #: Extra base classes whose methods are request handlers (``myapp.views.BaseView``).
    handler_base_classes: tuple[str, ...] = ()
    #: Classes (the project's or a library's) whose objects keep data in the process:
    #: any method called on a long-lived one at request time changes it.
    stateful_classes: tuple[str, ...] = ()
    #: Classes whose objects keep their data in a shared store (a wrapper around Redis or
    #: the database): neither they nor what they hold are state.
    shared_classes: tuple[str, ...] = ()
    #: State the team has accepted, with the reason.
    allow: tuple[AllowEntry, ...] = ()
    #: Lowest severity that makes the run fail (exit 1).  The default, ``warning``,
    #: fails on warnings and errors and lets ``info`` findings through;
    #: ``never`` always exits 0 on findings.
    fail_on: str = "warning"
    #: Rule code or prefix -> severity override.
    severity: dict[str, str] = field(default_factory=dict)
    cache_dir: str = ".statelint_cache"
    #: Worker processes for parsing; 0 picks one per CPU.
    jobs: int = 0
    #: Files larger than this many bytes are skipped (not parsed); 0 means no limit.
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: Field name -> where its value came from (``default``, ``pyproject.toml:[tool.statelint]``, ``--select``).
    sources: dict[str, str] = field(default_factory=dict)
    #: The configuration file that was read, if any.
    config_file: str | None = None

    def __post_init__(self) -> None:
        for name in _SETTING_NAMES:
            self.sources.setdefault(name, "default")

    @property
    def base_dir(self) -> Path | None:
        """The directory that path patterns are relative to: the config file's directory."""
        return Path(self.config_file).resolve().parent if self.config_file else None

    def rule_enabled(self, code: str, relpath: str) -> bool:
        """Whether rule ``code`` runs on the file at ``relpath`` (forward slashes, project-relative).

        ``select`` and ``ignore`` take codes or prefixes; when both match, the more
        specific (longer) one wins, so ``select = ["SL101"]`` with ``ignore = ["SL1"]``
        keeps SL101.  Per-file ignores then switch rules off for matching paths.
        """
        code = code.upper()
        if self.select:
            selected = _longest_prefix(code, self.select)
            if selected < 0:
                return False
        else:
            selected = 0
        ignored = _longest_prefix(code, self.ignore)
        if ignored >= 0 and ignored >= selected:
            return False
        relpath = _normalise_relpath(relpath)
        for pattern, codes in self.per_file_ignores.items():
            if _longest_prefix(code, codes) >= 0 and path_matches(relpath, pattern):
                return False
        return True

    def reports_file_problem(self, relpath: str) -> bool:
        """Whether a file that could not be analysed (``E902``) is reported at ``relpath``.

        Only ``ignore`` (unless a longer ``select`` entry names it) and
        ``per-file-ignores`` switch it off; selecting rules leaves it on.
        """
        code = FILE_PROBLEM_CODE
        ignored = _longest_prefix(code, self.ignore)
        if ignored >= 0 and ignored >= _longest_prefix(code, self.select):
            return False
        relpath = _normalise_relpath(relpath)
        return not any(_longest_prefix(code, codes) >= 0 and path_matches(relpath, pattern)
                       for pattern, codes in self.per_file_ignores.items())

    def is_excluded(self, relpath: str) -> bool:
        """Whether the file or directory at ``relpath`` is excluded by ``exclude``/``extend-exclude``."""
        return _patterns_matcher((*self.exclude, *self.extend_exclude))(relpath)

    def is_allowed(self, symbol: str) -> AllowEntry | None:
        """The first ``allow`` entry whose glob matches the dotted ``symbol``, if any."""
        for entry in self.allow:
            if fnmatchcase(symbol, entry.symbol):
                return entry
        return None

    def severity_for(self, code: str, default: str) -> str:
        """The severity for rule ``code``: the most specific override, else ``default``."""
        code = code.upper()
        best, best_length = default, -1
        for prefix, severity in self.severity.items():
            if code.startswith(prefix) and len(prefix) > best_length:
                best, best_length = severity, len(prefix)
        return best

    def fails_on(self, severity: str) -> bool:
        """Whether a finding of ``severity`` makes the run fail under ``fail_on``."""
        if self.fail_on == "never":
            return False
        return SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK[self.fail_on]

    def fingerprint_inputs(self) -> str:
        """A stable string of the settings that change per-file facts, for the cache key."""
        return json.dumps(
            {
                "handler_base_classes": sorted(set(self.handler_base_classes)),
                "handler_decorators": sorted(set(self.handler_decorators)),
            },
            sort_keys=True,
            separators=(",", ":"),
        )


_SETTING_NAMES: tuple[str, ...] = (
    "select",
    "ignore",
    "per_file_ignores",
    "exclude",
    "extend_exclude",
    "respect_gitignore",
    "handler_decorators",
    "handler_base_classes",
    "stateful_classes",
    "shared_classes",
    "allow",
    "fail_on",
    "severity",
    "cache_dir",
    "jobs",
    "max_file_size",
)


def _key(name: str) -> str:
    """The kebab-case spelling of a field name, as written in TOML files."""
    return name.replace("_", "-")


def _longest_prefix(code: str, prefixes: tuple[str, ...]) -> int:
    """Length of the longest entry of ``prefixes`` that ``code`` starts with, or -1."""
    best = -1
    for prefix in prefixes:
        if code.startswith(prefix) and len(prefix) > best:
            best = len(prefix)
    return best


def _normalise_relpath(relpath: str) -> str:
    relpath = relpath.replace("\\", "/")
    while relpath.startswith("./"):
        relpath = relpath[2:]
    return relpath.strip("/")


def path_matches(relpath: str, pattern: str) -> bool:
    """Whether a forward-slash relative path matches an exclude or per-file-ignores pattern.

    A pattern without a slash (``__pycache__``, ``*.egg-info``, ``conftest.py``)
    matches any single path component, so it excludes a directory anywhere in the
    tree or names a file anywhere.  A pattern with a slash (``tests/*``,
    ``src/shop/legacy``) is anchored at the project root and matches the whole
    path or any leading directory of it; a leading ``**/`` also matches at the root.
    """
    relpath = _normalise_relpath(relpath)
    pattern = _normalise_relpath(pattern.strip())
    if not pattern or not relpath:
        return False
    parts = relpath.split("/")
    if "/" not in pattern:
        return any(fnmatchcase(part, pattern) for part in parts)
    candidates = [pattern]
    if pattern.startswith("**/"):
        candidates.append(pattern[3:])
    prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    return any(fnmatchcase(prefix, candidate) for candidate in candidates for prefix in prefixes)


@lru_cache(maxsize=32)
def _patterns_matcher(patterns: tuple[str, ...]) -> Any:
    """``lambda relpath: any(path_matches(relpath, p) for p in patterns)``, compiled.

    Discovery asks this for every file and folder of the tree: one regular
    expression per kind of pattern instead of one ``fnmatch`` per pattern and
    path component.
    """
    component: list[str] = []
    anchored: list[str] = []
    for raw in patterns:
        pattern = _normalise_relpath(raw.strip())
        if not pattern:
            continue
        if "/" not in pattern:
            component.append(translate(pattern))
            continue
        anchored.append(translate(pattern))
        if pattern.startswith("**/"):
            anchored.append(translate(pattern[3:]))
    by_component = re.compile("|".join(component)).match if component else None
    by_prefix = re.compile("|".join(anchored)).match if anchored else None

    def matches(relpath: str) -> bool:
        relpath = _normalise_relpath(relpath)
        if not relpath:
            return False
        parts = relpath.split("/")
        if by_component is not None and any(by_component(part) for part in parts):
            return True
        if by_prefix is not None:
            prefix = ""
            for part in parts:
                prefix = f"{prefix}/{part}" if prefix else part
                if by_prefix(prefix):
                    return True
        return False

    return matches


# ---------------------------------------------------------------------------
# Finding the file
# ---------------------------------------------------------------------------


def find_config(paths: list[str] | tuple[str, ...]) -> Path | None:
    """Find the configuration for a scan of ``paths``.

    Walks up from the first path (or the current directory) and returns the first
    ``.statelint.toml``, ``statelint.toml``, or ``pyproject.toml`` that has a
    ``[tool.statelint]`` table.  The walk stops after checking a directory that
    holds ``.git`` (the repository root), so a checkout never picks up a
    configuration from outside itself.
    """
    start = Path(paths[0]) if paths else Path.cwd()
    start = start.resolve()
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        for name in CONFIG_FILENAMES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml" or _pyproject_has_section(candidate):
                return candidate
        if (directory / ".git").exists():
            return None
    return None


def _pyproject_has_section(path: Path) -> bool:
    """Whether a pyproject.toml has a ``[tool.statelint]`` table (without failing on others' files)."""
    text = _read_text(path)
    if "statelint" not in text:
        # Not ours: a broken pyproject.toml that never mentions statelint is not our error.
        return False
    data = _parse_toml(path, text)
    tool = data.get("tool")
    return isinstance(tool, dict) and "statelint" in tool


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(f"{_display(path)}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{_display(path)}: not valid UTF-8 (byte {error.start})") from None


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message already ends with "(at line L, column C)".
        raise ConfigError(f"{_display(path)}: invalid TOML: {error}") from None


def _display(path: Path) -> str:
    """A path as users want to read it: relative to the current directory when below it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------
# Loading and validating
# ---------------------------------------------------------------------------


class _Where:
    """Builds the ``file: [table] "key"`` prefix of error messages."""

    def __init__(self, origin: str, table: str, *, flag: bool = False) -> None:
        self.origin = origin
        self.table = table
        self.flag = flag

    def key(self, key: str, subtable: str = "") -> str:
        if self.flag:
            # A command-line option: the flag says it all ("--select", "--severity SL101").
            return f"{self.origin} {key}" if subtable else self.origin
        if not self.table and not subtable:
            return f'{self.origin}: "{key}"'
        table = ".".join(part for part in (self.table, subtable) if part)
        return f'{self.origin}: [{table}] "{key}"'

    def table_label(self, subtable: str = "") -> str:
        table = ".".join(part for part in (self.table, subtable) if part)
        return f"{self.origin}: [{table}]" if table else f"{self.origin}:"


class _Validator:
    """Turns raw TOML (or option) values into typed settings, or raises ConfigError."""

    def __init__(self, known_codes: set[str], rule_names: Mapping[str, str]) -> None:
        self.known_codes = {code.upper() for code in known_codes} | {FILE_PROBLEM_CODE}
        self.rule_names = dict(rule_names)

    # -- primitives -------------------------------------------------------

    def strings(
        self, value: Any, where: str, *, what: str = "a list of strings"
    ) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where} must be {what}, got {_toml_type(value)}")
        result = []
        for index, item in enumerate(value, start=1):
            if not isinstance(item, str):
                raise ConfigError(f"{where} must be {what}, but item {index} is {_toml_type(item)}")
            result.append(item.strip())
        return tuple(item for item in result if item)

    def codes(self, value: Any, where: str) -> tuple[str, ...]:
        raw = self.strings(value, where, what="a list of rule codes")
        return tuple(dict.fromkeys(self.code(item, where) for item in raw))

    def code(self, item: str, where: str) -> str:
        """Normalise a rule code, prefix or name to an upper-case code (prefix)."""
        if item in self.rule_names:
            return self.rule_names[item].upper()
        code = item.upper()
        if _CODE_SHAPE.match(code) and any(known.startswith(code) for known in self.known_codes):
            return code
        choices = sorted(self.known_codes) + sorted(self.rule_names)
        hint = _did_you_mean(item, choices, upper=True)
        if self.known_codes <= {FILE_PROBLEM_CODE}:
            hint = " (no rules are installed)"
        raise ConfigError(f'{where} names unknown rule "{item}"{hint}')

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {_toml_type(value)}")
        return value

    def choice(self, value: Any, where: str, choices: tuple[str, ...]) -> str:
        options = ", ".join(f'"{choice}"' for choice in choices)
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be one of {options}, got {_toml_type(value)}")
        lowered = value.strip().lower()
        if lowered not in choices:
            hint = _did_you_mean(lowered, list(choices))
            raise ConfigError(f'{where} must be one of {options}, got "{value}"{hint}')
        return lowered

    def dotted(self, value: Any, where: str) -> tuple[str, ...]:
        names = self.strings(value, where, what="a list of dotted names")
        for name in names:
            if not _DOTTED_NAME.match(name):
                raise ConfigError(
                    f'{where} must hold dotted names like "myapp.web.route", got "{name}"'
                )
        return tuple(dict.fromkeys(names))

    # -- settings ---------------------------------------------------------

    def per_file_ignores(self, value: Any, where: _Where, key: str) -> dict[str, tuple[str, ...]]:
        if (
            where.flag
            and isinstance(value, (list, tuple))
            and all(isinstance(item, str) for item in value)
        ):
            # The command-line form: "tests/*:SL101,SL2".
            table: dict[str, Any] = {}
            for item in value:
                pattern, sep, codes = item.rpartition(":")
                if not sep or not pattern.strip():
                    raise ConfigError(
                        f'{where.key(key)} entries must look like "GLOB:CODE[,CODE]", got "{item}"'
                    )
                table.setdefault(pattern.strip(), []).extend(codes.split(","))
            value = table
        if not isinstance(value, dict):
            raise ConfigError(
                f"{where.key(key)} must be a table of path glob = list of rule codes, "
                f"got {_toml_type(value)}"
            )
        result: dict[str, tuple[str, ...]] = {}
        for pattern, codes in value.items():
            result[pattern] = self.codes(codes, where.key(pattern, subtable=_key(key)))
        return result

    def severity(self, value: Any, where: _Where, key: str) -> dict[str, str]:
        if not isinstance(value, dict):
            raise ConfigError(
                f'{where.key(key)} must be a table of rule code = "error" | "warning" | "info", '
                f"got {_toml_type(value)}"
            )
        result: dict[str, str] = {}
        for code, level in value.items():
            item_where = where.key(code, subtable=key)
            result[self.code(code, item_where)] = self.choice(level, item_where, SEVERITIES)
        return result

    def allow(self, value: Any, where: _Where, key: str) -> tuple[AllowEntry, ...]:
        entries: list[AllowEntry] = []
        if isinstance(value, dict):
            for symbol, reason in value.items():
                entries.append(self._allow_entry(symbol, reason, where.key(symbol, subtable=key)))
            return tuple(entries)
        if not isinstance(value, (list, tuple)):
            raise ConfigError(
                f'{where.key(key)} must be a list of {{symbol = "...", reason = "..."}} tables '
                f"or a table of symbol = reason, got {_toml_type(value)}"
            )
        for index, item in enumerate(value, start=1):
            item_where = f"{where.key(key)} entry {index}"
            if isinstance(item, AllowEntry):
                item = {"symbol": item.symbol, "reason": item.reason}
            if not isinstance(item, dict):
                raise ConfigError(
                    f'{item_where} must be a table {{symbol = "...", reason = "..."}}, '
                    f"got {_toml_type(item)}"
                )
            extra = sorted(set(item) - {"symbol", "reason"})
            if extra:
                hint = _did_you_mean(extra[0], ["symbol", "reason"])
                raise ConfigError(f'{item_where} has unknown key "{extra[0]}"{hint}')
            if "symbol" not in item:
                raise ConfigError(f'{item_where} needs a "symbol"')
            entries.append(self._allow_entry(item["symbol"], item.get("reason"), item_where))
        return tuple(entries)

    def _allow_entry(self, symbol: Any, reason: Any, where: str) -> AllowEntry:
        if not isinstance(symbol, str) or not symbol.strip():
            raise ConfigError(
                f'{where}: "symbol" must be a non-empty string, got {_toml_type(symbol)}'
            )
        if reason is None:
            raise ConfigError(
                f'{where} allows "{symbol}" without a "reason": say why this state is acceptable'
            )
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(
                f'{where}: "reason" for "{symbol}" must be a non-empty string, '
                f"got {_toml_type(reason) if not isinstance(reason, str) else 'an empty string'}"
            )
        return AllowEntry(symbol=symbol.strip(), reason=reason.strip())

    def jobs(self, value: Any, where: str) -> int:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        return _non_negative(value, f"{where} must be a non-negative integer (0 = one per CPU)")

    def size(self, value: Any, where: str) -> int:
        """Bytes: a non-negative integer, or a string such as ``"2 MiB"`` or ``"512k"``."""
        if isinstance(value, str):
            match = _SIZE.match(value)
            if match is None:
                raise ConfigError(
                    f'{where} must be a number of bytes, such as 1048576, "1 MiB" or "512 KiB", '
                    f'got "{value}"'
                )
            return int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]
        return _non_negative(value, f"{where} must be a non-negative number of bytes (0 = no limit)")

    def cache_dir(self, value: Any, where: str) -> str:
        if isinstance(value, Path):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            got = "an empty string" if isinstance(value, str) else _toml_type(value)
            raise ConfigError(f"{where} must be a non-empty string (a directory), got {got}")
        return value.strip()

    # -- dispatch ---------------------------------------------------------

    def setting(self, name: str, value: Any, where: _Where) -> Any:
        """Validate one setting by field name; ``where`` locates it for messages."""
        key = _key(name)
        at = where.key(key)
        if name in ("select", "ignore"):
            return self.codes(value, at)
        if name == "per_file_ignores":
            return self.per_file_ignores(value, where, key)
        if name in ("exclude", "extend_exclude"):
            return self.strings(value, at, what="a list of path patterns")
        if name == "respect_gitignore":
            return self.boolean(value, at)
        if name in ("handler_decorators", "handler_base_classes", "stateful_classes",
                    "shared_classes"):
            return self.dotted(value, at)
        if name == "allow":
            return self.allow(value, where, key)
        if name == "fail_on":
            return self.choice(value, at, FAIL_ON_CHOICES)
        if name == "severity":
            return self.severity(value, where, key)
        if name == "cache_dir":
            return self.cache_dir(value, at)
        if name == "jobs":
            return self.jobs(value, at)
        if name == "max_file_size":
            return self.size(value, at)
        raise AssertionError(name)  # pragma: no cover - _SETTING_NAMES and this switch agree


def _toml_type(value: Any) -> str:
    """The TOML name of a value's type, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if value is None:
        return "nothing"
    return "a date/time" if hasattr(value, "isoformat") else type(value).__name__


def _did_you_mean(word: str, choices: list[str], *, upper: bool = False) -> str:
    """`` (did you mean "x"?)`` for the closest choice, or the empty string."""
    lookup = {choice.upper() if upper else choice: choice for choice in choices}
    probe = word.upper() if upper else word
    matches = difflib.get_close_matches(probe, list(lookup), n=1, cutoff=0.6)
    return f' (did you mean "{lookup[matches[0]]}"?)' if matches else ""


def load_config(
    path: Path | None,
    *,
    known_codes: set[str],
    overrides: Mapping[str, Any] | None = None,
    rule_names: Mapping[str, str] | None = None,
) -> Config:
    """Read, validate and resolve the configuration.

    ``path`` is the file :func:`find_config` found (or ``--config`` named), or
    None for defaults only.  A ``pyproject.toml`` is read from its
    ``[tool.statelint]`` table; any other file from its top level.
    ``known_codes`` are the catalogue's rule codes and ``rule_names`` maps rule
    names to codes, so that names may be used wherever a code may.
    ``overrides`` maps field names to command-line values and wins over the
    file; ``None`` and empty values are skipped so a CLI can pass every option
    as click hands it over (``None`` or ``()`` when not given).
    ``extend_exclude`` from the command line adds to the file's list.

    Raises :class:`ConfigError` with a one-line message for anything invalid.
    """
    validator = _Validator(known_codes, rule_names or {})
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    config_file: str | None = None

    if path is not None:
        path = Path(path)
        display = _display(path)
        config_file = str(path)
        if not path.is_file():
            raise ConfigError(f"{display}: configuration file not found")
        data = _parse_toml(path, _read_text(path))
        if path.name == "pyproject.toml":
            tool = data.get("tool", {})
            table = tool.get("statelint", {}) if isinstance(tool, dict) else {}
            where = _Where(display, "tool.statelint")
            source = f"{display}:[tool.statelint]"
        else:
            table = data
            where = _Where(display, "")
            source = display
            tool = data.get("tool")
            if isinstance(tool, dict) and "statelint" in tool:
                raise ConfigError(
                    f'{display}: unknown key "tool" (in {path.name} the settings go at the top '
                    "level, without the [tool.statelint] table: that table is for "
                    "pyproject.toml)")
        if not isinstance(table, dict):
            raise ConfigError(f"{where.table_label()} must be a table, got {_toml_type(table)}")
        for raw_key, value in table.items():
            name = _field_for_key(raw_key, where)
            if name in values:
                raise ConfigError(
                    f'{where.table_label()} "{raw_key}" is given twice '
                    f'(as "{_key(name)}" and "{name}")'
                )
            values[name] = validator.setting(name, value, where)
            sources[name] = source

    for name, value in (overrides or {}).items():
        if value is None or (isinstance(value, (list, tuple, dict, str)) and not value):
            # Not given: click passes None for unset options and () for unset multiple=True ones.
            continue
        name = name.replace("-", "_")
        if name not in _SETTING_NAMES:
            raise ConfigError(f'unknown option "{name}"{_did_you_mean(name, list(_SETTING_NAMES))}')
        flag = f"--{_key(name)}"
        if name in _LIST_SETTINGS:
            value = _split_commas(value)
        resolved = validator.setting(name, value, _Where(flag, "", flag=True))
        if name == "extend_exclude" and name in values:
            values[name] = tuple(dict.fromkeys((*values[name], *resolved)))
            sources[name] = f"{sources[name]} + {flag}"
        else:
            values[name] = resolved
            sources[name] = flag

    return Config(**values, sources=sources, config_file=config_file)


_LIST_SETTINGS = frozenset(
    {"select", "ignore", "exclude", "extend_exclude", "handler_decorators", "handler_base_classes",
     "stateful_classes", "shared_classes"}
)


def _split_commas(value: Any) -> Any:
    """Command-line lists may be given as ``SL1,SL2`` or repeated options, or both."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return [part for item in value for part in item.split(",")]
    return value


def _field_for_key(raw_key: str, where: _Where) -> str:
    name = raw_key.replace("-", "_")
    if name in _SETTING_NAMES and raw_key in (name, _key(name)):
        return name
    valid = [_key(name) for name in _SETTING_NAMES]
    hint = _did_you_mean(_key(name), valid)
    raise ConfigError(f'{where.table_label()} unknown key "{raw_key}"{hint}')


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, AllowEntry):
        return f"{{ symbol = {_toml_value(value.symbol)}, reason = {_toml_value(value.reason)} }}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = ", ".join(
            f"{_toml_value(key)} = {_toml_value(item)}" for key, item in value.items()
        )
        return "{ " + items + " }"
    raise TypeError(f"cannot render {value!r}")  # pragma: no cover - Config holds TOML values only


def render_config(config: Config) -> str:
    """The resolved configuration, one ``key = value  # from <source>`` line per setting.

    The output is valid TOML with the same keys as ``statelint.toml``, so it can
    be pasted into a configuration file.
    """
    header = f"# configuration file: {_display(Path(config.config_file)) if config.config_file else 'none'}"
    lines = [header]
    for name in _SETTING_NAMES:
        value = getattr(config, name)
        lines.append(
            f"{_key(name)} = {_toml_value(value)}  # from {config.sources.get(name, 'default')}"
        )
    return "\n".join(lines) + "\n"


#: Every setting's field name, in rendering order (the keys ``overrides`` accepts).
SETTING_NAMES: tuple[str, ...] = _SETTING_NAMES
