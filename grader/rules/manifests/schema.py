"""Objet non conforme au schéma de Kubernetes 1.36 (champ inconnu, type faux, champ requis absent).

Ce que vérifie la règle
    Chaque objet d'une API Kubernetes standard est validé contre le schéma strict de Kubernetes 1.36
    (paquet kubernetes-validate) : un champ inconnu ou mal placé, une valeur du mauvais type ou un
    champ obligatoire manquant est signalé avec son chemin.

Pourquoi
    Hors tableau (REF 0). L'API refuse ces objets (ou ignore silencieusement le champ mal orthographié,
    ce qui est pire) : erreur dans tous les environnements.

Exemple refusé
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  ports:
    - port: 8080
      targetPorts: 8080
```

À la place
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  ports:
    - port: 8080
      targetPort: 8080
```

Limites connues
    Les ressources personnalisées (CRD) n'ont pas de schéma ici : voir la règle k8s-unknown-kind.
    Au plus 10 erreurs par objet sont montrées.
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules.manifests import _schema
from grader.rules.model import Finding, finding

ID = "k8s-schema"
REF = 0
KINDS = ("manifest",)
SOURCE = "https://kubernetes.io/docs/reference/kubernetes-api/"
MESSAGE_FR = "Schéma Kubernetes 1.36 : {detail}"
HINT_FR = "Corrigez le champ indiqué (orthographe, indentation, type) ; `kubectl explain` décrit chaque champ."
MAX_ERRORS = 10

_UNEXPECTED = re.compile(r"\('([^']+)'(?:, '([^']+)')* (?:was|were) unexpected\)")


def _detail(error) -> str:
    where = "/".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in error.absolute_path) or "(racine)"
    if error.validator == "additionalProperties":
        names = re.findall(r"'([^']+)'", error.message.split("(", 1)[-1])
        return f"champ inconnu {', '.join(repr(n) for n in names)} sous {where}"
    if error.validator == "required":
        missing = re.findall(r"'([^']+)'", error.message)
        return f"champ obligatoire {missing[0] if missing else ''!r} absent sous {where}"
    if error.validator == "type":
        return f"type attendu {error.validator_value} pour {where} (valeur {error.instance!r:.40})"
    if error.validator == "enum":
        return f"valeur {error.instance!r:.40} non permise pour {where}"
    return f"{where} : {error.message[:160]}"


def check(obj, ctx) -> Iterator[Finding]:
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return
    validator = _schema.validator_for(api_version, kind)
    if validator is None:
        return
    errors = sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors[:MAX_ERRORS]:
        path = "/".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in error.absolute_path)
        if error.validator == "additionalProperties":
            names = re.findall(r"'([^']+)'", error.message.split("(", 1)[-1])
            path = f"{path}/{names[0]}" if path and names else (names[0] if names else path)
        yield finding(path, detail=_detail(error))
