"""Journaux sur la sortie standard, pas dans des fichiers.

Ce que vérifie la règle
    `CMD` et `ENTRYPOINT` de l'étape finale ne redirigent pas la sortie vers un fichier
    (`> app.log`, `>> /var/log/…`, `| tee fichier`).

Pourquoi
    REF 25 — bonnes pratiques §6, CCT EXI-ARCH-23 : les journaux vont sur stdout (GELF ou JSON),
    collectés par la plateforme ; un fichier de log se perd avec le pod et remplit le disque.
    Heuristique : avertissement.

Exemple refusé
```dockerfile
FROM docker.io/library/python:3.12-slim
USER 1001
CMD ["sh", "-c", "python app.py >> /var/log/app.log 2>&1"]
```

À la place
```dockerfile
FROM docker.io/library/python:3.12-slim
USER 1001
CMD ["python", "app.py"]
```

Limites connues
    La configuration de journalisation de l'application (log4j, logback…) n'est pas lue.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.dockerfile._startup import startup
from grader.rules.model import Finding, finding

ID = "dockerfile-logs-stdout"
REF = 25
KINDS = ("dockerfile",)
SEVERITY = "advice"
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "{keyword} envoie les journaux dans un fichier ({what})."
HINT_FR = "Laissez l'application écrire sur stdout/stderr, de préférence en JSON ou GELF."
TO_FILE = re.compile(r"(\d?>>?\s*(?!/dev/|&)\S+\.log\b|\d?>>?\s*/var/log/\S*|\|\s*tee\s+(?:-a\s+)?(?!/dev/)\S+)")


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    for instruction in startup(obj):
        match = TO_FILE.search(instruction.command)
        if match:
            yield finding(line=instruction.line, keyword=instruction.keyword, what=match.group(1).strip())
