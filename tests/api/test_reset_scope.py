"""`reset()` deletes only inside the exercise's namespace (the scope `apply()` writes in): never a cluster-scoped
object, never another namespace's object, never the environment's own quota, pull secret or network policies —
whatever the learner's files declare. On the session's real local control plane."""
from __future__ import annotations

import os

import pytest

import grader
from grader import exercises
from grader.kube.client import Kube

LEARNER_FILE = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: mine}
data: {k: v}
---
apiVersion: v1
kind: Namespace
metadata: {name: %(victim)s}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: %(victim)s}
rules: []
---
apiVersion: v1
kind: ConfigMap
metadata: {name: theirs, namespace: %(victim)s}
data: {k: v}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: cpin-quota}
spec: {hard: {limits.cpu: "1"}}
---
apiVersion: v1
kind: Secret
metadata: {name: registry-pull-secret}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec: {podSelector: {}}
"""


@pytest.mark.cluster
def test_reset_cannot_delete_outside_its_exercise(learner, local_cluster, exercise_root):
    exercise_root("perimetre", """
        learnerFiles: [objets.yaml]
        checks:
          - {id: cm, type: object, points: 1, title: "ConfigMap", params: {kind: ConfigMap, name: mine}}
    """)
    admin = Kube(local_cluster.api_client)
    victim = f"victime-{os.environ['CPIN_LEARNER']}"[:63]
    (learner / "objets.yaml").write_text(LEARNER_FILE % {"victim": victim}, encoding="utf-8")
    namespace = exercises.get("perimetre").namespace(os.environ["CPIN_LEARNER"])
    grader.reset("perimetre")                                        # provisions the learner's namespace
    admin.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": victim}})
    admin.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                  "metadata": {"name": victim}, "rules": []})
    admin.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "theirs"}, "data": {"k": "v"}},
                 victim)
    admin.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "mine"}, "data": {"k": "v"}},
                 namespace)
    try:
        done = grader.reset("perimetre")
        assert done.deleted == ("ConfigMap/mine",)
        assert admin.get("ConfigMap", "mine", namespace) is None
        assert admin.get("Namespace", victim) is not None
        assert admin.get("ClusterRole", victim) is not None
        assert admin.get("ConfigMap", "theirs", victim) is not None
        for kind, name in (("ResourceQuota", "cpin-quota"), ("Secret", "registry-pull-secret"),
                           ("NetworkPolicy", "default-deny")):
            assert admin.get(kind, name, namespace) is not None, (kind, name)
    finally:
        admin.delete("ClusterRole", victim, None)
        admin.delete("Namespace", victim, None)
