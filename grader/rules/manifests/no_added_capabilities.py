"""Pas de capacités Linux ajoutées.

Ce que vérifie la règle
    Aucun conteneur n'a `securityContext.capabilities.add`.

Pourquoi
    REF 3 — CCT EXI-ARCH-26 (importante) : une application n'a pas besoin de capacités
    (NET_ADMIN, SYS_ADMIN…) ; le profil restreint de la plateforme les refuse. Avertissement.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: docker.io/nginxinc/nginx-unprivileged:1.27.3
      securityContext:
        capabilities:
          add: [NET_BIND_SERVICE]
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
      image: docker.io/nginxinc/nginx-unprivileged:1.27.3
      securityContext:
        capabilities:
          drop: [ALL]
```

Limites connues
    `drop` est accepté et même conseillé.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, iter_containers
from grader.rules.model import Finding, finding

ID = "container-no-added-capabilities"
REF = 3
KINDS = ("manifest",)
SOURCE = "https://github.com/cloud-pi-native/cct-cloud-native/blob/main/cct-exigences.md"
MESSAGE_FR = "Le conteneur « {container} » ajoute des capacités : {caps}."
HINT_FR = "Retirez capabilities.add ; pour écouter sur un port bas, utilisez plutôt un port > 1024."


def check(obj, ctx) -> Iterator[Finding]:
    for path, container in iter_containers(obj):
        added = get(container, "securityContext/capabilities/add")
        if added:
            caps = ", ".join(map(str, added)) if isinstance(added, list) else str(added)
            yield finding(f"{path}/securityContext/capabilities/add", container=container.get("name", "?"), caps=caps)
