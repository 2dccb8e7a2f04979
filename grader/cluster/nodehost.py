"""What the real node (`grader.cluster.node`) leaves on the host, and how to remove it all.

Kept apart from the node's lifecycle: `host_traces()` is what `cpin cluster down` and its test look at,
`clean_host()` removes it whatever state the node is in (processes killed, pods never drained).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

BRIDGE = "cpin0"
RUN_DIR = Path("/run/cpin-node")          # short: the containerd socket path must stay under 108 bytes
CGROUP_ROOT = "cpin-node"
# Kernel settings the kubelet sets at start (pkg/kubelet/cm: setupKernelTunables) and kube-proxy may set.
SYSCTLS = ("vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops",
           "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes", "net/bridge/bridge-nf-call-iptables",
           "net/ipv4/ip_forward", "net/ipv4/conf/all/route_localnet")
KUBELET_CHAINS = (("mangle", "KUBE-IPTABLES-HINT"), ("mangle", "KUBE-KUBELET-CANARY"),
                  ("nat", "KUBE-KUBELET-CANARY"), ("filter", "KUBE-KUBELET-CANARY"),
                  ("filter", "KUBE-FIREWALL"))
PROXY_TABLES = (("ip", "kube-proxy"), ("ip6", "kube-proxy"))
# Fixed paths the kubelet and containerd's CNI library write whatever their configuration says: the
# kubelet's log links and device-plugin socket, libcni's result cache. Removed when the node made them.
HOST_DIRS = (Path("/var/log/containers"), Path("/var/lib/kubelet"), Path("/var/lib/cni"))
LOG_LINKS = Path("/var/log/containers")
CNI_RESULTS = Path("/var/lib/cni/results")
POD_LOGS = "/node/pod-logs/"               # part of the targets of the kubelet's log links


def host_before() -> dict:
    """What exists before the node starts (kept in the node's dir, read back by `clean_host`)."""
    return {"dirs": [str(d) for d in HOST_DIRS if d.exists()],
            "cni_results": sorted(p.name for p in CNI_RESULTS.iterdir()) if CNI_RESULTS.is_dir() else []}


def _our_files(before: dict | None) -> list[Path]:
    """The kubelet's links to our pod logs, and the CNI results that were not there before."""
    found = [link for link in (LOG_LINKS.iterdir() if LOG_LINKS.is_dir() else ())
             if link.is_symlink() and POD_LOGS in os.readlink(link)]
    if CNI_RESULTS.is_dir():
        known = set((before or {}).get("cni_results", ()))
        found += [p for p in CNI_RESULTS.iterdir()
                  if p.name.startswith(("cni-loopback-", "cpin-")) and p.name not in known]
    return found


def cgroup_controllers() -> list[Path]:
    """The cgroup v1 hierarchies (or the one v2 hierarchy) where the node's cgroups live."""
    base = Path("/sys/fs/cgroup")
    if (base / "cgroup.controllers").exists():
        return [base]
    return [d for d in sorted(base.iterdir()) if d.is_dir() and d.name != "unified" and not d.is_symlink()]


def _run(*argv: str, timeout: float = 30, check: bool = False) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


def read_sysctls() -> dict[str, str]:
    values = {}
    for name in SYSCTLS:
        try:
            values[name] = Path("/proc/sys", name).read_text().strip()
        except OSError:
            pass
    return values


def restore_sysctls(values: dict[str, str]) -> None:
    for name, value in values.items():
        path = Path("/proc/sys", name)
        try:
            if path.read_text().strip() != value:
                path.write_text(value + "\n")
        except OSError:
            pass


def mounts_under(*roots: Path) -> list[str]:
    """Mount points under `roots`, deepest first (from /proc/self/mountinfo)."""
    prefixes = tuple(str(r).rstrip("/") + "/" for r in roots)
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point.startswith(prefixes) or point.rstrip("/") in {p.rstrip("/") for p in prefixes}:
            points.append(point)
    return sorted(set(points), key=lambda p: (-p.count("/"), p))


def host_traces() -> dict[str, list[str]]:
    """What a real node may leave on the host, by kind (for `cpin cluster down` and its test)."""
    links = [n for n in os.listdir("/sys/class/net") if n == BRIDGE or
             (Path("/sys/class/net", n, "master").exists()
              and os.path.basename(os.readlink(f"/sys/class/net/{n}/master")) == BRIDGE)]
    nft = _run("nft", "list", "tables").stdout.splitlines() if shutil.which("nft") else []
    chains = []
    for tool in ("iptables", "ip6tables"):
        if shutil.which(f"{tool}-save"):
            chains += [f"{tool} {line}" for line in _run(f"{tool}-save").stdout.splitlines()
                       if line.startswith(":") and line[1:].startswith(("KUBE-", "CNI-"))]
    cgroups = [str(c / CGROUP_ROOT) for c in cgroup_controllers() if (c / CGROUP_ROOT).exists()]
    return {"interfaces": links, "nftables": [t for t in nft if "kube-proxy" in t], "iptables": chains,
            "mounts": mounts_under(RUN_DIR), "cgroups": cgroups,
            "processes": [str(p) for p in _node_processes()],
            "files": sorted(str(p) for p in _our_files(None) if p.parent == LOG_LINKS or p.name.startswith("cpin-")),
            "dirs": [str(d) for d in HOST_DIRS if d.exists()]}


def _node_processes() -> list[int]:
    """Pids of the node's containers and shims (their cgroups, or a shim of our socket)."""
    pids: set[int] = set()
    for controller in cgroup_controllers():
        base = controller / CGROUP_ROOT
        if base.exists():
            for directory in _cgroup_dirs(base):
                try:
                    pids.update(int(p) for p in (directory / "cgroup.procs").read_text().split())
                except OSError:
                    pass
    socket = str(RUN_DIR / "containerd.sock")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if cmdline and cmdline[0].endswith(b"containerd-shim-runc-v2") and socket.encode() in cmdline:
                pids.add(int(entry.name))
    return sorted(pids)


def _prepare_cgroups() -> None:
    for controller in cgroup_controllers():
        path = controller / CGROUP_ROOT
        path.mkdir(exist_ok=True)
        if controller.name == "cpuset":           # v1 cpuset: a new group starts with no cpu and no node
            for knob in ("cpuset.cpus", "cpuset.mems"):
                if not (path / knob).read_text().strip():
                    (path / knob).write_text((controller / knob).read_text())


def _cgroup_dirs(base: Path) -> list[Path]:
    """Every cgroup under `base`, itself included. The runtime removes cgroups while we walk (a container
    that just died): `os.walk` passes over a directory that vanished, where `rglob` raised."""
    return [Path(root) for root, _dirs, _files in os.walk(base)]


def _remove_cgroups() -> None:
    for controller in cgroup_controllers():
        base = controller / CGROUP_ROOT
        if not base.exists():
            continue
        for directory in sorted(_cgroup_dirs(base), key=lambda p: -len(p.parts)):
            try:
                directory.rmdir()
            except OSError:
                pass
        try:
            base.rmdir()
        except OSError:
            pass


def _cni_chains(tool: str) -> tuple[tuple[str, str], ...]:
    """The portmap plugin's chains (CNI-HOSTPORT-*, CNI-DN-*) left by pods that were not torn down."""
    chains, table = [], ""
    for line in _run(f"{tool}-save").stdout.splitlines():
        if line.startswith("*"):
            table = line[1:]
        elif line.startswith(":CNI-"):
            chains.append((table, line[1:].split()[0]))
    # The ones that others jump to (CNI-HOSTPORT-*) go after the per-pod ones (CNI-DN-*).
    return tuple(sorted(chains, key=lambda c: c[1].startswith("CNI-HOSTPORT")))


def clean_host(root: Path, ctr: Path | None = None) -> None:
    """Remove everything a real node created, whatever state it is in (idempotent)."""
    import signal
    socket = RUN_DIR / "containerd.sock"
    if ctr and socket.exists():
        base = [str(ctr), "--address", str(socket), "--namespace", "k8s.io"]
        try:
            for task in _run(*base, "tasks", "ls", "-q", timeout=10).stdout.split():
                _run(*base, "tasks", "kill", "-s", "SIGKILL", task, timeout=10)
        except (subprocess.TimeoutExpired, OSError):
            pass
    for _ in range(3):
        for pid in _node_processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)
    for point in mounts_under(RUN_DIR, root):
        _run("umount", "-l", point)
    for table in PROXY_TABLES:
        _run("nft", "delete", "table", *table)
    for tool in ("iptables", "ip6tables"):
        if shutil.which(tool):
            for table, chain in KUBELET_CHAINS + _cni_chains(tool):
                if _run(tool, "-t", table, "-F", chain).returncode == 0:
                    for parent in ("INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING"):
                        while _run(tool, "-t", table, "-D", parent, "-j", chain).returncode == 0:
                            pass
                    _run(tool, "-t", table, "-X", chain)
    if Path("/sys/class/net", BRIDGE).exists():
        _run("ip", "link", "delete", BRIDGE)
    _remove_cgroups()
    try:
        before = json.loads((root / "host-before.json").read_text())
    except (FileNotFoundError, ValueError):
        before = None
    for path in _our_files(before):
        path.unlink(missing_ok=True)
    if before is not None:
        for directory in HOST_DIRS:
            if str(directory) not in before["dirs"]:
                shutil.rmtree(directory, ignore_errors=True)
    shutil.rmtree(RUN_DIR, ignore_errors=True)
