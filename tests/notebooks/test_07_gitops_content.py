"""Module 07-gitops' own tests: the notebook's solution scores full marks and its starter (nbgrader's release
stub in every answer cell) zero, on the real cluster with the kit's forge and Argo CD."""
from __future__ import annotations

import re

import pytest

from notebook_content import Module, grade_scores, source

MODULE = "07-gitops"
M = Module(MODULE)


@pytest.mark.slow
@pytest.mark.requires_tools("argocd", "helm")
def test_solution_scores_full_marks_and_starter_zero(notebook_runs):
    points = M.full_marks
    assert len(points) >= 3
    solution = notebook_runs.solution(M.notebook)
    assert grade_scores(solution.nb) == points, solution.errors()
    starter = notebook_runs.starter(M.notebook)
    assert grade_scores(starter.nb) == {e: 0.0 for e in points}
    print(f"{MODULE}: solution {solution.seconds:.0f} s, starter {starter.seconds:.0f} s")


def test_notebook_draws_the_path_from_git_to_the_cluster():
    text = "\n".join(source(c) for c in M.cells() if c["cell_type"] == "markdown")
    diagram = re.search(r"```mermaid\n(flowchart .*?)```", text, re.S)
    assert diagram
    for word in ("git push", "Argo CD", "OutOfSync", "SYNC", "selfHeal", "Healthy"):
        assert word in diagram.group(1), word
