"""Pas de contournement de la vérification TLS : ajouter les AC de la PKI interne.

Ce que vérifie la règle
    Aucune étape ne désactive la vérification des certificats : `NODE_TLS_REJECT_UNAUTHORIZED=0`,
    `PYTHONHTTPSVERIFY=0`, `GIT_SSL_NO_VERIFY`, `curl -k`/`--insecure`,
    `wget --no-check-certificate`, `pip --trusted-host`, `npm config set strict-ssl false`.

Pourquoi
    REF 36 — CCT EXI-ARCH-7 : les AC racines de la PKI interne sont ajoutées à l'image (ou montées
    depuis une ConfigMap/un Secret) ; on ne coupe pas la vérification. Avertissement.

Exemple refusé
```dockerfile
FROM docker.io/library/node:22-alpine
ENV NODE_TLS_REJECT_UNAUTHORIZED=0
USER 1001:0
CMD ["node", "server.js"]
```

À la place
```dockerfile
FROM docker.io/library/node:22-alpine
COPY certs/ac-racine.crt /usr/local/share/ca-certificates/ac-racine.crt
RUN update-ca-certificates
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
USER 1001:0
CMD ["node", "server.js"]
```

Limites connues
    Les options passées à l'exécution (variables du Deployment) relèvent des manifestes.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules._text import find_then
from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.model import Finding, finding

ID = "dockerfile-no-tls-bypass"
REF = 36
KINDS = ("dockerfile",)
SOURCE = "https://github.com/cloud-pi-native/cct-cloud-native/blob/main/cct-exigences.md"
MESSAGE_FR = "Vérification TLS désactivée : {what}."
HINT_FR = "Ajoutez l'AC racine de la PKI interne (update-ca-certificates) au lieu de couper la vérification."
BYPASS = re.compile(r"(NODE_TLS_REJECT_UNAUTHORIZED\s*[= ]\s*['\"]?0|PYTHONHTTPSVERIFY\s*[= ]\s*['\"]?0|"
                    r"GIT_SSL_NO_VERIFY|--no-check-certificate|--trusted-host|strict-ssl\s+false|sslVerify\s+false)")
CURL, INSECURE = re.compile(r"\bcurl\b"), re.compile(r"\s(?:-k|--insecure)\b")   # `curl … -k`, in one command


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    for instruction in obj.instructions:
        if instruction.keyword in ("ENV", "ARG", "RUN", "CMD", "ENTRYPOINT"):
            match = BYPASS.search(instruction.args)
            what = match.group(1) if match else find_then(instruction.args, CURL, INSECURE, stops="|&;\n")
            if what:
                yield finding(line=instruction.line, what=what)
