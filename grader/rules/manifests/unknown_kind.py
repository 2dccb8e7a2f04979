"""Type d'objet inconnu (CRD ou faute de frappe) : non vérifié par le schéma.

Ce que vérifie la règle
    Signale les documents sans `apiVersion`/`kind`, et les types qui ne sont ni une API standard de
    Kubernetes 1.36 ni une ressource personnalisée connue du kit (SopsSecret, VaultStaticSecret, Route).

Pourquoi
    Hors tableau (REF 0), information : une CRD de la plateforme est légitime, mais une faute dans
    `kind` ou `apiVersion` (`apps/v1beta1`, `Deploymnet`) ferait refuser l'objet par l'API.

Exemple refusé
```yaml
apiVersion: apps/v1
kind: Deploymnet
metadata:
  name: web-dep
```

À la place
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-cm
data:
  LOG_LEVEL: info
```

Limites connues
    Les champs d'une CRD ne sont pas vérifiés.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests import _schema
from grader.rules.model import Finding, finding

ID = "k8s-unknown-kind"
REF = 0
KINDS = ("manifest",)
SOURCE = "https://kubernetes.io/docs/reference/kubernetes-api/"
MESSAGE_FR = "{detail}"
HINT_FR = "Vérifiez `apiVersion` et `kind` (`kubectl api-resources` liste les types connus)."


def check(obj, ctx) -> Iterator[Finding]:
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version or not kind:
        yield finding("", detail="document sans `apiVersion` ni `kind` : ce n'est pas un objet Kubernetes, ignoré.")
        return
    if (_schema.group(api_version), kind) in _schema.KNOWN_CUSTOM_KINDS:
        return
    if _schema.validator_for(api_version, kind) is None:
        yield finding("kind", detail=f"type {kind} ({api_version}) inconnu de Kubernetes 1.36 : "
                                     "ressource personnalisée ou faute de frappe, schéma non vérifié.")
