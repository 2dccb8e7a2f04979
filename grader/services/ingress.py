"""The Ingress controller of the kit's cluster: a Python controller driving Debian's HAProxy on 127.0.0.1.

Stands in for the platform's OpenShift router (HAProxy-based: it renders Routes and Ingresses into an
HAProxy configuration). Subset implemented (`grader/ingress/`): Ingresses of every namespace without a
class or of class `cpin` or `openshift-default`; host rules (exact or `*.domain`) and path rules
(`Prefix`, `Exact`; `ImplementationSpecific` read as `Prefix`) to a Service port by number or name, sent
to its ready endpoints only (pod IPs: reachable from the host with the real node only); unknown host or
path → 404. Not implemented: TLS termination, Routes, `defaultBackend`, annotations, sticky sessions,
metrics. Started when named (`cpin platform up ingress`); it follows the active cluster.
"""
from __future__ import annotations

import shutil
import sys

from grader.errors import ToolMissing
from grader.services.base import HeartbeatService


class Ingress(HeartbeatService):
    name = "ingress"
    stands_for = "routeur OpenShift (HAProxy) / contrôleur Ingress"
    subset = ("Ingress sans classe ou de classe cpin / openshift-default : règles d'hôte et de chemin (Prefix, "
              "Exact) vers le port d'un Service (numéro ou nom), pods prêts seulement ; HTTP seul (pas de TLS), "
              "ni annotations, ni defaultBackend ; hôte ou chemin inconnu → 404")
    by_default = False
    listens = True          # HAProxy on the port

    def argv(self, port: int) -> list[str]:
        binary = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
        if binary is None:
            raise ToolMissing("haproxy est introuvable (routeur Ingress du kit).",
                              hint_fr="Installez le paquet Debian haproxy : sudo apt-get install haproxy")
        return [sys.executable, "-m", "grader.ingress.controller", "--data-dir", str(self.data_dir),
                "--port", str(port), "--haproxy", binary]
