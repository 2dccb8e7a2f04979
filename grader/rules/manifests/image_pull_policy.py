"""`imagePullPolicy`, s'il est donné, vaut `IfNotPresent`.

Ce que vérifie la règle
    Aucun conteneur ne déclare `imagePullPolicy: Always` ou `Never`.

Pourquoi
    REF 14 — CCT EXI-ARCH-27 : avec des tags immuables, `IfNotPresent` suffit ; `Always` sollicite
    Harbor à chaque démarrage et masque souvent un tag mobile. Non bloqué par la plateforme :
    avertissement.

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
      imagePullPolicy: Always
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
      imagePullPolicy: IfNotPresent
```

Limites connues
    Ne pas mettre de imagePullPolicy est accepté (Kubernetes choisit IfNotPresent pour un tag fixe).
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import iter_containers
from grader.rules.model import Finding, finding

ID = "image-pull-policy"
REF = 14
KINDS = ("manifest",)
SOURCE = "https://github.com/cloud-pi-native/cct-cloud-native/blob/main/cct-exigences.md"
MESSAGE_FR = "Le conteneur « {container} » a imagePullPolicy: {policy}."
HINT_FR = "Mettez imagePullPolicy: IfNotPresent (ou retirez le champ) et utilisez des tags immuables."


def check(obj, ctx) -> Iterator[Finding]:
    for path, container in iter_containers(obj):
        policy = container.get("imagePullPolicy")
        if policy is not None and policy != "IfNotPresent":
            yield finding(f"{path}/imagePullPolicy", container=container.get("name", "?"), policy=policy)
