"""Configuration fournie par l'environnement (env, envFrom ou volume de ConfigMap).

Ce que vérifie la règle
    Chaque conteneur principal d'un Deployment, StatefulSet ou DaemonSet reçoit de la configuration
    de l'extérieur : `env`, `envFrom`, ou un volume monté depuis une ConfigMap ou un Secret.

Pourquoi
    REF 24 — bonnes pratiques §3, CCT EXI-ARCH-22 : la même image est promue d'un environnement à
    l'autre, seule la configuration change. Un conteneur sans aucune configuration la porte
    probablement en dur. Information : certaines images n'en ont pas besoin.

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
          envFrom:
            - configMapRef: {name: api-cm}
```

Limites connues
    Le code de l'application n'est pas lu : une configuration en dur à côté de variables passe.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import iter_containers, iter_pod_specs, kind
from grader.rules.model import Finding, finding

ID = "config-from-env"
REF = 24
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Le conteneur « {container} » ne reçoit aucune configuration (ni env, ni envFrom, ni ConfigMap montée)."
HINT_FR = "Passez la configuration par variables d'environnement (env/envFrom depuis une ConfigMap)."


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) not in ("Deployment", "StatefulSet", "DaemonSet"):
        return
    config_volumes = set()
    for _, spec in iter_pod_specs(obj):
        for volume in spec.get("volumes") or []:
            if isinstance(volume, dict) and ("configMap" in volume or "secret" in volume or "projected" in volume):
                config_volumes.add(volume.get("name"))
    for path, container in iter_containers(obj, init=False):
        mounts = {m.get("name") for m in container.get("volumeMounts") or [] if isinstance(m, dict)}
        if not container.get("env") and not container.get("envFrom") and not (mounts & config_volumes):
            yield finding(path, container=container.get("name", "?"))
