"""Pas de Service de type NodePort.

Ce que vérifie la règle
    Aucun Service n'a `type: NodePort`.

Pourquoi
    REF 20 — politique Kyverno `restrict-nodeport` (Audit en dev/préprod, Enforce en prod) : un
    NodePort ouvre un port sur tous les nœuds, hors des règles réseau ; on expose par Ingress/Route.

Exemple refusé
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  type: NodePort
  selector: {app: web}
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
  type: ClusterIP
  selector: {app: web}
  ports:
    - port: 8080
```

Limites connues
    Les Services LoadBalancer ne sont pas jugés ici.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, kind
from grader.rules.model import Finding, finding

ID = "restrict-nodeport"
REF = 20
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/kyverno"
MESSAGE_FR = "Service de type NodePort : interdit sur la plateforme."
HINT_FR = "Utilisez type: ClusterIP et exposez l'application par un Ingress (ou une Route)."


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) == "Service" and get(obj, "spec/type") == "NodePort":
        yield finding("spec/type")
