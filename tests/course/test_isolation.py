"""Grading on the real local control plane: each submission in its own namespaces, fenced by RBAC.

A hostile submission tries to delete another learner's namespace and a bystander namespace, to list
namespaces, read kube-system secrets, write into another namespace and grant itself cluster-admin:
every call must be refused (403), nothing outside its namespaces may change, and all grading
namespaces are deleted afterwards.
"""
from __future__ import annotations

import ast
import time

import nbformat
import pytest

from course_helpers import DATA, answer, build_course, insert_after, release_nb, submit
from grader.course import autograde, fence

pytestmark = [pytest.mark.cluster, pytest.mark.slow]
T3 = "t3-kube"
CREATE = ('core.create_namespaced_config_map(NS, {"metadata": {"name": "reponse"}, "data": {"ok": "oui"}})')
GOOD_NS = autograde.namespaces_for(autograde.learner_id("sage"), T3)[0]
HOSTILE = f'''
from kubernetes import client as k
from kubernetes.client.exceptions import ApiException
rbac = k.RbacAuthorizationV1Api(core.api_client)
attempts = {{
    "supprimer-victime": lambda: core.delete_namespace("victime"),
    "supprimer-voisin": lambda: core.delete_namespace("{GOOD_NS}"),
    "lister-espaces": lambda: core.list_namespace(),
    "lire-secrets": lambda: core.list_namespaced_secret("kube-system"),
    "ecrire-voisin": lambda: core.create_namespaced_config_map("{GOOD_NS}", {{"metadata": {{"name": "intrus"}}}}),
    "ecrire-victime": lambda: core.delete_namespaced_config_map("precieux", "victime"),
    "devenir-admin": lambda: rbac.create_cluster_role_binding({{"metadata": {{"name": "moi-admin"}},
        "roleRef": {{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}},
        "subjects": [{{"kind": "ServiceAccount", "name": "cpin-grader", "namespace": NS}}]}}),
}}
verdicts = {{}}
for name, call in attempts.items():
    try:
        call()
        verdicts[name] = "réussi"
    except ApiException as error:
        verdicts[name] = error.status
print("VERDICTS", repr(verdicts))
'''


@pytest.fixture(scope="module")
def cluster_course(local_cluster, course_env):
    from kubernetes import client

    course = build_course(course_env / "cluster-course", DATA / "cluster-notebooks")
    core = client.CoreV1Api(local_cluster.api_client)
    core.create_namespace({"metadata": {"name": "victime"}})
    core.create_namespaced_config_map("victime", {"metadata": {"name": "precieux"}, "data": {"a": "b"}})
    yield course
    core.delete_namespace("victime")


def test_submissions_are_fenced_and_cleaned(cluster_course, local_cluster):
    from kubernetes import client

    course = cluster_course
    submit(course, "sage", answer(release_nb(course, T3), {"configmap-reponse": CREATE}), assignment=T3)
    hostile = insert_after(answer(release_nb(course, T3), {"configmap-reponse": CREATE}), "configmap-reponse", HOSTILE)
    submit(course, "pirate", hostile, assignment=T3)
    submit(course, "vide", release_nb(course, T3), assignment=T3)
    admin = fence.Admin(local_cluster.kubeconfig, local_cluster.context)
    outcomes = {o.student: o for o in autograde.grade(
        course, T3, options=autograde.Options(workers=2, cell_timeout=60, budget=180, admin=admin))}

    assert {s: (o.status, o.score) for s, o in outcomes.items()} == {
        "sage": ("ok", 1.0), "pirate": ("ok", 1.0), "vide": ("ok", 0.0)}
    assert outcomes["sage"].namespaces == [GOOD_NS]

    graded = nbformat.read(course.step("autograded") / "pirate" / T3 / f"{T3}.ipynb", 4)
    printed = "".join(o.get("text", "") for c in graded.cells if c.cell_type == "code" for o in c.outputs)
    verdicts = ast.literal_eval(printed.split("VERDICTS", 1)[1].strip().splitlines()[0])
    assert verdicts == {name: 403 for name in verdicts} and len(verdicts) == 7

    core = client.CoreV1Api(local_cluster.api_client)
    assert core.read_namespace("victime").metadata.deletion_timestamp is None
    assert core.read_namespaced_config_map("precieux", "victime").data == {"a": "b"}
    bindings = client.RbacAuthorizationV1Api(local_cluster.api_client).list_cluster_role_binding().items
    assert "moi-admin" not in {b.metadata.name for b in bindings}

    # Cleaned afterwards: every grading namespace is gone or going.
    deadline = time.monotonic() + 60
    while fence.leftovers(admin, T3) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert fence.leftovers(admin, T3) == []
