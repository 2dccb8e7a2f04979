"""Pas de `docker push` ni de publication hors de la chaîne.

Ce que vérifie la règle
    Aucun script de la CI ne lance `docker push`, `podman push`, `skopeo copy` vers un registre, ni
    `curl --upload-file`/`-T` (dépôt de binaires à la main dans Nexus).

Pourquoi
    REF 16 — FAQ : les images sont construites et poussées par la chaîne DSO (kaniko → Harbor) ; pas
    de `docker push` d'images construites ailleurs, pas de binaires déposés dans Nexus hors de la
    chaîne. Erreur partout.

Exemple refusé
```gitlab-ci
publish:
  script:
    - docker push docker.io/jdupont/web:1.0.0
```

À la place
```gitlab-ci
docker-build:
  variables: {IMAGE_NAME: web}
  extends: .kaniko:simple-build-push
```

Limites connues
    Les scripts appelés par la CI (`./deploy.sh`) ne sont pas lus.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules._text import find_then
from grader.rules.gitlab_ci._ci import jobs, script_lines
from grader.rules.model import Finding, finding

ID = "ci-no-docker-push"
REF = 16
KINDS = ("gitlab_ci",)
SOURCE = "https://cloud-pi-native.fr/agreement/faq"
MESSAGE_FR = "Le job {job} publie hors de la chaîne : {what}."
HINT_FR = "Laissez la chaîne construire et pousser l'image (extends: .kaniko:simple-build-push) et les paquets (modèles npm/maven)."
PUSH = re.compile(r"\b(docker\s+push|podman\s+push|buildah\s+push|skopeo\s+copy)")
CURL, UPLOAD = re.compile(r"\bcurl\b"), re.compile(r"\s(?:--upload-file|-T)\s")   # `curl … -T file`


def check(obj, ctx) -> Iterator[Finding]:
    for name, job in jobs(obj):
        for line in script_lines(job):
            match = PUSH.search(line)
            what = match.group(1) if match else find_then(line, CURL, UPLOAD)
            if what:
                yield finding(f"{name}/script", job=name, what=what.strip())
