"""Images construites avec kaniko, sans démon Docker.

Ce que vérifie la règle
    Aucun job n'utilise `docker build`, `docker:dind` ou l'image `docker:` ; la CI a au moins un job
    de construction kaniko (`extends: .kaniko:…` du catalogue, ou l'exécuteur kaniko).

Pourquoi
    REF 33 — services/vault, README du catalogue : il n'y a pas de démon Docker sur les runners
    OpenShift ; `docker build` échoue partout. Erreur partout.

Exemple refusé
```gitlab-ci
build:
  image: docker.io/library/docker:27
  services: [docker:27-dind]
  script:
    - docker build -t $IMAGE .
```

À la place
```gitlab-ci
docker-build:
  variables: {IMAGE_NAME: web}
  extends: .kaniko:simple-build-push
```

Limites connues
    Buildkit (`.buildkit:…` du catalogue) est accepté comme kaniko.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules.gitlab_ci._ci import image_name, is_build_job, jobs, script_lines
from grader.rules.model import Finding, finding

ID = "ci-kaniko-build"
REF = 33
KINDS = ("gitlab_ci",)
SOURCE = "https://cloud-pi-native.fr/services/vault"
MESSAGE_FR = "{detail}"
HINT_FR = "Construisez l'image avec le modèle du catalogue : `extends: .kaniko:simple-build-push` (kaniko-ci.yml)."
DOCKER = re.compile(r"\bdocker\s+(build|buildx)\b")


def check(obj, ctx) -> Iterator[Finding]:
    builds = 0
    for name, job in jobs(obj):
        builds += is_build_job(job)
        services = [str(s.get("name", "")) if isinstance(s, dict) else str(s) for s in job.get("services") or []]
        if any("dind" in s for s in services) or re.match(r"^(docker\.io/(library/)?)?docker(:|$)", image_name(job)):
            yield finding(name, detail=f"Le job {name} utilise un démon Docker (docker:dind) : absent sur la plateforme.")
        elif any(DOCKER.search(line) for line in script_lines(job)):
            yield finding(f"{name}/script", detail=f"Le job {name} lance docker build : pas de démon Docker sur la plateforme.")
    if builds == 0:
        yield finding("", detail="Aucun job ne construit l'image avec kaniko.")
