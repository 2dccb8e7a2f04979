"""Environments as the platform console creates them, and the one namespace provisioner.

`provision` makes a namespace like a platform environment: its labels (the `cpin.dev/env-type` label
selects the policy bindings: Warn+Audit in dev, Deny in prod), the ResourceQuota of the course
(4 CPU / 8 Gi of limits), `registry-pull-secret` for the local registry standing in for Harbor,
and the network policies the platform adds (deny by default, allow the same namespace and the
ingress controller); then the extra labels its caller asks for (an exercise's `namespaceLabels`, the
grading fence's labels). The console (`cpin env create`), the notebook API (`apply`, `reset`) and
the grading fence all go through it. Idempotent: server-side apply.
"""
from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass

from grader.cluster import scc
from grader.errors import ApiFailure, InputError
from grader.kube.client import Kube
from grader.platform import (ENV_LABEL, ENV_TYPE_LABEL, ENV_TYPES, EXERCISES_PROJECT, MANAGED_BY,
                             PROJECT_LABEL)

QUOTA = {"limits.cpu": "4", "limits.memory": "8Gi"}
PULL_SECRET = "registry-pull-secret"
REGISTRIES = ("localhost:5001", "kind-registry:5000")
INGRESS_NAMESPACE = "ingress-nginx"
MANAGED = MANAGED_BY
LABELS_MANAGER = "cpin-exercise-labels"  # field manager of the extra labels (e.g. an exercise's `namespaceLabels`)
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


def manifests(namespace: str, env_type: str, *, project: str, env: str,
              registries: tuple[str, ...] = REGISTRIES) -> list[dict]:
    """The objects of one environment in `namespace` (pure: names in, dicts out)."""
    if env_type not in ENV_TYPES:
        raise InputError(f"Type d'environnement inconnu : « {env_type} ».",
                         hint_fr="Choisissez dev ou prod.")
    if not _DNS_LABEL.match(namespace or "") or len(namespace) > 63:
        raise InputError(f"Nom d'espace de noms invalide : « {namespace} ».",
                         hint_fr="Minuscules, chiffres et tirets, 63 caractères au plus.")
    ns = namespace
    labels = {**MANAGED, PROJECT_LABEL: project, ENV_LABEL: env[:63], ENV_TYPE_LABEL: env_type}
    auths = {host: {"username": "cpin", "password": "cpin",
                    "auth": base64.b64encode(b"cpin:cpin").decode()} for host in registries}
    docker_config = base64.b64encode(json.dumps({"auths": auths}).encode()).decode()

    def netpol(name: str, ingress: list) -> dict:
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": name, "namespace": ns, "labels": dict(MANAGED)},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": ingress}}

    return [
        {"apiVersion": "v1", "kind": "Namespace",
         "metadata": {"name": ns, "labels": labels, "annotations": {scc.UID_RANGE_ANNOTATION: scc.uid_range(ns)}}},
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


def managed_objects() -> frozenset[tuple[str, str]]:
    """(kind, name) of the objects `provision` makes inside an environment's namespace (reset never deletes them)."""
    return frozenset((o["kind"], o["metadata"]["name"]) for o in manifests("x", "dev", project="x", env="x")
                     if o["kind"] != "Namespace")


def provision(kube: Kube, namespace: str, *, env_type: str = "dev", project: str = EXERCISES_PROJECT,
              env: str | None = None, labels: dict[str, str] | None = None, label_manager: str = LABELS_MANAGER,
              reconcile: bool = False) -> dict[str, str]:
    """Make `namespace` a platform environment, then give it `labels`; returns those labels.

    The environment's objects are applied when the namespace is absent, or always with `reconcile`
    (the console brings an environment back in line; a learner's namespace is left as it is). The
    extra `labels` are applied before anything else can be created in it, and again whenever one is
    missing (a namespace made before an exercise asked for it), under their own field manager.
    """
    if reconcile or _settled(kube, namespace) is None:
        for obj in manifests(namespace, env_type, project=project, env=env or namespace):
            kube.apply(obj, obj["metadata"].get("namespace"))
    wanted = dict(labels or {})
    if not wanted:
        return wanted
    current = ((kube.get("Namespace", namespace) or {}).get("metadata") or {}).get("labels") or {}
    if any(current.get(key) != value for key, value in wanted.items()):
        try:
            kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": wanted}},
                       None, field_manager=label_manager)
        except ApiFailure as error:
            if error.status != 403:
                raise
            raise ApiFailure(f"L'espace de noms « {namespace} » n'a pas les étiquettes que ses exercices demandent ("
                             + ", ".join(f"{k}={v}" for k, v in wanted.items()) + ") et ce compte ne peut pas les "
                             "poser.", status=403, hint_fr="Celui qui crée l'espace de noms doit les poser : "
                             "grader.cluster.envs.provision.") from error
    return wanted


TERMINATING_WAIT = 120.0     # seconds a namespace being deleted may take before it can be made again


def _settled(kube: Kube, namespace: str) -> dict | None:
    """The namespace, or None once absent; one being deleted (a previous grading, a revoked learner) is waited
    for, since nothing can be created in it until it is gone."""
    deadline = time.monotonic() + TERMINATING_WAIT
    while True:
        found = kube.get("Namespace", namespace)
        if found is None or not (found.get("metadata") or {}).get("deletionTimestamp"):
            return found
        if time.monotonic() > deadline:
            raise ApiFailure(f"L'espace de noms « {namespace} » est encore en cours de suppression après "
                             f"{TERMINATING_WAIT:.0f} s.", status=409,
                             hint_fr="Réessayez dans un instant ; `kubectl get namespace` montre ce qui le retient.")
        time.sleep(0.5)


def create_env(api_client, project: str, env: str, env_type: str) -> Environment:
    """Create (or bring back in line) one environment on the cluster behind `api_client`."""
    ns = namespace_name(project, env)
    provision(Kube(api_client), ns, env_type=env_type, project=project, env=env, reconcile=True)
    return Environment(project, env, env_type, ns)


def delete_env(api_client, project: str, env: str) -> bool:
    """Delete the environment's namespace (everything in it goes with it). False if absent."""
    return Kube(api_client).delete("Namespace", namespace_name(project, env), None)


def list_envs(api_client) -> list[Environment]:
    found = []
    for ns in Kube(api_client).list("Namespace", label_selector=PROJECT_LABEL, record=False):
        labels = ns["metadata"].get("labels", {})
        found.append(Environment(labels.get(PROJECT_LABEL, "?"), labels.get(ENV_LABEL, "?"),
                                 labels.get(ENV_TYPE_LABEL, "?"), ns["metadata"]["name"]))
    return found
