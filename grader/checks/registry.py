"""Every check type an `exercise.yaml` may name, described once: `TYPES`. Hand-written; no discovery.

A `CheckType` says what runs (`fn`), whether it needs the cluster (`offline`), its default time budget
in seconds (`timeout`, an exercise may override it), the capabilities it needs whatever the exercise says
(`requires`), and the object it looks at (`target`: the fixed kind, or None for `params["kind"]`, and the
parameter that holds the name), which lets the runner fail it at once when that object's file is broken.
The exercise schema's `type` enum lists exactly these names (a test checks it).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from grader.checks import access, gitops, match, network, pipeline, runtime, secrets, static, workloads
from grader.checks.base import CheckContext, Outcome
from grader.errors import InputError

CheckFn = Callable[[CheckContext, dict], Outcome]


@dataclass(frozen=True)
class CheckType:
    fn: CheckFn
    offline: bool = False                         # never talks to the cluster (no client needed)
    timeout: float = 3.0                          # default budget, seconds
    requires: tuple[str, ...] = ()                # capabilities implied by the type
    target: tuple[str | None, str] | None = None  # (kind or None: params["kind"], name parameter)


TYPES: dict[str, CheckType] = {
    "object": CheckType(match.object_matches, timeout=3, target=(None, "name")),
    "rollout": CheckType(workloads.rollout_complete, timeout=30, target=(None, "name")),
    "service_endpoints": CheckType(network.service_endpoints, timeout=15, target=("Service", "name")),
    "ingress_routes": CheckType(network.ingress_routes, timeout=5, target=("Ingress", "name")),
    "refs_exist": CheckType(access.refs_exist, timeout=3, target=(None, "name")),
    "rbac": CheckType(access.rbac_allows, timeout=3),
    "quota": CheckType(access.quota_usage, timeout=10, target=("ResourceQuota", "name")),
    "events": CheckType(workloads.events_explain, timeout=5, target=(None, "name")),
    "policy_warnings": CheckType(access.policy_warnings, timeout=10),
    "http": CheckType(network.http_get, timeout=20, requires=("containers",), target=("Service", "service")),
    "http_ingress": CheckType(network.http_ingress, timeout=15, requires=("containers",), target=("Ingress", "ingress")),
    "pod_runtime": CheckType(runtime.pod_runtime, timeout=30, requires=("containers",), target=(None, "name")),
    "lint": CheckType(static.lint, offline=True, timeout=30),
    "docker": CheckType(static.docker, offline=True, timeout=120, requires=("docker",)),
    "sops_file": CheckType(secrets.sops_file, offline=True, timeout=30),
    "secret_keys": CheckType(secrets.secret_keys, timeout=20, target=("Secret", "name")),
    "secret_ref": CheckType(secrets.secret_ref, timeout=5, target=(None, "name")),
    "vault_static_secret": CheckType(secrets.vault_static_secret, timeout=20, target=("VaultStaticSecret", "name")),
    "pipeline_passed": CheckType(pipeline.pipeline_passed, offline=True, timeout=5),
    "pipeline_jobs": CheckType(pipeline.pipeline_jobs, offline=True, timeout=5),
    "registry_image": CheckType(pipeline.registry_image, offline=True, timeout=10),
    "scan_report": CheckType(pipeline.scan_report, offline=True, timeout=5),
    "argocd_app": CheckType(gitops.app_synced, timeout=60),
    "argocd_managed": CheckType(gitops.app_managed, timeout=10),
    "argocd_self_heal": CheckType(gitops.self_heal, timeout=60),
}

# Check types that never talk to the cluster (a view of `TYPES`).
OFFLINE = frozenset(name for name, kind in TYPES.items() if kind.offline)


def check_type(type_name: str) -> CheckType:
    try:
        return TYPES[type_name]
    except KeyError:
        raise InputError(f"Type de contrôle inconnu : « {type_name} ».",
                         hint_fr=f"Types possibles : {', '.join(sorted(TYPES))}.") from None


def get(type_name: str) -> CheckFn:
    return check_type(type_name).fn
