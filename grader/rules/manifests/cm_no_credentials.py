"""Pas d'identifiants dans les ConfigMaps.

Ce que vérifie la règle
    Aucune clé de `data` d'une ConfigMap ne contient `password`, `passwd` ou `secret_key`
    (sans tenir compte de la casse).

Pourquoi
    REF 22 — politique Kyverno `cm-no-credentials` (Audit en dev/préprod, Enforce en prod) : une
    ConfigMap est lisible en clair par tous ceux qui voient le namespace et finit dans git.

Exemple refusé
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-cm
data:
  DB_PASSWORD: s3cret
```

À la place
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-cm
data:
  DB_HOST: postgres-svc
```

Limites connues
    Les noms de clés sont examinés, pas les valeurs (un mot de passe sous une clé `conf` passe).
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import kind
from grader.rules.model import Finding, finding

ID = "cm-no-credentials"
REF = 22
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/kyverno"
MESSAGE_FR = "La ConfigMap contient la clé « {key} », qui ressemble à un identifiant."
HINT_FR = "Mettez ce secret dans un SopsSecret ou un VaultStaticSecret, et référencez-le par secretKeyRef."
WORDS = ("password", "passwd", "secret_key")


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) != "ConfigMap":
        return
    for section in ("data", "binaryData"):
        for key in (obj.get(section) or {}) if isinstance(obj.get(section), dict) else {}:
            if any(word in str(key).lower() for word in WORDS):
                yield finding(f"{section}/{key}", key=key)
