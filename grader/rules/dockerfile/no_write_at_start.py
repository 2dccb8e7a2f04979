"""Pas d'écriture dans l'image au démarrage (système de fichiers en lecture seule).

Ce que vérifie la règle
    `CMD` et `ENTRYPOINT` de l'étape finale n'écrivent pas dans l'image : pas de `sed -i`, de
    `touch`, `mkdir`, `cp`, `mv`, `chmod`, `chown`, ni de redirection `>` vers un fichier hors de
    `/tmp` et `/dev`.

Pourquoi
    REF 6 — prérequis techniques, CCT EXI-ARCH-18, FAQ : le système de fichiers du conteneur est en
    lecture seule ; seules les zones montées (emptyDir sur /tmp…) sont inscriptibles. Tester avec
    `docker run --read-only`. Heuristique : avertissement.

Exemple refusé
```dockerfile
FROM docker.io/nginxinc/nginx-unprivileged:1.27.3
USER 101
CMD ["sh", "-c", "sed -i s/PORT/8080/ /etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'"]
```

À la place
```dockerfile
FROM docker.io/nginxinc/nginx-unprivileged:1.27.3
COPY default.conf /etc/nginx/conf.d/default.conf
USER 101
CMD ["nginx", "-g", "daemon off;"]
```

Limites connues
    Les scripts d'entrée copiés dans l'image (`entrypoint.sh`) ne sont pas lus.
"""
from __future__ import annotations

import bisect
import re
from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.dockerfile._startup import startup
from grader.rules.model import Finding, finding

ID = "dockerfile-no-write-at-start"
REF = 6
KINDS = ("dockerfile",)
SOURCE = "https://cloud-pi-native.fr/platform/compatibility"
MESSAGE_FR = "{keyword} écrit dans l'image au démarrage ({what}) : impossible avec un système de fichiers en lecture seule."
HINT_FR = "Faites ces modifications au build (RUN) ou écrivez dans un volume monté (/tmp en emptyDir)."
_WRITES = re.compile(r"\bsed\s+(?:-\w+\s+)*-i|>>?\s*(?!/dev/|/tmp/|&)[\w./$]")
_FILE_CMD = re.compile(r"\b(touch|mkdir|cp|mv|chmod|chown|ln)\s+")
_TMP = re.compile(r"\s/tmp")


def writes(command: str) -> str | None:
    """First write at start: `sed -i`, a redirection, or a file command with no ` /tmp` after it on its line.

    Linear: the positions of ` /tmp` are found once (a lookahead would rescan the line
    after every command word).
    """
    found = []
    match = _WRITES.search(command)
    if match:
        found.append((match.start(), match.group(0)))
    tmps = [m.start() for m in _TMP.finditer(command)]
    for cmd in _FILE_CMD.finditer(command):
        after = bisect.bisect_left(tmps, cmd.end())
        newline = command.find("\n", cmd.end())
        if after == len(tmps) or (newline != -1 and tmps[after] > newline):
            found.append((cmd.start(), cmd.group(0)))
            break
    return min(found)[1] if found else None


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    for instruction in startup(obj):
        what = writes(instruction.command)
        if what:
            yield finding(line=instruction.line, keyword=instruction.keyword, what=what.strip())
