"""The `local` backend: a real control plane as local processes, with simulated nodes.

etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok run on 127.0.0.1 with
random free ports, detached (pidfiles and logs under the data dir), so they outlive `cpin` and a
notebook kernel can use them. kwok turns Node objects into Ready nodes and Pods into Running (Job
pods into Succeeded): Deployments, Services with endpoints, Jobs, quotas, RBAC and admission are
upstream code. No container runs there (capability `containers` is False), unless the real node
(`grader.cluster.node`: containerd + kubelet + kube-proxy) runs beside them: then the simulated
nodes are tainted, pods land on the real node, probes and Services are real (`containers` is True).
`real_node`: "on" (fail in French if it cannot run), "auto" (a French note, then kwok only) or "off";
default $CPIN_REAL_NODE, else "off" (the CLI's `cpin cluster up` asks for "auto").
"""
from __future__ import annotations

import importlib
import json
import os
import shutil
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.cluster import kubeconfig as kc
from grader.cluster.base import Availability, ClusterStatus, Component
from grader.cluster.pki import Pki, write_pki
from grader.cluster.processes import Proc, free_port
from grader.config import settings
from grader.errors import BackendUnavailable, ToolMissing

CONTEXT = "cpin-local"
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
API_ONLY = ("etcd", "kube-apiserver")
SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.0/16"
# Simulated nodes are roomy: a whole course leaves its exercises' pods running (each namespace's quota is what
# teaches limits), and 2 nodes of 4 CPU filled up, leaving later pods Pending for no reason a learner could fix.
NODE_CAPACITY = {"cpu": "32", "memory": "128Gi", "pods": "500", "ephemeral-storage": "200Gi"}
KWOK_NODE_ANNOTATION = ("kwok.x-k8s.io/node", "fake")
REAL_NODE_CHOICES = ("on", "auto", "off")


@dataclass(frozen=True)
class Ports:
    etcd: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int
    kwok: int

    @classmethod
    def pick(cls) -> Ports:
        ports: set[int] = set()
        while len(ports) < 6:
            ports.add(free_port())
        return cls(*sorted(ports))

    def of(self, component: str) -> int:
        return {"etcd": self.etcd, "kube-apiserver": self.apiserver,
                "kube-controller-manager": self.controller_manager, "kube-scheduler": self.scheduler,
                "kwok": self.kwok}[component]


def commands(root: Path, bins: dict[str, Path], ports: Ports, pki: Pki) -> dict[str, list[str]]:
    """The command line of each component found in `bins` (pure: paths and ports in, argv out)."""
    every = _all_commands(root, {name: bins.get(name, Path(name)) for name in COMPONENTS}, ports, pki)
    return {name: argv for name, argv in every.items() if name in bins}


