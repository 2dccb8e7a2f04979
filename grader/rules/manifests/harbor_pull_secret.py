"""Images Harbor tirées avec `imagePullSecrets: [registry-pull-secret]`.

Ce que vérifie la règle
    Un pod dont au moins une image vient du Harbor de la plateforme (`harbor.apps.*`, `harbor.dso.*`)
    déclare `imagePullSecrets` contenant `registry-pull-secret`.

Pourquoi
    REF 17 — tutoriels et « get started » : le secret `registry-pull-secret` est créé dans chaque
    environnement ; sans lui le pull depuis le Harbor privé échoue (ImagePullBackOff) dans tous les
    environnements : erreur partout.

Exemple refusé
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

À la place
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  imagePullSecrets:
    - name: registry-pull-secret
  containers:
    - name: web
      image: harbor.apps.dso.example.fr/projet/web:1.0.0
```

Limites connues
    Un secret ajouté au ServiceAccount du pod (au lieu du pod) n'est pas vu.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.images import is_harbor
from grader.rules.manifests._k8s import iter_containers, iter_pod_specs
from grader.rules.model import Finding, finding

ID = "harbor-pull-secret"
REF = 17
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/get-started"
MESSAGE_FR = "Image Harbor « {image} » sans imagePullSecrets registry-pull-secret : le pull sera refusé."
HINT_FR = "Ajoutez `imagePullSecrets: [{{name: registry-pull-secret}}]` dans la spec du pod."
SECRET = "registry-pull-secret"


def check(obj, ctx) -> Iterator[Finding]:
    for spec_path, spec in iter_pod_specs(obj):
        secrets = {s.get("name") for s in spec.get("imagePullSecrets") or [] if isinstance(s, dict)}
        if SECRET in secrets:
            return
        for path, container in iter_containers(obj):
            image = container.get("image")
            if isinstance(image, str) and is_harbor(image):
                yield finding(f"{path}/image", image=image)
                return
