"""Pods critiques en QoS Guaranteed (requests = limits).

Ce que vérifie la règle
    Un pod étiqueté `criticality: high` a, pour chaque conteneur (conteneurs d'initialisation et
    annexes compris), des limits CPU et mémoire et des requests égales aux limits (classe QoS
    *Guaranteed* : Kubernetes la refuse au pod dès qu'un seul conteneur y manque).

Pourquoi
    REF 10 — bonnes pratiques « QOS » : la classe Burstable n'est pas une bonne pratique et les pods
    critiques doivent être Guaranteed pour ne pas être évincés en premier. Conseil : avertissement.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: api
  labels: {criticality: high}
spec:
  containers:
    - name: api
      image: docker.io/library/python:3.12-slim
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {cpu: 500m, memory: 256Mi}
```

À la place
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: api
  labels: {criticality: high}
spec:
  containers:
    - name: api
      image: docker.io/library/python:3.12-slim
      resources:
        requests: {cpu: 500m, memory: 256Mi}
        limits: {cpu: 500m, memory: 256Mi}
```

Limites connues
    Les pods non critiques ne sont pas jugés ici ; un pod sans aucune ressource (BestEffort) relève
    de qos-not-best-effort, l'absence de limits aussi de require-resources.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, iter_containers, pod_labels, quantity
from grader.rules.model import Finding, finding

ID = "qos-guaranteed-critical"
REF = 10
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Pod critique hors QoS Guaranteed : le conteneur « {container} » {problem} ({resource})."
HINT_FR = "Pour un pod criticality: high, mettez requests = limits en cpu et en memory (QoS Guaranteed)."


def check(obj, ctx) -> Iterator[Finding]:
    _, labels = pod_labels(obj)
    if labels.get("criticality") != "high":
        return
    for path, container in iter_containers(obj):   # init and sidecar containers count for the pod's QoS
        for res in ("cpu", "memory"):
            limit = quantity(get(container, f"resources/limits/{res}"))
            request = get(container, f"resources/requests/{res}")
            request = limit if request is None else quantity(request)   # unset requests default to limits
            if limit is None:
                yield finding(f"{path}/resources", container=container.get("name", "?"), resource=res,
                              problem="n'a pas de limits")
            elif request != limit:
                yield finding(f"{path}/resources", container=container.get("name", "?"), resource=res,
                              problem="a des requests différentes des limits")
