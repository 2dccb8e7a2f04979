"""Chaque pod est sélectionné par une NetworkPolicy de l'application.

Ce que vérifie la règle
    Quand les fichiers vérifiés contiennent des charges de travail, chacune a ses pods sélectionnés
    (`podSelector`) par au moins une NetworkPolicy du même namespace parmi ces fichiers.

Pourquoi
    REF 29 — bonnes pratiques « Politiques réseau » : les namespaces sont en refus par défaut
    (deny-all) ; la plateforme n'ouvre que le même namespace, l'ingress, les logs et la supervision.
    L'application déclare ses propres flux. Conseil : avertissement.

Exemple refusé
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-dep
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: docker.io/library/python:3.12-slim
```

À la place
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-dep
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: docker.io/library/python:3.12-slim
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-netpol
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {matchLabels: {app: web}}
```

Limites connues
    Les Jobs et CronJobs ne sont pas concernés ; les politiques déjà présentes dans le cluster ne
    sont pas vues.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, kind, namespace, pod_labels, selector_matches
from grader.rules.model import Finding, finding

ID = "network-policy-selects-pods"
REF = 29
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Aucune NetworkPolicy des fichiers ne sélectionne les pods de cet objet (namespace en deny-all)."
HINT_FR = "Ajoutez une NetworkPolicy dont le podSelector choisit ces pods et qui ouvre les flux nécessaires."


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) not in ("Deployment", "StatefulSet", "DaemonSet", "Pod"):
        return
    path, labels = pod_labels(obj)
    for other in ctx.objects:
        if kind(other) == "NetworkPolicy" and namespace(other) == namespace(obj) \
                and selector_matches(get(other, "spec/podSelector"), labels):
            return
    yield finding(path)
