"""Le script de démarrage copié dans l'image ne modifie pas l'image.

Ce que vérifie la règle
    Quand `ENTRYPOINT` ou `CMD` de l'étape finale lance un script copié dans l'image par `COPY`/`ADD`
    depuis le contexte de build (`COPY entrypoint.sh /entrypoint.sh`, ou `COPY . /app` puis
    `CMD ["/app/start.sh"]`), le script est lu : il ne modifie pas les fichiers de l'image (`sed -i`,
    redirection vers un fichier hors de /tmp) et n'installe pas de paquets.

Pourquoi
    REF 7 — CCT EXI-ARCH-18, piège du tutoriel Java : une image ne se modifie pas au démarrage. Le
    système de fichiers racine est en lecture seule (règle 6), et une image qui change à chaque
    lancement n'est plus celle qui a été analysée. Heuristique : avertissement.

Exemple refusé
```dockerfile
FROM docker.io/library/nginx:1.27
COPY demarrage.sh /demarrage.sh
USER 1001
ENTRYPOINT ["/demarrage.sh"]
```

À la place
```dockerfile
FROM docker.io/library/nginx:1.27
COPY nginx.conf /etc/nginx/nginx.conf
USER 1001
CMD ["nginx", "-g", "daemon off;"]
```

Limites connues
    Le script n'est lu que si `cpin lint` reçoit le Dockerfile sous forme de fichier, le script étant
    dans le même dossier (le contexte de build) ; dans une cellule de notebook, seul le Dockerfile est
    vu. L'exemple refusé ci-dessus l'est donc par son fichier de test, à côté de `demarrage.sh`.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.dockerfile._startup import startup
from grader.rules.dockerfile.no_runtime_install import INSTALL
from grader.rules.model import Finding, finding

ID = "dockerfile-entrypoint-no-self-modify"
REF = 7
KINDS = ("dockerfile",)
SOURCE = "https://github.com/cloud-pi-native/cct-cloud-native/blob/main/cct-exigences.md"
MESSAGE_FR = "Le script de démarrage {script} (ligne {script_line}) modifie l'image : {what}."
HINT_FR = ("Faites ces modifications au build (RUN), passez la configuration par variables d'environnement, "
           "ou écrivez dans un volume monté (/tmp en emptyDir).")
NEEDS_FILES = True   # reads the build context: its refused example is checked by its ko fixture
MAX_SCRIPT_BYTES = 256 * 2**10
SCRIPT_WORD = re.compile(r"^[\w./-]+\.(?:sh|bash)$|^(?:/|\./)[\w./-]+$")
SELF_MODIFY = re.compile(r"\bsed\s+(?:-\w+\s+)*-i|(?<![0-9&])>>?\s*(?!/dev/|/tmp/|&)/[\w./$-]+")


def _copies(obj: Dockerfile) -> list[tuple[str, str]]:
    """(destination in the image, source in the build context) for COPY/ADD of the final stage."""
    pairs, workdir = [], "/"
    stage = obj.final
    for instruction in stage.instructions if stage else ():
        if instruction.keyword == "WORKDIR":
            workdir = posixpath.join(workdir, instruction.args.strip())
        if instruction.keyword not in ("COPY", "ADD"):
            continue
        words = [w for w in instruction.words if not w.startswith("--")]
        if any(w.startswith("--from") for w in instruction.words) or len(words) < 2:
            continue
        *sources, dest = words
        dest = posixpath.normpath(posixpath.join(workdir, dest))
        for source in sources:
            pairs.append((dest, source))
    return pairs


def _source_of(script: str, copies: list[tuple[str, str]], context: Path) -> tuple[str, Path] | None:
    for dest, source in reversed(copies):      # the last COPY wins
        local = (context / source).resolve()
        base = dest.rstrip("/")
        if script == base and local.is_file():
            return source, local
        if script.startswith(base + "/"):
            rest = script[len(base) + 1:]
            candidate = local / rest if local.is_dir() else local if local.name == rest else None
            if candidate is not None and candidate.is_file() and context.resolve() in candidate.resolve().parents:
                return posixpath.join(source, rest) if local.is_dir() else source, candidate
    return None


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    dockerfile = Path(ctx.file)
    if not dockerfile.is_file():
        return                                  # a notebook cell: no build context to read
    copies = _copies(obj)
    workdir = "/"
    for instruction in (obj.final.instructions if obj.final else ()):
        if instruction.keyword == "WORKDIR":
            workdir = posixpath.join(workdir, instruction.args.strip())
    for instruction in startup(obj):
        for word in instruction.words if instruction.args.strip().startswith("[") else instruction.command.split():
            if not SCRIPT_WORD.match(word):
                continue
            found = _source_of(posixpath.normpath(posixpath.join(workdir, word)), copies, dockerfile.parent)
            if found is None or found[1].stat().st_size > MAX_SCRIPT_BYTES:
                continue
            text = found[1].read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), 1):
                code = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
                match = SELF_MODIFY.search(code) or INSTALL.search(code)
                if match:
                    yield finding(line=instruction.line, script=found[0], script_line=number,
                                  what=match.group(0).strip())
                    break
