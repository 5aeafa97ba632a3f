"""Reading source files: decoding (BOM, PEP 263 cookies) and suppression comments."""

from __future__ import annotations

import io
import re
import tokenize

from statelint.model import Suppression

_SUPPRESSION = re.compile(
    r"#\s*statelint\s*:\s*ignore\b(?:\s*\[(?P<codes>[^\]]*)\])?", re.IGNORECASE
)


def decode_source(source: bytes) -> str:
    """Decode Python source bytes the way the interpreter would.

    Honours a UTF-8 BOM and a PEP 263 coding cookie; raises ``UnicodeDecodeError``
    or ``SyntaxError`` (unknown encoding) with a message naming the problem.
    """
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    text = source.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def parse_suppression_comment(comment: str) -> tuple[str, ...] | None:
    """Codes named by a ``# statelint: ignore[...]`` comment.

    Returns ``()`` for a bare ``# statelint: ignore`` (every rule), ``None`` when
    the text holds no statelint suppression.
    """
    match = _SUPPRESSION.search(comment)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return ()
    return tuple(code.strip().upper() if code.strip()[:2].isalpha() and code.strip()[2:].isdigit()
                 else code.strip() for code in codes.split(",") if code.strip())


def find_suppressions(text: str) -> tuple[Suppression, ...]:
    """Every suppression comment of a source text, by line."""
    if "statelint" not in text and "STATELINT" not in text.upper():
        return ()
    found: list[Suppression] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        codes = parse_suppression_comment(line[line.index("#"):])
        if codes is not None:
            found.append(Suppression(number, codes))
    return tuple(found)
