"""The `kind` backend: the learners' real cluster, in Docker.

Cluster `cpin` (context `kind-cpin`, kubeconfig under the kit's data dir, never ~/.kube/config),
a Kubernetes 1.36 node image, host ports 80/443 mapped for an ingress controller on the node
labelled `ingress-ready=true`, and a local registry container `kind-registry` (`localhost:5001`
from the host, `kind-registry:5000` from the nodes) standing in for Harbor. An optional mirror
(a Harbor proxy cache) serves docker.io images. Locally built images go in with `kind load`.

Node image: the official `kindest/node`, pinned by digest, with internet; offline, the kit's own
(`cpin cluster image-kind`, grader/cluster/kindimage.py), whose config also disables kind's default
CNI and kube-proxy (their images are not built offline). Where `docker run --privileged` fails (the CI
sandbox lacks CAP_SYS_RESOURCE), kind cannot start a node: `available()` says so in French.

Everything kind and Docker are asked to do is built by pure functions below, so it is tested
even where kind cannot boot.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import yaml

from grader.cluster.base import Availability, ClusterStatus, Component
from grader.config import settings
from grader.errors import BackendUnavailable, InputError, ToolFailed, ToolMissing

CLUSTER = "cpin"
CONTEXT = f"kind-{CLUSTER}"
# kind v0.32.0's default node image (Kubernetes 1.36), pinned by digest as its release notes require.
NODE_IMAGE = "kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5"
REGISTRY_NAME = "kind-registry"
REGISTRY_HOST_PORT = 5001
REGISTRY_IMAGE = "registry:2"
CERTS_DIR = "/etc/containerd/certs.d"


# ---------------------------------------------------------------- pure: config and commands

def cluster_config(*, image: str = NODE_IMAGE, offline: bool = False) -> dict:
    """The kind Cluster configuration of the kit; `offline`: for the kit's node image (no kindnetd,
    no kube-proxy image: a static bridge CNI is in the image, Services need no proxy on one node)."""
    config = {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "name": CLUSTER,
        "containerdConfigPatches": [
            f'[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "{CERTS_DIR}"'],
        "nodes": [{
            "role": "control-plane",
            "image": image,
            "kubeadmConfigPatches": [
                "kind: InitConfiguration\nnodeRegistration:\n  kubeletExtraArgs:\n"
                "    node-labels: \"ingress-ready=true\"\n",
                # cgroup v1 hosts (this CI, older distributions): kubelet >= 1.35 refuses them otherwise.
                "kind: KubeletConfiguration\nfailCgroupV1: false\n",
            ],
            "extraPortMappings": [
                {"containerPort": 80, "hostPort": 80, "protocol": "TCP"},
                {"containerPort": 443, "hostPort": 443, "protocol": "TCP"},
            ],
        }],
    }
    if offline:
        config["networking"] = {"disableDefaultCNI": True, "kubeProxyMode": "none"}
    return config


def mirror_endpoint(url: str) -> str:
    """The containerd mirror endpoint of a Harbor proxy-cache project URL.

    `https://harbor.example.fr/dockerhub-proxy` → `https://harbor.example.fr/v2/dockerhub-proxy`
    (used with `override_path`, so that `library/nginx` becomes `dockerhub-proxy/library/nginx`).
    """
    parsed = urlparse(url)
    project = parsed.path.strip("/")
    if parsed.scheme not in ("http", "https") or not parsed.netloc or not project:
        raise InputError(f"Miroir de registre invalide : « {url} ».",
                         hint_fr="Donnez l'URL du projet proxy-cache Harbor, "
                                 "ex. https://harbor.exemple.fr/dockerhub-proxy")
    if not project.startswith("v2/"):
        project = f"v2/{project}"
    return f"{parsed.scheme}://{parsed.netloc}/{project}"


def registry_hosts(mirror: str | None = None) -> dict[str, str]:
    """containerd `hosts.toml` per registry host, as written into every node."""
    hosts = {f"localhost:{REGISTRY_HOST_PORT}": f'[host."http://{REGISTRY_NAME}:5000"]\n'}
    if mirror:
        hosts["docker.io"] = (
            'server = "https://registry-1.docker.io"\n\n'
            f'[host."{mirror_endpoint(mirror)}"]\n'
            '  capabilities = ["pull", "resolve"]\n'
            "  override_path = true\n")
    return hosts


def registry_run_command() -> list[str]:
    return ["docker", "run", "-d", "--restart=always", "-p", f"127.0.0.1:{REGISTRY_HOST_PORT}:5000",
            "--network", "bridge", "--name", REGISTRY_NAME, REGISTRY_IMAGE]


def create_command(kind: Path, config: Path, kubeconfig: Path) -> list[str]:
    return [str(kind), "create", "cluster", "--name", CLUSTER, "--config", str(config),
            "--kubeconfig", str(kubeconfig), "--wait", "180s"]


def delete_command(kind: Path, kubeconfig: Path) -> list[str]:
    return [str(kind), "delete", "cluster", "--name", CLUSTER, "--kubeconfig", str(kubeconfig)]


def node_hosts_commands(node: str, host: str) -> list[list[str]]:
    """Commands writing one hosts.toml into a node (the file content goes to the second one's stdin)."""
    directory = f"{CERTS_DIR}/{host}"
    return [["docker", "exec", node, "mkdir", "-p", directory],
            ["docker", "exec", "-i", node, "cp", "/dev/stdin", f"{directory}/hosts.toml"]]


def network_connect_command() -> list[str]:
    return ["docker", "network", "connect", "kind", REGISTRY_NAME]


def load_command(kind: Path, image: str) -> list[str]:
    return [str(kind), "load", "docker-image", image, "--name", CLUSTER]


def registry_hosting_configmap() -> dict:
    """KEP-1755: tells tools (Tilt, Skaffold…) where the cluster's local registry is."""
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "local-registry-hosting", "namespace": "kube-public"},
            "data": {"localRegistryHosting.v1": f'host: "localhost:{REGISTRY_HOST_PORT}"\n'
                                                'help: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n'}}


