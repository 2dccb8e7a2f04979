"""The real node of the local backend: containerd + kubelet + kube-proxy as plain processes.

Next to the simulated (kwok) nodes, one node really runs containers: probes are executed, a crashing
image crash-loops, a Service answers HTTP. It needs Linux and root (cgroups, network namespaces,
mounts, nftables), Debian's runc and CNI plugins, and the kit-built kubelet, kube-proxy and containerd.
Everything it creates on the host is named here, so that `stop()` removes it all:
- the bridge `cpin0` (pods in 10.245.0.0/24) and the pods' veths (they die with the pods' netns);
- the mounts under the node's data dir and RUN_DIR (overlay rootfs, volumes, netns, shm);
- the cgroups under /sys/fs/cgroup/<controller>/cpin-node;
- kube-proxy's nftables tables, the kubelet's KUBE-* canary chains in iptables;
- the kernel settings the kubelet changes (restored to their value before `start()`).
Only one real node runs per machine (RUN_DIR is global): a second cluster gets kwok nodes only.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

# Host state (what `stop()` undoes) lives in nodehost; re-exported for the CLI, tests and benchmarks.
from grader.cluster.nodehost import (BRIDGE, CGROUP_ROOT, RUN_DIR, _node_processes, _prepare_cgroups,  # noqa: F401
                                     _run, clean_host, host_before, host_traces, read_sysctls,
                                     restore_sysctls)
from grader.cluster.processes import Proc, free_port

NAME = "cpin-node"
POD_SUBNET = "10.245.0.0/24"
CNI_DIRS = (Path("/usr/lib/cni"), Path("/opt/cni/bin"))
CNI_PLUGINS = ("bridge", "host-local", "loopback", "portmap")
RUNC = Path("/usr/sbin/runc")
PAUSE_IMAGE = "cpin.local/pause:1"
BINARIES = ("containerd", "containerd-shim-runc-v2", "ctr", "kubelet", "kube-proxy")
SIMULATED_TAINT = {"key": "cpin.dev/simulated", "value": "true", "effect": "NoSchedule"}


def cni_dir() -> Path | None:
    return next((d for d in CNI_DIRS if all((d / p).is_file() for p in CNI_PLUGINS)), None)


def blocker() -> str:
    """'' when a real node can run here, else one French sentence saying what is missing."""
    if platform.system() != "Linux":
        return "un vrai nœud demande Linux (ici : nœuds simulés seulement)"
    if os.geteuid() != 0:
        return "un vrai nœud demande les droits root (relancez `sudo cpin cluster up`)"
    if not RUNC.is_file():
        return "runc est introuvable (paquet Debian « runc »)"
    if cni_dir() is None:
        return "les greffons CNI sont introuvables (paquet Debian « containernetworking-plugins »)"
    if not shutil.which("nft"):
        return "nft est introuvable (paquet Debian « nftables »)"
    from grader import tools
    missing = [name for name in BINARIES if tools.locate(name)[0] is None]
    if missing:
        return f"outils du vrai nœud non construits (`cpin tools build {' '.join(missing)}`)"
    owner = _owner()
    if owner:
        return f"un vrai nœud tourne déjà sur cette machine (cluster de {owner})"
    return ""


OWNER_FILE = RUN_DIR / "owner.json"
CLAIM_GRACE = 300.0    # seconds a claim holds before its node's processes run (a first start builds images)


def _owner() -> str:
    """Data dir of the cluster whose real node runs (or is starting) here, '' when none."""
    try:
        info = json.loads(OWNER_FILE.read_text())
    except (FileNotFoundError, ValueError):
        return ""
    root = Path(info["root"])
    if Proc("containerd", root).alive() or Proc("kubelet", root).alive():
        return info["root"]
    return info["root"] if time.time() - float(info.get("claimed", 0)) < CLAIM_GRACE else ""


def claim(root: Path) -> str:
    """Take the machine's one real node for the cluster at `root`, atomically (two clusters starting at once
    would share containerd's socket and kill each other's pods): '' when taken, else why not, in French."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(OWNER_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _owner()
            if owner and Path(owner) != root:
                return f"un vrai nœud tourne déjà sur cette machine (cluster de {owner})"
            OWNER_FILE.unlink(missing_ok=True)      # ours, or a dead cluster's
            continue
        with os.fdopen(fd, "w") as out:
            json.dump({"root": str(root), "claimed": time.time()}, out)
        return ""
    return "un autre cluster démarre son vrai nœud au même moment"


