"""Journaux sur la sortie standard, pas dans des fichiers.

Ce que vérifie la règle
    `CMD` et `ENTRYPOINT` de l'étape finale ne redirigent pas la sortie vers un fichier
    (`> app.log`, `>> /var/log/…`, `| tee fichier`) et ne demandent pas à l'application, par une
    option de la ligne de commande, d'écrire ses journaux dans un fichier (`--log-file=/var/log/app.log`,
    `--access-logfile access.log`, `-Dlogging.file.name=…`) ; `-`, `/dev/stdout` et `/dev/stderr` vont bien.

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
    La configuration de journalisation de l'application (log4j, logback…) n'est pas lue ; les
    commandes des manifestes sont vues par container-logs-stdout.
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
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "{keyword} envoie les journaux dans un fichier ({what})."
HINT_FR = "Laissez l'application écrire sur stdout/stderr, de préférence en JSON ou GELF."
REDIRECT = re.compile(r"\d?>>?\s*([^\s>]*)")   # a redirection and its target, linear (no backtracking)
LOG_SUFFIX = re.compile(r"\S\.log\b")
TEE = re.compile(r"\|\s*tee\s+(?:-a\s+)?(?!/dev/)\S+")
# `--log-file X`, `--access-logfile=X`, `--error-log X`, `--log-path X`, `--logfile X`, `-Dlogging.file.name=X`
LOG_FLAG = re.compile(r"(?<![\w-])(--?(?:access-|error-)?log-?(?:file|path|to|-dir|dir)|"
                      r"-Dlogging\.file(?:\.name|\.path)?)(?:=|\s+)([^\s\"',\]]+)")
TO_STREAM = ("-", "/dev/stdout", "/dev/stderr", "stdout", "stderr", "/proc/self/fd/1", "/proc/self/fd/2")


def to_file(command: str) -> str | None:
    """The first redirection to a log file (`> app.log`, `>> /var/log/x`, `| tee out`), or None."""
    found: list[tuple[int, str]] = []
    for match in REDIRECT.finditer(command):
        target = match.group(1)
        if target.startswith("/var/log/"):
            found.append((match.start(), match.group(0)))
            break
        suffix = LOG_SUFFIX.search(target)
        if suffix and not target.startswith(("/dev/", "&")):
            found.append((match.start(), command[match.start():match.start(1) + suffix.end()]))
            break
    tee = TEE.search(command)
    if tee:
        found.append((tee.start(), tee.group(0)))
    for flag in LOG_FLAG.finditer(command):
        if flag.group(2) not in TO_STREAM:
            found.append((flag.start(), flag.group(0)))
            break
    return min(found)[1] if found else None


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    for instruction in startup(obj):
        what = to_file(instruction.command)
        if what:
            yield finding(line=instruction.line, keyword=instruction.keyword, what=what.strip())
