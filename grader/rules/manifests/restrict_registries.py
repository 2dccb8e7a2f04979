"""Images venant des registres autorisés.

Ce que vérifie la règle
    Chaque image commence par un préfixe de la liste autorisée, écrite comme donnée dans
    `grader/rules/registries.yaml` : la liste Kyverno (`docker.io/`, `harbor.io/`,
    `registry.redhat.io/`, `quay.io/`, `bitnami/`, `ghcr.io/`), le Harbor de la plateforme
    (`harbor.apps.*`, `harbor.dso.*`) et les images locales du kit (`cpin/`, `localhost:5001/`,
    `kind-registry:5000/`).

Pourquoi
    REF 15 — politique Kyverno `restrict-image-registries` (Audit en dev/préprod, Enforce en prod).

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: registry.example.com/web:1.0.0
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
      image: harbor.apps.dso.example.fr/projet/web:1.0.0
```

Limites connues
    Comme la politique Kyverno, la règle compare le texte écrit : `nginx:1.27` (sans registre) est
    refusé ; écrivez `docker.io/library/nginx:1.27`.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.images import allowed
from grader.rules.manifests._k8s import iter_containers
from grader.rules.model import Finding, finding

ID = "restrict-image-registries"
REF = 15
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/agreement/kyverno"
MESSAGE_FR = "L'image « {image} » ne vient pas d'un registre autorisé."
HINT_FR = ("Utilisez l'image construite par la chaîne DSO (Harbor) ou préfixez l'image publique par son "
           "registre (docker.io/, quay.io/, ghcr.io/, registry.redhat.io/…).")


def check(obj, ctx) -> Iterator[Finding]:
    for path, container in iter_containers(obj):
        image = container.get("image")
        if isinstance(image, str) and image and not allowed(image):
            yield finding(f"{path}/image", image=image)
