"""Names of the files and folders statelint looks for in a scanned tree.

Kept apart from discovery and configuration so that the replay check
(``statelint.replay``), which runs before anything else is imported, reads the
same names.
"""

from __future__ import annotations

#: Folder names discovery never enters.
DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", ".tox", ".nox", ".venv", "venv", ".env",
        "node_modules", "build", "dist", "__pycache__", ".eggs", "site-packages",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".statelint_cache",
        ".ipynb_checkpoints", "__pypackages__",
    }
)

#: Configuration files, searched in this order in each folder from the first scanned
#: path up to the repository root: a dedicated file wins over pyproject.toml.
CONFIG_FILENAMES: tuple[str, ...] = (".statelint.toml", "statelint.toml", "pyproject.toml")
