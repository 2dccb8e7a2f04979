"""`namespaceLabels`: validated in French, merged over the exercises that share a namespace, applied when the
learner's namespace is created or reset — and enforced by the API server's real PodSecurity admission."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

import grader
from grader import exercises
from grader.cluster.envs import provision
from grader.kube.client import Kube
from grader.errors import InputError
from grader.results import Status

HEAD = """\
apiVersion: cpin.dev/v1
kind: Exercise
id: {ident}
module: {module}
title: "Exercice {ident}"
skill: openshift
points: 2
"""
CHECKS = """\
checks:
  - {id: a, type: object, points: 1, title: "A", params: {kind: ConfigMap, name: x}}
"""
RESTRICTED = {"pod-security.kubernetes.io/enforce": "restricted"}


def write(root: Path, ident: str, body: str = "", module: str = "mod") -> Path:
    path = root / module / ident / "exercise.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEAD.format(ident=ident, module=module) + textwrap.dedent(body) + CHECKS, encoding="utf-8")
    return path


# ---------------------------------------------------------------- validation (pure)

def test_valid_labels_load():
    assert exercises.label_problems({**RESTRICTED, "pod-security.kubernetes.io/warn-version": "v1.36",
                                     "cpin.dev/env-type": "prod", "cpin.dev/theme": "securite"}) == []


@pytest.mark.parametrize("labels, expected", [
    ({"pod-security.kubernetes.io/enforce": "strict"}, "niveau « strict » inconnu"),
    ({"pod-security.kubernetes.io/enforce-version": "1.36"}, "version « 1.36 » invalide"),
    ({"pod-security.kubernetes.io/block": "restricted"}, "clé Pod Security inconnue"),
    ({"app.kubernetes.io/name": "x"}, "clé non permise"),
    ({"team": "x"}, "clé non permise"),
    ({"cpin.dev/project": "autre"}, "clé non permise"),
    ({"cpin.dev/env-type": "preprod"}, "n'est pas un type d'environnement"),
    ({"cpin.dev/a b": "x"}, "pas une clé d'étiquette Kubernetes valide"),
    ({"cpin.dev/x": "pas valide!"}, "pas une valeur d'étiquette valide"),
    ({"cpin.dev/x": "a" * 64}, "pas une valeur d'étiquette valide"),
])
def test_bad_labels_get_a_french_problem_naming_the_key(labels, expected):
    [problem] = exercises.label_problems(labels)
    assert expected in problem and f"namespaceLabels.{next(iter(labels))}" in problem


def test_load_file_rejects_bad_labels_and_non_string_values(tmp_path):
    path = write(tmp_path, "ex-un", "namespaceLabels: {pod-security.kubernetes.io/enforce: total}\n")
    with pytest.raises(InputError, match="niveau « total » inconnu") as caught:
        exercises.load_file(path)
    assert str(path) in caught.value.message_fr
    path.write_text(path.read_text().replace("total", "1.5"))
    with pytest.raises(InputError, match="namespaceLabels.pod-security.kubernetes.io/enforce"):
        exercises.load_file(path)


def test_labels_of_a_shared_namespace_merge_and_a_conflict_is_a_french_error(tmp_path):
    write(tmp_path, "ex-un", "namespaceLabels: {pod-security.kubernetes.io/enforce: restricted}\n")
    write(tmp_path, "ex-deux", "namespaceLabels: {pod-security.kubernetes.io/warn: restricted}\n")
    write(tmp_path, "ex-trois", "namespace: \"cpin-{learner}-{module}-psa\"\n"
                                "namespaceLabels: {pod-security.kubernetes.io/enforce: baseline}\n")
    write(tmp_path, "ailleurs", "namespaceLabels: {pod-security.kubernetes.io/enforce: privileged}\n", module="autre")
    assert len(exercises.all_exercises(tmp_path)) == 4       # own namespaces: no conflict
    assert exercises.namespace_labels("cpin-alice-mod", tmp_path) == {
        "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted"}
    assert exercises.namespace_labels("cpin-bob-2-mod-psa", tmp_path) == {
        "pod-security.kubernetes.io/enforce": "baseline"}
    assert exercises.namespace_labels("cpin-alice-autre", tmp_path) == {
        "pod-security.kubernetes.io/enforce": "privileged"}
    assert exercises.namespace_labels("cpin-alice-inconnu", tmp_path) == {}
    assert exercises.namespace_labels("kube-system", tmp_path) == {}
    write(tmp_path, "ex-quatre", "namespaceLabels: {pod-security.kubernetes.io/enforce: baseline}\n")
    with pytest.raises(InputError) as caught:
        exercises.all_exercises(tmp_path)
    message = caught.value.message_fr
    assert "namespaceLabels.pod-security.kubernetes.io/enforce" in message and "« baseline »" in message
    assert "ex-un" in message and "ex-quatre" in message and "restricted" in message
    assert "partage le même espace de noms" in message
    with pytest.raises(InputError, match="partage le même espace de noms"):
        exercises.namespace_labels("cpin-alice-mod", tmp_path)


def test_course_exercises_agree_on_their_namespaces():
    found = exercises.all_exercises()
    restricted = [e for e in found if e.namespace_labels.get("pod-security.kubernetes.io/enforce") == "restricted"]
    assert restricted, "module 04 must have an exercise in a Pod Security « restricted » namespace"
    for exercise in restricted:
        assert exercises.namespace_labels(exercise.namespace("alice")) == exercise.namespace_labels


# ---------------------------------------------------------------- live: applied, then enforced by the API server

BROKEN = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, labels: {app: app, env: dev, tier: backend}}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app, env: dev, tier: backend}}
    spec:
      containers:
        - name: app
          image: localhost:5001/cpin/app:1.0.0
          imagePullPolicy: IfNotPresent
          resources: {requests: {cpu: 10m, memory: 8Mi}, limits: {cpu: 10m, memory: 8Mi}}
"""
FIXED = BROKEN.replace("""    spec:
      containers:""", """    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:""") + """\
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
"""


