"""Pas de `kind: Secret` en clair dans git.

Ce que vérifie la règle
    Aucun objet `Secret` des fichiers versionnés ne porte de `data` ou de `stringData`.

Pourquoi
    REF 23 — bonnes pratiques « Secrets », guides secrets-management et secrets-vault : un Secret
    n'est qu'encodé en base64, pas chiffré. Dans git il est lisible par tous, pour toujours. Les
    secrets passent par un SopsSecret chiffré ou un VaultStaticSecret : erreur partout.

Exemple refusé
```yaml
apiVersion: v1
kind: Secret
metadata:
  name: db-secret
stringData:
  POSTGRES_PASSWORD: s3cret
```

À la place
```yaml
apiVersion: secrets.hashicorp.com/v1beta1
kind: VaultStaticSecret
metadata:
  name: db-secret
spec:
  vaultAuthRef: vault-auth
  mount: projet
  type: kv-v2
  path: db
  destination: {name: db-secret, create: true}
```

Limites connues
    Les Secrets sans données (jetons de ServiceAccount remplis par le cluster) sont acceptés.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import kind
from grader.rules.model import Finding, finding

ID = "no-plain-secret"
REF = 23
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/secrets-management"
MESSAGE_FR = "Secret en clair dans le dépôt ({keys})."
HINT_FR = "Remplacez-le par un SopsSecret chiffré (sops + clé age du cluster) ou un VaultStaticSecret."


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) != "Secret":
        return
    for section in ("data", "stringData"):
        values = obj.get(section)
        if isinstance(values, dict) and values:
            yield finding(section, keys=", ".join(map(str, list(values)[:5])))
            return
