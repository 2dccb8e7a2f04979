"""Historique des CronJobs et durée de vie des Jobs (ajoutés par la plateforme).

Ce que vérifie la règle
    Un CronJob fixe `successfulJobsHistoryLimit` et `failedJobsHistoryLimit` ; un Job fixe
    `ttlSecondsAfterFinished`.

Pourquoi
    REF 28 — politiques Kyverno de mutation `job-history` et `add-ttl` : la plateforme ajoute
    5/5 et un TTL si rien n'est donné. Information : mieux vaut les écrire soi-même pour savoir ce
    qui tournera.

Exemple refusé
```yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup-cj
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: backup
              image: docker.io/bitnami/postgresql:16.4.0
```

À la place
```yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup-cj
spec:
  schedule: "0 2 * * *"
  successfulJobsHistoryLimit: 5
  failedJobsHistoryLimit: 5
  jobTemplate:
    spec:
      ttlSecondsAfterFinished: 86400
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: backup
              image: docker.io/bitnami/postgresql:16.4.0
```

Limites connues
    Aucune.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, kind
from grader.rules.model import Finding, finding

ID = "job-history-ttl"
REF = 28
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/kyverno"
MESSAGE_FR = "{field} absent : la plateforme ajoutera {value}."
HINT_FR = "Écrivez {field} vous-même pour maîtriser ce qui est gardé."


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) == "CronJob":
        for field in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
            if get(obj, f"spec/{field}") is None:
                yield finding("spec", field=field, value="5")
    if kind(obj) == "Job" and get(obj, "spec/ttlSecondsAfterFinished") is None:
        yield finding("spec", field="ttlSecondsAfterFinished", value="un TTL")
