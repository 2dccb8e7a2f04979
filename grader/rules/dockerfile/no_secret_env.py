"""Pas de secret en clair dans `ENV` ou `ARG`.

Ce que vérifie la règle
    Aucune instruction `ENV` ou `ARG` ne donne une valeur littérale à une variable dont le nom évoque
    un secret (`*PASSWORD`, `*SECRET`, `*TOKEN`, `*API_KEY`…).

Pourquoi
    REF 23 — bonnes pratiques « Secrets » : le Dockerfile est dans git et les ENV restent lisibles
    dans chaque couche de l'image (`docker history`). Erreur partout.

Exemple refusé
```dockerfile
FROM docker.io/library/python:3.12-slim
ENV DB_PASSWORD=s3cret
USER 1001
```

À la place
```dockerfile
FROM docker.io/library/python:3.12-slim
ENV DB_HOST=postgres-svc
USER 1001
```

Limites connues
    Une valeur vide ou une référence `$VAR` est acceptée ; les secrets de build passent par
    `RUN --mount=type=secret`.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.model import Finding, finding
from grader.rules.secrets._words import is_literal, secret_key

ID = "dockerfile-no-secret-env"
REF = 23
KINDS = ("dockerfile",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "{keyword} {name} : secret en clair dans l'image."
HINT_FR = "Passez le secret à l'exécution (secretKeyRef dans le Deployment) ; au build, `RUN --mount=type=secret`."
_PAIR = re.compile(r"(\w+)=(\"[^\"]*\"|'[^']*'|\S+)")


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    for instruction in obj.instructions:
        if instruction.keyword not in ("ENV", "ARG"):
            continue
        pairs = _PAIR.findall(instruction.args)
        if not pairs and instruction.keyword == "ENV" and " " in instruction.args.strip():
            key, _, value = instruction.args.strip().partition(" ")
            pairs = [(key, value)]
        for name, value in pairs:
            if secret_key(name) and is_literal(value.strip("\"'")):
                yield finding(line=instruction.line, keyword=instruction.keyword, name=name)
