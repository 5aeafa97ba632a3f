"""Short-code generation: pure functions and constants."""

from __future__ import annotations

import re
import secrets
import string

ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 7
CODE_RE = re.compile(rf"^[{re.escape(ALPHABET)}]{{{CODE_LENGTH}}}$")
RESERVED = frozenset({"healthz", "links", "ws", "admin", "static"})


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if code.lower() not in RESERVED:
            return code
