"""Module 07-gitops' own tests: the notebook's solution scores full marks and its starter (nbgrader's release
stub in every answer cell) zero, on the real cluster with the kit's forge and Argo CD."""
from __future__ import annotations

import re
import time

import nbformat
import pytest

from notebook_content import Module, execute, grade_scores, source

MODULE = "07-gitops"
M = Module(MODULE)


def _run(local_cluster, tmp_path, version: str) -> tuple[dict, float]:
    env = {"CPIN_DATA": str(local_cluster.data_dir), "KUBECONFIG": str(local_cluster.kubeconfig),
           "CPIN_LEARNER": f"nb07-{version[:3]}"}
    started = time.monotonic()
    nb = execute(M, tmp_path / version, version, env)
    elapsed = time.monotonic() - started
    nbformat.write(nb, tmp_path / version / "executed.ipynb")        # for reading a failure
    if version == "solution":
        for cell in nb.cells:
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            assert not errors, (source(cell), errors)
    print(f"{MODULE} {version}: {elapsed:.0f} s")
    return grade_scores(nb), elapsed


@pytest.mark.slow
@pytest.mark.requires_tools("argocd", "helm")
def test_solution_scores_full_marks_and_starter_zero(local_cluster, tmp_path):
    points = {e.id: e.points for e in M.exercises}
    assert len(points) >= 3
    solution, _ = _run(local_cluster, tmp_path, "solution")
    assert solution == points, solution
    starter, _ = _run(local_cluster, tmp_path, "starter")
    assert starter == {e: 0.0 for e in points}, starter


def test_notebook_draws_the_path_from_git_to_the_cluster():
    text = "\n".join(source(c) for c in M.cells() if c["cell_type"] == "markdown")
    diagram = re.search(r"```mermaid\n(flowchart .*?)```", text, re.S)
    assert diagram
    for word in ("git push", "Argo CD", "OutOfSync", "SYNC", "selfHeal", "Healthy"):
        assert word in diagram.group(1), word
