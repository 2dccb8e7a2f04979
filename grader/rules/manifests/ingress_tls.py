"""Ingress et Routes en HTTPS (section `tls`).

Ce que vérifie la règle
    Un Ingress a une section `spec.tls` non vide ; une Route OpenShift a `spec.tls`.

Pourquoi
    REF 39 — bonnes pratiques « SSL » : TLS de bout en bout de préférence, au minimum HTTPS jusqu'à
    l'ingress. Conseil : avertissement.

Exemple refusé
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web-ingress
spec:
  rules:
    - host: web.example.fr
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: web-svc, port: {number: 8080}}}
```

À la place
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web-ingress
spec:
  tls:
    - hosts: [web.example.fr]
  rules:
    - host: web.example.fr
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: web-svc, port: {number: 8080}}}
```

Limites connues
    Le chiffrement entre l'ingress et le pod n'est pas vérifié.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, kind
from grader.rules.model import Finding, finding

ID = "ingress-tls"
REF = 39
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "{kind} sans TLS : le trafic arrive en clair."
HINT_FR = "Ajoutez spec.tls (hosts, et secretName si le certificat n'est pas celui par défaut)."


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) in ("Ingress", "Route") and not get(obj, "spec/tls"):
        yield finding("spec", kind=kind(obj))
