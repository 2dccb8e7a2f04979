"""`cluster up/down/status/reset` as library functions (the CLI only parses and prints), the registry
of backends (name → constructor, kind's provider pattern: the interface in `base` knows none of them),
and `connect`, the guarded client on the kit's cluster.

`up` picks the backend (auto: kind when it can run here, else local, saying why), starts it,
records it as the kit's active cluster, then installs the platform's policies on it.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Callable

from grader.cluster import base, guard, policies
from grader.cluster.base import Backend, ClusterStatus, UpResult
from grader.config import settings
from grader.errors import ApiFailure, InputError
from grader.kube.client import Kube

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# ---------------------------------------------------------------- backends by name

def _local(**options) -> Backend:
    from grader.cluster.local import LocalBackend
    return LocalBackend(**options)


def _kind(**options) -> Backend:
    from grader.cluster.kind import KindBackend
    return KindBackend(**options)


def _existing(**options) -> Backend:
    from grader.cluster.existing import ExistingBackend
    return ExistingBackend(**options)


BACKENDS: dict[str, Callable[..., Backend]] = {"local": _local, "kind": _kind, "existing": _existing}


def get(name: str, **options) -> Backend:
    """The backend called `name`, built with its own options (unknown name: French error)."""
    try:
        make = BACKENDS[name]
    except KeyError:
        raise InputError(f"Backend de cluster inconnu : « {name} ».",
                         hint_fr=f"Choisissez parmi : {', '.join(BACKENDS)} (ou auto).") from None
    return make(**options)


def connect(*, evidence: dict | None = None) -> tuple[Kube, dict[str, bool]]:
    """A `Kube` on the kit's cluster, resolved through the context guard, and the backend's capabilities."""
    target = guard.resolve()
    backend = target.backend if target.backend in BACKENDS else "existing"
    capabilities = dict(get(backend).capabilities)
    return Kube(_client(target), evidence=evidence), capabilities


_CLIENTS: dict[tuple, object] = {}
_CLIENTS_LOCK = threading.Lock()


def _client(target: guard.Target):
    """One ApiClient per (process, kubeconfig file as it is now, context): a kernel's checks reuse its
    connections (no new TLS handshake per check; measured in benchmarks/bench_cohort.py). The guard has
    resolved the target just before, every time; a rewritten file (new token, new cluster) gets a new client."""
    stat = target.kubeconfig.stat()
    key = (os.getpid(), str(target.kubeconfig.resolve()), target.context, stat.st_mtime_ns, stat.st_size, stat.st_ino)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            for old in [k for k in _CLIENTS if k[:3] == key[:3] or k[0] != key[0]]:
                del _CLIENTS[old]          # not closed: a check of another thread may still use it
            client = _CLIENTS[key] = target.api_client()
    return client


# ---------------------------------------------------------------- up, down, status, reset

def choose(name: str = "auto", *, data_dir: Path | None = None, log: Log = _quiet, **options) -> Backend:
    """The backend to start. `auto` prefers kind and falls back to local with a French note."""
    if name != "auto":
        return get(name, data_dir=data_dir, **options)
    kind_options = {k: v for k, v in options.items() if k in ("image", "registry_mirror")}
    kind = get("kind", data_dir=data_dir, **kind_options)
    availability = kind.available()
    if availability:
        return kind
    log(f"kind est indisponible : {availability.reason_fr}. Je démarre à la place le cluster local "
        "(vrai API server, nœuds simulés, et un vrai nœud si la machine le permet).")
    return get("local", data_dir=data_dir, **{k: v for k, v in options.items() if k == "real_node"})


def up(name: str | None = None, *, data_dir: Path | None = None, log: Log = _quiet,
       install_policies: bool = True, **options) -> UpResult:
    data_dir = data_dir or settings().data_dir
    name = name or settings().backend
    start = time.monotonic()
    active = base.read_active(data_dir)
    if name == "auto" and active:
        name = active                       # auto keeps the cluster the kit already runs
    backend = choose(name, data_dir=data_dir, log=log, **options)
    if active and active != backend.name:
        other = get(active, data_dir=data_dir)
        if other.status().running:
            log(f"Le cluster « {active} » du kit tourne déjà : `cpin cluster down` d'abord pour changer.")
            return UpResult(other, time.monotonic() - start, ("déjà démarré",))
    backend.up()
    base.write_active(data_dir, backend.name)
    notes: list[str] = list(getattr(backend, "notes", ()))
    if install_policies:
        from grader.cluster import kubeconfig as kc
        with kc.api_client(backend.kubeconfig(), backend.context) as api:
            try:
                installed = policies.install(api, wait=30.0 if backend.name != "existing" else 0)
                notes.append(f"{len(installed)} politiques de la plateforme installées "
                             "(avertissement en dev, refus en prod).")
            except ApiFailure as error:
                if backend.name != "existing":
                    raise
                notes.append("Politiques non installées sur le cluster partagé "
                             f"({error.message_fr}) : elles relèvent de ses administrateurs.")
    return UpResult(backend, time.monotonic() - start, tuple(notes))


def active_backend(data_dir: Path | None = None) -> Backend | None:
    data_dir = data_dir or settings().data_dir
    name = base.read_active(data_dir)
    return get(name, data_dir=data_dir) if name else None


def down(name: str | None = None, *, data_dir: Path | None = None) -> str | None:
    """Stop the kit's cluster (the active one unless `name` is given); its name, or None."""
    data_dir = data_dir or settings().data_dir
    name = name or base.read_active(data_dir)
    if name is None:
        # Nothing recorded: still clean a local cluster whose record was lost.
        name = "local"
    get(name, data_dir=data_dir).down()
    if base.read_active(data_dir) == name:
        base.clear_active(data_dir)
    return name


def status(name: str | None = None, *, data_dir: Path | None = None) -> ClusterStatus:
    data_dir = data_dir or settings().data_dir
    name = name or base.read_active(data_dir) or "local"
    return get(name, data_dir=data_dir).status()


def reset(name: str | None = None, *, data_dir: Path | None = None, log: Log = _quiet, **options) -> UpResult:
    """Down then up: a fresh, empty cluster of the same backend."""
    data_dir = data_dir or settings().data_dir
    name = name or base.read_active(data_dir) or settings().backend
    if name != "existing":
        down(None if name == "auto" else name, data_dir=data_dir)
    return up(name, data_dir=data_dir, log=log, **options)


class ActiveCluster:
    """The kit's active cluster as a controller loop follows it: `refresh()` at each pass reconnects when
    the active cluster changed (None: no cluster is up) and says so in the loop's log."""

    def __init__(self, data_dir: Path, log, *, request_timeout: float = 10.0):
        self.data_dir, self.log, self.request_timeout = data_dir, log, request_timeout
        self.where: tuple[str, str] | None = None
        self.kube = None

    def refresh(self) -> bool:
        """True when the loop now talks to another cluster (or to none)."""
        from grader.cluster import kubeconfig as kc
        backend = active_backend(self.data_dir)
        where = (str(backend.kubeconfig()), backend.context) if backend else None
        if where == self.where:
            return False
        self.where, self.kube = where, None
        if where:
            self.kube = Kube(kc.api_client(Path(where[0]), where[1]), request_timeout=self.request_timeout)
        self.log(f"cluster: {backend.name} ({where[1]})" if where else "cluster: none active")
        return True
