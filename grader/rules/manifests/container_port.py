"""Ports d'écoute supérieurs à 1024 (containerPort, targetPort).

Ce que vérifie la règle
    Chaque `containerPort` des conteneurs et chaque `targetPort` numérique d'un Service est > 1024.

Pourquoi
    REF 5 — bonnes pratiques §4, FAQ, CCT EXI-ARCH-18 (primordiale). Les conteneurs tournent sans
    privilège avec un UID arbitraire : ils ne peuvent pas ouvrir un port ≤ 1024, le pod plante
    dans tous les environnements. Erreur en dev comme en prod.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: docker.io/nginxinc/nginx-unprivileged:1.27
      ports:
        - containerPort: 80
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
      image: docker.io/nginxinc/nginx-unprivileged:1.27
      ports:
        - containerPort: 8080
```

Limites connues
    Le port réellement ouvert par l'application (fichier de configuration) n'est pas lu. Le `port`
    d'un Service peut rester 80 : seul compte le port du conteneur (`targetPort`).
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import iter_containers, kind
from grader.rules.model import Finding, finding

ID = "container-port-above-1024"
REF = 5
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "{what} {port} ≤ 1024 : un conteneur sans privilège ne peut pas écouter sur ce port."
HINT_FR = "Faites écouter l'application sur un port > 1024 (ex. 8080) ; le Service peut garder port: 80."


def check(obj, ctx) -> Iterator[Finding]:
    for path, container in iter_containers(obj):
        for index, port in enumerate(container.get("ports") or []):
            number = port.get("containerPort") if isinstance(port, dict) else None
            if isinstance(number, int) and not isinstance(number, bool) and number <= 1024:
                yield finding(f"{path}/ports/[{index}]/containerPort",
                              what=f"containerPort du conteneur « {container.get('name', '?')} » :", port=number)
    if kind(obj) == "Service":
        for index, port in enumerate((obj.get("spec") or {}).get("ports") or []):
            number = port.get("targetPort", port.get("port")) if isinstance(port, dict) else None
            if isinstance(number, int) and not isinstance(number, bool) and number <= 1024:
                yield finding(f"spec/ports/[{index}]/targetPort", what="targetPort du Service :", port=number)
