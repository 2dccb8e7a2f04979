"""VaultStaticSecret configuré comme la plateforme l'attend.

Ce que vérifie la règle
    Un `VaultStaticSecret` a `spec.vaultAuthRef: vault-auth`, `spec.type: kv-v2`, un `path` et une
    `destination.name`.

Pourquoi
    REF 23 — guide secrets-vault : l'opérateur Vault s'authentifie avec le VaultAuth `vault-auth` créé
    par la plateforme, sur un moteur kv-v2. Sinon aucun Secret n'est créé et le pod ne démarre pas :
    erreur partout.

Exemple refusé
```yaml
apiVersion: secrets.hashicorp.com/v1beta1
kind: VaultStaticSecret
metadata:
  name: db-vault
spec:
  vaultAuthRef: default
  mount: projet
  type: kv-v1
  path: db
  destination: {name: db-secret, create: true}
```

À la place
```yaml
apiVersion: secrets.hashicorp.com/v1beta1
kind: VaultStaticSecret
metadata:
  name: db-vault
spec:
  vaultAuthRef: vault-auth
  mount: projet
  type: kv-v2
  path: db
  destination: {name: db-secret, create: true}
```

Limites connues
    L'existence du chemin dans Vault n'est pas vérifiée.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, kind
from grader.rules.model import Finding, finding

ID = "vault-static-secret-config"
REF = 23
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/secrets-vault"
MESSAGE_FR = "VaultStaticSecret : {detail}."
HINT_FR = "Utilisez vaultAuthRef: vault-auth, type: kv-v2, un path et destination.name."
EXPECTED = {"vaultAuthRef": "vault-auth", "type": "kv-v2"}


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) != "VaultStaticSecret":
        return
    for field, expected in EXPECTED.items():
        value = get(obj, f"spec/{field}")
        if value != expected:
            yield finding(f"spec/{field}", detail=f"{field} vaut {value!r}, attendu {expected!r}")
    for field in ("path", "destination/name"):
        if not get(obj, f"spec/{field}"):
            yield finding("spec", detail=f"spec.{field.replace('/', '.')} manquant")
