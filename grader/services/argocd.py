"""Argo CD: the platform's GitOps controller, as three plain processes on 127.0.0.1.

Stands in for the platform's Argo CD (one Application per environment and infra repo, created by the
console). Subset implemented: the application-controller and the repo-server of Argo CD v3.3.9
(`cpin tools build argocd`, one multi-call binary: `ARGOCD_BINARY_NAME` picks the component) with
Debian's `redis-server` as their cache, run with `ARGOCD_FAKE_IN_CLUSTER=true` against the kit's
cluster (`https://kubernetes.default.svc` is the kit's cluster). Git sources come from the forge
(`git://`), Helm charts are rendered with the kit's pinned helm. Not implemented: the API server,
the web UI and its login, SSO, notifications, ApplicationSets; `cpin argocd …` reads and drives the
Application objects instead.

Three `Service`s, one process each (pidfile, log, port, memory shown apart): `argocd-redis`,
`argocd-repo-server`, and `argocd` (the controller), which starts the two others before itself and
stops them after itself; it also installs Argo CD into the cluster (`install`): the two CRDs, the
config maps, secret and controller RBAC of the module's `manifests/install.yaml` (its Deployments
stay out: the processes run here), and the `AppProject default`.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from grader import tools
from grader.errors import CpinError, ToolFailed, ToolMissing
from grader.services.base import HOST, Service, ServiceFailed, tcp_open

NAMESPACE = "argocd"
GROUP_VERSION = "argoproj.io/v1alpha1"
CRDS = ("applications.argoproj.io", "appprojects.argoproj.io")
MODULE = "github.com/argoproj/argo-cd/v3"
FIELD_MANAGER = "cpin-argocd-install"
# argocd-cm settings of the kit: a shorter reconciliation period than the platform's 3 min, so that a push is
# seen within a minute even without a refresh (no webhooks here). Both processes get it as
# ARGOCD_RECONCILIATION_TIMEOUT, as their Deployments would from this config map.
SETTINGS = {"timeout.reconciliation": "60s", "timeout.reconciliation.jitter": "0s",
            "admin.enabled": "false", "statusbadge.enabled": "false"}


def install_manifests() -> list[dict]:
    """The objects of `manifests/install.yaml` the kit needs (pure selection, from the module source)."""
    wanted_rbac = ("argocd-application-controller",)
    objects = []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)    # 1.8 MB of YAML
    for obj in yaml.load_all(_install_yaml().read_text(), Loader=loader):
        if not obj:
            continue
        kind, name = obj.get("kind"), obj["metadata"]["name"]
        keep = (kind == "CustomResourceDefinition" and name in CRDS) \
            or kind in ("ConfigMap", "Secret") \
            or (kind in ("ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")
                and name in wanted_rbac)
        if keep:
            if kind not in ("CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"):
                obj["metadata"]["namespace"] = NAMESPACE
            objects.append(obj)
    return objects


def default_project() -> dict:
    return {"apiVersion": GROUP_VERSION, "kind": "AppProject",
            "metadata": {"name": "default", "namespace": NAMESPACE},
            "spec": {"sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": "*"}],
                     "clusterResourceWhitelist": [{"group": "*", "kind": "*"}]}}


def _install_yaml() -> Path:
    """`manifests/install.yaml` of the pinned Argo CD module (downloaded by its build; `go mod download`
    finds it again in the Go module cache, or fetches the module zip)."""
    version = tools.pinned_versions("argocd")[MODULE]
    go = shutil.which("go")
    if go is None:
        raise ToolMissing("Go est introuvable : les manifestes d'Argo CD (CRD) viennent de son module Go.",
                          hint_fr="Installez Go ≥ 1.26, puis `cpin tools build argocd`.")
    proc = subprocess.run([go, "mod", "download", "-json", f"{MODULE}@{version}"], cwd=tools.module_dir("argocd"),
                          env=tools.go_env("argocd"), capture_output=True, text=True, timeout=600)
    try:
        path = Path(json.loads(proc.stdout)["Dir"]) / "manifests" / "install.yaml"
    except (ValueError, KeyError) as error:
        raise ToolFailed(f"Module {MODULE}@{version} introuvable.", command=["go", "mod", "download"],
                         output=proc.stderr + proc.stdout,
                         hint_fr="Vérifiez l'accès au proxy des modules Go (GOPROXY).") from error
    return path


class ArgocdRedis(Service):
    name = "argocd-redis"
    stands_for = "Redis d'Argo CD (cache)"
    subset = "redis-server de Debian, sans persistance, réservé à Argo CD"
    by_default = False

    def argv(self, port: int) -> list[str]:
        redis = shutil.which("redis-server")
        if redis is None:
            raise ToolMissing("redis-server est introuvable (cache d'Argo CD).",
                              hint_fr="Installez le paquet Debian redis-server.")
        return [redis, "--bind", HOST, "--port", str(port), "--protected-mode", "yes", "--save", "",
                "--appendonly", "no", "--dir", str(self.root), "--daemonize", "no"]

    def probe(self, port: int) -> tuple[bool, str]:
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                answer = sock.recv(64)
        except OSError as error:
            return False, f"port {port} : {error}"
        return answer.startswith(b"+PONG"), answer.decode(errors="replace").strip() or "pas de réponse"


class _ArgocdComponent(Service):
    """A component of the Argo CD binary, with the environment they share."""
    binary_name = ""
    by_default = False

    def env(self) -> dict[str, str]:
        helm = tools.find("helm")
        kubectl, _ = tools.locate("kubectl")
        path = [str(helm.parent)] + ([str(kubectl.parent)] if kubectl else []) + [os.environ.get("PATH", "")]
        shared = services_dir(self)
        return {**os.environ, "ARGOCD_BINARY_NAME": self.binary_name, "ARGOCD_FAKE_IN_CLUSTER": "true",
                "ARGOCD_GPG_ENABLED": "false", "KUBECONFIG": str(shared / "kubeconfig"),
                "ARGOCD_TLS_DATA_PATH": str(shared / "tls"), "ARGOCD_SSH_DATA_PATH": str(shared / "ssh"),
                "ARGOCD_GNUPGHOME": str(shared / "gnupg"), "TMPDIR": str(self.root / "tmp"),
                "HOME": str(self.root), "PATH": os.pathsep.join(path),
                # as upstream's Deployments do from argocd-cm: the controller's resync and the repo-server's
                # cache of what a branch points to (3 min by default: a push would wait that long)
                "ARGOCD_RECONCILIATION_TIMEOUT": SETTINGS["timeout.reconciliation"],
                "OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"}

    def prepare(self, port: int) -> None:
        for sub in ("tmp",):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        shared = services_dir(self)
        for sub in ("tls", "ssh", "gnupg"):
            (shared / sub).mkdir(parents=True, exist_ok=True)
        (shared / "ssh" / "ssh_known_hosts").touch()

    def redis_address(self) -> str:
        redis = ArgocdRedis(self.data_dir)
        redis.start()
        return redis.address


def services_dir(service: Service) -> Path:
    """Files the Argo CD components share (kubeconfig, TLS and SSH data): under the `argocd` service."""
    return service.root.parent / "argocd"


class ArgocdRepoServer(_ArgocdComponent):
    name = "argocd-repo-server"
    stands_for = "Argo CD (repo-server : rendu des manifestes)"
    subset = "clone les dépôts de la forge, rend Helm (helm épinglé du kit) et manifestes ; gRPC sur 127.0.0.1"
    binary_name = "argocd-repo-server"
    start_timeout = 60.0

    def argv(self, port: int) -> list[str]:
        return [str(tools.find("argocd")), "--address", HOST, "--port", str(port), "--disable-tls",
                "--metrics-address", HOST, "--metrics-port", str(_metrics_port(self)),
                "--redis", self.redis_address(), "--loglevel", "info"]

    def probe(self, port: int) -> tuple[bool, str]:
        return (True, f"gRPC {HOST}:{port}") if tcp_open(port) else (False, f"port {port} fermé")

    def start(self) -> bool:
        ArgocdRedis(self.data_dir).start()
        return super().start()

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.root / "tmp", ignore_errors=True)   # its clones of the repositories


class Argocd(_ArgocdComponent):
    """The application-controller; starting it starts redis and the repo-server, and installs Argo CD."""
    name = "argocd"
    stands_for = "Argo CD (application-controller)"
    subset = ("synchronise les Applications du namespace argocd vers le cluster du kit ; sans serveur d'API ni "
              "interface web (`cpin argocd …`) ; démarré par `cpin platform up argocd` (cluster requis)")
    binary_name = "argocd-application-controller"
    start_timeout = 90.0

    def argv(self, port: int) -> list[str]:
        repo = ArgocdRepoServer(self.data_dir)
        return [str(tools.find("argocd")), "--repo-server", repo.address, "--repo-server-plaintext",
                "--redis", self.redis_address(), "--metrics-port", str(port), "--namespace", NAMESPACE,
                "--app-resync", "60", "--self-heal-timeout-seconds", "2", "--loglevel", "info"]

    def probe(self, port: int) -> tuple[bool, str]:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as response:
                ok = response.status == 200
        except (OSError, urllib.error.HTTPError) as error:
            return False, f"/healthz : {getattr(error, 'reason', error)}"
        repo = ArgocdRepoServer(self.data_dir)
        if not repo.running():
            return False, "repo-server arrêté"
        return ok, f"contrôleur {HOST}:{port}, repo-server {repo.address}"

    def start(self) -> bool:
        if not self.running():
            from grader.cluster import guard
            guard.resolve(data_dir=self.data_dir)     # no cluster: say so before starting anything
        ArgocdRepoServer(self.data_dir).start()
        return super().start()

    def stop(self) -> None:
        super().stop()
        ArgocdRepoServer(self.data_dir).stop()
        ArgocdRedis(self.data_dir).stop()

    def prepare(self, port: int) -> None:
        super().prepare(port)
        from grader.cluster import guard
        from grader.kube.client import Kube

        target = guard.resolve(data_dir=self.data_dir)
        write_kubeconfig(target.kubeconfig, target.context, services_dir(self) / "kubeconfig")
        with target.api_client() as api:
            install(Kube(api, request_timeout=60))


def _metrics_port(service: Service) -> int:
    """A second port of a service (its metrics), recorded beside the first in state.json."""
    from grader.services.base import _port_free, _read_state, _record_port

    key = f"{service.name}-metrics"
    port = _read_state(service.data_dir).get(key, {}).get("port")
    if port is None or not _port_free(port):
        from grader.cluster.processes import free_port
        port = free_port()
        _record_port(service.data_dir, key, port)
    return port


def write_kubeconfig(source: Path, context: str, target: Path) -> Path:
    """A copy of the kit's kubeconfig whose current context is `context`, namespace argocd."""
    from grader.cluster import kubeconfig as kc

    config = kc.load(source)
    config["current-context"] = context
    for entry in config.get("contexts") or []:
        if entry.get("name") == context:
            entry.setdefault("context", {})["namespace"] = NAMESPACE
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(config))
    tmp.chmod(0o600)
    tmp.replace(target)
    return target


