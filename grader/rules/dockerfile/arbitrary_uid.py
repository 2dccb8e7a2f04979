"""Fichiers de l'application au groupe 0 (UID arbitraire d'OpenShift).

Ce que vérifie la règle
    Dans l'étape finale, `COPY --chown`/`ADD --chown` et `RUN chown` donnent les fichiers au groupe
    `0` (`--chown=1001:0`, `chown -R 1001:0`), pas à un groupe particulier ni sans groupe.

Pourquoi
    REF 2 — FAQ « l'uid est aléatoire », bonnes pratiques, tutoriels : OpenShift lance le conteneur
    avec un UID au hasard mais toujours dans le groupe 0 ; seuls les fichiers du groupe 0 (et
    `chmod g+rwX` si on y écrit) restent accessibles. Heuristique : avertissement.

Exemple refusé
```dockerfile
FROM docker.io/library/python:3.12-slim
COPY --chown=app:app . /app
USER 1001
```

À la place
```dockerfile
FROM docker.io/library/python:3.12-slim
COPY --chown=1001:0 . /app
RUN chmod -R g=u /app
USER 1001
```

Limites connues
    Les droits réellement nécessaires à l'exécution ne sont pas connus ; seule la propriété est lue.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.model import Finding, finding

ID = "dockerfile-arbitrary-uid"
REF = 2
KINDS = ("dockerfile",)
SOURCE = "https://cloud-pi-native.fr/agreement/faq"
MESSAGE_FR = "Propriété « {owner} » : le groupe n'est pas 0, un UID arbitraire ne pourra pas accéder aux fichiers."
HINT_FR = "Donnez les fichiers au groupe 0 (`--chown=1001:0`, `chown -R 1001:0`) et `chmod -R g=u`."
_CHOWN_FLAG = re.compile(r"--chown=(\S+)")
_CHOWN_CMD = re.compile(r"\bchown\s+(?:-\w+\s+)*([^\s-]\S*)")


def _bad(owner: str) -> bool:
    user, sep, group = owner.partition(":")
    return not sep or group not in ("0", "root")


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    if obj.final is None:
        return
    for instruction in obj.final.instructions:
        owners = []
        if instruction.keyword in ("COPY", "ADD"):
            owners = _CHOWN_FLAG.findall(instruction.args)
        elif instruction.keyword == "RUN":
            owners = _CHOWN_CMD.findall(instruction.command)
        for owner in owners:
            if _bad(owner):
                yield finding(line=instruction.line, owner=owner)
