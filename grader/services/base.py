"""The lifecycle every platform service of the kit shares: start idempotently, probe, stop, report.

A service is a plain process on 127.0.0.1 (never another interface), started detached by
`grader.cluster.processes.Proc` so that it outlives `cpin`: pidfile and log under
`<data dir>/services/<name>/`, its own process group (stopping it kills the group: nothing is left
behind). Its port is picked free once and recorded in `<data dir>/services/state.json`, then reused
at every start, so that addresses written into repositories and image names stay valid.

A concrete service subclasses `Service` and fills in `stands_for`, `subset`, `argv()` and
`probe()`; `prepare()` (config files, data directories) is optional. Its module docstring says
which platform service it stands in for and which subset of it is implemented.
"""
from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.cluster.processes import Proc, free_port
from grader.config import settings
from grader.errors import CpinError

HOST = "127.0.0.1"


class ServiceFailed(CpinError):
    """A platform service could not start or does not answer."""


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    stands_for: str
    state: str              # "en marche" | "arrêté" | "planté"
    healthy: bool
    pid: int | None = None
    port: int | None = None
    address: str = ""
    rss_bytes: int = 0
    detail: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def services_root(data_dir: Path | None = None) -> Path:
    return (data_dir or settings().data_dir) / "services"


class Service:
    """Base of a platform service. Subclasses set the class attributes and implement `argv`/`probe`."""
    name: str = ""
    stands_for: str = ""     # the platform service, e.g. "GitLab (dépôts)"
    subset: str = ""         # what of it the kit implements, in French, for `cpin platform status`
    start_timeout: float = 30.0
    by_default: bool = True  # started by `cpin platform up` without names (False: only when named)

    def __init__(self, data_dir: Path | None = None):
        self.data_dir = data_dir or settings().data_dir
        self.root = services_root(self.data_dir) / self.name
        self.proc = Proc(self.name, self.root)

    # ------------------------------------------------------------------ to implement
    def argv(self, port: int) -> list[str]:
        raise NotImplementedError

    def probe(self, port: int) -> tuple[bool, str]:
        """(healthy, detail): the service answers its own protocol on `port`."""
        raise NotImplementedError

    def prepare(self, port: int) -> None:
        """Write config and data directories before a start (idempotent)."""

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    # ------------------------------------------------------------------ shared
    @property
    def port(self) -> int | None:
        return _read_state(self.data_dir).get(self.name, {}).get("port")

    @property
    def address(self) -> str:
        port = self.port
        return f"{HOST}:{port}" if port else ""

    def running(self) -> bool:
        return self.proc.alive()

    def start(self) -> bool:
        """Start unless already running; wait until the probe answers. Returns True if it started."""
        port = self.port
        if self.proc.alive() and port:
            self._wait_healthy(port)
            return False
        self.proc.stop()                      # a stale pidfile or a group left by a crash
        if port is None or not _port_free(port):
            port = free_port()
            _record_port(self.data_dir, self.name, port)
        self.root.mkdir(parents=True, exist_ok=True)
        self.prepare(port)
        self.proc.start(self.argv(port), env=self.env())
        self._wait_healthy(port)
        return True

    def stop(self) -> None:
        self.proc.stop()

    def status(self) -> ServiceStatus:
        port = self.port
        rec = self.proc.recorded()
        if rec is None:
            return ServiceStatus(self.name, self.stands_for, "arrêté", False, port=port)
        if not self.proc.alive():
            return ServiceStatus(self.name, self.stands_for, "planté", False, rec[0], port,
                                 detail=self.proc.log_tail(8) or f"journal vide : {self.proc.log}")
        healthy, detail = self.probe(port) if port else (False, "port inconnu")
        return ServiceStatus(self.name, self.stands_for, "en marche", healthy, rec[0], port, self.address,
                             self.proc.rss_bytes(), detail)

    def _wait_healthy(self, port: int) -> None:
        deadline = time.monotonic() + self.start_timeout
        detail = ""
        while time.monotonic() < deadline:
            if not self.proc.alive():
                raise ServiceFailed(f"Le service {self.name} ({self.stands_for}) s'est arrêté au démarrage.",
                                    hint_fr=f"Journal : {self.proc.log}\n{self.proc.log_tail(15)}")
            healthy, detail = self.probe(port)
            if healthy:
                return
            time.sleep(0.1)
        raise ServiceFailed(f"Le service {self.name} ({self.stands_for}) ne répond pas après "
                            f"{self.start_timeout:.0f} s ({detail}).", hint_fr=f"Journal : {self.proc.log}")


class HeartbeatService(Service):
    """A service whose process is a controller loop of the kit: healthy while the loop writes its heartbeat
    file after each pass (and, with `listens`, while its port answers)."""
    stale: float = 60.0      # seconds without a pass before unhealthy (a loaded machine slows passes down)
    listens: bool = False

    @property
    def heartbeat(self) -> Path:
        return self.root / "heartbeat"

    def prepare(self, port: int) -> None:
        self.heartbeat.unlink(missing_ok=True)

    def probe(self, port: int) -> tuple[bool, str]:
        try:
            age = time.time() - float(self.heartbeat.read_text())
        except (FileNotFoundError, ValueError):
            return False, "pas encore de passage de la boucle"
        if self.listens and not tcp_open(port):
            return False, f"rien n'écoute sur le port {port}"
        return age < self.stale, f"dernier passage il y a {age:.0f} s"


def _state_file(data_dir: Path) -> Path:
    return services_root(data_dir) / "state.json"


def _read_state(data_dir: Path) -> dict:
    try:
        return json.loads(_state_file(data_dir).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _record_port(data_dir: Path, name: str, port: int) -> None:
    state = _read_state(data_dir)
    state.setdefault(name, {})["port"] = port
    path = _state_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as the servers do: TIME_WAIT is fine
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def tcp_open(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False
