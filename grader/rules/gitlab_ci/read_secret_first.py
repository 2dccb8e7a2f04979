"""Premier job `read_secret` qui étend `.vault:read_secret`.

Ce que vérifie la règle
    La CI a un job qui étend `.vault:read_secret`, et il est dans le premier stage de `stages`.

Pourquoi
    REF 33 — services/vault et README du catalogue : ce job lit les secrets CI du projet ; il est
    « obligatoire pour construire un artefact ». Sans lui, la chaîne ne construit rien : erreur partout.

Exemple refusé
```gitlab-ci
include:
  - project: $CATALOG_PATH
    file: [vault-ci.yml, kaniko-ci.yml]
    ref: main
stages: [build, read-secret]
docker-build:
  stage: build
  extends: .kaniko:simple-build-push
```

À la place
```gitlab-ci
include:
  - project: $CATALOG_PATH
    file: [vault-ci.yml, kaniko-ci.yml]
    ref: main
stages: [read-secret, build]
read_secret:
  stage: read-secret
  extends: .vault:read_secret
docker-build:
  stage: build
  extends: .kaniko:simple-build-push
```

Limites connues
    Les jobs hérités d'un fichier inclus ne sont pas lus (le catalogue ne fournit que le modèle).
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.gitlab_ci._ci import extends, jobs
from grader.rules.model import Finding, finding

ID = "ci-read-secret-first"
REF = 33
KINDS = ("gitlab_ci",)
SOURCE = "https://cloud-pi-native.fr/services/vault"
MESSAGE_FR = "{detail}"
HINT_FR = "Ajoutez `read_secret: {{stage: read-secret, extends: .vault:read_secret}}` et mettez read-secret en tête de stages."
TEMPLATE = ".vault:read_secret"


def check(obj, ctx) -> Iterator[Finding]:
    found = [(name, job) for name, job in jobs(obj) if TEMPLATE in extends(job)]
    if not found:
        yield finding("", detail="Aucun job n'étend .vault:read_secret : les secrets CI ne sont pas lus.")
        return
    stages = obj.get("stages")
    if isinstance(stages, list) and stages:
        name, job = found[0]
        if job.get("stage") != stages[0]:
            yield finding(f"{name}/stage", detail=f"Le job {name} est au stage {job.get('stage')!r}, "
                                                  f"pas au premier stage ({stages[0]!r}).")
