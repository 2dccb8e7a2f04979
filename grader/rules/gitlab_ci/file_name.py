"""Le fichier de CI de la chaîne DSO s'appelle exactement `.gitlab-ci-dso.yml`.

Ce que vérifie la règle
    Un fichier reconnu comme CI DSO mais mal nommé (`.gitlab-ci.dso.yml`, `.gitlab-ci-dso.yaml`,
    `gitlab-ci-dso.yml`…) est signalé.

Pourquoi
    REF 32 — get-started, services/gitlab, formation étape 2 : la chaîne cherche exactement
    `.gitlab-ci-dso.yml` à la racine du dépôt applicatif ; la documentation elle-même varie, le kit
    retient ce nom. Avertissement.

Exemple refusé
```gitlab-ci name=.gitlab-ci.dso.yml
stages: [build]
```

À la place
```gitlab-ci name=.gitlab-ci-dso.yml
stages: [build]
```

Limites connues
    La présence du fichier à la racine n'est pas vérifiée quand on donne un fichier seul.
"""
from __future__ import annotations

from pathlib import PurePath
from typing import Iterator

from grader.rules.model import Finding, finding

ID = "ci-file-name"
REF = 32
KINDS = ("gitlab_ci",)
SOURCE = "https://cloud-pi-native.fr/guide/get-started"
MESSAGE_FR = "Fichier de CI nommé « {name} » : la chaîne DSO attend « .gitlab-ci-dso.yml »."
HINT_FR = "Renommez le fichier en .gitlab-ci-dso.yml, à la racine du dépôt applicatif."
EXPECTED = ".gitlab-ci-dso.yml"


def check(obj, ctx) -> Iterator[Finding]:
    name = PurePath(ctx.file).name
    if name != EXPECTED:
        yield finding(line=1, name=name)
