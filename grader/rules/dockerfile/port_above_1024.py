"""Ports exposés supérieurs à 1024 (`EXPOSE`).

Ce que vérifie la règle
    Les ports de `EXPOSE` de l'étape finale sont tous > 1024 (les ARG/ENV sont résolus).

Pourquoi
    REF 5 — bonnes pratiques §4, FAQ, CCT EXI-ARCH-18 (primordiale) : sans root, un processus ne
    peut pas écouter sur un port ≤ 1024 ; le conteneur plante partout. Erreur partout.

Exemple refusé
```dockerfile
FROM docker.io/library/nginx:1.27.3
EXPOSE 80
USER 101
```

À la place
```dockerfile
FROM docker.io/nginxinc/nginx-unprivileged:1.27.3
EXPOSE 8080
USER 101
```

Limites connues
    `EXPOSE` n'est qu'une documentation : le port réel vient de la configuration de l'application.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile, stage_values, substitute
from grader.rules.model import Finding, finding

ID = "dockerfile-port-above-1024"
REF = 5
KINDS = ("dockerfile",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "EXPOSE {port} : un conteneur sans privilège ne peut pas écouter sur un port ≤ 1024."
HINT_FR = "Configurez l'application sur un port > 1024 (ex. 8080) et exposez celui-ci."


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    if obj.final is None:
        return
    for instruction in obj.final.all("EXPOSE"):
        text, _ = substitute(instruction.args, stage_values(obj.final, instruction))
        for word in text.split():
            match = re.match(r"^(\d+)(?:-(\d+))?(?:/\w+)?$", word)
            if match and int(match.group(1)) <= 1024:
                yield finding(line=instruction.line, port=word)
