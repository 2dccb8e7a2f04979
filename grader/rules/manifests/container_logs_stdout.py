"""Journaux sur la sortie standard : la commande des conteneurs n'écrit pas dans un fichier.

Ce que vérifie la règle
    `command` et `args` de chaque conteneur (conteneurs d'initialisation et annexes compris) ne
    redirigent pas la sortie vers un fichier (`>> /var/log/…`, `| tee`) et ne passent pas d'option
    qui envoie les journaux dans un fichier (`--log-file=…`, `--access-logfile …`,
    `-Dlogging.file.name=…`) ; `-`, `/dev/stdout` et `/dev/stderr` vont bien.

Pourquoi
    REF 25 — bonnes pratiques §6, CCT EXI-ARCH-23 : la plateforme collecte la sortie standard des
    conteneurs ; un fichier de journal se perd avec le pod et remplit le disque. Le manifeste peut
    changer la commande de l'image : la règle dockerfile-logs-stdout ne le voit pas. Heuristique :
    avertissement.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: docker.io/library/python:3.12-slim
      command: [gunicorn, --access-logfile, /var/log/access.log, "app:app"]
```

À la place
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: docker.io/library/python:3.12-slim
      command: [gunicorn, --access-logfile, "-", "app:app"]
```

Limites connues
    Les fichiers de configuration de journalisation (logback.xml, log4j2.xml) ne sont pas lus.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.dockerfile.logs_stdout import to_file
from grader.rules.manifests._k8s import container_name, iter_containers
from grader.rules.model import Finding, finding

ID = "container-logs-stdout"
REF = 25
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Le conteneur « {container} » envoie ses journaux dans un fichier ({what})."
HINT_FR = "Laissez l'application écrire sur stdout/stderr (option à « - » ou retirée), de préférence en JSON."


def check(obj, ctx) -> Iterator[Finding]:
    for path, container in iter_containers(obj):
        for field in ("command", "args"):
            words = container.get(field)
            if not isinstance(words, list):
                continue
            what = to_file(" ".join(str(w) for w in words))
            if what:
                yield finding(f"{path}/{field}", container=container_name(container), what=what.strip())
                break
