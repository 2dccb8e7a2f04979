"""Pas d'UID, de GID ni de fsGroup fixés dans les pods.

Ce que vérifie la règle
    Ni la spec du pod ni ses conteneurs ne fixent `runAsUser`, `runAsGroup` ou `fsGroup` dans
    `securityContext`.

Pourquoi
    REF 3 — CCT EXI-ARCH-26 (importante) : OpenShift attribue à chaque namespace une plage d'UID et
    lance le conteneur avec un UID arbitraire ; un UID fixé hors plage est refusé. Exigence
    « importante » et non « primordiale » : avertissement.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsUser: 1000
  containers:
    - name: web
      image: docker.io/nginxinc/nginx-unprivileged:1.27.3
```

À la place
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsNonRoot: true
  containers:
    - name: web
      image: docker.io/nginxinc/nginx-unprivileged:1.27.3
```

Limites connues
    `runAsNonRoot: true` est accepté (il ne fixe pas d'identifiant).
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import iter_containers, iter_pod_specs
from grader.rules.model import Finding, finding

ID = "pod-no-fixed-ids"
REF = 3
KINDS = ("manifest",)
SOURCE = "https://github.com/cloud-pi-native/cct-cloud-native/blob/main/cct-exigences.md"
MESSAGE_FR = "{where} fixe {field}={value} : laissez la plateforme attribuer les identifiants."
HINT_FR = "Retirez {field} ; rendez l'image compatible avec un UID arbitraire (groupe 0, chmod g+rwX)."
FIELDS = ("runAsUser", "runAsGroup", "fsGroup")


def check(obj, ctx) -> Iterator[Finding]:
    for path, spec in iter_pod_specs(obj):
        context = spec.get("securityContext") or {}
        for field in FIELDS:
            if isinstance(context, dict) and field in context:
                yield finding(f"{path}/securityContext/{field}", where="Le pod", field=field, value=context[field])
    for path, container in iter_containers(obj):
        context = container.get("securityContext") or {}
        for field in FIELDS[:2]:
            if isinstance(context, dict) and field in context:
                yield finding(f"{path}/securityContext/{field}", field=field, value=context[field],
                              where=f"Le conteneur « {container.get('name', '?')} »")
