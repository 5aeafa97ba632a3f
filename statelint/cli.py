"""The command line: ``statelint check``, ``config``, ``rules``, ``explain``.

Exit codes: 0 nothing at or above the failure threshold, 1 findings, 2 usage,
configuration or internal error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from statelint import __version__
from statelint.baseline import BaselineEntry, BaselineError, load_baseline, write_baseline
from statelint.config import (
    FAIL_ON_CHOICES,
    Config,
    ConfigError,
    find_config,
    load_config,
    render_config,
)
from statelint.filtering import apply_gates, config_relpath, ledger_of, scan_root
from statelint.gitdiff import DiffError, changed_lines
from statelint.model import SEVERITY_RANK, ScanResult
from statelint.reporters import available_formats, render_report
from statelint.reporters.concise import printable
from statelint.rule import all_rules, rule_by_code

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def _fail(message: str) -> NoReturn:
    click.echo(f"statelint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def exit_code(result: ScanResult, fail_on: str) -> int:
    """0, 1 or 2 for a finished scan, given the failure threshold."""
    if result.failed:
        return EXIT_ERROR
    if fail_on == "never":
        return EXIT_OK
    threshold = SEVERITY_RANK[fail_on]
    if any(SEVERITY_RANK[f.severity] >= threshold for f in result.findings):
        return EXIT_FINDINGS
    if any(problem.kind in ("syntax", "encoding") for problem in result.problems):
        return EXIT_FINDINGS
    return EXIT_OK


def write_output(text: str, output: str | None) -> None:
    """Print, or write atomically to ``output`` (no half-written file if killed)."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    target = Path(output)
    if not target.parent.exists():
        _fail(f"cannot write {output}: folder {target.parent} does not exist")
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        _fail(f"cannot write {output}: {error.strerror or error}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="statelint")
def main() -> None:
    """Find the request handlers of a Python web service that keep state in the process."""


def _config_options(function: Callable[..., None]) -> Callable[..., None]:
    """The options that override configuration settings, shared by ``check`` and ``config``."""
    options = [
        click.option("--config", "config_file", type=click.Path(dir_okay=False),
                     help="Read the configuration from FILE instead of looking for "
                          "pyproject.toml / statelint.toml / .statelint.toml."),
        click.option("--select", multiple=True,
                     help="Rule codes, prefixes or names to run (comma-separated or repeated)."),
        click.option("--ignore", multiple=True,
                     help="Rule codes, prefixes or names to skip (comma-separated or repeated)."),
        click.option("--per-file-ignores", multiple=True, metavar="GLOB:CODES",
                     help="Skip rules in matching files, e.g. 'tests/*:SL101,SL102' (repeatable)."),
        click.option("--exclude", multiple=True,
                     help="Names or path globs never scanned; replaces the default list."),
        click.option("--extend-exclude", multiple=True,
                     help="Names or path globs never scanned, added to the list."),
        click.option("--respect-gitignore/--no-respect-gitignore", default=None,
                     help="Skip files git ignores (default: on)."),
        click.option("--fail-on", type=click.Choice(list(FAIL_ON_CHOICES)), default=None,
                     help="Lowest severity that makes the exit code 1 (default: warning)."),
        click.option("-j", "--jobs", type=int, default=None,
                     help="Worker processes (0: one per core)."),
        click.option("--max-file-size", default=None, metavar="BYTES",
                     help="Skip files larger than this, e.g. 2097152 or '2 MiB' "
                          "(default: 1 MiB; 0: no limit)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _cache_options(function: Callable[..., None]) -> Callable[..., None]:
    """The options of the facts cache and of what is parsed, shared by ``check`` and ``handlers``."""
    options = [
        click.option("--no-cache", is_flag=True, help="Neither read nor write the facts cache."),
        click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
                     help="Where to keep the facts cache (default: .statelint_cache under the "
                          "scan root)."),
        click.option("--lazy/--exhaustive", "lazy", default=True,
                     help="--lazy, the default, parses only the files the result can depend on "
                          "(the result is the same); --exhaustive parses every file."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _show_progress(output_format: str) -> bool:
    """Whether to draw the parsing progress bar: text output to a terminal, outside CI."""
    return output_format == "text" and sys.stderr.isatty() and not os.environ.get("CI")


def resolve_run_config(paths: Sequence[str], config_file: str | None = None,
                       overrides: dict[str, Any] | None = None) -> Config:
    """The resolved configuration for a run over ``paths``; raises ConfigError."""
    rules = all_rules()
    path = Path(config_file) if config_file else find_config(list(paths))
    return load_config(path, known_codes={rule.code for rule in rules},
                       rule_names={rule.name: rule.code for rule in rules},
                       overrides=overrides)


def load_run_config(paths: Sequence[str], config_file: str | None,
                    overrides: dict[str, Any]) -> Config:
    """The resolved configuration for a run over ``paths``; a ConfigError ends the run with exit 2."""
    try:
        return resolve_run_config(paths, config_file, overrides)
    except ConfigError as error:
        _fail(str(error))
        raise  # unreachable: _fail exits


def _overrides(**options: Any) -> dict[str, Any]:
    return {name: value for name, value in options.items() if value not in (None, ())}


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "--output-format", "output_format",
              type=click.Choice(available_formats()), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report to FILE (atomically).")
@click.option("-q", "--quiet", is_flag=True,
              help="Print the findings only: no handler inventory, summary or notes.")
@click.option("--show-source", is_flag=True,
              help="Show the source line under each finding (text and concise formats).")
@_config_options
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Report only findings that are not in this baseline file.")
@click.option("--write-baseline", "write_baseline_file", type=click.Path(dir_okay=False),
              help="Record every current finding in FILE and exit 0.")
@click.option("--diff", "diff_ref", metavar="REF",
              help="Report only findings on lines changed since the merge base with REF.")
@click.option("--report-unused-ignores", is_flag=True,
              help="Report `# statelint: ignore` comments that silence nothing (they fail the run "
                   "like a warning).")
@click.option("--statistics", is_flag=True,
              help="Print how many findings each rule reported instead of the report "
                   "(text or json). The stage timings it used to print are --timings.")
@click.option("--timings", is_flag=True,
              help="Print the time each stage took, and how many files it handled, to stderr.")
@click.option("--add-noqa", is_flag=True,
              help="Add a `# statelint: ignore[CODE]` comment at every current finding, then "
                   "exit (the comment carries a reason placeholder to fill in).")
@click.option("--watch", is_flag=True,
              help="Check again whenever a scanned file changes; Ctrl-C stops.")
@_cache_options
@click.option("--color/--no-color", default=None, help="Colour the text output.")
def check(paths: tuple[str, ...], output_format: str, output: str | None, config_file: str | None,
          select: tuple[str, ...], ignore: tuple[str, ...], per_file_ignores: tuple[str, ...],
          exclude: tuple[str, ...], extend_exclude: tuple[str, ...],
          respect_gitignore: bool | None, fail_on: str | None, jobs: int | None,
          max_file_size: str | None, exit_zero: bool, baseline_file: str | None, write_baseline_file: str | None,
          diff_ref: str | None, report_unused_ignores: bool, statistics: bool,
          no_cache: bool, cache_dir: str | None, lazy: bool,
          color: bool | None, quiet: bool, show_source: bool, timings: bool, add_noqa: bool,
          watch: bool) -> None:
    """Scan PATHS (default: the current directory) and report process-local state."""
    from statelint.engine import scan

    scanned = _checked_paths(paths, output)
    missing = _missing_paths(paths)
    config = load_run_config(scanned, config_file, _overrides(
        select=select, ignore=ignore, per_file_ignores=per_file_ignores, exclude=exclude,
        extend_exclude=extend_exclude, respect_gitignore=respect_gitignore, fail_on=fail_on,
        jobs=jobs, max_file_size=max_file_size))
    _check_mode_conflicts(output_format, statistics=statistics, add_noqa=add_noqa, watch=watch,
                          write_baseline=bool(write_baseline_file))
    if watch:
        from statelint.watch import watch_check

        watch_check(click.get_current_context(), scanned, config, cache_dir=cache_dir,
                    quiet=quiet)
    baseline = None
    if baseline_file:
        try:
            baseline = load_baseline(baseline_file)
        except BaselineError as error:
            _fail(str(error))
    changed = None
    if diff_ref is not None:
        try:
            changed = changed_lines(scan_root(scanned), diff_ref)
        except DiffError as error:
            _fail(f"--diff {diff_ref}: {error}")
    replay = _replay_start(paths, no_cache=no_cache, output=output)
    try:
        result = scan(scanned, config=config, jobs=config.jobs, cache=not no_cache,
                      cache_dir=cache_dir, exhaustive=not lazy,
                      progress=_show_progress(output_format) and not add_noqa)
    except Exception as error:  # exit 2 with one line, never a traceback
        _fail(f"internal error: {type(error).__name__}: {error}; this is a bug in statelint, "
              "please report it")
        raise  # unreachable: _fail exits
    said: list[str] = []  # what went to stderr, for the replay record

    def say(line: str) -> None:
        click.echo(line, err=True)
        said.append(line + "\n")

    for note in [] if quiet else result.notes:
        say(f"statelint: {printable(note)}")
    rules = [rule for rule in all_rules() if config.rule_enabled(rule.code, "")]

    if write_baseline_file:
        try:
            count = write_baseline(write_baseline_file, result.findings)
        except BaselineError as error:
            _fail(str(error))
        if not quiet:
            click.echo(f"statelint: wrote {count} finding{'s' if count != 1 else ''} to the "
                       f"baseline {write_baseline_file}", err=True)
    root = Path(result.root)
    result, report = apply_gates(result, baseline=baseline, changed=changed, diff_ref=diff_ref,
                                 in_scope=lambda entry: _baseline_entry_in_scope(
                                     entry, root, scanned, config))
    if add_noqa:
        from statelint.add_noqa import add_noqa_comments

        placed_all = add_noqa_comments(result, quiet=quiet)
        sys.exit(EXIT_ERROR if result.failed else EXIT_OK if placed_all else EXIT_FINDINGS)
    unused = (ledger_of(result).unused(rules=all_rules(), config=config, root=root)
              if report_unused_ignores else [])

    if output_format == "text":
        from statelint.reporters import text as text_reporter

        use_colour = color if color is not None else (output is None and sys.stdout.isatty()
                                                     and "NO_COLOR" not in os.environ)
        text_reporter.COLOUR = bool(use_colour)
    text = render_report(result, rules, output_format, quiet=quiet, show_source=show_source,
                         statistics=statistics)
    write_output(text, output)
    for path, line, codes in unused:
        named = f"[{', '.join(codes)}]" if codes else ""
        say(f"{printable(path)}:{line}:1: unused suppression `# statelint: ignore{named}`: "
            "it silences no finding; remove it")
    for note in [] if quiet else report.lines():
        say(f"statelint: {note}")
    if timings:
        for stage, seconds in result.statistics.items():
            if isinstance(seconds, int):  # a count, not a time
                click.echo(f"{stage:>10}: {seconds}", err=True)
            else:
                click.echo(f"{stage:>10}: {seconds:.3f}s", err=True)

    code = run_exit_code(result, config, unused=len(unused), changed=changed)
    if write_baseline_file and code == EXIT_FINDINGS:
        code = EXIT_OK  # every finding is in the baseline just written
    if exit_zero and code == EXIT_FINDINGS:
        code = EXIT_OK
    if replay is not None and not missing and not result.errors:
        _replay_remember(replay, result, config, cache_dir, text, "".join(said), code)
    sys.exit(_report_missing(missing) or code)


def _replay_start(paths: tuple[str, ...], *, no_cache: bool, output: str | None) -> Any:
    """The state of the tree before a ``check`` that may leave a replay record (see
    ``statelint.replay``), or None."""
    from statelint import replay

    arguments = replay.launched_arguments()
    if (arguments is None or no_cache or output is not None or sys.stdout.isatty()
            or sys.stderr.isatty() or replay.scanned_paths(arguments) != list(paths)):
        return None
    return replay.tree_state(os.getcwd(), list(paths))


def _replay_remember(before: Any, result: ScanResult, config: Config, cache_dir: str | None,
                     stdout: str, stderr: str, code: int) -> None:
    """Keep what this run printed for the next run with the same inputs, in the cache
    folder the scan used (when it is one statelint may write)."""
    from statelint import replay
    from statelint.cache import git_tracked
    from statelint.engine import cache_directory, configured_cache_escapes

    arguments = replay.launched_arguments()
    root = Path(result.root)
    folder = cache_directory(root, config, cache_dir)
    if (arguments is None or configured_cache_escapes(root, config, cache_dir)
            or not (folder / "CACHEDIR.TAG").is_file() or git_tracked(folder)):
        return
    replay.remember(folder, arguments, replay.scanned_paths(arguments) or [], before, stdout,
                    stderr, code)


def _check_mode_conflicts(output_format: str, *, statistics: bool, add_noqa: bool, watch: bool,
                          write_baseline: bool) -> None:
    """Refuse, before any work, options of ``check`` that cannot go together."""
    from statelint.reporters._statistics import STATISTICS_FORMATS

    if statistics and output_format not in STATISTICS_FORMATS:
        _fail(f"--statistics prints {', '.join(STATISTICS_FORMATS[:-1])} or "
              f"{STATISTICS_FORMATS[-1]}, not --format {output_format}")
    modes = [name for name, given in (("--add-noqa", add_noqa), ("--watch", watch),
                                      ("--write-baseline", write_baseline)) if given]
    if len(modes) > 1:
        _fail(f"{' and '.join(modes)} cannot be used together")


def _baseline_entry_in_scope(entry: BaselineEntry, root: Path, scanned: list[str],
                             config: Config) -> bool:
    """Whether this run looked at the entry's file and rule, so a missing finding means fixed."""
    if not config.rule_enabled(entry.rule, config_relpath(entry.path, root, config)):
        return False
    target = (root / entry.path).resolve()
    for given in scanned:
        top = Path(given).resolve()
        if target == top or top in target.parents:
            return True
    return False


def run_exit_code(result: ScanResult, config: Config, *, unused: int = 0,
                  changed: dict[str, set[int]] | None = None) -> int:
    """0, 1 or 2 for a finished, filtered scan under the configuration's ``fail-on``.

    Internal errors give 2.  Findings at or above ``fail-on``, unused suppressions
    (counted as warnings) and files that do not parse give 1; under ``--diff`` only
    files the change touched count.
    """
    if result.failed:
        return EXIT_ERROR
    if config.fail_on == "never":
        return EXIT_OK
    if any(config.fails_on(finding.severity) for finding in result.findings):
        return EXIT_FINDINGS
    if unused and config.fails_on("warning"):
        return EXIT_FINDINGS
    prefix = getattr(changed, "prefix", "")
    for problem in result.problems:
        if problem.kind not in ("syntax", "encoding"):
            continue
        if changed is None or (prefix + problem.path) in changed:
            return EXIT_FINDINGS
    return EXIT_OK


def _checked_paths(paths: tuple[str, ...], output: str | None) -> list[str]:
    """The paths to scan (default: the current directory): those that exist, after
    refusing, before any work, a run where none does and an output file in a folder
    that does not exist.  Missing paths next to real ones are reported at the end
    (:func:`_report_missing`), so that one typo does not cost the whole scan."""
    existing = [path for path in paths if path not in _missing_paths(paths)]
    if paths and not existing:
        _fail(f"path does not exist: {', '.join(paths)}")
    if output and output != "-" and not Path(output).parent.exists():
        _fail(f"cannot write {output}: folder {Path(output).parent} does not exist")
    return existing or ["."]


def _missing_paths(paths: Sequence[str]) -> list[str]:
    return [path for path in paths if not os.path.exists(path)]


def _report_missing(missing: list[str]) -> int:
    """Say which given paths do not exist (the others were scanned): exit code 2, or 0."""
    for path in missing:
        click.echo(f"statelint: error: path does not exist: {printable(path)} (the other paths "
                   "were scanned)", err=True)
    return EXIT_ERROR if missing else EXIT_OK


def _codes(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _selected_rules(select: str, ignore: str) -> list:
    rules = list(all_rules())
    known = {rule.code for rule in rules} | {rule.name for rule in rules}
    chosen = _codes(select)
    skipped = _codes(ignore)
    for code in [*chosen, *skipped]:
        if not any(rule.code.startswith(code.upper()) or rule.name == code for rule in rules):
            _fail(f"unknown rule code: {code} (known: {', '.join(sorted(known))})")

    def wanted(rule) -> bool:
        def hit(codes: list[str]) -> bool:
            return any(rule.code.startswith(c.upper()) or rule.name == c for c in codes)

        return (not chosen or hit(chosen)) and not hit(skipped)

    return [rule for rule in rules if wanted(rule)]


@main.command("config")
@click.argument("paths", nargs=-1, type=click.Path())
@_config_options
def show_config(paths: tuple[str, ...], config_file: str | None, select: tuple[str, ...],
                ignore: tuple[str, ...], per_file_ignores: tuple[str, ...],
                exclude: tuple[str, ...], extend_exclude: tuple[str, ...],
                respect_gitignore: bool | None, fail_on: str | None, jobs: int | None,
                max_file_size: str | None) -> None:
    """Print the resolved configuration for PATHS and where each value came from."""
    config = load_run_config(list(paths) or ["."], config_file, _overrides(
        select=select, ignore=ignore, per_file_ignores=per_file_ignores, exclude=exclude,
        extend_exclude=extend_exclude, respect_gitignore=respect_gitignore, fail_on=fail_on,
        jobs=jobs, max_file_size=max_file_size))
    click.echo(render_config(config), nl=False)


@main.command("rules")
def list_rules() -> None:
    """List every rule: code, name, severity and summary."""
    rules = all_rules()
    code, name, severity = (max((len(getattr(rule, field)) for rule in rules), default=0)
                            for field in ("code", "name", "severity"))
    for rule in rules:
        click.echo(f"{rule.code:<{code}}  {rule.name:<{name}}  {rule.severity:<{severity}}  "
                   f"{rule.summary}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print a rule's documentation, examples and fix."""
    rule = rule_by_code(code)
    if rule is None:
        _fail(f"unknown rule: {code}; `statelint rules` lists them")
    click.echo(rule.documentation())


#: Formats of ``statelint handlers``, one module each in ``statelint.handler_formats``.
#: Listed here rather than discovered so that loading the CLI never imports that
#: package: ``check`` keeps working even in an install that lacks it.
INVENTORY_FORMATS = ("text", "json", "markdown", "dot")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "--output-format", "output_format",
              type=click.Choice(INVENTORY_FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the inventory to FILE (atomically).")
@click.option("--fail-on-stateful", is_flag=True, help="Exit 1 when any handler is stateful.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Read the configuration from FILE instead of looking for one.")
@click.option("--select", multiple=True,
              help="Rule codes, prefixes or names to run (comma-separated or repeated).")
@click.option("--ignore", multiple=True,
              help="Rule codes, prefixes or names to skip (comma-separated or repeated).")
@click.option("--per-file-ignores", multiple=True, metavar="GLOB:CODES",
              help="Skip rules in matching files, e.g. 'tests/*:SL101' (repeatable).")
@click.option("--exclude", multiple=True,
              help="Names or path globs never scanned; replaces the default list.")
@click.option("--extend-exclude", multiple=True,
              help="Names or path globs never scanned, added to the list.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None,
              help="Skip files git ignores (default: on).")
@click.option("-j", "--jobs", type=int, default=None, help="Worker processes (0: one per core).")
@click.option("--max-file-size", default=None, metavar="BYTES",
              help="Skip files larger than this, e.g. 2097152 or '2 MiB' (default: 1 MiB; 0: no "
                   "limit).")
@_cache_options
@click.option("--color/--no-color", default=None, help="Colour the text output.")
@click.option("--sort", "sort_key", default="file", show_default=True,
              type=click.Choice(("file", "path", "endpoint", "methods", "handler", "framework",
                                 "verdict")),
              help="Order each application's routes by this column.")
@click.option("--all-methods", is_flag=True,
              help="Also show the methods the framework adds itself (Flask's HEAD and OPTIONS).")
def handlers(paths: tuple[str, ...], output_format: str, output: str | None,
             fail_on_stateful: bool, config_file: str | None, select: tuple[str, ...],
             ignore: tuple[str, ...], per_file_ignores: tuple[str, ...],
             exclude: tuple[str, ...], extend_exclude: tuple[str, ...], jobs: int | None,
             max_file_size: str | None, color: bool | None,
             respect_gitignore: bool | None, no_cache: bool, cache_dir: str | None,
             lazy: bool, sort_key: str, all_methods: bool) -> None:
    """List every request handler in PATHS with its verdict and the state behind it.

    An inventory, not a gate: exits 0 unless --fail-on-stateful is given and a
    handler is stateful (1), or on a usage, configuration or internal error (2).
    The scan is the one ``check`` runs, with the same configuration, so both
    commands give every handler the same verdict for the same reasons.
    """
    from statelint.engine import scan
    from statelint.handler_formats import renderer as inventory_renderer
    from statelint.inventory import build_inventory

    scanned = _checked_paths(paths, output)
    missing = _missing_paths(paths)
    config = load_run_config(scanned, config_file, _overrides(
        select=select, ignore=ignore, per_file_ignores=per_file_ignores, exclude=exclude,
        extend_exclude=extend_exclude, respect_gitignore=respect_gitignore, jobs=jobs,
        max_file_size=max_file_size))
    try:
        result = scan(scanned, config=config, jobs=config.jobs, cache=not no_cache,
                      cache_dir=cache_dir, exhaustive=not lazy,
                      progress=_show_progress(output_format))
    except Exception as error:  # exit 2 with one line, never a traceback
        _fail(f"internal error: {type(error).__name__}: {error}; this is a bug in statelint, "
              "please report it")
        raise  # unreachable: _fail exits
    for note in result.notes:
        click.echo(f"statelint: {printable(note)}", err=True)
    use_colour = color if color is not None else (output is None and sys.stdout.isatty()
                                                 and "NO_COLOR" not in os.environ)
    inventory = build_inventory(result, sort=sort_key, all_methods=all_methods)
    text = inventory_renderer(output_format)(inventory, colour=bool(use_colour))
    write_output(text, output)
    if result.failed or _report_missing(missing):
        sys.exit(EXIT_ERROR)
    if fail_on_stateful and result.stateful_handlers:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


@main.command()
def server() -> None:
    """Run the language server (LSP over standard input and output) for editors.

    Diagnostics for the project of the editor's workspace folder, a verdict on each
    handler, and a quick fix that suppresses a finding.  Needs the server extra:
    pip install 'statelint[server]'.
    """
    try:
        from statelint.server import serve
    except ImportError as error:
        _fail(f"statelint server needs the server extra: pip install 'statelint[server]' "
              f"({error})")
    serve()


if __name__ == "__main__":  # pragma: no cover
    main()
