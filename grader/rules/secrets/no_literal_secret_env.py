"""Pas de mot de passe en clair dans les variables d'environnement.

Ce que vérifie la règle
    Une variable `env` dont le nom évoque un secret (`*PASSWORD`, `*SECRET`, `*TOKEN`, `*API_KEY`…)
    prend sa valeur par `valueFrom.secretKeyRef`, pas par un `value` littéral.

Pourquoi
    REF 23 — bonnes pratiques « Secrets » : « des mots de passe littéraux dans env ou values » font
    échouer la règle ; le manifeste est dans git. Erreur partout.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: db
spec:
  containers:
    - name: db
      image: docker.io/bitnami/postgresql:16.4.0
      env:
        - name: POSTGRES_PASSWORD
          value: s3cret
```

À la place
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: db
spec:
  containers:
    - name: db
      image: docker.io/bitnami/postgresql:16.4.0
      env:
        - name: POSTGRES_PASSWORD
          valueFrom:
            secretKeyRef: {name: db-secret, key: POSTGRES_PASSWORD}
```

Limites connues
    Une valeur vide ou un gabarit (`$(VAR)`, `changeme`) est accepté ; un secret sous un nom anodin
    n'est pas détecté.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import iter_containers
from grader.rules.model import Finding, finding
from grader.rules.secrets._words import is_literal, secret_key

ID = "no-literal-secret-env"
REF = 23
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "La variable {variable} du conteneur « {container} » contient un secret en clair."
HINT_FR = "Utilisez valueFrom.secretKeyRef vers un Secret créé par un SopsSecret ou un VaultStaticSecret."


def check(obj, ctx) -> Iterator[Finding]:
    for path, container in iter_containers(obj):
        for index, var in enumerate(container.get("env") or []):
            if isinstance(var, dict) and secret_key(str(var.get("name", ""))) and "value" in var \
                    and is_literal(var["value"]):
                yield finding(f"{path}/env/[{index}]/value", variable=var.get("name"),
                              container=container.get("name", "?"))
