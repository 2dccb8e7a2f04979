r"""Couverture de tests publiée par la CI.

Ce que vérifie la règle
    Au moins un job déclare `coverage:` (expression régulière) ou
    `artifacts.reports.coverage_report`.

Pourquoi
    REF 40 — bonnes pratiques, CCT EXI-ARCH-25 : objectif de 100 % de couverture des tests
    unitaires du back-end ; sans rapport, pas de suivi. Information.

Exemple refusé
```gitlab-ci
unit-tests:
  image: docker.io/library/python:3.12-slim
  script: [pytest]
```

À la place
```gitlab-ci
unit-tests:
  image: docker.io/library/python:3.12-slim
  script: [pytest --cov --cov-report=xml]
  coverage: '/TOTAL.*\s(\d+%)/'
  artifacts:
    reports:
      coverage_report: {coverage_format: cobertura, path: coverage.xml}
```

Limites connues
    Le taux atteint n'est pas connu avant l'exécution.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.gitlab_ci._ci import jobs
from grader.rules.manifests._k8s import get
from grader.rules.model import Finding, finding

ID = "ci-coverage-report"
REF = 40
KINDS = ("gitlab_ci",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Aucun job ne publie la couverture des tests."
HINT_FR = "Ajoutez `coverage:` (regex) et artifacts.reports.coverage_report au job de tests."


def check(obj, ctx) -> Iterator[Finding]:
    for _, job in jobs(obj):
        if job.get("coverage") or get(job, "artifacts/reports/coverage_report"):
            return
    yield finding("")
