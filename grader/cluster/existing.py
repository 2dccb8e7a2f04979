"""The `existing` backend: a context and namespace on a shared cluster (cohorts on JupyterHub).

Nothing is created or deleted on that cluster by `up`/`down`: `up` checks the context the user
named explicitly and records it (the guard then accepts it), `down` forgets it.
"""
from __future__ import annotations

import json
from pathlib import Path

from grader.cluster import kubeconfig as kc
from grader.cluster.base import Availability, ClusterStatus, Component
from grader.cluster.guard import EXISTING_RECORD, default_kubeconfig
from grader.config import settings
from grader.errors import CpinError, InputError


class ExistingBackend:
    name = "existing"
    capabilities = {"containers": True, "dns": True, "network-policy": True, "ingress": True,
                    "image-load": False}

    def __init__(self, *, data_dir: Path | None = None, context: str | None = None,
                 kubeconfig: Path | str | None = None, namespace: str | None = None):
        self.data_dir = data_dir or settings().data_dir
        record = self._read()
        self.context = context or record.get("context", "")
        given = kubeconfig or record.get("kubeconfig")
        self._kubeconfig = Path(given).expanduser() if given else default_kubeconfig()
        self.namespace = namespace or record.get("namespace")

    @property
    def record(self) -> Path:
        return self.data_dir / EXISTING_RECORD

    def _read(self) -> dict:
        try:
            return json.loads(self.record.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def kubeconfig(self) -> Path:
        if self._kubeconfig is None:
            raise InputError("Aucun fichier kubeconfig pour le cluster partagé.",
                             hint_fr="Indiquez-le avec --kubeconfig.")
        return self._kubeconfig

    def available(self) -> Availability:
        if not self.context:
            return Availability(False, "aucun contexte nommé (--context est obligatoire)")
        if self._kubeconfig is None or not self._kubeconfig.is_file():
            return Availability(False, "fichier kubeconfig introuvable")
        if self.context not in kc.context_names(self._kubeconfig):
            return Availability(False, f"contexte « {self.context} » absent de {self._kubeconfig}")
        return Availability(True)

    def _namespace_of_context(self) -> str | None:
        config = kc.load(self.kubeconfig())
        ctx = next((c["context"] for c in config.get("contexts") or [] if c.get("name") == self.context), {})
        return ctx.get("namespace")

    def up(self) -> None:
        if not self.context:
            raise InputError("Le backend existing exige un contexte nommé explicitement.",
                             hint_fr="`cpin cluster up --backend existing --context <contexte> --namespace <ns>`")
        availability = self.available()
        if not availability:
            raise InputError(f"Cluster partagé inutilisable : {availability.reason_fr}.")
        self.namespace = self.namespace or self._namespace_of_context()
        if not self.namespace:
            raise InputError("Aucun namespace pour le cluster partagé.", hint_fr="Précisez --namespace.")
        from grader.kube.client import Kube
        with kc.api_client(self.kubeconfig(), self.context) as api:
            Kube(api).request("GET", "/version", what=f"connexion au contexte « {self.context} »")
        self.record.parent.mkdir(parents=True, exist_ok=True)
        self.record.write_text(json.dumps({"context": self.context, "kubeconfig": str(self.kubeconfig().resolve()),
                                           "namespace": self.namespace}, indent=2) + "\n")

    def down(self) -> None:
        self.record.unlink(missing_ok=True)

    def status(self) -> ClusterStatus:
        if not self.record.is_file():
            return ClusterStatus(self.name, self.context, None, False,
                                 notes=("Aucun cluster partagé enregistré.",))
        from grader.kube.client import Kube
        try:
            with kc.api_client(self.kubeconfig(), self.context) as api:
                version = Kube(api).request("GET", "/version").data.get("gitVersion", "?")
            component = Component("api-server", "en marche", healthy=True, detail=f"Kubernetes {version}")
        except CpinError as error:
            component = Component("api-server", "planté", healthy=False, detail=error.message_fr)
        return ClusterStatus(self.name, self.context, self.kubeconfig(), component.healthy is True,
                             (component,), notes=(f"Namespace : {self.namespace}",))