def _all_commands(root: Path, bins: dict[str, Path], ports: Ports, pki: Pki) -> dict[str, list[str]]:
    kubeconfigs = root / "kubeconfigs"
    cert, key = pki.serving
    etcd_cert, etcd_key = pki.etcd_serving
    etcd_client_cert, etcd_client_key = pki.etcd_client
    loop = "127.0.0.1"
    return {
        # Closed to local processes: TLS with client certificates of etcd's own CA, on both ports.
        "etcd": [
            str(bins["etcd"]), "--name=cpin", f"--data-dir={root / 'etcd'}",
            f"--listen-client-urls=https://{loop}:{ports.etcd}",
            f"--advertise-client-urls=https://{loop}:{ports.etcd}",
            f"--listen-peer-urls=https://{loop}:{ports.etcd_peer}",
            f"--initial-advertise-peer-urls=https://{loop}:{ports.etcd_peer}",
            f"--initial-cluster=cpin=https://{loop}:{ports.etcd_peer}",
            f"--cert-file={etcd_cert}", f"--key-file={etcd_key}", f"--trusted-ca-file={pki.etcd_ca}",
            "--client-cert-auth=true",
            f"--peer-cert-file={etcd_cert}", f"--peer-key-file={etcd_key}",
            f"--peer-trusted-ca-file={pki.etcd_ca}", "--peer-client-cert-auth=true",
            "--unsafe-no-fsync=true", "--auto-compaction-retention=1",
            "--quota-backend-bytes=2147483648", "--log-level=warn",
        ],
        "kube-apiserver": [
            str(bins["kube-apiserver"]),
            f"--etcd-servers=https://{loop}:{ports.etcd}", f"--etcd-cafile={pki.etcd_ca}",
            f"--etcd-certfile={etcd_client_cert}", f"--etcd-keyfile={etcd_client_key}",
            f"--bind-address={loop}", f"--advertise-address={loop}", f"--secure-port={ports.apiserver}",
            f"--tls-cert-file={cert}", f"--tls-private-key-file={key}",
            f"--client-ca-file={pki.ca}",
            f"--kubelet-client-certificate={pki.client('apiserver-kubelet-client')[0]}",
            f"--kubelet-client-key={pki.client('apiserver-kubelet-client')[1]}",
            "--kubelet-preferred-address-types=InternalIP,Hostname",
            f"--service-account-key-file={pki.sa_pub}",
            f"--service-account-signing-key-file={pki.sa_key}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--authorization-mode=RBAC",
            # The defaults already hold ServiceAccount, ResourceQuota, LimitRanger and the admission
            # policies (MutatingAdmissionPolicy: OpenShift's random UID, grader/cluster/scc.py); named here so
            # that the set is visible.
            "--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,LimitRanger,ResourceQuota,"
            "MutatingAdmissionPolicy,ValidatingAdmissionPolicy",
            "--allow-privileged=true", "--profiling=false", "--endpoint-reconciler-type=none",
            "--event-ttl=30m",
        ],
        "kube-controller-manager": [
            str(bins["kube-controller-manager"]),
            *_component_auth(kubeconfigs / "controller-manager.kubeconfig"),
            f"--bind-address={loop}", f"--secure-port={ports.controller_manager}",
            "--leader-elect=false", "--use-service-account-credentials=true",
            f"--service-account-private-key-file={pki.sa_key}", f"--root-ca-file={pki.ca}",
            f"--cluster-signing-cert-file={pki.ca}", f"--cluster-signing-key-file={pki.ca_key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--node-monitor-grace-period=2m", "--kube-api-qps=100", "--kube-api-burst=200",
            "--profiling=false",
        ],
        "kube-scheduler": [
            str(bins["kube-scheduler"]),
            *_component_auth(kubeconfigs / "scheduler.kubeconfig"),
            f"--bind-address={loop}", f"--secure-port={ports.scheduler}",
            "--leader-elect=false", "--kube-api-qps=100", "--kube-api-burst=200", "--profiling=false",
        ],
        "kwok": [
            str(bins["kwok"]),
            f"--kubeconfig={kubeconfigs / 'kwok.kubeconfig'}", f"--config={STAGES_FILE}",
            "--manage-all-nodes=false",
            f"--manage-nodes-with-annotation-selector={'='.join(KWOK_NODE_ANNOTATION)}",
            f"--cidr={POD_CIDR}", f"--node-ip={loop}",
            f"--server-address={loop}:{ports.kwok}", "--node-lease-duration-seconds=40",
        ],
    }


def _component_auth(path: Path) -> list[str]:
    return [f"--kubeconfig={path}", f"--authentication-kubeconfig={path}",
            f"--authorization-kubeconfig={path}",
            "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics"]


STAGES_FILE = Path(__file__).with_name("kwok-stages.yaml")


def node_manifest(name: str, *, tainted: bool = False) -> dict:
    """A simulated node (NODE_CAPACITY); `tainted` keeps pods off it (they go to the real node)."""
    from grader.cluster.node import SIMULATED_TAINT
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {KWOK_NODE_ANNOTATION[0]: KWOK_NODE_ANNOTATION[1], "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                       "kubernetes.io/arch": "amd64", "node-role.kubernetes.io/worker": "",
                       "type": "kwok"},
        },
        "spec": {"taints": [dict(SIMULATED_TAINT)]} if tainted else {},
        "status": {"allocatable": dict(NODE_CAPACITY), "capacity": dict(NODE_CAPACITY),
                   "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux",
                                "kubeletVersion": "fake", "kubeProxyVersion": "fake",
                                "containerRuntimeVersion": "kwok", "kernelVersion": "simulé",
                                "osImage": "kwok", "bootID": "", "machineID": "", "systemUUID": ""}},
    }


def _child_env() -> dict[str, str]:
    """The components' environment: never the user's kubeconfig nor kwok settings."""
    return {k: v for k, v in os.environ.items() if k != "KUBECONFIG" and not k.startswith("KWOK_")}


