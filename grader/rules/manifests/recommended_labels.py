"""Labels recommandés `criticality` et `component` sur les pods.

Ce que vérifie la règle
    Les labels du pod contiennent aussi `criticality` et `component`.

Pourquoi
    REF 18 — bonnes pratiques « Labels » : recommandés, non exigés. Information seulement.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, env: dev, tier: frontend}
spec:
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
  labels: {app: web, env: dev, tier: frontend, criticality: low, component: nginx}
spec:
  containers:
    - name: web
      image: docker.io/nginxinc/nginx-unprivileged:1.27.3
```

Limites connues
    Aucune.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import pod_labels, pod_metadata_path
from grader.rules.model import Finding, finding

ID = "recommended-labels"
REF = 18
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Labels recommandés absents des pods : {missing}."
HINT_FR = "Ajoutez criticality (high, medium, low) et component (nginx, postgres, redis…)."


def check(obj, ctx) -> Iterator[Finding]:
    if pod_metadata_path(obj) is None:
        return
    path, labels = pod_labels(obj)
    missing = [k for k in ("criticality", "component") if not labels.get(k)]
    if missing:
        yield finding(path, missing=", ".join(missing))
