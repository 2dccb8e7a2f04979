"""Module 07-gitops' own tests: the notebook's solution scores full marks and its starter (nbgrader's release
stub in every answer cell) zero, on the real cluster with the kit's forge and Argo CD."""
from __future__ import annotations

import os
import re
import shutil
import time

import nbformat
import pytest
from nbclient import NotebookClient

from notebook_content import STUB, Module, nbgrader, source

MODULE = "07-gitops"
M = Module(MODULE)


def _starter(nb):
    """What nbgrader's release writes: each solution region replaced by the kit's French stub."""
    for cell in nb.cells:
        if nbgrader(cell).get("solution"):
            cell.source = re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION", STUB.rstrip("\n"), source(cell),
                                 flags=re.S)
    return nb


def _run(local_cluster, tmp_path, version: str) -> tuple[dict, float]:
    work = tmp_path / version
    shutil.copytree(M.notebook.parent, work)
    nb = nbformat.read(work / M.notebook.name, as_version=4)
    if version == "starter":
        _starter(nb)
    env_patch = {"CPIN_DATA": str(local_cluster.data_dir), "KUBECONFIG": str(local_cluster.kubeconfig),
                 "CPIN_LEARNER": f"nb07-{version[:3]}"}
    saved = {k: os.environ.get(k) for k in env_patch}
    os.environ.update(env_patch)
    started = time.monotonic()
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(work)}}).execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    elapsed = time.monotonic() - started
    nbformat.write(nb, work / "executed.ipynb")        # for reading a failure
    scores = {}
    for cell in nb.cells:
        if nbgrader(cell).get("grade"):
            values = [o["data"]["text/plain"] for o in cell.outputs if o.get("output_type") == "execute_result"]
            scores[cell.metadata["cpin"]["exercise"]] = float(values[0]) if values else None
        if version == "solution":
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            assert not errors, (source(cell), errors)
    print(f"{MODULE} {version}: {elapsed:.0f} s")
    return scores, elapsed


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
