"""Images de base avec un tag explicite (ni absent, ni `latest`) ou un digest.

Ce que vérifie la règle
    Chaque `FROM` d'une image externe (pas `scratch`, pas une étape précédente `FROM build`) a un
    tag autre que `latest` ou un digest `@sha256:…`. Les `ARG` des `FROM` sont résolus avec leur
    valeur par défaut.

Pourquoi
    REF 12 — CCT EXI-ARCH-27 (primordiale) : version explicite, build reproductible. Exigence
    primordiale : erreur partout.

Exemple refusé
```dockerfile
ARG BASE=docker.io/library/python
FROM ${BASE}
USER 1001
```

À la place
```dockerfile
ARG BASE=docker.io/library/python:3.12-slim
FROM ${BASE}
USER 1001
```

Limites connues
    Un `FROM ${IMAGE}` dont l'ARG n'a pas de valeur par défaut n'est pas jugé (valeur connue au build).
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.images import parse_image
from grader.rules.model import Finding, finding

ID = "dockerfile-base-tag"
REF = 12
KINDS = ("dockerfile",)
SOURCE = "https://github.com/cloud-pi-native/cct-cloud-native/blob/main/cct-exigences.md"
MESSAGE_FR = "FROM {image} : {problem}."
HINT_FR = "Fixez la version de l'image de base (ex. python:3.12-slim) ou son digest @sha256:…"


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    aliases: set[str] = set()
    for stage in obj.stages:
        image = stage.image
        if not stage.unresolved and image and image.lower() != "scratch" and image.lower() not in aliases:
            parsed = parse_image(image)
            if parsed.floating:
                problem = "pas de tag (donc latest)" if parsed.tag is None else "tag latest"
                yield finding(line=stage.line, image=image, problem=problem)
        if stage.alias:
            aliases.add(stage.alias.lower())
