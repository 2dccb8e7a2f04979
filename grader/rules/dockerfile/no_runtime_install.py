"""Pas d'installation de paquets au démarrage du conteneur.

Ce que vérifie la règle
    `CMD` et `ENTRYPOINT` de l'étape finale n'installent rien : pas de `apt-get install`,
    `apk add`, `yum`/`dnf install`, `pip install`, `npm install`/`npm ci`, `gem install`.

Pourquoi
    REF 7 — CCT EXI-ARCH-18 : l'image ne se modifie pas au démarrage ; tout est installé au build.
    Au démarrage le dépôt est peut-être injoignable et le système de fichiers est en lecture seule.
    Heuristique : avertissement.

Exemple refusé
```dockerfile
FROM docker.io/library/node:22-alpine
WORKDIR /app
COPY . .
USER 1001:0
CMD ["sh", "-c", "npm install && node server.js"]
```

À la place
```dockerfile
FROM docker.io/library/node:22-alpine
WORKDIR /app
COPY . .
RUN npm ci --omit=dev
USER 1001:0
CMD ["node", "server.js"]
```

Limites connues
    Les scripts d'entrée copiés dans l'image ne sont pas lus.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.dockerfile._startup import startup
from grader.rules.model import Finding, finding

ID = "dockerfile-no-runtime-install"
REF = 7
KINDS = ("dockerfile",)
SOURCE = "https://github.com/cloud-pi-native/cct-cloud-native/blob/main/cct-exigences.md"
MESSAGE_FR = "{keyword} installe des paquets au démarrage ({what})."
HINT_FR = "Installez les dépendances au build, dans une instruction RUN (idéalement dans une étape de build)."
INSTALL = re.compile(r"\b(apt-get\s+install|apt\s+install|apk\s+add|yum\s+install|dnf\s+install|microdnf\s+install|"
                     r"pip3?\s+install|npm\s+(?:install|ci|i)\b|yarn\s+install|gem\s+install|composer\s+install)")


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    for instruction in startup(obj):
        match = INSTALL.search(instruction.command)
        if match:
            yield finding(line=instruction.line, keyword=instruction.keyword, what=match.group(1))
