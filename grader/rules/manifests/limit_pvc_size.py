"""Volumes persistants de moins de 1 Ti.

Ce que vérifie la règle
    Un PersistentVolumeClaim, ou un `volumeClaimTemplates` de StatefulSet, demande moins de 1 Ti.

Pourquoi
    REF 21 — politique Kyverno `limit-size-pvc` (Audit en dev/préprod, Enforce en prod).

Exemple refusé
```yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data-pvc
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 2Ti}
```

À la place
```yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data-pvc
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 20Gi}
```

Limites connues
    Aucune.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, kind, quantity
from grader.rules.model import Finding, finding

ID = "limit-pvc-size"
REF = 21
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/kyverno"
MESSAGE_FR = "Volume persistant de {size} : la limite est strictement moins de 1 Ti."
HINT_FR = "Demandez moins de 1Ti (ex. 100Gi) ; pour de gros volumes, passez par un stockage objet (S3)."
LIMIT = 2**40


def check(obj, ctx) -> Iterator[Finding]:
    claims = []
    if kind(obj) == "PersistentVolumeClaim":
        claims.append(("spec", obj.get("spec")))
    if kind(obj) == "StatefulSet":
        for index, template in enumerate(get(obj, "spec/volumeClaimTemplates") or []):
            claims.append((f"spec/volumeClaimTemplates/[{index}]/spec", get(template, "spec")))
    for path, spec in claims:
        size = get(spec, "resources/requests/storage")
        value = quantity(size)
        if value is not None and value >= LIMIT:
            yield finding(f"{path}/resources/requests/storage", size=size)
