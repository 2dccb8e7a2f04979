"""Tâches d'administration (migration, initialisation, sauvegarde) hors du conteneur principal.

Ce que vérifie la règle
    La commande (`command`/`args`) d'un conteneur principal de Deployment, StatefulSet ou DaemonSet
    ne lance pas de migration ou d'initialisation de base (`migrate`, `flyway`, `liquibase`,
    `db:migrate`, `pg_restore`, `pg_dump`, `init-db`…).

Pourquoi
    REF 27 — bonnes pratiques §8 : les tâches d'administration tournent en initContainers ou en
    CronJobs/Jobs, une fois, et pas à chaque démarrage de chaque réplique. Heuristique : avertissement.

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
          command: ["sh", "-c", "python manage.py migrate && gunicorn app:app"]
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
      initContainers:
        - name: migrate
          image: docker.io/library/python:3.12-slim
          command: ["python", "manage.py", "migrate"]
      containers:
        - name: api
          image: docker.io/library/python:3.12-slim
          command: ["gunicorn", "app:app"]
```

Limites connues
    Seule la ligne de commande du manifeste est lue, pas le script d'entrée de l'image.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules.manifests._k8s import iter_containers, kind
from grader.rules.model import Finding, finding

ID = "admin-tasks-in-jobs"
REF = 27
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Le conteneur « {container} » lance une tâche d'administration au démarrage ({task})."
HINT_FR = "Déplacez cette tâche dans un initContainer, un Job ou un CronJob."
TASKS = re.compile(r"\b(migrate|db:migrate|flyway|liquibase|alembic upgrade|pg_restore|pg_dump|mysqldump|"
                   r"init-db|initdb|db-init|seed)\b", re.I)


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) not in ("Deployment", "StatefulSet", "DaemonSet"):
        return
    for path, container in iter_containers(obj, init=False):
        words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
        match = TASKS.search(" ".join(words))
        if match:
            yield finding(f"{path}/command" if container.get("command") else f"{path}/args",
                          container=container.get("name", "?"), task=match.group(1))
