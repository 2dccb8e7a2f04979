"""The one interface of cluster backends and the status they report (it knows no implementation:
the registry of backends is in `grader.cluster.lifecycle`).

A backend brings a cluster up or down and says where its kubeconfig is. It declares what it can
do (`capabilities`): the local control plane runs no real containers, so a check that needs them
is skipped with a French reason instead of failing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Protocol, runtime_checkable

# Capability names a check may require.
CAPABILITIES = ("containers", "dns", "network-policy", "ingress", "image-load")


@dataclass(frozen=True)
class Availability:
    """Whether a backend can run here; `reason_fr` says why not. Truthy when it can."""
    ok: bool
    reason_fr: str = ""

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class Component:
    """One part of a running cluster as `status` sees it."""
    name: str
    state: str                 # "en marche" | "arrêté" | "planté"
    pid: int | None = None
    port: int | None = None
    healthy: bool | None = None
    rss_bytes: int = 0
    detail: str = ""           # log tail of a crashed component, or a health error


@dataclass(frozen=True)
class ClusterStatus:
    backend: str
    context: str
    kubeconfig: Path | None
    running: bool
    components: tuple[Component, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def crashed(self) -> tuple[Component, ...]:
        return tuple(c for c in self.components if c.state == "planté")

    @property
    def rss_bytes(self) -> int:
        return sum(c.rss_bytes for c in self.components)

    def to_dict(self) -> dict:
        return {"backend": self.backend, "context": self.context,
                "kubeconfig": str(self.kubeconfig) if self.kubeconfig else None,
                "running": self.running, "rss_bytes": self.rss_bytes, "notes": list(self.notes),
                "components": [c.__dict__ for c in self.components]}


@runtime_checkable
class Backend(Protocol):
    name: str
    context: str
    capabilities: Mapping[str, bool]

    def available(self) -> Availability: ...

    def up(self) -> None: ...

    def down(self) -> None: ...

    def status(self) -> ClusterStatus: ...

    def kubeconfig(self) -> Path: ...


@dataclass(frozen=True)
class UpResult:
    backend: Backend
    seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------- which backend the kit started

def _active_file(data_dir: Path) -> Path:
    return data_dir / "cluster.json"


def read_active(data_dir: Path) -> str | None:
    """Name of the backend `cpin cluster up` last started in this data dir, if any."""
    import json
    try:
        return json.loads(_active_file(data_dir).read_text())["backend"]
    except (FileNotFoundError, ValueError, KeyError):
        return None


def write_active(data_dir: Path, name: str) -> None:
    import json
    data_dir.mkdir(parents=True, exist_ok=True)
    _active_file(data_dir).write_text(json.dumps({"backend": name}) + "\n")


def clear_active(data_dir: Path) -> None:
    _active_file(data_dir).unlink(missing_ok=True)
