"""La somme des limits des pods tient dans le ResourceQuota de l'environnement.

Ce que vérifie la règle
    Quand un `ResourceQuota` fait partie des fichiers vérifiés, la somme des `resources.limits`
    (CPU et mémoire, × replicas) des charges de travail du même namespace ne dépasse pas ses
    `hard.limits.cpu` / `hard.limits.memory`.

Pourquoi
    REF 11 — gestion des environnements : le quota d'un environnement est la somme des limits de ses
    pods. Au-delà, l'API refuse les pods en trop, quel que soit l'environnement : erreur partout.

Exemple refusé
```yaml
apiVersion: v1
kind: ResourceQuota
metadata:
  name: env-quota
spec:
  hard: {limits.cpu: "1", limits.memory: 1Gi}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-dep
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: docker.io/nginxinc/nginx-unprivileged:1.27
          resources:
            limits: {cpu: 500m, memory: 256Mi}
```

À la place
```yaml
apiVersion: v1
kind: ResourceQuota
metadata:
  name: env-quota
spec:
  hard: {limits.cpu: "2", limits.memory: 1Gi}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-dep
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: docker.io/nginxinc/nginx-unprivileged:1.27
          resources:
            limits: {cpu: 500m, memory: 256Mi}
```

Limites connues
    Sans ResourceQuota dans les fichiers, rien n'est vérifié (le quota réel est fixé dans la console).
    Les CronJobs et Jobs comptent pour un pod ; les initContainers ne sont pas additionnés.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import WORKLOAD_KINDS, get, iter_containers, kind, namespace, quantity, replicas
from grader.rules.model import Finding, finding

ID = "quota-fits-limits"
REF = 11
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/environments-management"
MESSAGE_FR = "La somme des limits {resource} ({total}) dépasse le quota {quota} du namespace."
HINT_FR = "Réduisez les limits ou les replicas, ou demandez un quota plus grand dans la console."


def _fmt(resource: str, value: float) -> str:
    return f"{value:g}" if resource == "cpu" else f"{value / 2**20:.0f}Mi"


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) != "ResourceQuota":
        return
    hard = get(obj, "spec/hard") or {}
    for resource in ("cpu", "memory"):
        quota = quantity(hard.get(f"limits.{resource}"))
        if quota is None:
            continue
        total = 0.0
        for other in ctx.objects:
            if kind(other) not in WORKLOAD_KINDS or namespace(other) != namespace(obj):
                continue
            count = replicas(other) if kind(other) in ("Deployment", "StatefulSet", "ReplicaSet") else 1
            for _, container in iter_containers(other, init=False):
                total += count * (quantity(get(container, f"resources/limits/{resource}")) or 0.0)
        if total > quota + 1e-9:
            yield finding(f"spec/hard/limits.{resource}", resource=resource,
                          total=_fmt(resource, total), quota=_fmt(resource, quota))
