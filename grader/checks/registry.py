"""Check type name (as written in `exercise.yaml`) → check function. Hand-written; no discovery."""
from __future__ import annotations

from typing import Callable

from grader.checks import kube, static
from grader.checks.base import CheckContext, Outcome
from grader.errors import InputError

CheckFn = Callable[[CheckContext, dict], Outcome]

CHECKS: dict[str, CheckFn] = {
    "object": kube.object_matches,
    "rollout": kube.rollout_complete,
    "service_endpoints": kube.service_endpoints,
    "ingress_routes": kube.ingress_routes,
    "refs_exist": kube.refs_exist,
    "rbac": kube.rbac_allows,
    "quota": kube.quota_usage,
    "events": kube.events_explain,
    "policy_warnings": kube.policy_warnings,
    "http": kube.http_get,
    "lint": static.lint,
    "docker": static.docker,
}

# Check types that never talk to the cluster (no client needed).
OFFLINE = frozenset({"lint", "docker"})


def get(type_name: str) -> CheckFn:
    try:
        return CHECKS[type_name]
    except KeyError:
        raise InputError(f"Type de contrôle inconnu : « {type_name} ».",
                         hint_fr=f"Types possibles : {', '.join(sorted(CHECKS))}.") from None
