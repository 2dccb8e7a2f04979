"""Pas d'affinité de session sur les Services.

Ce que vérifie la règle
    Aucun Service n'a `sessionAffinity: ClientIP`.

Pourquoi
    REF 26 — bonnes pratiques §7, CCT EXI-ARCH-19/20 : l'application est sans état, un pod peut
    mourir à tout moment ; les sessions vont dans Redis ou en base. Conseil : avertissement.

Exemple refusé
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  ports:
    - port: 8080
```

À la place
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  selector: {app: web}
  ports:
    - port: 8080
```

Limites connues
    Les annotations d'affinité de l'Ingress (cookies) ne sont pas examinées.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, kind
from grader.rules.model import Finding, finding

ID = "no-session-affinity"
REF = 26
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Service avec sessionAffinity: ClientIP : l'application dépend d'un état local au pod."
HINT_FR = "Retirez sessionAffinity et gardez les sessions dans Redis ou en base de données."


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) == "Service" and get(obj, "spec/sessionAffinity") == "ClientIP":
        yield finding("spec/sessionAffinity")
