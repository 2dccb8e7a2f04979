"""Pas d'affinité de session (Service, Ingress, Route).

Ce que vérifie la règle
    Aucun Service n'a `sessionAffinity: ClientIP`, et aucune annotation de contrôleur d'entrée ne
    colle un client à un pod par cookie : `nginx.ingress.kubernetes.io/affinity: cookie` (ou un nom
    de cookie de session), `traefik.ingress.kubernetes.io/service.sticky.cookie: "true"` sur un
    Service ou un Ingress, `haproxy.router.openshift.io/disable_cookies: "false"` ou
    `router.openshift.io/cookie_name` sur une Route ou un Ingress.

Pourquoi
    REF 26 — bonnes pratiques §7, CCT EXI-ARCH-19/20 : l'application est sans état, un pod peut
    mourir à tout moment ; les sessions vont dans Redis ou en base. Conseil : avertissement.

Exemple refusé
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  ports:
    - port: 8080
```

À la place
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  selector: {app: web}
  ports:
    - port: 8080
```

Limites connues
    Seules les annotations des contrôleurs NGINX, Traefik et du routeur OpenShift sont connues ;
    une route Gateway API ou un maillage de services n'est pas examiné.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.manifests._k8s import get, kind
from grader.rules.model import Finding, finding

ID = "no-session-affinity"
REF = 26
KINDS = ("manifest",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "{kind} avec affinité de session ({what}) : l'application dépend d'un état local au pod."
HINT_FR = "Retirez l'affinité de session et gardez les sessions dans Redis ou en base de données."
# annotation → does this value turn cookie affinity on?
ANNOTATIONS = {
    "nginx.ingress.kubernetes.io/affinity": lambda v: v.lower() == "cookie",
    "nginx.ingress.kubernetes.io/session-cookie-name": bool,
    "traefik.ingress.kubernetes.io/service.sticky.cookie": lambda v: v.lower() == "true",
    "traefik.ingress.kubernetes.io/service.sticky.cookie.name": bool,
    "ingress.kubernetes.io/affinity": lambda v: v.lower() == "cookie",
    "router.openshift.io/cookie_name": bool,
    "haproxy.router.openshift.io/disable_cookies": lambda v: v.lower() == "false",
}
ANNOTATED_KINDS = ("Ingress", "Service", "Route")


def check(obj, ctx) -> Iterator[Finding]:
    if kind(obj) == "Service" and get(obj, "spec/sessionAffinity") == "ClientIP":
        yield finding("spec/sessionAffinity", kind="Service", what="sessionAffinity: ClientIP")
    annotations = get(obj, "metadata/annotations")
    if kind(obj) not in ANNOTATED_KINDS or not isinstance(annotations, dict):
        return
    for key, value in annotations.items():
        turns_on = ANNOTATIONS.get(str(key))
        if turns_on is not None and turns_on(str(value).strip()):
            yield finding(f"metadata/annotations/{key}", kind=kind(obj), what=f"{key}: {value}")
