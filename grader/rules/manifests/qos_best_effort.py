"""Pas de pod BestEffort : des ressources déclarées.

Ce que vérifie la règle
    Au moins un conteneur du pod (conteneurs d'initialisation et annexes compris) déclare des requests
    ou des limits : sinon Kubernetes range le pod en classe QoS *BestEffort*.

Pourquoi
    REF 10 — bonnes pratiques « QOS » : ne jamais laisser les limits vides. Un pod BestEffort est le
    premier expulsé quand le nœud manque de mémoire, et le quota de l'environnement (somme des limits)
    ne peut pas le compter. Conseil : avertissement (l'absence de requests et limits est aussi la
    règle 9, require-resources).

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: docker.io/library/python:3.12-slim
```

À la place
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: docker.io/library/python:3.12-slim
      resources:
        requests: {cpu: 250m, memory: 256Mi}
        limits: {cpu: 250m, memory: 256Mi}
```

Limites connues
    Une LimitRange de l'espace de noms peut donner des valeurs par défaut : la règle ne la lit pas.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, iter_containers, pod_spec
from grader.rules.model import Finding, finding

ID = "qos-not-best-effort"
REF = 10
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Pod en QoS BestEffort : aucun de ses {count} conteneur(s) ne déclare de requests ni de limits."
HINT_FR = "Déclarez requests et limits CPU et mémoire sur chaque conteneur (égales pour un pod critique)."


def _declares(container: dict) -> bool:
    return any(get(container, f"resources/{part}") for part in ("requests", "limits"))


def check(obj, ctx) -> Iterator[Finding]:
    found = pod_spec(obj)
    if found is None:
        return
    containers = list(iter_containers(obj))
    if containers and not any(_declares(container) for _, container in containers):
        yield finding(found[0], count=len(containers))
