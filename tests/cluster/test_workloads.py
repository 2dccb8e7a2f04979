"""Workloads behave on the local control plane like on a real cluster (real controllers, kwok nodes)."""
from __future__ import annotations

import uuid

import pytest

from grader.errors import ApiFailure

pytestmark = pytest.mark.cluster

RESOURCES = {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}
LABELS = {"env": "dev", "tier": "backend"}


def container(**extra) -> dict:
    return {"name": "app", "image": "docker.io/nginxinc/nginx-unprivileged:1.27", "ports": [{"containerPort": 8080}],
            "resources": RESOURCES, "readinessProbe": {"tcpSocket": {"port": 8080}},
            "livenessProbe": {"tcpSocket": {"port": 8080}}, **extra}


def test_nodes_are_ready_with_room_for_a_whole_course(kube):
    nodes = kube.list("Node", api_version="v1", record=False)
    assert len(nodes) >= 2
    for node in nodes:
        assert node["status"]["allocatable"]["cpu"] == "32"
        assert node["status"]["allocatable"]["memory"] == "128Gi"
        ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}
        assert ready["Ready"] == "True"


def test_deployment_becomes_available_and_service_gets_endpoints(kube, envs_dev_prod, wait_for):
    ns = envs_dev_prod[0]
    kube.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "shop"},
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "shop"}},
                         "template": {"metadata": {"labels": {"app": "shop", **LABELS}},
                                      "spec": {"containers": [container()]}}}}, ns)
    kube.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "shop"},
                "spec": {"selector": {"app": "shop"}, "ports": [{"port": 80, "targetPort": 8080}]}}, ns)

    def available():
        dep = kube.get("Deployment", "shop", ns)
        conditions = {c["type"]: c["status"] for c in dep.get("status", {}).get("conditions", [])}
        return conditions.get("Available") == "True" and dep["status"].get("readyReplicas") == 2

    wait_for(available, what="Deployment shop Available with 2 ready replicas")
    pods = kube.list("Pod", ns, label_selector="app=shop", record=False)
    assert {p["status"]["phase"] for p in pods} == {"Running"}
    assert len({p["spec"]["nodeName"] for p in pods}) >= 1

    def endpoints():
        slices = kube.list("EndpointSlice", ns, label_selector="kubernetes.io/service-name=shop", record=False)
        return sorted(a for s in slices for e in s.get("endpoints") or [] for a in e["addresses"]
                      if e.get("conditions", {}).get("ready"))

    addresses = wait_for(lambda: len(endpoints()) == 2 and endpoints(), what="2 ready endpoints")
    assert sorted(p["status"]["podIP"] for p in pods) == addresses


def test_service_with_wrong_selector_has_no_endpoints(kube, envs_dev_prod, wait_for):
    ns = envs_dev_prod[0]
    kube.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "orphan"},
                "spec": {"selector": {"app": "nobody"}, "ports": [{"port": 80}]}}, ns)
    slices = wait_for(lambda: kube.list("EndpointSlice", ns, label_selector="kubernetes.io/service-name=orphan",
                                        record=False), what="the EndpointSlice of orphan")
    assert all(not s.get("endpoints") for s in slices)


def test_job_completes(kube, envs_dev_prod, wait_for):
    ns = envs_dev_prod[1]          # prod: the Job passes every policy
    kube.apply({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
                "spec": {"template": {"metadata": {"labels": {"app": "migrate", **LABELS}},
                                      "spec": {"restartPolicy": "Never", "containers": [{
                                          "name": "migrate", "image": "docker.io/library/busybox:1.36",
                                          "command": ["true"], "resources": RESOURCES}]}}}}, ns)

    def complete():
        job = kube.get("Job", "migrate", ns)
        return any(c["type"] == "Complete" and c["status"] == "True"
                   for c in job.get("status", {}).get("conditions", []))

    wait_for(complete, what="Job migrate Complete")
    assert kube.get("Job", "migrate", ns)["status"]["succeeded"] == 1


def test_quota_rejects_an_oversized_pod(kube, envs_dev_prod):
    ns = envs_dev_prod[0]
    big = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "5", "memory": "1Gi"}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "too-big", "labels": {"app": "too-big", **LABELS}},
           "spec": {"containers": [container(resources=big)]}}
    with pytest.raises(ApiFailure) as refused:
        kube.apply(pod, ns)
    assert refused.value.status == 403
    assert "exceeded quota" in refused.value.message_fr
    assert kube.get("Pod", "too-big", ns) is None


def test_quota_requires_limits(kube, envs_dev_prod):
    ns = envs_dev_prod[0]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "no-limits", "labels": {"app": "x", **LABELS}},
           "spec": {"containers": [{"name": "app", "image": "docker.io/library/busybox:1.36"}]}}
    with pytest.raises(ApiFailure) as refused:
        kube.apply(pod, ns)
    assert refused.value.status == 403 and "must specify limits" in refused.value.message_fr


def _access(kube, user: str, verb: str, resource: str, namespace: str, groups=()) -> bool:
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
              "spec": {"user": user, "groups": list(groups),
                       "resourceAttributes": {"verb": verb, "resource": resource, "namespace": namespace}}}
    return kube.create(review)["status"]["allowed"]


def test_rbac_denies_what_it_should(kube, envs_dev_prod):
    dev, prod = envs_dev_prod
    learner = f"apprenant-{uuid.uuid4().hex[:4]}"
    kube.apply({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": learner},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": learner}]}, dev)
    assert _access(kube, learner, "list", "pods", dev)
    assert not _access(kube, learner, "create", "deployments", dev)     # view is read-only
    assert not _access(kube, learner, "get", "secrets", dev)            # view hides secrets
    assert not _access(kube, learner, "list", "pods", prod)             # other namespace
    sa = f"system:serviceaccount:{dev}:default"
    assert not _access(kube, sa, "list", "pods", dev, groups=["system:serviceaccounts"])


def test_impersonated_learner_is_forbidden_for_real(local_cluster, envs_dev_prod):
    """The API server itself refuses (not only the review): a request made as the learner."""
    from grader.kube.client import Kube
    from grader.cluster import kubeconfig as kc

    dev, prod = envs_dev_prod
    with kc.api_client(local_cluster.kubeconfig, local_cluster.context) as api:
        api.default_headers["Impersonate-User"] = "apprenant-sans-droits"
        learner = Kube(api)
        with pytest.raises(ApiFailure) as refused:
            learner.list("Pod", prod, record=False)
        assert refused.value.status == 403


def test_scaling_down_removes_pods(kube, envs_dev_prod, wait_for):
    ns = envs_dev_prod[0]
    kube.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "scaled"},
                "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "scaled"}},
                         "template": {"metadata": {"labels": {"app": "scaled", **LABELS}},
                                      "spec": {"containers": [container()]}}}}, ns)

    def running(count):
        pods = kube.list("Pod", ns, label_selector="app=scaled", record=False)
        return len(pods) == count and all(p["status"].get("phase") == "Running" for p in pods)

    wait_for(lambda: running(3), what="3 running pods")
    kube.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "scaled"},
                "spec": {"replicas": 1}}, ns, field_manager="scaler")
    wait_for(lambda: running(1), what="scale down to 1 pod (deleted pods really go away)")
