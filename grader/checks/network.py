"""Live checks on the network path: a Service's endpoints, the routes of an Ingress, and an HTTP GET
through a port-forward to a pod behind the Service, and an HTTP GET through the kit's Ingress router
(the `ingress` service); both need real containers.
"""
from __future__ import annotations

from typing import Any

from grader.checks.base import CheckContext, Outcome

# ------------------------------------------------------------------ Service endpoints

def _selector_text(selector: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def _container_ports(pod: dict) -> list[dict]:
    return [p for c in (pod.get("spec") or {}).get("containers") or [] for p in c.get("ports") or []]


def service_endpoints(ctx: CheckContext, params: dict) -> Outcome:
    name = params["name"]
    service = ctx.kube.get("Service", name, ctx.namespace)
    if service is None:
        return Outcome.fail(f"Service « {name} » introuvable dans « {ctx.namespace} »", final=True)
    spec = service.get("spec") or {}
    selector = spec.get("selector") or {}
    ports = spec.get("ports") or []
    want_port = params.get("port")
    if want_port is not None and not any(want_port in (p.get("port"), p.get("name")) for p in ports):
        return Outcome.fail(f"le Service n'expose pas le port {want_port}",
                            {"ports": [p.get("port") for p in ports]}, final=True)
    if not selector:
        return Outcome.fail("le Service n'a pas de sélecteur (spec.selector) : il ne choisit aucun pod", final=True)
    pods = ctx.kube.list("Pod", ctx.namespace, label_selector=_selector_text(selector))
    evidence: dict[str, Any] = {"sélecteur": selector, "pods choisis": [p["metadata"]["name"] for p in pods]}
    if not pods:
        others = {p["metadata"]["name"]: p["metadata"].get("labels") or {}
                  for p in ctx.kube.list("Pod", ctx.namespace, record=False)}
        evidence["pods présents"] = others
        coming = [w for kind in ("Deployment", "StatefulSet", "DaemonSet")
                  for w in ctx.kube.list(kind, ctx.namespace, record=False)
                  if selector.items() <= ((((w.get("spec") or {}).get("template") or {}).get("metadata") or {})
                                          .get("labels") or {}).items()]
        return Outcome.fail(f"aucun pod ne porte les étiquettes {_selector_text(selector)}", evidence,
                            final=not coming)  # no workload will ever make such pods
    for port in ports:
        target = port.get("targetPort", port.get("port"))
        declared = _container_ports(pods[0])
        if isinstance(target, str) and not any(p.get("name") == target for p in declared):
            return Outcome.fail(f"targetPort « {target} » : aucun port de conteneur ne porte ce nom", evidence,
                                final=True)
        if isinstance(target, int) and declared and not any(p.get("containerPort") == target for p in declared):
            return Outcome.fail(f"targetPort {target} ne correspond à aucun containerPort "
                                f"({', '.join(str(p.get('containerPort')) for p in declared)})", evidence, final=True)
    slices = ctx.kube.list("EndpointSlice", ctx.namespace, label_selector=f"kubernetes.io/service-name={name}")
    pod_names = {p["metadata"]["name"] for p in pods}
    ready = sorted({(e.get("targetRef") or {}).get("name", "?") for s in slices for e in s.get("endpoints") or []
                    if (e.get("conditions") or {}).get("ready", True)})
    evidence["points d'accès prêts"] = ready
    stray = [r for r in ready if r not in pod_names]
    minimum = params.get("minReady", 1)
    if len(ready) >= minimum and not stray:
        return Outcome.ok(f"{len(ready)} pod(s) prêt(s) derrière le Service", evidence)
    if stray:
        return Outcome.fail(f"points d'accès hors sélection : {', '.join(stray)}", evidence)
    return Outcome.fail(f"{len(ready)} pod(s) prêt(s) derrière le Service, il en faut au moins {minimum}", evidence)


# ------------------------------------------------------------------ Ingress routes to the Service

def ingress_routes(ctx: CheckContext, params: dict) -> Outcome:
    name, service_name = params["name"], params["service"]
    host, path, port = params.get("host"), params.get("path"), params.get("port")
    ingress = ctx.kube.get("Ingress", name, ctx.namespace)
    if ingress is None:
        return Outcome.fail(f"Ingress « {name} » introuvable dans « {ctx.namespace} »", final=True)
    routes = []
    spec = ingress.get("spec") or {}
    if spec.get("defaultBackend"):
        routes.append(("*", "/", spec["defaultBackend"]))
    for rule in spec.get("rules") or []:
        for item in ((rule.get("http") or {}).get("paths") or []):
            routes.append((rule.get("host", "*"), item.get("path", "/"), item.get("backend") or {}))
    shown = [f"{h}{p} → {(b.get('service') or {}).get('name')}" for h, p, b in routes]
    evidence = {"objet": f"Ingress/{name}", "routes": shown}
    candidates = [(h, p, (b.get("service") or {})) for h, p, b in routes
                  if (host is None or h == host) and (path is None or p == path)]
    if not candidates:
        where = f"l'hôte « {host} »" if host else "cet Ingress"
        return Outcome.fail(f"aucune route pour {where}" + (f" et le chemin « {path} »" if path else ""), evidence,
                            final=True)
    hits = [s for _, _, s in candidates if s.get("name") == service_name]
    if not hits:
        return Outcome.fail(f"la route mène à « {candidates[0][2].get('name')} », pas au Service « {service_name} »",
                            evidence, final=True)
    backend_port = (hits[0].get("port") or {})
    backend_port = backend_port.get("number", backend_port.get("name"))
    if port is not None and backend_port != port:
        return Outcome.fail(f"la route vise le port {backend_port}, pas {port}", evidence, final=True)
    service = ctx.kube.get("Service", service_name, ctx.namespace)
    if service is None:
        return Outcome.fail(f"le Service « {service_name} » visé par l'Ingress n'existe pas", evidence, final=True)
    service_ports = (service.get("spec") or {}).get("ports") or []
    if not any(backend_port in (p.get("port"), p.get("name")) for p in service_ports):
        return Outcome.fail(f"le Service « {service_name} » n'expose pas le port {backend_port}", evidence, final=True)
    return Outcome.ok(f"l'Ingress mène au Service « {service_name} » (port {backend_port})", evidence)


# ------------------------------------------------------------------ HTTP through a port-forward

def http_get(ctx: CheckContext, params: dict) -> Outcome:
    """GET through a port-forward to a ready pod behind the Service (needs real containers)."""
    service = ctx.kube.get("Service", params["service"], ctx.namespace)
    if service is None:
        return Outcome.fail(f"Service « {params['service']} » introuvable", final=True)
    selector = (service.get("spec") or {}).get("selector") or {}
    pods = [p for p in ctx.kube.list("Pod", ctx.namespace, label_selector=_selector_text(selector))
            if any(c.get("type") == "Ready" and c.get("status") == "True"
                   for c in (p.get("status") or {}).get("conditions") or [])] if selector else []
    if not pods:
        return Outcome.fail("aucun pod prêt derrière le Service")
    ports = (service.get("spec") or {}).get("ports") or [{}]
    port_spec = next((p for p in ports if p.get("port") == params.get("port")), ports[0])
    target = port_spec.get("targetPort", port_spec.get("port"))
    if isinstance(target, str):
        # A named targetPort: only the pods that name a container port so receive the Service's traffic.
        named = [(pod, next((p["containerPort"] for p in _container_ports(pod) if p.get("name") == target), None))
                 for pod in pods]
        named = [(pod, port) for pod, port in named if port is not None]
        if not named:
            return Outcome.fail(f"aucun pod prêt n'a de port nommé « {target} »")
        pods, target = [named[0][0]], named[0][1]
    from kubernetes.stream import portforward
    from kubernetes.client import ApiClient, CoreV1Api
    pod = pods[0]["metadata"]["name"]
    # A client of its own: `portforward` swaps its client's request() for a websocket while it runs, and
    # the other checks of the exercise use the shared client in parallel threads.
    own = ApiClient(ctx.kube.api_client.configuration)
    try:
        forward = portforward(CoreV1Api(own).connect_get_namespaced_pod_portforward, pod,
                              ctx.namespace, ports=str(target))
    finally:
        own.close()
    sock = forward.socket(int(target))
    sock.settimeout(max(1.0, ctx.remaining()))
    path = params.get("path", "/")
    sock.sendall(f"GET {path} HTTP/1.0\r\nHost: {params['service']}\r\nConnection: close\r\n\r\n".encode())
    chunks = []
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        sock.close()
        forward.close()
    raw = b"".join(chunks).decode("utf-8", "replace")
    head, _, body = raw.partition("\r\n\r\n")
    status = int(head.split()[1]) if len(head.split()) > 1 and head.split()[1].isdigit() else 0
    evidence = {"pod": pod, "requête": f"GET {path}", "statut": status, "début de réponse": body[:300]}
    want = params.get("status", 200)
    if status != want:
        return Outcome.fail(f"réponse {status} au lieu de {want}", evidence)
    if params.get("contains") and params["contains"] not in body:
        return Outcome.fail("la réponse ne contient pas le texte attendu", evidence)
    return Outcome.ok(f"réponse {status}", evidence)


# ------------------------------------------------------------------ HTTP through the kit's Ingress router

def http_ingress(ctx: CheckContext, params: dict) -> Outcome:
    """GET through the `ingress` service (HAProxy on 127.0.0.1) with the Ingress rule's Host header."""
    import http.client

    from grader import services
    from grader.ingress.haproxy import CLASSES, admitted

    name = params["ingress"]
    router = services.get("ingress")
    port = router.port
    if not router.running() or not port:
        return Outcome.fail("le routeur Ingress du kit est arrêté : lancez `cpin platform up ingress`, puis "
                            "refaites le contrôle", final=True)
    ingress = ctx.kube.get("Ingress", name, ctx.namespace)
    if ingress is None:
        return Outcome.fail(f"Ingress « {name} » introuvable dans « {ctx.namespace} »", final=True)
    if not admitted(ingress):
        return Outcome.fail(f"classe d'Ingress « {ingress['spec']['ingressClassName']} » : le routeur du kit ne "
                            f"prend que les Ingress sans classe ou de classe {' ou '.join(CLASSES)}", final=True)
    hosts = [r.get("host") for r in (ingress.get("spec") or {}).get("rules") or [] if r.get("host")]
    host = params.get("host") or (hosts[0] if hosts else "localhost")
    path = params.get("path", "/")
    evidence: dict[str, Any] = {"routeur": f"127.0.0.1:{port}", "requête": f"GET {path}", "Host": host}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=max(1.0, min(5.0, ctx.remaining())))
    try:
        connection.request("GET", path, headers={"Host": host, "Connection": "close"})
        response = connection.getresponse()
        status, body = response.status, response.read(65536).decode("utf-8", "replace")
    except OSError as error:
        evidence["erreur"] = type(error).__name__
        return Outcome.fail(f"le routeur Ingress ne répond pas sur le port {port} (`cpin platform status ingress`)",
                            evidence)
    finally:
        connection.close()
    evidence.update({"statut": status, "début de réponse": body[:300]})
    want = params.get("status", 200)
    if status != want:
        why = {404: f" : aucune règle ne mène l'hôte « {host} » et le chemin « {path} » à un Service",
               503: " : la route existe mais aucun pod prêt ne la sert (Service, port du backend ou sonde de "
                    "disponibilité ?)"}.get(status, "")
        return Outcome.fail(f"réponse {status} au lieu de {want}{why}", evidence)
    if params.get("contains") and params["contains"] not in body:
        return Outcome.fail("la réponse ne contient pas le texte attendu", evidence)
    return Outcome.ok(f"réponse {status} à GET {path} (hôte {host}) à travers l'Ingress", evidence)
