"""Ingress objects → HAProxy configuration, as the OpenShift router renders its routes (pure functions).

`table(ingresses, services, slices)` reads the objects of every namespace and returns the routes in match
order with, for each backend, the ready endpoints (`ip:port`); `render(port, table)` writes haproxy.cfg.
Matching follows the Ingress API: a rule with a host wins over rules without one, an exact host over a
wildcard (`*.example.com`, one label), then `Exact` paths before `Prefix` ones, longest prefix first
(`/api` matches `/api` and `/api/x`, not `/apix`; `ImplementationSpecific` is read as `Prefix`); for two
equal routes the oldest Ingress wins. A host with rules but no matching path, or an unknown host,
gets the kit's 404. A backend without a ready endpoint (missing Service or port, pods not ready)
gets HAProxy's 503.

Admitted: Ingresses without a class, or of class `cpin` (the kit's) or `openshift-default` (the class of
the platform's OpenShift router, so that manifests written for the platform route here unchanged).
Left out: TLS termination (`spec.tls` is ignored: HTTP only), `defaultBackend`, resource backends,
annotations, IngressClass parameters. A host or path HAProxy could misread is skipped (`ignored`).
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

CLASSES = ("cpin", "openshift-default")
NOT_FOUND = "cpin_not_found"
NOT_FOUND_BODY = "Aucune règle d'Ingress ne correspond à cet hôte et à ce chemin (routeur du kit cpin)."
_LABEL = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_HOST = re.compile(rf"^(\*\.)?{_LABEL}(\.{_LABEL})*$")
_PATH = re.compile(r"^/[A-Za-z0-9._~%/+,;=:@!*-]*$")


@dataclass(frozen=True)
class Route:
    host: str        # "" = any host; "*.example.com" = exactly one more label
    path: str        # Prefix: without trailing slash ("/" stays "/")
    exact: bool
    backend: str     # HAProxy backend name
    source: str      # "namespace/ingress"


@dataclass(frozen=True)
class Table:
    routes: tuple[Route, ...] = ()                            # in match order
    backends: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name → ready "ip:port"
    ignored: tuple[str, ...] = ()                             # "namespace/ingress: why" (log lines)


def admitted(ingress: dict) -> bool:
    cls = (ingress.get("spec") or {}).get("ingressClassName")
    return cls is None or cls in CLASSES


def table(ingresses: list[dict], services: list[dict], slices: list[dict]) -> Table:
    """The routes of the admitted Ingresses, with the ready endpoints of each backend."""
    by_service = {(_ns(s), s["metadata"]["name"]): s for s in services}
    slices_of: dict[tuple[str, str], list[dict]] = {}
    for s in slices:
        owner = ((s.get("metadata") or {}).get("labels") or {}).get("kubernetes.io/service-name")
        if owner:
            slices_of.setdefault((_ns(s), owner), []).append(s)
    routes, backends, ignored = [], {}, []
    for ing in sorted(ingresses, key=lambda i: (i["metadata"].get("creationTimestamp") or "", _ns(i),
                                                i["metadata"]["name"])):
        source = f"{_ns(ing)}/{ing['metadata']['name']}"
        if not admitted(ing):
            ignored.append(f"{source}: class {ing['spec']['ingressClassName']} is not ours")
            continue
        for rule in (ing.get("spec") or {}).get("rules") or []:
            host = (rule.get("host") or "").lower()
            if host and not _HOST.match(host):
                ignored.append(f"{source}: host {host!r} skipped")
                continue
            for item in (rule.get("http") or {}).get("paths") or []:
                path = item.get("path") or "/"
                service = (item.get("backend") or {}).get("service")
                if not _PATH.match(path) or not service:
                    ignored.append(f"{source}: " + (f"path {path!r} skipped" if service else "not a Service backend"))
                    continue
                exact = item.get("pathType") == "Exact"
                port = (service.get("port") or {}).get("number") or (service.get("port") or {}).get("name") or ""
                name = _backend_name(_ns(ing), service.get("name", ""), port)
                key = (_ns(ing), service.get("name", ""))
                backends.setdefault(name, ready_servers(by_service.get(key), port, slices_of.get(key, [])))
                routes.append(Route(host, path if exact else (path.rstrip("/") or "/"), exact, name, source))
    unique, seen = [], set()
    for route in sorted(routes, key=_precedence):          # stable: the oldest Ingress first among equals
        if (route.host, route.path, route.exact) not in seen:
            seen.add((route.host, route.path, route.exact))
            unique.append(route)
    return Table(tuple(unique), backends, tuple(ignored))


def ready_servers(service: dict | None, port: int | str, slices: list[dict]) -> tuple[str, ...]:
    """The `ip:port` of the ready endpoints behind the Service port `port` (its number or its name)."""
    if service is None:
        return ()
    wanted = next((p for p in (service.get("spec") or {}).get("ports") or []
                   if (p.get("port") if isinstance(port, int) else p.get("name")) == port), None)
    if wanted is None:
        return ()
    servers = set()
    for s in slices:
        target = next((p.get("port") for p in s.get("ports") or []
                       if (p.get("name") or "") == (wanted.get("name") or "")), None)
        if not target or s.get("addressType") not in ("IPv4", "IPv6"):
            continue
        for endpoint in s.get("endpoints") or []:
            if (endpoint.get("conditions") or {}).get("ready") is False or not endpoint.get("addresses"):
                continue
            try:
                address = ipaddress.ip_address(endpoint["addresses"][0])
            except ValueError:
                continue
            servers.add(f"[{address}]:{target}" if address.version == 6 else f"{address}:{target}")
    return tuple(sorted(servers))


def render(port: int, routes: Table) -> str:
    """haproxy.cfg: one frontend on 127.0.0.1:`port`, one backend per Service port, the kit's 404."""
    lines = ["# Written by the cpin Ingress controller (grader/ingress): changes are overwritten.",
             "global", "    maxconn 256", "    nbthread 1", "    hard-stop-after 5s", "",
             "defaults", "    mode http", "    option forwardfor", "    timeout connect 3s",
             "    timeout client 30s", "    timeout server 30s", "    timeout http-request 10s", "",
             "frontend ingress", f"    bind 127.0.0.1:{int(port)}",
             "    http-request set-var(txn.host) req.hdr(host),field(1,:),lower"]
    previous_host = None
    for route in routes.routes:
        if previous_host not in (None, "", route.host):
            lines.append(f"    use_backend {NOT_FOUND} if {_host_cond(previous_host)}")
        previous_host = route.host
        lines.append(f"    # {route.source}: {route.host or '*'}{route.path} ({'Exact' if route.exact else 'Prefix'})")
        host = _host_cond(route.host)
        conditions = [" ".join(c for c in (host, p) if c) for p in _path_conds(route)]
        lines.append(f"    use_backend {route.backend}" + (f" if {' || '.join(conditions)}" if conditions[0] else ""))
    if previous_host:
        lines.append(f"    use_backend {NOT_FOUND} if {_host_cond(previous_host)}")
    lines += [f"    default_backend {NOT_FOUND}", "", f"backend {NOT_FOUND}",
              f'    http-request return status 404 content-type "text/plain; charset=utf-8" '
              f'string "{NOT_FOUND_BODY}"']
    for name in sorted({r.backend for r in routes.routes}):
        lines += ["", f"backend {name}"]
        lines += [f"    server s{i} {address}" for i, address in enumerate(routes.backends.get(name, ()))]
    return "\n".join(lines) + "\n"


def _ns(obj: dict) -> str:
    return obj["metadata"].get("namespace", "")


def _backend_name(namespace: str, service: str, port: int | str) -> str:
    return re.sub(r"[^a-z0-9._-]", "-", f"be_{namespace}_{service}_{port}".lower())


def _precedence(route: Route) -> tuple:
    kind = 2 if not route.host else 1 if route.host.startswith("*.") else 0
    return kind, -len(route.host), route.host, not route.exact, -len(route.path)


def _host_cond(host: str) -> str:
    if not host:
        return ""
    if host.startswith("*."):
        return "{ var(txn.host) -m reg ^[^.]+" + host[1:].replace(".", "[.]") + "$ }"
    return "{ var(txn.host) -m str " + host + " }"


def _path_conds(route: Route) -> list[str]:
    if route.exact:
        return ["{ path -m str " + route.path + " }"]
    if route.path == "/":
        return [""]
    return ["{ path -m str " + route.path + " }", "{ path -m beg " + route.path + "/ }"]
