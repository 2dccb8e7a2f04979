"""Labels obligatoires `app`, `env` et `tier` sur les pods.

Ce que vérifie la règle
    Les labels du pod (ceux du gabarit `template.metadata.labels` pour un Deployment, un CronJob…)
    contiennent `app`, `env` et `tier`.

Pourquoi
    REF 18 — politique Kyverno `check-labels` (Audit en dev/préprod, Enforce en prod) et bonnes
    pratiques « Labels » : ces labels servent au suivi, aux tableaux de bord et aux politiques réseau.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
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
  labels: {app: web, env: dev, tier: frontend}
spec:
  containers:
    - name: web
      image: docker.io/nginxinc/nginx-unprivileged:1.27.3
```

Limites connues
    Les labels posés seulement sur le Deployment (pas sur son gabarit) ne comptent pas : ce sont
    ceux des pods qui sont contrôlés.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import pod_labels, pod_metadata_path
from grader.rules.model import Finding, finding

ID = "require-labels"
REF = 18
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/kyverno"
MESSAGE_FR = "Labels obligatoires absents des pods : {missing}."
HINT_FR = "Ajoutez app, env et tier dans les labels du pod (template.metadata.labels pour un Deployment)."
REQUIRED = ("app", "env", "tier")


def check(obj, ctx) -> Iterator[Finding]:
    if pod_metadata_path(obj) is None:
        return
    path, labels = pod_labels(obj)
    missing = [k for k in REQUIRED if not labels.get(k)]
    if missing:
        yield finding(path, missing=", ".join(missing))
