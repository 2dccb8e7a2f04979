"""`cpin doctor`: one line per item (✔/⚠/✘) with a French fix hint; required items decide the exit code."""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass

from grader import tools
from grader.config import settings
from grader.errors import CpinError

MIN_FREE_MEMORY_GB = 3.0
MIN_FREE_DISK_GB = 5.0


@dataclass(frozen=True)
class Item:
    name: str
    ok: bool
    detail: str
    hint: str = ""
    required: bool = True

    @property
    def symbol(self) -> str:
        return "✔" if self.ok else ("✘" if self.required else "⚠")


def check_python() -> Item:
    version = ".".join(map(str, sys.version_info[:3]))
    return Item("Python", sys.version_info >= (3, 11), version, "installez Python ≥ 3.11")


def check_packages() -> Item:
    from importlib.util import find_spec
    missing = [m for m in ("jupyterlab", "nbgrader", "ipywidgets", "kubernetes", "docker", "nbval")
               if find_spec(m) is None]
    return Item("Paquets Python", not missing, "tous présents" if not missing else "manquants : " + ", ".join(missing),
                "lancez `make setup`")


def check_docker() -> Item:
    try:
        import docker
        client = docker.from_env(timeout=3)
        info = client.version()
        return Item("Docker", True, f"démon {info.get('Version', '?')} joignable", required=False)
    except Exception as error:  # any failure means "not reachable": the detail says which
        return Item("Docker", False, f"démon injoignable ({type(error).__name__})",
                    "démarrez Docker (`sudo systemctl start docker`) ; requis pour le module 01 et le backend kind",
                    required=False)


def check_tools() -> list[Item]:
    items = []
    for row in tools.status():
        if row.ok:
            items.append(Item(f"outil {row.name}", True, f"{row.version} ({row.origin}) {row.path}",
                              required=row.required))
        else:
            items.append(Item(f"outil {row.name}", False, f"{row.version} absent",
                              "`cpin tools build` (hors ligne) ou `cpin tools fetch` (internet)", required=row.required))
    return items


def check_memory() -> Item:
    available_kb = 0
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    available_kb = int(line.split()[1])
    except OSError:
        return Item("Mémoire libre", True, "inconnue (pas de /proc/meminfo)", required=False)
    gb = available_kb / 1024 / 1024
    return Item("Mémoire libre", gb >= MIN_FREE_MEMORY_GB, f"{gb:.1f} Go disponibles",
                f"libérez de la mémoire : le kit et son cluster ont besoin d'environ {MIN_FREE_MEMORY_GB:.0f} Go",
                required=False)


def check_disk() -> Item:
    target = settings().cache_dir
    probe = target if target.exists() else target.parent if target.parent.exists() else os.path.expanduser("~")
    free = shutil.disk_usage(probe).free / 1e9
    return Item("Disque libre", free >= MIN_FREE_DISK_GB, f"{free:.1f} Go libres sous {probe}",
                f"libérez au moins {MIN_FREE_DISK_GB:.0f} Go (outils et images)", required=False)


def check_context() -> Item:
    """The current kube context, and whether the kit created it (the guard decides, not a name)."""
    from grader.cluster import guard
    from grader.cluster import kubeconfig as kc

    own = guard.kit_targets()
    kit = ", ".join(f"{t.context} ({b})" for b, t in own.items()) or "aucun (`cpin cluster up`)"
    foreign = guard.default_kubeconfig()
    try:
        current = kc.load(foreign).get("current-context") if foreign else None
    except (OSError, ValueError, CpinError):   # an unreadable kubeconfig: no current context to judge
        current = None
    if not current:
        return Item("Contexte kube", True, f"pas de contexte courant ; cluster du kit : {kit}", required=False)
    owned = any(t.kubeconfig.resolve() == foreign.resolve() and t.context == current for t in own.values())
    verdict = "créé par le kit" if owned else "PAS créé par le kit : il ne sera pas touché sans --context"
    return Item("Contexte kube", True, f"{current} ({verdict}) ; cluster du kit : {kit}", required=False)


def check_services() -> list[Item]:
    """One line per platform service (forge, registry): optional, started by `cpin platform up`."""
    from grader import services

    items = []
    for row in services.status():
        name = f"service {row.name}"
        if row.state == "en marche":
            items.append(Item(name, row.healthy, f"{row.address} ({row.stands_for})"
                              + ("" if row.healthy else f" ne répond pas : {row.detail}"),
                              "`cpin platform status` montre le journal", required=False))
        else:
            start = "`cpin platform up`" if services.SERVICES[row.name].by_default else f"`cpin platform up {row.name}`"
            items.append(Item(name, False, f"{row.state} ({row.stands_for})", start, required=False))
    return items


def check_real_node() -> Item:
    """Whether `cpin cluster up` can start a real node beside the simulated ones (grader.cluster.node)."""
    from grader.cluster.node import blocker
    reason = blocker()
    return Item("Vrai nœud (cluster local)", not reason, "possible ici" if not reason else reason,
                "sans lui, les contrôles qui demandent un vrai conteneur sont « non vérifiables »", required=False)


def check_settings() -> list[Item]:
    s = settings()
    return [Item(f"réglage {field}", True, f"{getattr(s, field)} ({s.source_of(field)})", required=False)
            for field in ("data_dir", "cache_dir", "backend", "learner", "exercises_dir")]


def diagnose() -> list[Item]:
    return [check_python(), check_packages(), check_docker(), *check_tools(), check_memory(), check_disk(),
            check_context(), check_real_node(), *check_services(), *check_settings()]


def render(items: list[Item]) -> str:
    lines = []
    for item in items:
        lines.append(f"{item.symbol} {item.name:<32} {item.detail}")
        if not item.ok and item.hint:
            lines.append(f"    → {item.hint}")
    return "\n".join(lines)


def exit_code(items: list[Item]) -> int:
    return 1 if any(item.required and not item.ok for item in items) else 0
