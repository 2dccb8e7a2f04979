"""Image construite avec un tag traçable (SHA du commit, tag git, numéro de job).

Ce que vérifie la règle
    Pour chaque job de construction (kaniko ou buildkit du catalogue), les variables `TAG` et
    `IMAGE_NAMES` (du job ou globales), si elles sont données, font référence à `CI_COMMIT_SHA`,
    `CI_COMMIT_SHORT_SHA`, `CI_COMMIT_TAG` ou `CI_JOB_ID`, et aucun nom ne finit par `:latest`.

Pourquoi
    REF 13 — bonnes pratiques « Tag d'images », services/gitops : chaque image désigne un build
    unique, ce qui permet le retour arrière ; un tag de branche (`CI_COMMIT_REF_SLUG`) est écrasé à
    chaque commit. Conseil : avertissement.

Exemple refusé
```gitlab-ci
variables:
  TAG: "${CI_COMMIT_REF_SLUG}"
docker-build:
  variables: {IMAGE_NAME: web}
  extends: .kaniko:simple-build-push
```

À la place
```gitlab-ci
variables:
  TAG: "${CI_COMMIT_SHORT_SHA}"
docker-build:
  variables: {IMAGE_NAME: web}
  extends: .kaniko:simple-build-push
```

Limites connues
    Sans `TAG` ni `IMAGE_NAMES`, la valeur par défaut du catalogue (qui contient le SHA court) est
    supposée.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules.gitlab_ci._ci import is_build_job, jobs, variables
from grader.rules.model import Finding, finding

ID = "ci-traceable-tag"
REF = 13
KINDS = ("gitlab_ci",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Job {job} : {variable}={value!r} {problem}."
HINT_FR = "Taguez avec $CI_COMMIT_SHORT_SHA (ou $CI_COMMIT_TAG pour une version) : ex. TAG: \"${{CI_COMMIT_SHORT_SHA}}\"."
TRACEABLE = re.compile(r"CI_COMMIT_SHA|CI_COMMIT_SHORT_SHA|CI_COMMIT_TAG|CI_JOB_ID")


def check(obj, ctx) -> Iterator[Finding]:
    for name, job in jobs(obj):
        if not is_build_job(job):
            continue
        values = variables(obj, job)
        if "TAG" in values and not TRACEABLE.search(values["TAG"]):
            yield finding(f"{name}", job=name, variable="TAG", value=values["TAG"], problem="n'identifie pas un build")
        if "IMAGE_NAMES" in values:
            names = values["IMAGE_NAMES"].split()
            if not any(TRACEABLE.search(n) for n in names):
                yield finding(f"{name}", job=name, variable="IMAGE_NAMES", value=values["IMAGE_NAMES"],
                              problem="n'a aucun tag traçable")
            elif any(n.endswith(":latest") for n in names):
                yield finding(f"{name}", job=name, variable="IMAGE_NAMES", value=values["IMAGE_NAMES"],
                              problem="pousse aussi :latest")
