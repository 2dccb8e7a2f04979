"""SopsSecret réellement chiffré (`ENC[…]` et bloc `sops:`).

Ce que vérifie la règle
    Un `SopsSecret` a un bloc `sops:` et toutes les valeurs de `spec.secretTemplates[].stringData`
    / `data` sont de la forme `ENC[AES256_GCM,…]`.

Pourquoi
    REF 23 — guide secrets-management : le fichier est chiffré avec la clé age du cluster avant le
    commit ; un SopsSecret non chiffré publie le secret en clair dans git. Erreur partout.

Exemple refusé
```yaml
apiVersion: isindir.github.com/v1alpha3
kind: SopsSecret
metadata:
  name: db-sops
spec:
  secretTemplates:
    - name: db-secret
      stringData:
        POSTGRES_PASSWORD: s3cret
```

À la place
```yaml
apiVersion: isindir.github.com/v1alpha3
kind: SopsSecret
metadata:
  name: db-sops
spec:
  secretTemplates:
    - name: db-secret
      stringData:
        POSTGRES_PASSWORD: ENC[AES256_GCM,data:pQ8=,iv:aGk=,tag:dGc=,type:str]
sops:
  age:
    - recipient: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq
  encrypted_regex: ^(data|stringData)$
  version: 3.9.0
```

Limites connues
    La validité du chiffrement (bonne clé age) n'est pas vérifiée : seul `sops -d` sur le cluster le peut.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, kind
from grader.rules.model import Finding, finding

ID = "sops-secret-encrypted"
REF = 23
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/secrets-management"
MESSAGE_FR = "SopsSecret non chiffré : {detail}."
HINT_FR = "Chiffrez le fichier avant le commit : `sops --encrypt --age <clé du cluster> --in-place fichier.yaml`."


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) != "SopsSecret":
        return
    if not isinstance(obj.get("sops"), dict):
        yield finding("", detail="pas de bloc sops:")
    for index, template in enumerate(get(obj, "spec/secretTemplates") or []):
        for section in ("stringData", "data"):
            values = template.get(section) if isinstance(template, dict) else None
            for key, value in (values or {}).items() if isinstance(values, dict) else ():
                if not (isinstance(value, str) and value.startswith("ENC[")):
                    yield finding(f"spec/secretTemplates/[{index}]/{section}/{key}",
                                  detail=f"la valeur de « {key} » est en clair")
