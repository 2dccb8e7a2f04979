"""Requests et limits CPU et mémoire sur chaque conteneur.

Ce que vérifie la règle
    Chaque conteneur, y compris les initContainers, déclare `resources.requests` et
    `resources.limits` pour `cpu` et `memory`.

Pourquoi
    REF 9 — politique Kyverno `need-containers-ressources` (Audit en dev/préprod, Enforce en prod).
    Le quota d'un environnement est la somme des limits : sans limits, le pod est refusé ou prive
    les autres.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: docker.io/nginxinc/nginx-unprivileged:1.27
      resources:
        requests: {cpu: 100m}
```

À la place
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: docker.io/nginxinc/nginx-unprivileged:1.27
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {cpu: 500m, memory: 256Mi}
```

Limites connues
    Les valeurs ne sont pas jugées ici (voir qos-guaranteed-critical et quota-fits-limits).
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, iter_containers
from grader.rules.model import Finding, finding

ID = "require-resources"
REF = 9
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/kyverno"
MESSAGE_FR = "Le conteneur « {container} » n'a pas de {missing}."
HINT_FR = "Ajoutez resources.requests et resources.limits avec cpu et memory (ex. 100m/128Mi et 500m/256Mi)."


def check(obj, ctx) -> Iterator[Finding]:
    for path, container in iter_containers(obj):
        missing = [f"{section}.{res}" for section in ("requests", "limits") for res in ("cpu", "memory")
                   if get(container, f"resources/{section}/{res}") in (None, "")]
        if missing:
            yield finding(f"{path}/resources", container=container.get("name", "?"), missing=", ".join(missing))
