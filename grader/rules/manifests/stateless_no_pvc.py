"""Deployments sans volume persistant (application sans état).

Ce que vérifie la règle
    Un Deployment ne monte pas de PersistentVolumeClaim.

Pourquoi
    REF 26 — bonnes pratiques §7, CCT EXI-ARCH-19/20 : les pods applicatifs sont sans état et
    remplaçables ; les données vont en base (StatefulSet, service managé) ou en stockage objet.
    Conseil : avertissement.

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
      volumes:
        - name: data
          persistentVolumeClaim: {claimName: api-pvc}
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
      volumes:
        - name: tmp
          emptyDir: {}
```

Limites connues
    Les StatefulSets (bases de données) ne sont pas concernés.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import iter_pod_specs, kind
from grader.rules.model import Finding, finding

ID = "stateless-no-pvc"
REF = 26
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Le Deployment monte le volume persistant « {claim} » : un pod applicatif doit être sans état."
HINT_FR = "Gardez l'état en base (StatefulSet, service géré) ou en S3 ; utilisez emptyDir pour les fichiers temporaires."


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) != "Deployment":
        return
    for path, spec in iter_pod_specs(obj):
        for index, volume in enumerate(spec.get("volumes") or []):
            if isinstance(volume, dict) and isinstance(volume.get("persistentVolumeClaim"), dict):
                yield finding(f"{path}/volumes/[{index}]",
                              claim=volume["persistentVolumeClaim"].get("claimName", "?"))
