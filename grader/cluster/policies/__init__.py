"""The platform's cluster policies as ValidatingAdmissionPolicy objects (CEL, French messages).

Each `<name>.yaml` holds one policy, labelled with the linter rule it stands for (`cpin.dev/rule-id`).
`load` adds its two bindings from the one severity table (`grader/rules/severity.py`): `Warn`+`Audit` in
namespaces labelled `cpin.dev/env-type: dev`; in those labelled `prod`, `Deny` for a rule the platform
enforces (Kyverno Audit → Enforce) and `Warn`+`Audit` again for a rule it only recommends (CCT « I »,
best practices). `install` applies them all; `cluster up` calls it on every backend.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from grader.cluster import scc
from grader.errors import ApiFailure
from grader.platform import ENV_TYPE_LABEL, MANAGED_BY

POLICY_DIR = Path(__file__).parent
ACTIONS = {"dev": ["Warn", "Audit"], "prod": ["Deny"]}           # an enforced rule
ADVICE_ACTIONS = {"dev": ["Warn", "Audit"], "prod": ["Warn", "Audit"]}  # a recommended rule: never refused
PROBE_NAMESPACE = "cpin-system"


@dataclass(frozen=True)
class Policy:
    name: str          # metadata.name of the ValidatingAdmissionPolicy
    ref: str           # row of the rule table (cpin-reference.md §3.2)
    rule_id: str       # the linter rule it stands for: its level in grader/rules/severity.py sets the actions
    file: Path
    objects: tuple[dict, ...]

    @property
    def policy(self) -> dict:
        return self.objects[0]

    @property
    def bindings(self) -> tuple[dict, ...]:
        return self.objects[1:]

    @property
    def actions(self) -> dict[str, list[str]]:
        return actions_for(self.rule_id)

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(v["message"] for v in self.policy["spec"]["validations"])


def actions_for(rule_id: str) -> dict[str, list[str]]:
    """Binding actions per environment type, read from the severity table the linter uses."""
    from grader.rules.severity import enforced
    return ACTIONS if enforced(rule_id) else ADVICE_ACTIONS


def _binding(name: str, env_type: str, actions: list[str]) -> dict:
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": f"{name}-{env_type}", "labels": dict(MANAGED_BY)},
            "spec": {"policyName": name, "validationActions": list(actions),
                     "matchResources": {"namespaceSelector": {"matchLabels": {ENV_TYPE_LABEL: env_type}}}}}


def load() -> list[Policy]:
    """Every policy of this folder, sorted by file name, with its bindings."""
    policies = []
    for file in sorted(POLICY_DIR.glob("*.yaml")):
        vap = next(d for d in yaml.safe_load_all(file.read_text()) if d)
        name, labels = vap["metadata"]["name"], vap["metadata"]["labels"]
        rule_id = labels["cpin.dev/rule-id"]
        bindings = tuple(_binding(name, env_type, actions) for env_type, actions in actions_for(rule_id).items())
        policies.append(Policy(name, labels["cpin.dev/rule-ref"], rule_id, file, (vap, *bindings)))
    return policies


def get(name: str) -> Policy:
    for policy in load():
        if policy.name == name or policy.file.stem == name:
            return policy
    raise KeyError(name)


def install(api_client, *, wait: float = 15.0) -> list[str]:
    """Apply every policy and binding; with `wait`, return once the API server enforces them."""
    from grader.kube.client import Kube

    kube = Kube(api_client)
    names = []
    try:
        for policy in load():
            for obj in policy.objects:
                kube.apply(obj, None)
            names.append(policy.name)
        for obj in scc.objects():
            kube.apply(obj, None)
    except ApiFailure as error:
        raise ApiFailure(f"Installation des politiques de la plateforme impossible : {error.message_fr}",
                         status=error.status,
                         hint_fr="Il faut les droits cluster-admin pour installer des "
                                 "ValidatingAdmissionPolicy.") from error
    if wait:
        wait_enforced(kube, timeout=wait)
    return names


def wait_enforced(kube, *, timeout: float = 15.0) -> None:
    """Block until a known-bad object is denied in a prod-type namespace (the policies are live)."""
    kube.apply({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": PROBE_NAMESPACE,
                             "labels": {ENV_TYPE_LABEL: "prod", **MANAGED_BY}}}, None)
    probe = {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "cpin-policy-probe", "namespace": PROBE_NAMESPACE},
             "data": {"password": "sonde"}}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            kube.apply(probe, PROBE_NAMESPACE, dry_run=True)
        except ApiFailure as error:
            if error.status in (403, 422):
                return
            raise
        time.sleep(0.2)
    raise ApiFailure(f"Les politiques installées ne sont pas appliquées après {timeout:.0f} s.",
                     hint_fr="Vérifiez que l'API server active ValidatingAdmissionPolicy (Kubernetes ≥ 1.30).")
