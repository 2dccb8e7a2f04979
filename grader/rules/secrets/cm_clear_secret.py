"""Pas de secret en clair dans une ConfigMap : elle est dans git.

Ce que vérifie la règle
    Une clé de ConfigMap dont le nom évoque un secret (`password`, `passwd`, `secret_key`,
    `*_TOKEN`, `*API_KEY`…) n'a pas de valeur écrite en clair.

Pourquoi
    REF 23 — bonnes pratiques « Secrets » : aucun secret en clair dans git. Une ConfigMap versionnée
    qui porte un mot de passe enfreint deux règles : la politique Kyverno cm-no-credentials (règle 22,
    cm-no-credentials) et celle-ci, car le mot de passe est lisible par quiconque lit le dépôt, même
    si l'objet n'est jamais appliqué. Erreur partout.

Exemple refusé
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: agenda-cm
data:
  DB_HOST: agenda-db
  DB_PASSWORD: s3cret-agenda
```

À la place
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: agenda-cm
data:
  DB_HOST: agenda-db
  DB_SECRET_NAME: agenda-db
```

Limites connues
    Un secret rangé sous un nom anodin (`DB_URL: postgres://user:motdepasse@…`) n'est pas reconnu.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import kind
from grader.rules.model import Finding, finding
from grader.rules.secrets._words import is_literal, secret_key

ID = "cm-no-clear-secret"
REF = 23
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/secrets-management"
MESSAGE_FR = "La ConfigMap écrit en clair, dans git, la valeur secrète de la clé « {key} »."
HINT_FR = ("Retirez la valeur du dépôt : écrivez un SopsSecret chiffré ou un VaultStaticSecret, et référencez le "
           "Secret créé par l'opérateur (secretKeyRef).")


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) != "ConfigMap" or not isinstance(obj.get("data"), dict):
        return
    for key, value in obj["data"].items():
        name = str(key)
        if secret_key(name) and is_literal(value):
            yield finding(f"data/{key}", key=key)
