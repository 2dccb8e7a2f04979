"""Dépendances depuis des dépôts connus (pas de `curl | sh`, pas d'index inconnu).

Ce que vérifie la règle
    Les scripts de la CI ne téléchargent pas de code exécuté aussitôt (`curl … | sh`,
    `wget -O- … | bash`) et n'installent pas depuis une URL ou un dépôt git arbitraire
    (`pip install git+…`, `pip install https://…`, `npm install https://…`).

Pourquoi
    REF 42 — bonnes pratiques §2 : dépendances seulement depuis les dépôts connus (Maven, npm,
    PyPI… par le proxy Nexus de l'offre) ou construites par l'offre. Avertissement.

Exemple refusé
```gitlab-ci
build-app:
  image: docker.io/library/node:22-alpine
  script:
    - curl -fsSL https://example.com/install.sh | sh
    - npm ci
```

À la place
```gitlab-ci
build-app:
  image: docker.io/library/node:22-alpine
  script:
    - npm ci
```

Limites connues
    Les fichiers de dépendances (package.json, pom.xml) ne sont pas lus.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules._text import find_then
from grader.rules.gitlab_ci._ci import jobs, script_lines
from grader.rules.model import Finding, finding

ID = "ci-known-dependency-sources"
REF = 42
KINDS = ("gitlab_ci",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Le job {job} récupère du code hors des dépôts connus : {what}."
HINT_FR = "Déclarez la dépendance dans le gestionnaire du projet (npm, Maven, pip) et passez par le Nexus de l'offre."
FETCH, SHELL = re.compile(r"(?:curl|wget)\b"), re.compile(r"\s*(?:sudo\s+)?(?:ba|z)?sh\b")
INSTALLS = ((re.compile(r"pip3?\s+install\s"), re.compile(r"git\+|https?://")),
            (re.compile(r"npm\s+(?:install|i)\s"), re.compile(r"https?://|git\+|github:")))


def unknown_source(line: str) -> str | None:
    """`curl … | sh`, `pip install git+…`, `npm install https://…` (linear in the line's length)."""
    parts = line.split("|")
    offset = 0
    for part, after in zip(parts, parts[1:]):
        fetch = FETCH.search(part)
        shell = SHELL.match(after)
        if fetch and shell:
            return line[offset + fetch.start():offset + len(part) + 1 + shell.end()]
        offset += len(part) + 1
    for first, then in INSTALLS:
        found = find_then(line, first, then)
        if found:
            return found
    return None


def check(obj, ctx) -> Iterator[Finding]:
    for name, job in jobs(obj):
        for line in script_lines(job):
            what = unknown_source(line)
            if what:
                yield finding(f"{name}/script", job=name, what=what[:80])
