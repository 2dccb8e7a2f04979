"""Images avec un tag explicite, jamais `latest`.

Ce que vérifie la règle
    Chaque image de conteneur (y compris initContainers, CronJob) a un tag autre que `latest`, ou un
    digest `@sha256:…`.

Pourquoi
    REF 12 — politique Kyverno `disallow-latest` (Audit en dev/préprod, Enforce en prod), CCT
    EXI-ARCH-27. Un tag mobile rend le déploiement non reproductible et le retour arrière impossible.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: docker.io/nginxinc/nginx-unprivileged:latest
```

À la place
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: docker.io/nginxinc/nginx-unprivileged:1.27.3
```

Limites connues
    Un tag fixe mais réutilisé (`main`, `stable`) n'est pas détecté ici (voir helm-values-traceable-tag).
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.images import parse_image
from grader.rules.manifests._k8s import iter_containers
from grader.rules.model import Finding, finding

ID = "disallow-latest-tag"
REF = 12
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/kyverno"
MESSAGE_FR = "L'image « {image} » du conteneur « {container} » {problem}."
HINT_FR = "Donnez un tag de version explicite (ex. 1.27.3 ou le SHA du commit), jamais latest."


def check(obj, ctx) -> Iterator[Finding]:
    for path, container in iter_containers(obj):
        image = container.get("image")
        if not isinstance(image, str) or not image:
            continue
        parsed = parse_image(image)
        if parsed.floating:
            problem = "n'a pas de tag (donc latest)" if parsed.tag is None else "utilise le tag latest"
            yield finding(f"{path}/image", image=image, container=container.get("name", "?"), problem=problem)
