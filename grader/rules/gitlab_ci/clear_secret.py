"""Pas d'identifiant en clair dans les variables du fichier de CI.

Ce que vérifie la règle
    Une variable de `.gitlab-ci-dso.yml` (globale ou d'un job) dont le nom évoque un secret
    (`*PASSWORD`, `*TOKEN`, `*SECRET`, `*API_KEY`…) n'a pas de valeur littérale : elle vient du job
    `read_secret` (Vault) ou des variables protégées du projet, jamais du fichier.

Pourquoi
    REF 23 — bonnes pratiques « Secrets » : aucun secret en clair dans git ; le fichier de CI est dans
    le dépôt, donc un mot de passe qui y est écrit est divulgué. REF 33 : les identifiants du registre
    viennent de `.vault:read_secret` (DOCKER_AUTH). Erreur partout.

Exemple refusé
```gitlab-ci
variables:
  REGISTRY_USER: admin
  REGISTRY_PASSWORD: "Motdepasse-42"
docker-build:
  variables: {IMAGE_NAME: web}
  extends: .kaniko:simple-build-push
```

À la place
```gitlab-ci
read_secret:
  stage: read-secret
  extends: .vault:read_secret
docker-build:
  variables: {IMAGE_NAME: web}
  extends: .kaniko:simple-build-push
  needs: [read_secret]
```

Limites connues
    Une valeur vide ou une référence (`$VAR`, `${VAR}`) est acceptée ; un secret sous un nom anodin
    ou écrit dans un script n'est pas détecté.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.gitlab_ci._ci import jobs
from grader.rules.model import Finding, finding
from grader.rules.secrets._words import is_literal, secret_key

ID = "ci-no-clear-secret"
REF = 23
KINDS = ("gitlab_ci",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "La variable {name} ({where}) est écrite en clair dans le fichier de CI : elle est divulguée."
HINT_FR = "Retirez-la du fichier et changez-la ; les identifiants du registre viennent de read_secret (.vault:read_secret)."


def _literals(variables) -> Iterator[str]:
    if isinstance(variables, dict):
        for name, value in variables.items():
            value = value.get("value") if isinstance(value, dict) else value
            if secret_key(str(name)) and is_literal(value):
                yield str(name)


def check(obj, ctx) -> Iterator[Finding]:
    for name in _literals(obj.get("variables")):
        yield finding(f"variables/{name}", name=name, where="variables globales")
    for job_name, job in jobs(obj):
        for name in _literals(job.get("variables")):
            yield finding(f"{job_name}/variables/{name}", name=name, where=f"job {job_name}")
