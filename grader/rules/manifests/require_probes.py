"""Sondes de santé obligatoires (au moins une de liveness, readiness, startup).

Ce que vérifie la règle
    Chaque conteneur principal (pas les initContainers) d'un pod déclare au moins une sonde :
    `livenessProbe`, `readinessProbe` ou `startupProbe`.

Pourquoi
    REF 8 — politique Kyverno `need-liveness-readiness` (Audit en dev/préprod, Enforce en prod) ;
    sans sonde, Kubernetes envoie du trafic à un pod pas prêt et ne redémarre pas un pod bloqué.

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
      readinessProbe:
        httpGet: {path: /health, port: 8080}
```

Limites connues
    Les Jobs et CronJobs sont exemptés (un traitement par lots n'a pas de sonde utile).
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import iter_containers, kind
from grader.rules.model import Finding, finding

ID = "require-probes"
REF = 8
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/kyverno"
MESSAGE_FR = "Le conteneur « {container} » n'a aucune sonde (liveness, readiness ou startup)."
HINT_FR = "Ajoutez au moins une readinessProbe et une livenessProbe (httpGet sur /health, ou tcpSocket)."
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) in ("Job", "CronJob"):
        return
    for path, container in iter_containers(obj, init=False):
        if not any(container.get(p) for p in PROBES):
            yield finding(path, container=container.get("name", "?"))