@pytest.fixture()
def restricted_exercise(exercise_root):
    return exercise_root("psa", """
        namespace: "cpin-{learner}-{module}-psa"
        namespaceLabels:
          pod-security.kubernetes.io/enforce: restricted
          pod-security.kubernetes.io/enforce-version: latest
        learnerFiles: [app.yaml]
        checks:
          - {id: admis, type: rollout, points: 1, title: "Admis", timeout: 60, params: {kind: Deployment, name: app}}
    """)


def test_namespace_gets_the_labels_and_pod_security_rejects_then_admits(learner, local_cluster, restricted_exercise):
    (learner / "app.yaml").write_text(BROKEN)
    applied = grader.apply("app.yaml", exercise="psa")
    namespace = applied.namespace
    assert namespace.endswith("-tests-psa")
    labels = Kube(local_cluster.api_client).get("Namespace", namespace)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert labels["app.kubernetes.io/managed-by"] == "cpin" and labels["cpin.dev/env-type"] == "dev"  # kept
    # the Deployment is stored, with the server's Pod Security warning in French...
    assert any(w.startswith("Pod Security « restricted:latest » de l'espace de noms refusera les pods")
               and "allowPrivilegeEscalation" in w for w in applied.warnings)
    # ...but the ReplicaSet cannot create a single pod: the rollout fails for good, and says why
    [result] = grader.check("psa").results
    assert result.status is Status.FAILED
    assert "pods refusés par l'admission Pod Security" in result.message and "seccompProfile" in result.message
    assert not result.message.startswith("délai")                # final: no waiting for the 60 s budget
    assert Kube(local_cluster.api_client).list("Pod", namespace) == []
    (learner / "app.yaml").write_text(FIXED)
    applied = grader.apply("app.yaml", exercise="psa")
    assert not any(w.startswith("Pod Security") for w in applied.warnings)
    [result] = grader.check("psa").results                          # right after: old failures do not count
    assert result.status is Status.PASSED, result.message


