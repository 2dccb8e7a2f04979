"""The cage a submission's kernel runs in: its own identity, filesystem view, limits and processes.

Why bubblewrap (Debian `bubblewrap`): it is one small static program that builds a fresh mount
namespace from an explicit list of binds, so what the kernel sees is a whitelist written here (the
submission's copy, a private /tmp, the kit's code and Python read-only) rather than a blacklist; its
`--unshare-pid --die-with-parent` make the kernel pid 1's child in a namespace that the kernel of Linux
tears down with every process in it (a `setsid` or double fork does not escape) when the grader kills
it. Docker (otter-grader's way) would need an image with the kit's venv and a running engine, and costs
about a second per container; `systemd-run` scopes give cgroups but no filesystem view, and there is
no systemd here; nsjail and firejail are heavier and not as plainly packaged. Limits come from
`prlimit` (address space, processes of the sandbox's own uid, file size, open files, CPU seconds),
which needs no cgroup delegation.

Identity: as root, each submission gets its own unprivileged uid/gid (`setpriv`, outside any user
namespace, so the uid is real: the kernel cannot read the trainer's 0600 files even by path, and the
process limit counts its processes only). A trainer who is not root gets bubblewrap's user namespace
(`--unshare-user --uid 65534`): still the private view, limits and pid namespace.

Network: the kernel shares the host's loopback, because it must reach the grader's ZMQ ports and the
API server. What it can reach there is closed otherwise: etcd demands a client certificate the
sandbox cannot read (`grader.cluster.local`), Docker's socket is not in the view, the other kernels'
ports demand the HMAC key of a connection file it cannot see, and the API server gives it only the
fenced token of its own namespaces.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import CpinError

UID_BASE = 61000                 # sandbox uids are claimed from here up (root only), one per running submission
UID_COUNT = 4000
HOME = "/home/apprenant"         # the submission's copy: cwd and HOME inside
DATA = "/donnees"                # the submission's CPIN_DATA inside (fenced kubeconfig, attempt log)
RUN = "/run/cpin"                # the kernel's connection file (read-only)
TMP = "/tmp"


class SandboxUnavailable(CpinError):
    """The kernel cannot be confined here (no bubblewrap, not Linux)."""


UNSAFE_FR = ("⚠⚠ NOTATION SANS BAC À SABLE (--unsafe) : le code des copies s'exécute avec VOS droits. "
             "Une copie peut lire et modifier le carnet de notes, la clé de signature, les autres copies "
             "et votre cluster. N'utilisez ceci que pour des copies de confiance. ⚠⚠")


@dataclass(frozen=True)
class Limits:
    memory: int = 2 * 1024 ** 3          # address space, bytes
    processes: int = 128                 # processes and threads of the sandbox's uid
    file_size: int = 256 * 1024 ** 2     # largest file it can write, bytes
    open_files: int = 512
    cpu_seconds: int = 900               # CPU time of the kernel (the wall-clock budget is execute's)


@dataclass(frozen=True)
class Jail:
    """One submission's sandbox: a work folder outside, a fixed layout inside."""
    root: Path                           # outside: holds copie/, donnees/, tmp/, run/
    uid: int = UID_BASE
    limits: Limits = Limits()
    unsafe: bool = False                 # no confinement at all (trainer said --unsafe)
    readonly: tuple[Path, ...] = field(default_factory=tuple)   # kit code, Python, tools, exercises

    @property
    def home(self) -> Path:
        return self.root / "copie"

    @property
    def data(self) -> Path:
        return self.root / "donnees"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def run(self) -> Path:
        return self.root / "run"

    def prepare(self) -> None:
        """Create the folders and give the writable ones to the sandbox's uid (root only)."""
        for path in (self.home, self.data, self.tmp, self.run):
            path.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        if self.unsafe or os.geteuid() != 0:
            return
        for top in (self.home, self.data, self.tmp):
            for path in (top, *top.rglob("*")):
                os.lchown(path, self.uid, self.uid)

    def remove(self, timeout: float = 30.0) -> None:
        """Delete the work folder once no process of the sandbox's uid can still write in it.

        A killed pid namespace is torn down asynchronously: a fork bomb's children may still create
        files for a moment, which would leave a half-deleted folder behind."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.unsafe and os.geteuid() == 0:
                for pid in processes_of(self.uid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            shutil.rmtree(self.root, ignore_errors=True)
            if not self.root.exists() or time.monotonic() > deadline:
                return
            time.sleep(0.2)

    def inside(self, path: Path) -> str:
        """Where an outside path of this jail appears to the kernel."""
        if self.unsafe:
            return str(path)
        for outside, inner in ((self.home, HOME), (self.data, DATA), (self.run, RUN), (self.tmp, TMP)):
            if path == outside or outside in path.parents:
                return inner + str(path)[len(str(outside)):]
        raise ValueError(f"{path} is not in the sandbox")

    def wrap(self, argv: list[str], env: dict[str, str] | None = None) -> list[str]:
        """The command that runs `argv` inside the sandbox with exactly `env` (unchanged when unsafe)."""
        if self.unsafe:
            return list(argv)
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxUnavailable("bubblewrap (bwrap) est introuvable : impossible d'isoler les copies.")
        cmd = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
               "--unshare-cgroup-try", "--hostname", "copie", "--clearenv",
               "--proc", "/proc", "--dev", "/dev"]
        for system in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc"):
            if Path(system).exists():
                cmd += ["--ro-bind", system, system]
        shown = [p for p in dict.fromkeys(self.readonly) if p.exists()]
        parents = sorted({str(a) for p in shown for a in p.parents if str(a) != "/"}, key=len)
        for parent in parents:   # bwrap would make them 0700 root: the sandbox's uid could not go through
            cmd += ["--perms", "0755", "--dir", parent]
        for path in shown:
            cmd += ["--ro-bind", str(path), str(path)]
        cmd += ["--perms", "0755", "--dir", "/home", "--perms", "0755", "--dir", "/run",
                "--bind", str(self.tmp), TMP, "--bind", str(self.home), HOME, "--bind", str(self.data), DATA,
                "--ro-bind", str(self.run), RUN, "--chdir", HOME]
        for key, value in (env or {}).items():
            cmd += ["--setenv", key, value]
        lim = self.limits
        limits = ["prlimit", f"--as={lim.memory}", f"--nproc={lim.processes}", f"--fsize={lim.file_size}",
                  f"--nofile={lim.open_files}", f"--cpu={lim.cpu_seconds}", "--core=0"]
        if os.geteuid() == 0:
            drop = ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
            return [*cmd, "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                    "--cap-add", "CAP_SETPCAP", "--", *drop, *limits, *argv]
        return [*cmd, "--unshare-user", "--uid", "65534", "--gid", "65534", "--", *limits, *argv]


def claim_uid() -> tuple[int, int | None]:
    """(uid, lease): a sandbox uid no other grading process on this machine holds, even in another batch.

    The lease is an open file locked with `flock` in a machine-wide folder (not $TMPDIR, which differs from
    one trainer's shell to another's): the kernel frees it when the grading process ends, however it ends.
    Close it (`os.close`) once the jail is removed. Without root no uid is taken (bubblewrap maps 65534)."""
    if os.geteuid() != 0:
        return UID_BASE, None
    locks = (Path("/run/lock") if Path("/run/lock").is_dir() else Path("/tmp")) / "cpin-sandbox-uids"
    locks.mkdir(mode=0o700, exist_ok=True)
    for uid in range(UID_BASE, UID_BASE + UID_COUNT):
        fd = os.open(locks / str(uid), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return uid, fd
    raise SandboxUnavailable(f"aucun identifiant de bac à sable libre ({UID_BASE}–{UID_BASE + UID_COUNT - 1}) : "
                             "trop de corrections en cours sur cette machine.")


def processes_of(uid: int) -> list[int]:
    """Pids of the processes whose real uid is `uid` (read from /proc)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as status:
                line = next(row for row in status if row.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if int(line.split()[1]) == uid:
            found.append(int(name))
    return found


def readonly_paths(*extra: Path) -> tuple[Path, ...]:
    """What the kernel may read of the kit: its Python (venv and base), the `grader` package, `extra`."""
    import grader

    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent,
             Path(grader.__file__).resolve().parent, *extra]
    return tuple(dict.fromkeys(p.resolve() for p in paths if p.exists()))


def require(unsafe: bool) -> None:
    """Refuse to grade where kernels cannot be confined, unless the trainer said --unsafe."""
    if unsafe:
        return
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(
            "Notation refusée : le bac à sable des copies (bubblewrap) n'existe que sous Linux.",
            hint_fr="Notez sur une machine Linux avec bubblewrap (apt-get install bubblewrap), ou, pour des "
                    "copies de confiance seulement, ajoutez --unsafe.")
    if shutil.which("bwrap") is None or shutil.which("prlimit") is None:
        raise SandboxUnavailable(
            "Notation refusée : bubblewrap (bwrap) est introuvable, le code des copies ne peut pas être isolé.",
            hint_fr="Installez-le (apt-get install bubblewrap), ou, pour des copies de confiance seulement, "
                    "ajoutez --unsafe.")
