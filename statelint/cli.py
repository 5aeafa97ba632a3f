"""The command line: ``statelint check``, ``rules``, ``explain``.

Exit codes: 0 nothing at or above the failure threshold, 1 findings, 2 usage,
configuration or internal error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from statelint import __version__
from statelint.model import SEVERITY_RANK, ScanResult
from statelint.reporters import available_formats, renderer
from statelint.rule import all_rules, rule_by_code

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def _fail(message: str) -> None:
    click.echo(f"statelint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def exit_code(result: ScanResult, fail_on: str) -> int:
    """0, 1 or 2 for a finished scan, given the failure threshold."""
    if any(problem.kind == "internal" for problem in result.problems):
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


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(available_formats()), default="text",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]),
              default="warning", show_default=True,
              help="Lowest severity that makes the exit code 1.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--select", default="", help="Comma-separated rule codes or prefixes to run.")
@click.option("--ignore", default="", help="Comma-separated rule codes or prefixes to skip.")
@click.option("-j", "--jobs", type=int, default=0, help="Worker processes (0: one per core).")
@click.option("--statistics", is_flag=True, help="Print the time each stage took to stderr.")
@click.option("--color/--no-color", default=None, help="Colour the text output.")
def check(paths: tuple[str, ...], output_format: str, output: str | None, fail_on: str,
          exit_zero: bool, select: str, ignore: str, jobs: int, statistics: bool,
          color: bool | None) -> None:
    """Scan PATHS (default: the current directory) and report process-local state."""
    from statelint.engine import scan

    for path in paths:
        if not os.path.exists(path):
            _fail(f"path does not exist: {path}")
    rules = _selected_rules(select, ignore)
    result = scan(list(paths) or ["."], jobs=jobs, rules=rules)
    if output_format == "text":
        from statelint.reporters import text as text_reporter

        use_colour = color if color is not None else (output is None and sys.stdout.isatty()
                                                     and "NO_COLOR" not in os.environ)
        text_reporter.COLOUR = bool(use_colour)
    write_output(renderer(output_format)(result, rules), output)
    if statistics:
        for stage, seconds in result.statistics.items():
            click.echo(f"{stage:>10}: {seconds:.3f}s", err=True)
    code = exit_code(result, fail_on)
    if exit_zero and code == EXIT_FINDINGS:
        code = EXIT_OK
    sys.exit(code)


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


@main.command("rules")
def list_rules() -> None:
    """List every rule: code, name, severity and summary."""
    for rule in all_rules():
        click.echo(f"{rule.code}  {rule.name:<28} {rule.severity:<8} {rule.summary}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print a rule's documentation, examples and fix."""
    rule = rule_by_code(code)
    if rule is None:
        _fail(f"unknown rule: {code}; `statelint rules` lists them")
    click.echo(rule.documentation())


if __name__ == "__main__":  # pragma: no cover
    main()