def install(kube, *, timeout: float = 60) -> None:
    """Install Argo CD's CRDs, config and RBAC, and the `default` project (idempotent: server-side apply)."""
    kube.apply({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": NAMESPACE, "labels": {"app.kubernetes.io/part-of": "argocd"}}}, None,
               field_manager=FIELD_MANAGER)
    objects = install_manifests()
    for obj in (o for o in objects if o["kind"] == "CustomResourceDefinition"):
        kube.apply(obj, None, field_manager=FIELD_MANAGER)
    deadline = time.monotonic() + timeout
    for name in CRDS:
        while not _established(kube, name):
            if time.monotonic() > deadline:
                raise ServiceFailed(f"La CRD {name} n'est pas prête après {timeout:.0f} s.")
            time.sleep(0.2)
    for obj in (o for o in objects if o["kind"] != "CustomResourceDefinition"):
        kube.apply(obj, obj["metadata"].get("namespace"), field_manager=FIELD_MANAGER)
    kube.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cm", "namespace": NAMESPACE},
                "data": dict(SETTINGS)}, NAMESPACE, field_manager="cpin-argocd-settings")
    kube.apply(default_project(), NAMESPACE, field_manager=FIELD_MANAGER)


def _established(kube, name: str) -> bool:
    crd = kube.get("CustomResourceDefinition", name, api_version="apiextensions.k8s.io/v1") or {}
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in (crd.get("status") or {}).get("conditions") or [])


def require_running(data_dir: Path | None = None) -> Argocd:
    """The running Argo CD service, or a French error saying how to start it."""
    service = Argocd(data_dir)
    for part in (ArgocdRedis(data_dir), ArgocdRepoServer(data_dir), service):
        if not part.running():
            raise CpinError(f"Argo CD n'est pas démarré ({part.name} : {part.status().state}).",
                            hint_fr="`cpin platform up argocd` (le cluster du kit doit tourner : `cpin cluster up`).")
    return service
