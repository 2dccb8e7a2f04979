"""Noms d'objets de 63 caractères au plus.

Ce que vérifie la règle
    `metadata.name` ne dépasse pas 63 caractères.

Pourquoi
    REF 30 — bonnes pratiques « Politiques de nommage » : un nom sert aussi de nom DNS et de valeur
    de label, limités à 63 caractères ; l'API refuse alors l'objet (Service) ou ses pods. Erreur partout.

Exemple refusé
```yaml
apiVersion: v1
kind: Service
metadata:
  name: mon-application-de-gestion-des-demandes-de-subvention-frontend-svc
spec:
  selector: {app: web}
  ports:
    - port: 8080
```

À la place
```yaml
apiVersion: v1
kind: Service
metadata:
  name: subventions-front-svc
spec:
  selector: {app: web}
  ports:
    - port: 8080
```

Limites connues
    Les suffixes conseillés (`-svc`, `-dep`…) ne sont pas exigés.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get
from grader.rules.model import Finding, finding

ID = "name-length"
REF = 30
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Nom de {length} caractères : la limite est 63."
HINT_FR = "Raccourcissez le nom (ex. abréviation + suffixe -svc, -dep, -cm) ; avec Helm, voir fullnameOverride."
LIMIT = 63


def check(obj, ctx) -> Iterator[Finding]:
    name = get(obj, "metadata/name")
    if isinstance(name, str) and len(name) > LIMIT:
        yield finding("metadata/name", length=len(name))