def test_reset_puts_missing_labels_on_an_existing_namespace(learner, local_cluster, restricted_exercise):
    kube = Kube(local_cluster.api_client)
    namespace = exercises.get("psa").namespace(os.environ["CPIN_LEARNER"])
    provision(kube, namespace)                        # made without them (e.g. before the exercise asked)
    assert "pod-security.kubernetes.io/enforce" not in kube.get("Namespace", namespace)["metadata"]["labels"]
    grader.reset("psa")
    labels = kube.get("Namespace", namespace)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert labels["pod-security.kubernetes.io/enforce-version"] == "latest"
    assert labels["cpin.dev/project"] == "cpin-exercices"     # the kit's own labels are untouched


def test_exercises_without_labels_leave_the_namespace_alone(learner, local_cluster, exercise_root):
    exercise_root("sans", CHECKS)
    namespace = grader.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", exercise="sans").namespace
    labels = Kube(local_cluster.api_client).get("Namespace", namespace)["metadata"]["labels"]
    assert not any(key.startswith("pod-security.kubernetes.io/") for key in labels)


def test_pod_security_refusals_are_classified_and_warnings_rephrased():
    from grader.checks import workloads
    message = ('Error creating: pods "app-1" is forbidden: violates PodSecurity "restricted:latest": '
               'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)')
    assert workloads._classify("FailedCreate", message) == "security"
    assert workloads._classify("FailedCreate", 'pods "x" is forbidden: exceeded quota: q') == "quota"
    from grader.kube import manifests
    warning = manifests._warning_fr('would violate PodSecurity "restricted:latest": runAsNonRoot != true')
    assert warning == ("Pod Security « restricted:latest » de l'espace de noms refusera les pods de cet objet : "
                       "runAsNonRoot != true")


def test_an_account_that_cannot_label_namespaces_gets_a_french_error(local_cluster, exercise_root, monkeypatch):
    """As a fenced grading account (admin of its namespace only): labels must be set by whoever creates it."""
    import copy

    from kubernetes import client

    from grader.errors import ApiFailure
    exercise_root("psa-fence", "namespace: \"cpin-{learner}-{module}-psa\"\n"
                               "namespaceLabels: {pod-security.kubernetes.io/enforce: restricted}\n" + CHECKS)
    admin = Kube(local_cluster.api_client)
    namespace = exercises.get("psa-fence").namespace("fence")
    provision(admin, namespace)
    wanted = exercises.namespace_labels(namespace)
    admin.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "noteur"}}, namespace)
    admin.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "noteur"},
                  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
                  "subjects": [{"kind": "ServiceAccount", "name": "noteur", "namespace": namespace}]}, namespace)
    token = client.CoreV1Api(local_cluster.api_client).create_namespaced_service_account_token(
        "noteur", namespace, {"spec": {"expirationSeconds": 600}}).status.token
    config = copy.copy(local_cluster.api_client.configuration)
    config.api_key = {"authorization": f"Bearer {token}"}
    config.cert_file = config.key_file = None
    fenced = Kube(client.ApiClient(config))
    try:
        with pytest.raises(ApiFailure) as caught:
            provision(fenced, namespace, labels=wanted)
        assert caught.value.status == 403 and "ce compte ne peut pas les poser" in caught.value.message_fr
        assert "pod-security.kubernetes.io/enforce=restricted" in caught.value.message_fr
        provision(admin, namespace, labels=wanted)       # whoever creates the namespace sets them...
        assert provision(fenced, namespace, labels=wanted) == {"pod-security.kubernetes.io/enforce": "restricted"}
    finally:                                             # ...then the fenced account has nothing left to do
        fenced.api_client.close()
        admin.delete("Namespace", namespace, None)
