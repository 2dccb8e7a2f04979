"""Tests et analyse SonarQube dans la CI.

Ce que vérifie la règle
    La CI a un job de tests (nom ou stage contenant `test`, ou commande `npm test`, `mvn test`,
    `mvn verify`, `pytest`, `go test`…) et un job SonarQube (`extends` d'un modèle sonar, image
    `sonar-scanner`, commande `sonar-scanner` ou `sonar:sonar`).

Pourquoi
    REF 34 — platform/introduction, services/sonarqube : la chaîne passe les tests et les quality
    gates SonarQube ; Trivy analyse ensuite l'image dans Harbor. Conseil : avertissement.

Exemple refusé
```gitlab-ci
docker-build:
  variables: {IMAGE_NAME: web}
  extends: .kaniko:simple-build-push
```

À la place
```gitlab-ci
unit-tests:
  image: docker.io/library/node:22-alpine
  script: [npm ci, npm test]
sonar-app:
  extends: .java:sonar
docker-build:
  variables: {IMAGE_NAME: web}
  extends: .kaniko:simple-build-push
```

Limites connues
    Le contenu des modèles inclus n'est pas lu : un `extends` dont le nom contient « sonar » suffit.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules._text import find_then
from grader.rules.gitlab_ci._ci import extends, image_name, jobs, script_lines
from grader.rules.model import Finding, finding

ID = "ci-quality-jobs"
REF = 34
KINDS = ("gitlab_ci",)
SOURCE = "https://cloud-pi-native.fr/services/sonarqube"
MESSAGE_FR = "Aucun job {what} dans la CI."
HINT_FR = "Ajoutez un job de tests et un job SonarQube (modèles du catalogue : sonar-ci.yml, java-mvn.yml, node-npm.yml)."
TESTS = re.compile(r"\b(npm (run )?test|yarn test|gradle\w* test|pytest|go test|"
                   r"cargo test|phpunit|dotnet test|tox)\b")
MVN, MVN_GOAL = re.compile(r"\bmvn\b"), re.compile(r"\b(?:test|verify)\b")   # `mvn … verify`, linear
SONAR = re.compile(r"sonar", re.I)


def check(obj, ctx) -> Iterator[Finding]:
    has_tests = has_sonar = False
    for name, job in jobs(obj):
        lines = script_lines(job)
        if "test" in name.lower() or "test" in str(job.get("stage", "")).lower() \
                or any(TESTS.search(line) or find_then(line, MVN, MVN_GOAL) for line in lines):
            has_tests = True
        if any(SONAR.search(e) for e in extends(job)) or SONAR.search(image_name(job)) \
                or any(re.search(r"sonar-scanner|sonar:sonar", line) for line in lines):
            has_sonar = True
    if not has_tests:
        yield finding("", what="de tests")
    if not has_sonar:
        yield finding("", what="SonarQube")
