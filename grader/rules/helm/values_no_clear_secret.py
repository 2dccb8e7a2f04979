"""Pas de mot de passe en clair dans les fichiers de valeurs Helm.

Ce que vérifie la règle
    Dans `values.yaml` et les fichiers `--values`, aucune clé évoquant un secret (`password`,
    `adminPassword`, `token`, `apiKey`…) n'a de valeur littérale.

Pourquoi
    REF 23 — bonnes pratiques « Secrets » : les values sont dans git ; un mot de passe en clair y est
    publié pour toujours (c'est l'erreur du tutoriel `tuto-java-infra-helm`). Erreur partout.

Exemple refusé
```helm-values
postgresql:
  auth:
    username: app
    password: s3cret
```

À la place
```helm-values
postgresql:
  auth:
    username: app
    existingSecret: db-secret
```

Limites connues
    Les clés aux noms anodins (`conf`, `url` avec identifiants) ne sont pas lues ; une valeur vide,
    `changeme` ou un gabarit `{{ … }}` est accepté.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.helm._walk import scalars
from grader.rules.model import Finding, finding
from grader.rules.secrets._words import is_literal, secret_key

ID = "helm-values-no-clear-secret"
REF = 23
KINDS = ("helm_values",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Valeur « {key} » : secret en clair dans les values."
HINT_FR = "Créez le secret par un SopsSecret ou un VaultStaticSecret et référencez-le (existingSecret, secretKeyRef)."


def check(obj, ctx) -> Iterator[Finding]:
    for path, key, value in scalars(obj):
        if secret_key(key) and is_literal(value):
            yield finding(path, key=path.replace("/", "."))
