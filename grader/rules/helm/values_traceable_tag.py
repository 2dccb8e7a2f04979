"""Tags d'image des values traçables jusqu'à un build (pas `latest`, `main`, `stable`…).

Ce que vérifie la règle
    Dans les values, une clé `tag` (ex. `image.tag`) n'a pas de valeur mobile : `latest`, `stable`,
    `main`, `master`, `develop`, `dev`, `edge`, `nightly`.

Pourquoi
    REF 13 — bonnes pratiques « Tag d'images », services/gitops : le tag déployé désigne un build
    unique (`CI_COMMIT_SHA`, `CI_COMMIT_SHORT_SHA`, `CI_COMMIT_TAG`, `CI_JOB_ID`) pour permettre le
    retour arrière. Conseil : avertissement (la règle disallow-latest-tag juge l'objet rendu).

Exemple refusé
```helm-values
image:
  repository: harbor.apps.dso.example.fr/projet/web
  tag: main
```

À la place
```helm-values
image:
  repository: harbor.apps.dso.example.fr/projet/web
  tag: 3f9c2a1e
```

Limites connues
    Un tag vide (qui prend souvent `appVersion` du chart) est accepté.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.helm._walk import scalars
from grader.rules.model import Finding, finding

ID = "helm-values-traceable-tag"
REF = 13
KINDS = ("helm_values",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Valeur « {key} » = {tag!r} : tag mobile, non traçable jusqu'à un build."
HINT_FR = "Déployez le tag produit par la CI ($CI_COMMIT_SHORT_SHA ou $CI_COMMIT_TAG)."
FLOATING = {"latest", "stable", "main", "master", "develop", "dev", "edge", "nightly", "current"}


def check(obj, ctx) -> Iterator[Finding]:
    for path, key, value in scalars(obj):
        if key.lower() in ("tag", "imagetag") and isinstance(value, str) and value.lower() in FLOATING:
            yield finding(path, key=path.replace("/", "."), tag=value)
