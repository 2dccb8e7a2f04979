"""Un HorizontalPodAutoscaler pour chaque Deployment.

Ce que vérifie la règle
    Chaque Deployment des fichiers vérifiés est la cible (`scaleTargetRef`) d'un
    HorizontalPodAutoscaler de ces mêmes fichiers.

Pourquoi
    REF 38 — bonnes pratiques « HPA » : recommandé (CPU, mémoire ou métriques applicatives).
    Information seulement.

Exemple refusé
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-dep
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: docker.io/nginxinc/nginx-unprivileged:1.27.3
```

À la place
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-dep
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: docker.io/nginxinc/nginx-unprivileged:1.27.3
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web-hpa
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-dep}
  minReplicas: 2
  maxReplicas: 4
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
```

Limites connues
    Les HPA déjà présents dans le cluster ne sont pas vus.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, kind, name, namespace
from grader.rules.model import Finding, finding

ID = "hpa-recommended"
REF = 38
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Aucun HorizontalPodAutoscaler ne cible ce Deployment."
HINT_FR = "Ajoutez un HPA (autoscaling/v2) sur le CPU ou la mémoire, avec minReplicas ≥ 2."


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) != "Deployment":
        return
    for other in ctx.objects:
        if kind(other) == "HorizontalPodAutoscaler" and namespace(other) == namespace(obj) \
                and get(other, "spec/scaleTargetRef/kind") == "Deployment" \
                and get(other, "spec/scaleTargetRef/name") == name(obj):
            return
    yield finding("metadata/name")
