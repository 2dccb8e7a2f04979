"""Environments as the platform console creates them: one namespace per (project, environment).

`create_env` makes the namespace `<project>-<env>` with its labels (the `cpin.dev/env-type` label
selects the policy bindings: Warn+Audit in dev, Deny in prod), the ResourceQuota of the course
(4 CPU / 8 Gi of limits), `registry-pull-secret` for the local registry standing in for Harbor,
and the network policies the platform adds (deny by default, allow the same namespace and the
ingress controller). Idempotent: server-side apply.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass

from grader.cluster.policies import ENV_TYPE_LABEL
from grader.errors import InputError
from grader.kube.client import Kube

ENV_TYPES = ("dev", "prod")
QUOTA = {"limits.cpu": "4", "limits.memory": "8Gi"}
PULL_SECRET = "registry-pull-secret"
REGISTRIES = ("localhost:5001", "kind-registry:5000")
INGRESS_NAMESPACE = "ingress-nginx"
MANAGED = {"app.kubernetes.io/managed-by": "cpin"}
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class Environment:
    project: str
    env: str
    env_type: str
    namespace: str


def namespace_name(project: str, env: str) -> str:
    """`<project>-<env>`, checked like the console checks names (French error otherwise)."""
    for what, value in (("projet", project), ("environnement", env)):
        if not _DNS_LABEL.match(value or ""):
            raise InputError(f"Nom de {what} invalide : « {value} ».",
                             hint_fr="Minuscules, chiffres et tirets, sans tiret au début ni à la fin.")
    name = f"{project}-{env}"
    if len(name) > 63:
        raise InputError(f"Nom d'espace de noms trop long ({len(name)} caractères) : « {name} ».",
                         hint_fr="Kubernetes limite un namespace à 63 caractères : raccourcissez le projet.")
    return name


def manifests(project: str, env: str, env_type: str, *, registries: tuple[str, ...] = REGISTRIES) -> list[dict]:
    """The objects of one environment (pure: names in, dicts out)."""
    if env_type not in ENV_TYPES:
        raise InputError(f"Type d'environnement inconnu : « {env_type} ».",
                         hint_fr="Choisissez dev ou prod.")
    ns = namespace_name(project, env)
    labels = {**MANAGED, "cpin.dev/project": project, "cpin.dev/env": env, ENV_TYPE_LABEL: env_type}
    auths = {host: {"username": "cpin", "password": "cpin",
                    "auth": base64.b64encode(b"cpin:cpin").decode()} for host in registries}
    docker_config = base64.b64encode(json.dumps({"auths": auths}).encode()).decode()

    def netpol(name: str, ingress: list) -> dict:
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": name, "namespace": ns, "labels": dict(MANAGED)},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": ingress}}

    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels}},
        {"apiVersion": "v1", "kind": "ResourceQuota",
         "metadata": {"name": "cpin-quota", "namespace": ns, "labels": dict(MANAGED)},
         "spec": {"hard": dict(QUOTA)}},
        {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
         "metadata": {"name": PULL_SECRET, "namespace": ns, "labels": dict(MANAGED)},
         "data": {".dockerconfigjson": docker_config}},
        netpol("default-deny", []),
        netpol("allow-same-namespace", [{"from": [{"podSelector": {}}]}]),
        netpol("allow-from-ingress", [{"from": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": INGRESS_NAMESPACE}}}]}]),
    ]


def create_env(api_client, project: str, env: str, env_type: str) -> Environment:
    """Create (or bring back in line) one environment on the cluster behind `api_client`."""
    objs = manifests(project, env, env_type)
    kube = Kube(api_client)
    ns = objs[0]["metadata"]["name"]
    for obj in objs:
        kube.apply(obj, obj["metadata"].get("namespace"))
    return Environment(project, env, env_type, ns)


def delete_env(api_client, project: str, env: str) -> bool:
    """Delete the environment's namespace (everything in it goes with it). False if absent."""
    return Kube(api_client).delete("Namespace", namespace_name(project, env), None)


def list_envs(api_client) -> list[Environment]:
    found = []
    for ns in Kube(api_client).list("Namespace", label_selector="cpin.dev/project", record=False):
        labels = ns["metadata"].get("labels", {})
        found.append(Environment(labels.get("cpin.dev/project", "?"), labels.get("cpin.dev/env", "?"),
                                 labels.get(ENV_TYPE_LABEL, "?"), ns["metadata"]["name"]))
    return found


def ensure_namespace(kube: Kube, namespace: str, env_type: str = "dev") -> None:
    """Create the learner's namespace if absent, provisioned like a platform environment
    (labels selecting the policy bindings, quota, pull secret, network policies)."""
    if kube.get("Namespace", namespace) is not None:
        return
    objects = manifests("cpin", "exercice", env_type)
    placeholder = objects[0]["metadata"]["name"]
    for obj in objects:
        obj = json.loads(json.dumps(obj).replace(f'"{placeholder}"', json.dumps(namespace)))
        labels = obj["metadata"].get("labels") or {}
        if obj["kind"] == "Namespace":
            labels.update({"cpin.dev/project": "cpin-exercices", "cpin.dev/env": namespace})
        kube.apply(obj, obj["metadata"].get("namespace"))
