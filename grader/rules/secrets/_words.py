"""Names that look like credentials, shared by the secret rules."""
from __future__ import annotations

import re

SECRET_NAME = re.compile(r"(pass(word|wd)?|pwd|secret|token|api[_-]?key|private[_-]?key|credentials?)$|"
                         r"^(pass(word|wd)?|secret|token)", re.I)
PLACEHOLDER = re.compile(r"^(\s*|changeme|change-me|<.*>|\$\{.*\}|\$\w+|\{\{.*\}\}|xxx+|\*+|ENC\[.*\])$", re.I)


def looks_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(name.replace("-", "_").rsplit(".", 1)[-1]))


def is_literal(value) -> bool:
    """A real value written in clear (not empty, not a placeholder, not a reference)."""
    return isinstance(value, (str, int)) and not isinstance(value, bool) and not PLACEHOLDER.match(str(value))

NOT_A_SECRET = re.compile(r"(existing|name$|ref$|path$|enabled$|file$|mount$|keys?$)", re.I)


def secret_key(name: str) -> bool:
    """A key whose value is a secret itself (not the name or path of one)."""
    return looks_secret(name) and not NOT_A_SECRET.search(name)
