"""The platform's services on the laptop, each a plain process on 127.0.0.1 (see `base.py`).

`SERVICES` lists them in start order; `up()`, `down()` and `status()` drive them all (or some, by
name). Adding a service = one module with a `Service` subclass + one line here.
"""
from __future__ import annotations

from pathlib import Path

from grader.errors import InputError
from grader.services.argocd import Argocd, ArgocdRedis, ArgocdRepoServer
from grader.services.base import Service, ServiceFailed, ServiceStatus
from grader.services.forge import Forge
from grader.services.ingress import Ingress
from grader.services.operators import SecretsOperators
from grader.services.registry import Registry
from grader.services.vault import Vault

SERVICES: dict[str, type[Service]] = {cls.name: cls for cls in (Forge, Registry, Vault, SecretsOperators, ArgocdRedis,
                                                                  ArgocdRepoServer, Argocd, Ingress)}

__all__ = ["SERVICES", "Service", "ServiceFailed", "ServiceStatus", "get", "up", "down", "status"]


def get(name: str, data_dir: Path | None = None) -> Service:
    try:
        return SERVICES[name](data_dir)
    except KeyError:
        raise InputError(f"Service inconnu : {name}.", hint_fr="Services : " + ", ".join(SERVICES)) from None


def _selected(names, data_dir) -> list[Service]:
    return [get(n, data_dir) for n in (names or SERVICES)]


def up(names: list[str] | None = None, *, data_dir: Path | None = None, log=print) -> list[ServiceStatus]:
    """Start the services that are not running (idempotent); their status once healthy. Without names,
    the services started by default (Argo CD needs the cluster: it starts when named)."""
    started = []
    for service in _selected(names, data_dir):
        if not names and not service.by_default:
            continue
        if service.start():
            log(f"{service.name} ({service.stands_for}) démarré sur {service.address}.")
        started.append(service.status())
    return started


def down(names: list[str] | None = None, *, data_dir: Path | None = None) -> None:
    """Stop the services (reverse order), leaving no process behind; their data stays."""
    for service in reversed(_selected(names, data_dir)):
        service.stop()


def status(names: list[str] | None = None, *, data_dir: Path | None = None) -> list[ServiceStatus]:
    return [service.status() for service in _selected(names, data_dir)]