class LocalBackend:
    name = "local"

    def __init__(self, *, data_dir: Path | None = None, context: str = CONTEXT, nodes: int = 2,
                 components: tuple[str, ...] = COMPONENTS, timeout: float = 90.0,
                 extra_apiserver_args: tuple[str, ...] = (), real_node: str | None = None):
        self.root = (data_dir or settings().data_dir) / "local"
        self.context = context
        self.nodes = nodes
        self.components = components
        self.timeout = timeout
        self.extra_apiserver_args = tuple(extra_apiserver_args)   # e.g. an audit log in tests
        self.real_node = real_node or os.environ.get("CPIN_REAL_NODE") or "off"
        if self.real_node not in REAL_NODE_CHOICES:
            from grader.errors import InputError
            raise InputError(f"Valeur inconnue pour le vrai nœud : « {self.real_node} ».",
                             hint_fr="CPIN_REAL_NODE (ou --real-node) vaut on, auto ou off.")
        self.notes: list[str] = []

    @property
    def capabilities(self) -> dict[str, bool]:
        real = bool((self._state() or {}).get("real_node"))
        return {"containers": real, "dns": False, "network-policy": False, "ingress": False, "image-load": real}

    def _node(self):
        from grader.cluster.node import RealNode
        return RealNode(self.root)

    def _wants_real_node(self) -> bool:
        """Whether to start the real node; "on" and a blocker: a French error, "auto": a French note."""
        if self.real_node == "off" or "kwok" not in self.components:
            return False
        from grader.cluster.node import blocker, claim
        reason = blocker() or claim(self.root)
        if not reason:
            return True
        if self.real_node == "on":
            raise BackendUnavailable(f"Le vrai nœud ne peut pas démarrer : {reason}.",
                                     hint_fr="Sans lui, `CPIN_REAL_NODE=off cpin cluster up` démarre les "
                                             "nœuds simulés seuls (contrôles de conteneurs « non vérifiables »).")
        self.notes.append(f"Nœuds simulés seulement : {reason} ; les contrôles qui demandent un vrai "
                          "conteneur seront « non vérifiables ».")
        return False

    # ------------------------------------------------------------------ layout
    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    def _proc(self, component: str) -> Proc:
        return Proc(component, self.root)

    def _state(self) -> dict | None:
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def _binaries(self) -> dict[str, Path]:
        from grader import tools
        return {name: tools.find(name) for name in self.components}

    # ------------------------------------------------------------------ interface
    def available(self) -> Availability:
        try:
            self._binaries()
        except ToolMissing as error:
            return Availability(False, error.message_fr)
        return Availability(True)

    def up(self) -> None:
        state = self._state()
        if state is not None:
            expected = state["components"] + (list(_node_components()) if state.get("real_node") else [])
            alive = [c for c in expected if self._proc(c).alive()]
            if len(alive) == len(expected):
                return
            if alive:
                dead = sorted(set(expected) - set(alive))
                raise BackendUnavailable(
                    f"Le cluster local est à moitié arrêté ({', '.join(dead)} ne tourne plus).",
                    hint_fr="`cpin cluster status` montre les journaux ; `cpin cluster reset` repart de zéro.")
            self._stop_all()
            shutil.rmtree(self.root)          # stale leftovers of a machine reboot
        bins = self._binaries()
        real = self._wants_real_node()
        for attempt in (1, 2):
            try:
                self._start(bins, real)
                return
            except BackendUnavailable:
                self._stop_all()
                # A port picked as free was taken meanwhile (several clusters starting at once): retry.
                if attempt == 2 or not self._port_clash():
                    raise
                shutil.rmtree(self.root, ignore_errors=True)
            except BaseException:
                self._stop_all()
                raise

    def load(self, image: str) -> None:
        """Copy an image of the Docker engine into the real node's runtime (`docker save`, `ctr import`)."""
        import tempfile

        if not (self._state() or {}).get("real_node"):
            raise BackendUnavailable("Le cluster local n'a pas de vrai nœud : aucune image n'y est exécutée "
                                     "(seuls kind et le vrai nœud local exécutent des images).",
                                     hint_fr="`cpin cluster reset --real-node on` (Linux, root) démarre un vrai nœud.")
        from grader.images import docker_client
        client = docker_client(timeout=300)
        with tempfile.TemporaryDirectory(dir=self.root) as tmp:
            archive = Path(tmp) / "image.tar"
            with open(archive, "wb") as out:
                for chunk in client.images.get(image).save(named=True):
                    out.write(chunk)
            self._node().import_archive(archive)

    def _port_clash(self) -> bool:
        return any("address already in use" in self._proc(name).log_tail(40)
                   for name in self.components + _node_components())

    def down(self) -> None:
        self._stop_all()
        shutil.rmtree(self.root, ignore_errors=True)

    def status(self) -> ClusterStatus:
        state = self._state()
        if state is None:
            return ClusterStatus(self.name, self.context, None, False,
                                 notes=("Aucun cluster local : `cpin cluster up` le démarre.",))
        ports = Ports(**state["ports"])
        pki = Pki(self.root / "pki")
        components = []
        node_ports = state.get("node_ports") or {}
        names = state["components"] + (list(_node_components()) if state.get("real_node") else [])
        for name in names:
            proc = self._proc(name)
            if name in _node_components():
                port = node_ports.get("kubelet") if name == "kubelet" else None
                alive = proc.alive()
                components.append(Component(name, "en marche" if alive else "planté", proc.pid, port, alive,
                                            proc.rss_bytes(), "" if alive else proc.log_tail(8)))
                continue
            port = ports.of(name)
            if not proc.alive():
                components.append(Component(name, "planté", proc.pid, port, False,
                                            detail=proc.log_tail(8) or f"journal vide : {proc.log}"))
                continue
            healthy, detail = _health(name, port, pki)
            components.append(Component(name, "en marche", proc.pid, port, healthy, proc.rss_bytes(), detail))
        running = all(c.state == "en marche" for c in components)
        notes = [f"Données et journaux : {self.root}"]
        notes.append("Vrai nœud cpin-node : les pods y tournent réellement." if state.get("real_node")
                     else "Nœuds simulés seulement : aucun conteneur ne tourne réellement.")
        if "ready_seconds" in state:
            notes.append(f"Démarré en {state['ready_seconds']:.1f} s.")
        return ClusterStatus(self.name, self.context, self.kubeconfig(), running, tuple(components),
                             notes=tuple(notes))

    # ------------------------------------------------------------------ internals
    def _start(self, bins: dict[str, Path], real: bool = False) -> None:
        # The Kubernetes client takes seconds to import: do it while etcd and the API server boot.
        threading.Thread(target=importlib.import_module, args=("kubernetes.client",), daemon=True).start()
        self.root.mkdir(parents=True, exist_ok=True)
        pki = write_pki(self.root / "pki")
        ports = Ports.pick()
        server = f"https://127.0.0.1:{ports.apiserver}"
        kc.write(self.kubeconfig(), kc.render(server=server, context=self.context, ca=pki.ca,
                                              cert=pki.client("admin")[0], key=pki.client("admin")[1]))
        for name in ("controller-manager", "scheduler", "kwok"):
            cert, key = pki.client(name)
            kc.write(self.root / "kubeconfigs" / f"{name}.kubeconfig",
                     kc.render(server=server, context=name, ca=pki.ca, cert=cert, key=key))
        argv = commands(self.root, bins, ports, pki)
        argv["kube-apiserver"] += self.extra_apiserver_args
        self.state_file.write_text(json.dumps({"ports": asdict(ports), "components": list(self.components),
                                               "context": self.context, "server": server,
                                               "real_node": real, "started": time.time()}, indent=2))
        env = _child_env()
        if real:                        # one-time image builds never count against the start-up timeout
            from grader.cluster.node import kit_images
            node_images = kit_images()
        deadline = time.monotonic() + self.timeout
        self._proc("etcd").start(argv["etcd"], env=env)
        self._wait_healthy("etcd", ports, pki, deadline)
        self._proc("kube-apiserver").start(argv["kube-apiserver"], env=env)
        self._wait_healthy("kube-apiserver", ports, pki, deadline)
        for name in self.components[2:]:
            self._proc(name).start(argv[name], env=env)
        if "kwok" in self.components:
            self._add_nodes(tainted=real)
        if real:
            from grader.cluster.node import NodePorts
            node_ports = NodePorts.pick()
            state = json.loads(self.state_file.read_text())
            state["node_ports"] = asdict(node_ports)
            self.state_file.write_text(json.dumps(state, indent=2))
            self._bind_node_role()
            self._node().start(server=server, pki=pki, ports=node_ports, deadline=deadline, images=node_images)
        self._wait_ready(deadline, real)
        state = json.loads(self.state_file.read_text())
        state["ready_seconds"] = round(time.time() - state["started"], 2)
        self.state_file.write_text(json.dumps(state, indent=2))

    def _wait_healthy(self, name: str, ports: Ports, pki: Pki, deadline: float) -> None:
        proc = self._proc(name)
        detail = ""
        while time.monotonic() < deadline:
            if not proc.alive():
                raise BackendUnavailable(f"{name} s'est arrêté au démarrage.",
                                         hint_fr=f"Journal : {proc.log}\n{proc.log_tail(15)}")
            healthy, detail = _health(name, ports.of(name), pki)
            if healthy:
                return
            time.sleep(0.1)
        raise BackendUnavailable(f"{name} ne répond pas après {self.timeout:.0f} s ({detail}).",
                                 hint_fr=f"Journal : {proc.log}")

    def _client(self):
        return kc.api_client(self.kubeconfig(), self.context)

    def _add_nodes(self, tainted: bool = False) -> None:
        from kubernetes import client

        with self._client() as api:
            core = client.CoreV1Api(api)
            for i in range(1, self.nodes + 1):
                core.create_node(node_manifest(f"cpin-worker-{i}", tainted=tainted))

    def _bind_node_role(self) -> None:
        """The kubelet's rights: the built-in role system:node, bound to the node's user (no Node authorizer)."""
        from kubernetes import client
        from grader.cluster.node import NAME

        body = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "cpin-node"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:node"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": f"system:node:{NAME}"}]}
        with self._client() as api:
            client.RbacAuthorizationV1Api(api).create_cluster_role_binding(body)

    def _wait_ready(self, deadline: float, real: bool = False) -> None:
        """Ready for kubectl: the default ServiceAccount exists and every node (the real one too) is Ready."""
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        waiting = "le compte de service default"
        with self._client() as api:
            core = client.CoreV1Api(api)
            while time.monotonic() < deadline:
                for name in self.components:
                    proc = self._proc(name)
                    if not proc.alive():
                        raise BackendUnavailable(f"{name} s'est arrêté au démarrage.",
                                                 hint_fr=f"Journal : {proc.log}\n{proc.log_tail(15)}")
                if real:
                    self._node().check_alive()
                    waiting = "le vrai nœud cpin-node"
                try:
                    if "kube-controller-manager" in self.components:
                        core.read_namespaced_service_account("default", "default")
                    if "kwok" in self.components:
                        waiting = "les nœuds simulés"
                        nodes = core.list_node().items
                        if len(nodes) < self.nodes + real or not all(_node_ready(n) for n in nodes):
                            raise LookupError
                    return
                except (ApiException, LookupError):
                    time.sleep(0.2)
        raise BackendUnavailable(f"Le cluster local n'est pas prêt après {self.timeout:.0f} s "
                                 f"(en attente de {waiting}).",
                                 hint_fr=f"Journaux : {self.root / 'logs'}")

    def _stop_all(self) -> None:
        state = self._state() or {}
        from grader.cluster.node import _owner
        if (state.get("real_node") or any(self._proc(n).alive() for n in _node_components())
                or _owner() == str(self.root)):       # a claim its start never used
            self._node().stop()
        for name in reversed(COMPONENTS):
            self._proc(name).stop()


def _node_components() -> tuple[str, ...]:
    from grader.cluster.node import RealNode
    return RealNode.COMPONENTS


def _node_ready(node) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in (node.status.conditions or []))


def _health(component: str, port: int, pki: Pki) -> tuple[bool, str]:
    """(healthy, detail) from the component's own health endpoint."""
    if component == "etcd":
        url = f"https://127.0.0.1:{port}/health"
        context = ssl.create_default_context(cafile=str(pki.etcd_ca))
        context.load_cert_chain(*map(str, pki.etcd_client))
    elif component == "kwok":
        url, context = f"http://127.0.0.1:{port}/healthz", None
    elif component == "kube-apiserver":
        url = f"https://127.0.0.1:{port}/readyz"
        context = ssl.create_default_context(cafile=str(pki.ca))
        context.load_cert_chain(*map(str, pki.client("admin")))
    else:
        url = f"https://127.0.0.1:{port}/healthz"
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE    # self-signed serving cert generated by the component
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            body = response.read(200).decode(errors="replace")
            if component == "etcd":
                return json.loads(body).get("health") == "true", body
            return response.status == 200, body.strip()
    except (urllib.error.URLError, OSError, ValueError) as error:
        return False, str(getattr(error, "reason", error))

