"""Module 04-openshift's own tests (what all modules share: tests/notebooks/test_content.py).

Live: Pod Security « restricted » in the exercise's namespace; the notebook's solution scores full marks and its
starter zero.
"""
import shutil

import pytest

from grader import exercises as registry
from notebook_content import Module, grade_scores, nbgrader as _nbgrader

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


@pytest.mark.slow
def test_solution_scores_full_marks_and_starter_zero(notebook_runs):
    full = M.full_marks
    assert grade_scores(notebook_runs.solution(M.notebook).nb) == full
    assert grade_scores(notebook_runs.starter(M.notebook).nb) == {key: 0.0 for key in full}
