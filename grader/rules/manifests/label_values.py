"""Valeurs des labels `env`, `tier`, `criticality`, `component` dans les listes de la plateforme.

Ce que vérifie la règle
    Sur tout objet (pod, gabarit de pod, Service…), les labels présents prennent une valeur permise :
    `env` ∈ dev, formation, qualif, test, preprod, prod ; `tier` ∈ frontend, backend, db, cache,
    auth ; `criticality` ∈ high, medium, low ; `component` dans la liste des composants.

Pourquoi
    REF 19 — bonnes pratiques et `agreement/labels-list` : les tableaux de bord et alertes filtrent
    sur ces valeurs. Non bloqué par une politique documentée : avertissement.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, env: development, tier: front}
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
    Le label `app` est libre.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, pod_labels, pod_metadata_path
from grader.rules.model import Finding, finding

ID = "label-values"
REF = 19
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/labels-list"
MESSAGE_FR = "Label {label}={value!r} : valeur hors de la liste de la plateforme."
HINT_FR = "Valeurs permises pour {label} : {allowed}."
ALLOWED = {
    "env": ("dev", "formation", "qualif", "test", "preprod", "prod"),
    "tier": ("frontend", "backend", "db", "cache", "auth"),
    "criticality": ("high", "medium", "low"),
    "component": ("nginx", "apache", "caddy", "tomcat", "python", "node", "openjdk", "golang", "php", "ruby",
                  "perl", "drupal", "java", "postgres", "mariadb", "mysql", "mongo", "cassandra", "cockroach",
                  "influx", "etcd", "varnish", "redis", "memcached", "rabbitmq", "kafka", "apachemq", "kubemq",
                  "busybox"),
}


def check(obj, ctx) -> Iterator[Finding]:
    places = [("metadata/labels", get(obj, "metadata/labels"))]
    if pod_metadata_path(obj) not in (None, "metadata"):
        places.append(pod_labels(obj))
    for path, labels in places:
        if not isinstance(labels, dict):
            continue
        for label, allowed in ALLOWED.items():
            value = labels.get(label)
            if value is not None and value not in allowed:
                yield finding(f"{path}/{label}", label=label, value=value, allowed=", ".join(allowed))
