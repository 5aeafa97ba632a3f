"""The contract between the engine and the rule catalogue.

A rule is a small judgement over the linked project: it never walks a syntax
tree.  Each rule lives in its own file in the catalogue (``rules/`` in the
source tree, ``statelint.rules`` once installed) and carries its documentation
and its own examples, which the test suite runs.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

from statelint.model import Finding, Severity

if TYPE_CHECKING:
    from statelint.project import Project


@dataclass(frozen=True)
class Example:
    """A small project (files by relative path) that a rule must judge as stated.

    ``stateful`` examples must produce exactly the findings of the rule listed in
    ``findings`` (path, line and the start of the message) and make the handlers
    named in ``handlers`` stateful; ``self-contained`` examples must produce no
    finding of the rule.
    """

    files: dict[str, str]
    kind: str  # "stateful" | "self-contained"
    title: str = ""
    handlers: tuple[str, ...] = ()
    #: what the rule reports on a stateful example: (path, line, start of the message)
    findings: tuple[tuple[str, int, str], ...] = ()


class Rule:
    """Base class of every rule.  Subclasses set the class attributes and ``check``."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = "error"
    summary: ClassVar[str] = ""
    #: How a handler depends on this state: reads, writes, caches, connections,
    #: disk, background, config.
    how: ClassVar[str] = "writes"
    what_it_finds: ClassVar[str] = ""
    why_stateful: ClassVar[str] = ""
    how_to_fix: ClassVar[str] = ""
    examples: ClassVar[tuple[Example, ...]] = ()
    #: The rule reads the semantic model (``statelint.semantic``): the engine solves it
    #: before the rules run and times it as a stage of its own.
    uses_model: ClassVar[bool] = False
    #: What makes a file matter to this rule on its own, even when no handler reaches
    #: it (a setting, an object or a call the rule looks for in every module).  Lazy
    #: scans parse every file holding one of these (see ``statelint.prescan``): a
    #: name matches as a whole word, ``name(`` as a call, ``.name(`` as a method
    #: call and ``"name"`` as a string literal.  Err on the side of more tokens.
    prescan_tokens: ClassVar[tuple[str, ...]] = ()

    def check(self, project: Project) -> Iterable[Finding]:
        """Yield the findings of this rule over a linked project."""
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        """The rule's documentation as Markdown: what, why, examples, fix."""
        parts = [
            f"# {cls.code} {cls.name}",
            "",
            cls.summary,
            "",
            "## What it finds",
            "",
            cls.what_it_finds.strip(),
            "",
            "## Why it makes a service stateful",
            "",
            cls.why_stateful.strip(),
            "",
            "## How to move the state out",
            "",
            cls.how_to_fix.strip(),
        ]
        for example in cls.examples:
            label = "Stateful" if example.kind == "stateful" else "Self-contained"
            title = f": {example.title}" if example.title else ""
            parts += ["", f"## {label} example{title}", ""]
            for path, text in example.files.items():
                parts += [f"`{path}`", "", "```python", text.strip("\n"), "```", ""]
            for path, line, message in example.findings:
                parts += [f"Reported at `{path}:{line}`: {message} ...", ""]
        return "\n".join(parts).rstrip() + "\n"


CATALOGUE_PACKAGE = "statelint.rules"


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class in the catalogue, sorted by code.

    Rules are found by walking the catalogue package, so there is no list of
    rules to keep in sync with the files.
    """
    package = importlib.import_module(CATALOGUE_PACKAGE)
    found: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{CATALOGUE_PACKAGE}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
                and value.code
            ):
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def rule_by_code(code: str) -> type[Rule] | None:
    """Look a rule up by code (``SL101``) or name (``mutable-module-state``)."""
    for rule in all_rules():
        if code.upper() == rule.code or code == rule.name:
            return rule
    return None
