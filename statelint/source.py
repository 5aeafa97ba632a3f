"""Reading source files: decoding (BOM, PEP 263 cookies) and finding suppression comments."""

from __future__ import annotations

import io
import tokenize

from statelint.model import Suppression
from statelint.suppress import parse_suppression_comment

__all__ = ["decode_source", "find_suppressions", "parse_suppression_comment"]


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


def find_suppressions(text: str) -> tuple[Suppression, ...]:
    """Every ``# statelint: ignore`` comment of a source text, by line.

    Only real comments count: tokenizing the text keeps a ``#`` inside a string
    (``"# statelint: ignore"``) from passing for a suppression.  Text that does
    not tokenize (the parse stage reports it as a syntax error anyway) falls back
    to a line scan.  The comment syntax itself is :func:`statelint.suppress.parse_suppression_comment`.
    """
    if "statelint" not in text.lower():
        return ()
    try:
        comments = [
            (token.start[0], token.string)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        comments = [
            (number, line[line.index("#"):])
            for number, line in enumerate(text.splitlines(), start=1)
            if "#" in line
        ]
    found: list[Suppression] = []
    for number, comment in comments:
        codes = parse_suppression_comment(comment)
        if codes is not None:
            found.append(Suppression(number, codes))
    return tuple(found)
