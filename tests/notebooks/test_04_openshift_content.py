"""Module 04-openshift's own tests (what all modules share: tests/notebooks/test_content.py).

Live: Pod Security « restricted » in the exercise's namespace; the notebook's solution scores full marks and its
starter zero.
"""
import shutil

import pytest

from grader import exercises as registry
from notebook_content import Module, nbgrader as _nbgrader

MODULE = "04-openshift"
M = Module(MODULE)


# ---------------------------------------------------------------- live: Pod Security « restricted » (ocp-restricted)


def _by_id(report):
    return {r.check_id: r for r in report.results}


def test_restricted_namespace_rejects_the_starter_and_admits_the_solution(local_cluster, tmp_path, monkeypatch):
    """The API server's real PodSecurity admission, in the namespace the exercise labels `restricted`."""
    import grader
    from grader.kube.client import Kube
    from grader.results import Status
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    monkeypatch.setenv("CPIN_LEARNER", "psa-04")
    monkeypatch.chdir(tmp_path)
    exercise = registry.get("ocp-restricted")
    assert exercise.namespace_labels["pod-security.kubernetes.io/enforce"] == "restricted"
    grader.reset("ocp-restricted")
    labels = Kube(local_cluster.api_client).get("Namespace", exercise.namespace("psa-04"))["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    (tmp_path / "ocp-restricted").mkdir()
    target = tmp_path / "ocp-restricted" / "deployment.yaml"
    shutil.copy(exercise.directory / "starter" / "deployment.yaml", target)
    applied = grader.apply("ocp-restricted/deployment.yaml", exercise="ocp-restricted")
    assert any(w.startswith("Pod Security « restricted:latest »") for w in applied.warnings)
    results = _by_id(grader.check("ocp-restricted"))
    assert results["admission"].status is Status.FAILED
    assert "pods refusés par l'admission Pod Security" in results["admission"].message
    assert grader.grade("ocp-restricted") == 0.0
    shutil.copy(exercise.directory / "solution" / "deployment.yaml", target)
    grader.apply("ocp-restricted/deployment.yaml", exercise="ocp-restricted")
    report = grader.check("ocp-restricted")
    assert report.points == report.max_points, repr(report)
    assert grader.grade("ocp-restricted") == exercise.points


def _execute(version: str, local_cluster, tmp_path, monkeypatch) -> dict[str, float]:
    """Execute the notebook's solution (source) or starter (release: solutions stripped by nbgrader's
    ClearSolutions) with nbclient against the local control plane; the points of each test cell."""
    import nbformat
    from nbclient import NotebookClient
    work = tmp_path / version
    shutil.copytree(M.notebook.parent, work)
    nb = nbformat.read(work / M.notebook.name, as_version=4)
    if version == "starter":
        from nbgrader.preprocessors import ClearSolutions
        from notebook_content import STUB
        nb, _ = ClearSolutions(code_stub={"python": STUB.rstrip("\n")}).preprocess(nb, {})
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    monkeypatch.setenv("KUBECONFIG", str(local_cluster.kubeconfig))
    monkeypatch.setenv("CPIN_LEARNER", f"nb04-{version[:3]}")
    NotebookClient(nb, timeout=600, allow_errors=True, resources={"metadata": {"path": str(work)}}).execute()
    points = {}
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if meta.get("grade"):
            [result] = [o for o in cell.outputs if o.output_type == "execute_result"]
            points[meta["grade_id"]] = float(result.data["text/plain"])
    return points


@pytest.mark.slow
def test_solution_scores_full_marks_and_starter_zero(local_cluster, tmp_path, monkeypatch):
    full = {f"test_{e.id}": e.points for e in M.exercises}
    assert _execute("solution", local_cluster, tmp_path, monkeypatch) == full
    assert _execute("starter", local_cluster, tmp_path, monkeypatch) == {key: 0.0 for key in full}