# ---------------------------------------------------------------- effects

def _run(argv: list[str], *, input: str | None = None, timeout: float = 300, check: bool = True) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, input=input, timeout=timeout)
    except FileNotFoundError as error:
        raise ToolMissing(f"Commande introuvable : {argv[0]}.") from error
    except subprocess.TimeoutExpired as error:
        raise ToolFailed(f"{Path(argv[0]).name} n'a pas répondu en {timeout:.0f} s.", command=argv,
                         output=str(error.stdout or "")) from error
    if check and proc.returncode != 0:
        raise ToolFailed(f"{Path(argv[0]).name} a échoué (code {proc.returncode}).", command=argv,
                         output=proc.stderr + proc.stdout)
    return proc.stdout


def _docker_ok(*args: str) -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", *args], capture_output=True, timeout=20).returncode == 0


class KindBackend:
    name = "kind"
    context = CONTEXT
    capabilities = {"containers": True, "dns": True, "network-policy": True, "ingress": True,
                    "image-load": True}

    def __init__(self, *, data_dir: Path | None = None, image: str | None = None,
                 registry_mirror: str | None = None):
        self.root = (data_dir or settings().data_dir) / "kind"
        self._image = image or settings().kind_image or None
        self.mirror = registry_mirror or settings().registry_mirror or None

    @property
    def image(self) -> str:
        """The named image, else the official one when present, else the kit's when present."""
        if self._image is None:
            from grader.cluster import kindimage
            present = [i for i in (NODE_IMAGE, kindimage.tag()) if _docker_ok("image", "inspect", i)]
            self._image = (present or [NODE_IMAGE])[0]
        return self._image

    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    def _kind(self) -> Path:
        from grader import tools
        return tools.find("kind")

    def available(self) -> Availability:
        try:
            self._kind()
        except ToolMissing as error:
            return Availability(False, error.message_fr)
        if shutil.which("docker") is None:
            return Availability(False, "la commande docker est absente")
        if not _docker_ok("info"):
            return Availability(False, "le moteur Docker ne répond pas")
        if not _docker_ok("image", "inspect", self.image):
            return Availability(False, f"l'image de nœud {self.image} n'est pas présente localement "
                                       "(hors ligne : `cpin cluster image-kind` construit celle du kit)")
        from grader.cluster import kindimage
        blocker = kindimage.privileged_blocker(self.image)
        if blocker:
            return Availability(False, blocker)
        return Availability(True)

    def up(self) -> None:
        availability = self.available()
        if not availability:
            raise BackendUnavailable(f"kind ne peut pas démarrer ici : {availability.reason_fr}.",
                                     hint_fr="`cpin cluster up --backend local` démarre le cluster simulé.")
        kind = self._kind()
        if CLUSTER in _run([str(kind), "get", "clusters"]).split():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        config = self.root / "cluster.yaml"
        from grader.cluster import kindimage
        offline = kindimage.is_kit_image(self.image)
        config.write_text(yaml.safe_dump(cluster_config(image=self.image, offline=offline), sort_keys=False))
        registry = self._ensure_registry()
        try:
            _run(create_command(kind, config, self.kubeconfig()), timeout=600)
        except ToolFailed as error:
            raise (kindimage.explain_create_failure(error.output) or error) from error
        from grader.cluster.guard import record_identity
        record_identity("kind", self.root.parent)          # the guard recognises the cluster by its CA
        for node in _run([str(kind), "get", "nodes", "--name", CLUSTER]).split():
            for host, toml in registry_hosts(self.mirror).items():
                mkdir, write = node_hosts_commands(node, host)
                _run(mkdir)
                _run(write, input=toml)
        if registry:
            _run(network_connect_command(), check=False)     # already connected is fine
            from grader.kube.client import Kube
            from grader.cluster import kubeconfig as kc
            with kc.api_client(self.kubeconfig(), self.context) as api:
                Kube(api).apply(registry_hosting_configmap(), "kube-public")

    def _ensure_registry(self) -> bool:
        """Start the local registry when its image is here; False when it cannot run."""
        try:
            state = subprocess.run(["docker", "inspect", "-f", "{{.State.Running}}", REGISTRY_NAME],
                                   capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return False
        if state.returncode == 0 and state.stdout.strip() == "true":
            return True
        if state.returncode == 0:
            _run(["docker", "start", REGISTRY_NAME])
            return True
        if not _docker_ok("image", "inspect", REGISTRY_IMAGE):
            return False
        _run(registry_run_command())
        return True

    def load(self, image: str) -> None:
        """Copy a locally built image into the cluster's nodes (`kind load docker-image`)."""
        _run(load_command(self._kind(), image), timeout=600)

    def down(self) -> None:
        try:
            kind = self._kind()
        except ToolMissing:
            kind = None
        if kind is not None and _docker_ok("info"):
            _run(delete_command(kind, self.kubeconfig()), timeout=300)
        shutil.rmtree(self.root, ignore_errors=True)

    def status(self) -> ClusterStatus:
        if not self.kubeconfig().is_file():
            return ClusterStatus(self.name, self.context, None, False,
                                 notes=("Aucun cluster kind du kit : `cpin cluster up --backend kind`.",))
        components = []
        for name in (f"{CLUSTER}-control-plane", REGISTRY_NAME):
            try:
                out = subprocess.run(["docker", "inspect", "-f", "{{json .State}}", name],
                                     capture_output=True, text=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                components.append(Component(name, "inconnu", detail="Docker ne répond pas"))
                continue
            if out.returncode != 0:
                components.append(Component(name, "arrêté", detail="conteneur absent"))
                continue
            state = json.loads(out.stdout)
            running = bool(state.get("Running"))
            components.append(Component(name, "en marche" if running else "planté", state.get("Pid") or None,
                                        healthy=running, detail="" if running else state.get("Error", "")))
        running = components[0].state == "en marche"
        return ClusterStatus(self.name, self.context, self.kubeconfig(), running, tuple(components))
