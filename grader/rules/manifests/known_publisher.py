"""Images publiques d'éditeurs reconnus, pas d'espaces Docker Hub personnels.

Ce que vérifie la règle
    Une image Docker Hub (`docker.io/<espace>/…`) vient d'un espace d'éditeur reconnu
    (`library`, `bitnami`, `nginxinc`… : liste `publishers` de `grader/rules/registries.yaml`).

Pourquoi
    REF 16 — FAQ : les images sont construites par la chaîne DSO (Harbor) ou sont des images publiques
    d'éditeurs reconnus ; pas de `docker push` d'images construites à la main vers un espace personnel.
    Heuristique, non bloquée par la plateforme : avertissement.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: docker.io/jdupont/mon-app:1.0.0
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
      image: docker.io/bitnami/nginx:1.27.3
```

Limites connues
    Seul Docker Hub est examiné ; un éditeur légitime absent de la liste donne un faux positif :
    ajoutez-le dans registries.yaml.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.images import parse_image, registries
from grader.rules.manifests._k8s import iter_containers
from grader.rules.model import Finding, finding

ID = "image-known-publisher"
REF = 16
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/faq"
MESSAGE_FR = "L'image « {image} » vient de l'espace Docker Hub « {namespace} », qui n'est pas un éditeur reconnu."
HINT_FR = "Faites construire l'image par la chaîne DSO (Harbor) ou prenez l'image officielle de l'éditeur."


def namespace_of(image: str) -> str | None:
    parsed = parse_image(image)
    parts = parsed.name.split("/")
    if parts[0] in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        parts = parts[1:]
    elif parsed.registry is not None:
        return None
    return parts[0] if len(parts) >= 2 else "library"


def check(obj, ctx) -> Iterator[Finding]:
    publishers = set(registries()["publishers"])
    for path, container in iter_containers(obj):
        image = container.get("image")
        if not isinstance(image, str) or not image or image.startswith("cpin/"):
            continue
        ns = namespace_of(image)
        if ns is not None and ns not in publishers:
            yield finding(f"{path}/image", image=image, namespace=ns)