@dataclass(frozen=True)
class NodePorts:
    kubelet: int
    kubelet_healthz: int
    proxy_healthz: int
    proxy_metrics: int

    @classmethod
    def pick(cls) -> NodePorts:
        ports: set[int] = set()
        while len(ports) < 4:
            ports.add(free_port())
        return cls(*sorted(ports))


# ---------------------------------------------------------------- configuration files (pure)

def containerd_config(root: Path, run_dir: Path, cni_bin: Path) -> str:
    return f'''version = 3
root = "{root / 'containerd'}"
state = "{run_dir / 'containerd'}"
[grpc]
  address = "{run_dir / 'containerd.sock'}"
[ttrpc]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "{root / 'containerd-opt'}"
[plugins."io.containerd.nri.v1.nri"]
  disable = true
[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "{PAUSE_IMAGE}"
[plugins."io.containerd.cri.v1.runtime"]
  netns_mounts_under_state_dir = true
  # Lowering oom_score_adj needs CAP_SYS_RESOURCE, which CI sandboxes and some containers lack: the
  # pause container and Guaranteed pods keep containerd's own score instead of -998.
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "{RUNC}"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["{cni_bin}"]
    conf_dir = "{root / 'cni'}"
'''


def cni_config(root: Path) -> dict:
    return {"cniVersion": "1.0.0", "name": "cpin", "plugins": [
        {"type": "bridge", "bridge": BRIDGE, "isGateway": True, "ipMasq": False, "hairpinMode": True,
         "ipam": {"type": "host-local", "ranges": [[{"subnet": POD_SUBNET}]],
                  "routes": [{"dst": "0.0.0.0/0"}], "dataDir": str(root / "cni-ipam")}},
        {"type": "portmap", "capabilities": {"portMappings": True}},
    ]}


def kubelet_config(root: Path, run_dir: Path, ports: NodePorts, ca: Path) -> dict:
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
        "address": "127.0.0.1", "port": ports.kubelet, "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1", "healthzPort": ports.kubelet_healthz,
        "authentication": {"anonymous": {"enabled": False}, "webhook": {"enabled": True},
                           "x509": {"clientCAFile": str(ca)}},
        "authorization": {"mode": "Webhook"},
        "cgroupDriver": "cgroupfs", "cgroupRoot": f"/{CGROUP_ROOT}",
        "failCgroupV1": False, "failSwapOn": False,
        "containerRuntimeEndpoint": f"unix://{run_dir / 'containerd.sock'}",
        "clusterDomain": "cluster.local", "resolvConf": "",
        "podLogsDir": str(root / "pod-logs"), "maxPods": 30,
        # The kit's images are imported, never pulled: no image GC, no eviction on a full developer disk.
        "imageGCHighThresholdPercent": 100, "imageGCLowThresholdPercent": 99,
        "evictionHard": {"memory.available": "1Mi", "nodefs.available": "1%", "imagefs.available": "1%",
                         "nodefs.inodesFree": "1%"},
        "serializeImagePulls": False, "registerWithTaints": [],
    }


def kube_proxy_config(kubeconfig: Path, ports: NodePorts) -> dict:
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(kubeconfig)}, "mode": "nftables",
        "bindAddress": "127.0.0.1", "hostnameOverride": NAME, "clusterCIDR": POD_SUBNET,
        "healthzBindAddress": f"127.0.0.1:{ports.proxy_healthz}",
        "metricsBindAddress": f"127.0.0.1:{ports.proxy_metrics}",
        # 0 = leave the host's conntrack settings alone.
        "conntrack": {"maxPerCore": 0, "min": 0, "tcpEstablishedTimeout": "0s", "tcpCloseWaitTimeout": "0s",
                      "udpTimeout": "0s", "udpStreamTimeout": "0s"},
        "nodePortAddresses": ["127.0.0.1/32"],
    }


# ---------------------------------------------------------------- images, imported offline

def normalized(ref: str) -> str:
    """The name the CRI looks up: `cpin/demo-app:1.0.0` → `docker.io/cpin/demo-app:1.0.0` (pure)."""
    first, _, rest = ref.partition("/")
    if not rest:
        return f"docker.io/library/{ref}"
    if "." in first or ":" in first or first == "localhost":
        return ref
    return f"docker.io/{ref}"


