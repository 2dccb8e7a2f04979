"""Pas de serveur SSH ni de service annexe dans l'image.

Ce que vérifie la règle
    L'étape finale n'installe pas `openssh-server`, `dropbear` ou `supervisor`, n'expose pas le
    port 22 et ne lance pas `sshd`.

Pourquoi
    REF 7 — CCT EXI-ARCH-18 : un conteneur = un processus ; pas de sshd ni de service non
    essentiel (on entre dans un pod avec `kubectl exec` dans les environnements où c'est permis).
    Avertissement.

Exemple refusé
```dockerfile
FROM docker.io/library/debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends openssh-server
USER 1001
CMD ["/usr/sbin/sshd", "-D"]
```

À la place
```dockerfile
FROM docker.io/library/debian:12-slim
COPY app /usr/local/bin/app
USER 1001
CMD ["/usr/local/bin/app"]
```

Limites connues
    Les services lancés par un script d'entrée ne sont pas vus.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.model import Finding, finding

ID = "dockerfile-no-sshd"
REF = 7
KINDS = ("dockerfile",)
SOURCE = "https://github.com/cloud-pi-native/cct-cloud-native/blob/main/cct-exigences.md"
MESSAGE_FR = "Service non essentiel dans l'image : {what}."
HINT_FR = "Retirez le serveur SSH/supervisor : un conteneur lance un seul processus, l'application."
SERVICES = re.compile(r"\b(openssh-server|dropbear|supervisor|sshd)\b")


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    if obj.final is None:
        return
    for instruction in obj.final.instructions:
        if instruction.keyword in ("RUN", "CMD", "ENTRYPOINT"):
            match = SERVICES.search(instruction.command)
            if match:
                yield finding(line=instruction.line, what=match.group(1))
        if instruction.keyword == "EXPOSE" and re.search(r"(^|\s)22(/tcp)?(\s|$)", instruction.args):
            yield finding(line=instruction.line, what="EXPOSE 22")
