"""Volume `hostPath` interdit.

Ce que vérifie la règle
    Aucun volume d'un pod (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) n'est
    de type `hostPath`.

Pourquoi
    REF 4 — politique Kyverno `disallow-hostpath` (Audit en dev/préprod, Enforce en prod),
    CCT EXI-ARCH-26. Un `hostPath` donne accès au disque du nœud partagé par tous les projets.

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
  volumes:
    - name: data
      hostPath:
        path: /var/data
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
  volumes:
    - name: data
      emptyDir: {}
```

Limites connues
    Aucune.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import iter_pod_specs
from grader.rules.model import Finding, finding

ID = "disallow-hostpath"
REF = 4
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/kyverno"
MESSAGE_FR = "Le volume « {volume} » est un hostPath ({host_path}) : interdit sur la plateforme."
HINT_FR = "Utilisez un emptyDir (fichiers temporaires) ou un PersistentVolumeClaim (données à garder)."


def check(obj, ctx) -> Iterator[Finding]:
    for path, spec in iter_pod_specs(obj):
        for index, volume in enumerate(spec.get("volumes") or []):
            if isinstance(volume, dict) and "hostPath" in volume:
                host = volume["hostPath"].get("path", "?") if isinstance(volume["hostPath"], dict) else "?"
                yield finding(f"{path}/volumes/[{index}]/hostPath", volume=volume.get("name", "?"), host_path=host)
