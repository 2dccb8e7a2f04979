"""L'étape finale de l'image tourne avec un utilisateur non root.

Ce que vérifie la règle
    La dernière instruction `USER` de l'étape finale (ou de l'étape dont elle hérite, `FROM build`)
    existe et ne désigne pas root : ni `root`, ni `0`, ni `root:…`, ni `0:…`. Les `USER` des étapes
    de construction précédentes ne comptent pas. Les ARG et ENV (`USER ${APP_UID}`) sont résolus.

Pourquoi
    REF 1 — prérequis techniques, bonnes pratiques, FAQ, CCT EXI-ARCH-18 (primordiale) : les images
    sont rootless. Une exigence primordiale entraîne le rejet : erreur dans tous les environnements.

Exemple refusé
```dockerfile
FROM docker.io/library/node:22-alpine AS build
USER node
RUN echo build
FROM docker.io/library/node:22-alpine
USER root
CMD ["node", "server.js"]
```

À la place
```dockerfile
FROM docker.io/library/node:22-alpine AS build
RUN echo build
FROM docker.io/library/node:22-alpine
USER 1001:0
CMD ["node", "server.js"]
```

Limites connues
    L'utilisateur par défaut de l'image de base n'est pas connu : sans `USER`, la règle signale
    l'oubli même si la base est déjà non root (écrivez-le explicitement). Un `USER ${VAR}` sans
    valeur connue n'est pas jugé.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile, substitute, stage_values
from grader.rules.model import Finding, finding

ID = "dockerfile-user-non-root"
REF = 1
KINDS = ("dockerfile",)
SOURCE = "https://cloud-pi-native.fr/platform/compatibility"
MESSAGE_FR = "{detail}"
HINT_FR = "Terminez l'étape finale par `USER 1001:0` (UID non root, groupe 0 pour OpenShift)."
ROOT = {"root", "0"}


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    stage = obj.final
    seen = set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        users = stage.all("USER")
        if users:
            last = users[-1]
            value, complete = substitute(last.args.strip(), stage_values(stage, last))
            if complete and value.split(":", 1)[0].strip() in ROOT:
                yield finding(line=last.line, detail=f"L'étape finale tourne en root (USER {last.args.strip()}).")
            return
        parent = next((s for s in obj.stages[: stage.index] if s.alias and s.alias.lower() == stage.image.lower()),
                      None)
        stage = parent
    final = obj.final
    yield finding(line=final.line if final else 1,
                  detail="Aucune instruction USER dans l'étape finale : l'image tourne en root par défaut.")