def kit_images(work: Path | None = None, log=lambda _: None) -> list[Path]:
    """OCI archives of the pause image, busybox and the demo app, built from Debian files (no engine)."""
    from grader import images
    from grader.cluster import oci
    from grader.config import REPO_ROOT

    work = work or settings_cache() / "images" / "oci"
    work.mkdir(parents=True, exist_ok=True)
    archives = []
    pause = oci.files_layer({"/pause": (Path("/usr/bin/catatonit").read_bytes(), 0o755)}, work / "pause.layer")
    archives.append(oci.write_archive(oci.Image(PAUSE_IMAGE, (pause,), entrypoint=("/pause", "-P")),
                                      work / "pause.oci.tar"))
    if Path("/bin/busybox").is_file():
        layer = oci.files_layer({"/bin/busybox": (Path("/bin/busybox").read_bytes(), 0o755)}, work / "busybox.layer")
        archives.append(oci.write_archive(oci.Image("cpin.local/busybox:1", (layer,), entrypoint=("/bin/busybox",),
                                                    cmd=("sh",)), work / "busybox.oci.tar"))
    mapping = images.load_mapping()
    python = mapping.bases["python"]
    recipe = images._recipe_hash(python.recipe, python.options, images.SLIM_PATHS, images.DPKG_EXCLUDES)
    rootfs = settings_cache() / "images" / f"python-{recipe}.tar"
    if not rootfs.exists():
        log("debootstrap de l'image Python du kit (une fois, ~1 min)…")
        rootfs.parent.mkdir(parents=True, exist_ok=True)
        images._debootstrap_rootfs(python, rootfs)
    env = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8")
    archives.append(oci.write_archive(oci.Image(python.offline, (rootfs,), cmd=("python3",), env=env),
                                      work / "python.oci.tar"))
    demo = mapping.kit["demo-app"]
    app = oci.files_layer({"/app/app.py": ((REPO_ROOT / demo.context / "app.py").read_bytes(), 0o664)},
                          work / "demo-app.layer", owner=(1001, 0))
    archives.append(oci.write_archive(oci.Image(
        demo.tag, (rootfs, app), cmd=("python3", "/app/app.py"), user="1001", workdir="/app", ports=(8080,),
        env=(*env, "PORT=8080", "LOG_LEVEL=INFO", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")),
        work / "demo-app.oci.tar"))
    return archives


def settings_cache() -> Path:
    from grader.config import settings
    return settings().cache_dir


# ---------------------------------------------------------------- the node's lifecycle

class RealNode:
    """containerd + kubelet + kube-proxy of one local cluster; files under `<root>/node`, processes
    with the control plane's pidfiles and logs (`root`)."""
    COMPONENTS = ("containerd", "kubelet", "kube-proxy")

    def __init__(self, root: Path):
        self.root = root
        self.dir = root / "node"

    def proc(self, name: str) -> Proc:
        return Proc(name, self.root)

    def _bin(self, name: str) -> Path:
        from grader import tools
        return tools.find(name)

    def ctr(self, *args: str, timeout: float = 120) -> str:
        command = [str(self._bin("ctr")), "--address", str(RUN_DIR / "containerd.sock"), "--namespace", "k8s.io",
                   *args]
        return _run(*command, timeout=timeout, check=True).stdout

    # -------------------------------------------------------------- start
    def start(self, *, server: str, pki, ports: NodePorts, deadline: float, images: list[Path]) -> None:
        """Start containerd, import `images` (from `kit_images()`, made before the clock starts: the first
        debootstrap takes minutes), then the kubelet and kube-proxy."""
        from grader.cluster import kubeconfig as kc
        from grader.errors import BackendUnavailable

        self.dir.mkdir(parents=True, exist_ok=True)
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        refused = claim(self.root)
        if refused:
            raise BackendUnavailable(f"Le vrai nœud ne peut pas démarrer : {refused}.")
        (self.dir / "sysctls.json").write_text(json.dumps(read_sysctls()))
        (self.dir / "host-before.json").write_text(json.dumps(host_before()))
        _prepare_cgroups()
        gateway = POD_SUBNET.replace("0/24", "1")
        if not Path("/sys/class/net", BRIDGE).exists():
            _run("ip", "link", "add", BRIDGE, "type", "bridge", check=True)
            _run("ip", "addr", "add", f"{gateway}/24", "dev", BRIDGE, check=True)
        _run("ip", "link", "set", BRIDGE, "up", check=True)
        (self.dir / "cni").mkdir(exist_ok=True)
        (self.dir / "cni" / "10-cpin.conflist").write_text(json.dumps(cni_config(self.dir), indent=1))
        (self.dir / "containerd.toml").write_text(containerd_config(self.dir, RUN_DIR, cni_dir()))
        kubelet = kubelet_config(self.dir, RUN_DIR, ports, pki.ca)
        kubelet["address"] = gateway
        (self.dir / "kubelet.yaml").write_text(json.dumps(kubelet, indent=1))
        for stem in ("node", "kube-proxy"):
            kc.write(self.dir / f"{stem}.kubeconfig",
                     kc.render(server=server, context=stem, ca=pki.ca, cert=pki.client(stem)[0],
                               key=pki.client(stem)[1]))
        (self.dir / "kube-proxy.yaml").write_text(
            json.dumps(kube_proxy_config(self.dir / "kube-proxy.kubeconfig", ports), indent=1))

        shim_dir = str(self._bin("containerd-shim-runc-v2").parent)
        env = {**os.environ, "PATH": f"{shim_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
        env.pop("KUBECONFIG", None)
        self.proc("containerd").start([str(self._bin("containerd")), "--config", str(self.dir / "containerd.toml")],
                                      env=env)
        while not (RUN_DIR / "containerd.sock").exists():
            self._alive_or_fail("containerd")
            if time.monotonic() > deadline:
                raise BackendUnavailable("containerd ne répond pas.", hint_fr=f"Journal : {self.proc('containerd').log}")
            time.sleep(0.1)
        for archive in images:
            self.import_archive(archive)
        self.proc("kubelet").start([
            str(self._bin("kubelet")), f"--config={self.dir / 'kubelet.yaml'}",
            f"--kubeconfig={self.dir / 'node.kubeconfig'}", f"--root-dir={self.dir / 'kubelet'}",
            f"--cert-dir={self.dir / 'kubelet-pki'}", f"--hostname-override={NAME}", f"--node-ip={gateway}",
            "--node-labels=type=real",
        ], env=env)
        self.proc("kube-proxy").start([str(self._bin("kube-proxy")), f"--config={self.dir / 'kube-proxy.yaml'}"],
                                      env=env)

    def _alive_or_fail(self, name: str) -> None:
        from grader.errors import BackendUnavailable
        proc = self.proc(name)
        if not proc.alive():
            raise BackendUnavailable(f"{name} (vrai nœud) s'est arrêté au démarrage.",
                                     hint_fr=f"Journal : {proc.log}\n{proc.log_tail(10)}")

    def check_alive(self) -> None:
        for name in self.COMPONENTS:
            self._alive_or_fail(name)

    def import_archive(self, archive: Path) -> None:
        """Import an OCI or `docker save` archive, under the names the CRI looks up."""
        self.ctr("images", "import", str(archive), timeout=300)
        for ref in self.ctr("images", "ls", "-q").split():
            if not ref.startswith("sha256:") and normalized(ref) != ref:
                _run(str(self._bin("ctr")), "--address", str(RUN_DIR / "containerd.sock"), "--namespace", "k8s.io",
                     "images", "tag", "--force", ref, normalized(ref))

    # -------------------------------------------------------------- stop
    def stop(self) -> None:
        """Stop the node and remove every trace of it on the host (idempotent). The pods are not
        drained: their network namespaces, hence their veths, go with their processes. The host's node
        belongs to one cluster: another cluster's `down` (its own start refused) leaves it alone."""
        owner = _owner()
        for name in ("kube-proxy", "kubelet"):
            self.proc(name).stop()
        if owner and Path(owner) != self.root:
            self.proc("containerd").stop()
            return
        ctr = None
        try:
            ctr = self._bin("ctr")
        except Exception:                # noqa: BLE001 - cleaning goes on without ctr
            pass
        if self.proc("containerd").alive():
            clean_host(self.dir, ctr)    # kill the containers while containerd still answers
        self.proc("containerd").stop()
        clean_host(self.dir, None)
        try:
            restore_sysctls(json.loads((self.dir / "sysctls.json").read_text()))
        except (FileNotFoundError, ValueError):
            pass
