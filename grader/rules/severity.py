"""The one severity table: how strongly the platform holds each rule (cpin-reference.md §3.2).

Read by the linter (`engine.severity`), the kit's admission policies (`grader.cluster.policies`
derives each binding's actions from it), the rule catalogue (`cpin rules`) and the recap tables of
the modules (a test compares them). A rule module never states its own level.

Levels (`model.LEVELS` gives the severity per environment type):
- `audit`: a Kyverno policy of the platform, Audit in dev/preprod, Enforce (refused) in prod;
- `enforce`: refused or broken everywhere (the API server, the quota, the CI chain, or the app does not run
  under the platform's constraints: random UID, ports > 1024);
- `advice`: good practice the platform recommends (CCT « I », best practices) and does not block;
- `info`: informational (mutating policies, hints); `tool`: the external tool's own level (hadolint).
"""
from __future__ import annotations

SEVERITY: dict[str, str] = {
    "disallow-hostpath": "audit",
    "require-probes": "audit",
    "require-resources": "audit",
    "disallow-latest-tag": "audit",
    "restrict-image-registries": "audit",
    "require-labels": "audit",
    "restrict-nodeport": "audit",
    "limit-pvc-size": "audit",
    "cm-no-credentials": "audit",
    "input-unusable": "enforce",
    "k8s-schema": "enforce",
    "dockerfile-user-non-root": "enforce",
    "dockerfile-port-above-1024": "enforce",
    "dockerfile-base-tag": "enforce",
    "dockerfile-no-secret-env": "enforce",
    "container-port-above-1024": "enforce",
    "quota-fits-limits": "enforce",
    "harbor-pull-secret": "enforce",
    "name-length": "enforce",
    "no-plain-secret": "enforce",
    "sops-secret-encrypted": "enforce",
    "vault-static-secret-config": "enforce",
    "no-literal-secret-env": "enforce",
    "helm-values-no-clear-secret": "enforce",
    "cm-no-clear-secret": "enforce",
    "ci-read-secret-first": "enforce",
    "ci-kaniko-build": "enforce",
    "ci-no-docker-push": "enforce",
    "ci-no-clear-secret": "enforce",
    "dockerfile-arbitrary-uid": "advice",
    "dockerfile-no-write-at-start": "advice",
    "dockerfile-no-runtime-install": "advice",
    "dockerfile-no-sshd": "advice",
    "dockerfile-logs-stdout": "advice",
    "dockerfile-small-final-image": "advice",
    "dockerfile-no-tls-bypass": "advice",
    "dockerfile-entrypoint-no-self-modify": "advice",
    "pod-no-fixed-ids": "advice",
    "container-no-privilege-escalation": "advice",
    "container-no-added-capabilities": "advice",
    "probes-liveness-and-readiness": "advice",
    "qos-guaranteed-critical": "advice",
    "qos-not-best-effort": "advice",
    "container-logs-stdout": "advice",
    "image-pull-policy": "advice",
    "image-known-publisher": "advice",
    "label-values": "advice",
    "no-session-affinity": "advice",
    "stateless-no-pvc": "advice",
    "admin-tasks-in-jobs": "advice",
    "network-policy-selects-pods": "advice",
    "ingress-tls": "advice",
    "helm-values-traceable-tag": "advice",
    "ci-file-name": "advice",
    "ci-traceable-tag": "advice",
    "ci-quality-jobs": "advice",
    "ci-known-dependency-sources": "advice",
    "input-empty": "info",
    "k8s-unknown-kind": "info",
    "recommended-labels": "info",
    "config-from-env": "info",
    "job-history-ttl": "info",
    "probe-health-path": "info",
    "hpa-recommended": "info",
    "ci-coverage-report": "info",
    "hadolint": "tool",
}

# French words for learners: what the level means, and the linter's severity word per environment type.
STATUS_FR = {"audit": "imposée (Kyverno)", "enforce": "imposée partout", "advice": "conseil",
             "info": "information", "tool": "outil externe"}
SEVERITY_FR = {"error": "erreur", "warning": "avertissement", "info": "information"}


def level(rule_id: str) -> str:
    """The level of a rule ID; a rule missing from the table is a bug of the kit, named in French."""
    try:
        return SEVERITY[rule_id]
    except KeyError:
        from grader.errors import CpinError
        raise CpinError(f"La règle {rule_id!r} n'a pas de niveau dans grader/rules/severity.py.") from None


def enforced(rule_id: str) -> bool:
    """Refused somewhere (prod at least): the admission policies deny it in prod-type namespaces."""
    return level(rule_id) in ("audit", "enforce")


def words(rule_id: str) -> dict[str, str]:
    """What a learner reads about a rule: its status and its severity in dev and in prod."""
    from grader.rules.model import LEVELS
    lvl = level(rule_id)
    per_env = LEVELS.get(lvl) or {"dev": "warning", "prod": "warning"}
    return {"status": STATUS_FR[lvl], "dev": SEVERITY_FR[per_env["dev"]], "prod": SEVERITY_FR[per_env["prod"]]}
