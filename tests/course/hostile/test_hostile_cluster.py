"""On the real local control plane: the score of a live exercise is the grader's own reading of the
cluster; the kernel gets no admin credentials and cannot open etcd (TLS with client certificates)."""
from __future__ import annotations

import ast
import json

import nbformat
import pytest

import hostile_notebooks as nbs
from course_helpers import DATA, answer, build_course, insert_after, release_nb, submit
from hostile_helpers import digest, sandbox_uid_processes
from grader.course import autograde, fence

pytestmark = [pytest.mark.cluster, pytest.mark.slow]
T4 = "t4-cluster"
CREATE = 'core.create_namespaced_config_map(NS, {"metadata": {"name": "reponse"}, "data": {"ok": "oui"}})'


def snoop(admin_kubeconfig: str, etcd_port: int) -> str:
    return f"""
import os, ssl, urllib.request
verdicts = {{"KUBECONFIG": os.environ.get("KUBECONFIG")}}
try:
    open({admin_kubeconfig!r}).read()
    verdicts["admin"] = "lu"
except Exception as erreur:
    verdicts["admin"] = type(erreur).__name__
for name, url, context in (("etcd-http", "http://127.0.0.1:{etcd_port}/v3/kv/put", None),
                           ("etcd-tls", "https://127.0.0.1:{etcd_port}/v3/kv/put", ssl._create_unverified_context())):
    try:
        urllib.request.urlopen(url, data=b'{{"key": "Zm9v", "value": "YmFy"}}', timeout=5, context=context)
        verdicts[name] = "ouvert"
    except Exception as erreur:
        verdicts[name] = type(erreur).__name__
print("VERDICTS", repr(verdicts))
"""


@pytest.fixture(scope="module")
def cluster_batch(local_cluster, course_env):
    from grader.cluster import lifecycle

    if not __import__("shutil").which("bwrap"):
        pytest.skip("bubblewrap absent (apt-get install bubblewrap)")
    course = build_course(course_env / "cluster-hostile", DATA / "cluster-notebooks", [T4])
    state = json.loads((local_cluster.data_dir / "local" / "state.json").read_text())
    etcd = state["ports"]["etcd"]
    submit(course, "sage", answer(release_nb(course, T4), {"configmap-reponse": CREATE}), assignment=T4)
    submit(course, "faussaire", insert_after(release_nb(course, T4), "configmap-reponse", nbs.FORGER),
           assignment=T4)
    submit(course, "fouineur", insert_after(answer(release_nb(course, T4), {"configmap-reponse": CREATE}),
                                            "configmap-reponse", snoop(str(local_cluster.kubeconfig), etcd)),
           assignment=T4)
    before = digest(local_cluster.kubeconfig)
    admin = fence.Admin(local_cluster.kubeconfig, local_cluster.context)
    outcomes = autograde.grade(course, T4, options=autograde.Options(
        workers=2, cell_timeout=60, budget=180, admin=admin,
        capabilities=frozenset(k for k, v in lifecycle.get("local").capabilities.items() if v)))
    return course, {o.student: o for o in outcomes}, admin, before, local_cluster


def test_live_scores_are_the_grader_s_reading(cluster_batch):
    _, outcomes, *_ = cluster_batch
    assert {s: o.score for s, o in outcomes.items()} == {"sage": 1, "faussaire": 0, "fouineur": 1}


def test_no_admin_credentials_and_etcd_closed(cluster_batch):
    course, _, _, before, local_cluster = cluster_batch
    nb = nbformat.read(course.step("autograded") / "fouineur" / T4 / f"{T4}.ipynb", as_version=4)
    text = next("".join(o.get("text", "") for o in c.outputs) for c in nb.cells if "VERDICTS" in c.source)
    verdicts = ast.literal_eval(text.split("VERDICTS", 1)[1].strip())
    assert verdicts["KUBECONFIG"] == "/donnees/local/kubeconfig"
    assert verdicts["admin"] in ("FileNotFoundError", "PermissionError")
    assert verdicts["etcd-http"] != "ouvert" and verdicts["etcd-tls"] != "ouvert"
    assert digest(local_cluster.kubeconfig) == before


def test_the_batch_leaves_nothing_behind(cluster_batch):
    _, _, admin, *_ = cluster_batch
    assert fence.leftovers(admin, T4) == []
    assert sandbox_uid_processes() == []
