"""Code frames for ``--show-source``: the source lines a finding points at, with a
marker under the columns it covers, in the shape ruff prints::

       |
    17 | CARTS: dict[str, list[str]] = {}
       | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ SL101
       |

The file is read again when the report is rendered, so it may have changed or
gone since the scan: a file that cannot be read or decoded, is not a regular
file, or no longer has the lines the finding names gets no frame (the finding is
printed as usual).  Nothing here raises for a file's content.

This module's name starts with an underscore so that the reporters package does
not take it for an output format.
"""

from __future__ import annotations

import io
import os
import stat
import tokenize
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from statelint.model import Finding
from statelint.reporters.concise import printable

#: Lines shown at most for a finding that spans more (the rest is elided).
MAX_FRAME_LINES = 6
#: Files larger than this are not read for a frame (statelint does not analyse them anyway).
MAX_FRAME_FILE_BYTES = 8 * 1024 * 1024
TAB_WIDTH = 4


def _char_width(char: str) -> int:
    """Columns a character takes in a terminal: 0 for combining marks, 2 for wide ones."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _display(text: str) -> tuple[str, list[int]]:
    """``text`` as printed (tabs expanded, control characters escaped) and, for each
    character of ``text`` and the end, the terminal column where it starts."""
    shown: list[str] = []
    starts: list[int] = []
    column = 0
    for char in text:
        starts.append(column)
        if char == "\t":
            piece = " " * (TAB_WIDTH - column % TAB_WIDTH)
            width = len(piece)
        else:
            piece = printable(char)
            width = len(piece) if piece != char else _char_width(char)
        shown.append(piece)
        column += width
    starts.append(column)
    return "".join(shown), starts


@dataclass
class SourceFrames:
    """Renders frames for the findings of one report, reading each file once.

    ``root`` is the scan root the findings' paths are relative to.  One instance
    serves one rendering; the lines it read are kept only for that long.
    """

    root: Path
    _lines: dict[str, list[str] | None] = field(default_factory=dict)

    def lines_of(self, relpath: str) -> list[str] | None:
        """The lines of a scanned file as text, or None when it cannot be read now."""
        if relpath not in self._lines:
            self._lines[relpath] = _read_lines(self.root / relpath)
        return self._lines[relpath]

    def frame(self, finding: Finding, *, indent: str = "  ") -> list[str]:
        """The frame under ``finding``, as lines without newlines; ``[]`` for none."""
        lines = self.lines_of(finding.path)
        first = finding.line
        if lines is None or first < 1 or first > len(lines):
            return []
        if finding.column > len(lines[first - 1]):
            return []  # the file changed since the scan: this is not the line it found
        last = min(max(finding.end_line, first), len(lines))
        numbers = list(range(first, last + 1))
        if len(numbers) > MAX_FRAME_LINES:
            numbers = numbers[:MAX_FRAME_LINES - 1] + [last]
        gutter = len(str(numbers[-1]))
        blank = f"{indent}{' ' * gutter} |"
        out = [blank]
        previous = None
        for number in numbers:
            if previous is not None and number != previous + 1:
                out.append(f"{indent}{'.' * gutter} |")
            previous = number
            text = lines[number - 1]
            shown, starts = _display(text)
            out.append(f"{indent}{number:>{gutter}} | {shown}".rstrip())
            if number == first:
                start = finding.column
                if finding.end_line == first and finding.end_column > start:
                    end = min(finding.end_column, len(text))
                else:
                    end = len(text.rstrip())
                width = max(1, starts[max(end, start)] - starts[start])
                out.append(f"{blank} {' ' * starts[start]}{'^' * width} {finding.rule}")
        out.append(blank)
        return out


def _read_lines(path: Path) -> list[str] | None:
    """A regular file's text split into lines (decoded as Python decodes source)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FRAME_FILE_BYTES:
            return None
        with open(path, "rb") as handle:
            data = handle.read(MAX_FRAME_FILE_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_FRAME_FILE_BYTES:
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    # Split as Python counts lines: \n, \r\n and \r end a line; form feeds and other
    # separators str.splitlines knows do not.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
