"""Names that look like credentials, shared by the secret rules (env vars, ENV/ARG, Helm values)."""
from __future__ import annotations

import re

# Compared on the name in lower case without separators: DB_PASSWORD → dbpassword, apiKey → apikey.
SECRET_ENDINGS = ("password", "passwd", "pwd", "secret", "token", "apikey", "privatekey", "secretkey",
                  "secretaccesskey", "credentials", "credential", "clientsecret", "authtoken")
# …unless the value only names or locates the secret: existingSecret, secretName, passwordKey, tokenFile.
NOT_SECRET_ENDINGS = ("name", "ref", "path", "file", "enabled", "mount", "dir", "url", "passwordkey", "tokenkey",
                      "secretkeyref", "policy", "length", "type")
PLACEHOLDER = re.compile(r"^(\s*|changeme|change-me|<.*>|\$\{.*\}|\$\(.*\)|\$\w+|\{\{.*\}\}|xxx+|\*+|ENC\[.*\])$", re.I)


def secret_key(name: str) -> bool:
    """A key whose value is a secret itself (not the name, path or key of one)."""
    flat = re.sub(r"[^a-z0-9]", "", name.lower())
    if "existing" in flat or flat.endswith(NOT_SECRET_ENDINGS):
        return False
    return flat.endswith(SECRET_ENDINGS)


def is_literal(value) -> bool:
    """A real value written in clear (not empty, not a placeholder, not a reference)."""
    return isinstance(value, (str, int)) and not isinstance(value, bool) and not PLACEHOLDER.match(str(value))
