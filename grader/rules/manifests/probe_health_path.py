"""Sondes HTTP sur le point de santé `/health`.

Ce que vérifie la règle
    Les sondes `httpGet` (liveness, readiness, startup) visent un chemin commençant par `/health`
    (`/health`, `/healthz`, `/health/ready`…).

Pourquoi
    REF 37 — CCT EXI-ARCH-12 : l'application expose `/health` (problème en JSON) et `/metrics`.
    Une sonde sur `/` teste la page d'accueil, pas la santé. Information.

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
      livenessProbe:
        httpGet: {path: /, port: 8080}
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
      livenessProbe:
        httpGet: {path: /health, port: 8080}
```

Limites connues
    Les sondes tcpSocket, exec et grpc ne sont pas jugées ; `/actuator/health` (Spring) est accepté.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, iter_containers
from grader.rules.model import Finding, finding

ID = "probe-health-path"
REF = 37
KINDS = ("manifest",)
SOURCE = "https://github.com/cloud-pi-native/cct-cloud-native/blob/main/cct-exigences.md"
MESSAGE_FR = "La {probe} du conteneur « {container} » vise {path_value}, pas un point /health."
HINT_FR = "Exposez /health dans l'application (réponse JSON) et pointez les sondes dessus."


def check(obj, ctx) -> Iterator[Finding]:
    for path, container in iter_containers(obj, init=False):
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            target = get(container, f"{probe}/httpGet/path")
            if target is None and isinstance(get(container, f"{probe}/httpGet"), dict):
                target = "/"
            if isinstance(target, str) and not (target.startswith("/health") or target.endswith("/health")
                                                or "/health/" in target):
                yield finding(f"{path}/{probe}/httpGet", probe=probe, container=container.get("name", "?"),
                              path_value=target)
