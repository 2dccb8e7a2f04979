"""Pas de conteneur privilégié ni d'élévation de privilèges.

Ce que vérifie la règle
    Aucun conteneur n'a `securityContext.privileged: true` ni `allowPrivilegeEscalation: true`.

Pourquoi
    REF 3 — CCT EXI-ARCH-26 (importante) : ne pas demander de droits, laisser la plateforme appliquer
    son profil restreint (qui refuse ces conteneurs). Exigence « importante » : avertissement.

Exemple refusé
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: docker.io/nginxinc/nginx-unprivileged:1.27.3
      securityContext:
        allowPrivilegeEscalation: true
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
      securityContext:
        allowPrivilegeEscalation: false
```

Limites connues
    `allowPrivilegeEscalation: false` est accepté : il va dans le sens de la plateforme.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import iter_containers
from grader.rules.model import Finding, finding

ID = "container-no-privilege-escalation"
REF = 3
KINDS = ("manifest",)
SOURCE = "https://github.com/cloud-pi-native/cct-cloud-native/blob/main/cct-exigences.md"
MESSAGE_FR = "Le conteneur « {container} » demande {field}: true."
HINT_FR = "Retirez {field} (ou mettez false) : la plateforme refuse les conteneurs privilégiés."


def check(obj, ctx) -> Iterator[Finding]:
    for path, container in iter_containers(obj):
        context = container.get("securityContext") or {}
        for field in ("privileged", "allowPrivilegeEscalation"):
            if isinstance(context, dict) and context.get(field) is True:
                yield finding(f"{path}/securityContext/{field}", container=container.get("name", "?"), field=field)
