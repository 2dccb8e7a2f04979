"""Sondes liveness ET readiness (bonne pratique au-delà du minimum Kyverno).

Ce que vérifie la règle
    Un conteneur principal qui a déjà une sonde a aussi l'autre : `readinessProbe` et `livenessProbe`.

Pourquoi
    REF 8 — les bonnes pratiques demandent les deux : readiness retire le pod du Service quand il
    n'est pas prêt, liveness le redémarre s'il est bloqué. Kyverno n'en exige qu'une : conseil,
    avertissement dans tous les environnements.

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
      readinessProbe:
        httpGet: {path: /health, port: 8080}
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
      livenessProbe:
        httpGet: {path: /health, port: 8080}
```

Limites connues
    Un conteneur sans aucune sonde relève de la règle require-probes, pas de celle-ci.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import iter_containers, kind
from grader.rules.model import Finding, finding

ID = "probes-liveness-and-readiness"
REF = 8
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Le conteneur « {container} » n'a pas de {missing}."
HINT_FR = "Déclarez readinessProbe et livenessProbe (souvent le même /health, avec des délais différents)."


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) in ("Job", "CronJob"):
        return
    for path, container in iter_containers(obj, init=False):
        has = {p for p in ("livenessProbe", "readinessProbe", "startupProbe") if container.get(p)}
        if not has:
            continue
        for probe in ("readinessProbe", "livenessProbe"):
            if probe not in has:
                yield finding(path, container=container.get("name", "?"), missing=probe)
