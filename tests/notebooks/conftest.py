"""Fixtures of the notebook content tests (helpers: notebook_content.py)."""
from __future__ import annotations

import pytest


@pytest.fixture
def learner_env(local_cluster, tmp_path, monkeypatch, request):
    """A learner of this test module on the session's local control plane, working in `tmp_path`."""
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    monkeypatch.setenv("CPIN_LEARNER", f"t{request.module.MODULE[:2]}-{tmp_path.name[-8:].lower()}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


class NotebookRuns:
    """Every notebook's solution run once per session (the "runs clean" test and the score tests read the same
    run); starter runs on demand. Each run is a learner of its own on the session's local control plane."""

    def __init__(self, cluster, root):
        self.cluster, self.root, self._solutions = cluster, root, {}

    def _run(self, path, version: str):
        from notebook_content import run_notebook
        learner = f"nb{path.parent.name[:2]}-{path.stem[:6].lower()}-{version[:3]}"
        env = {"CPIN_DATA": str(self.cluster.data_dir), "KUBECONFIG": str(self.cluster.kubeconfig),
               "CPIN_LEARNER": learner, "PYTHONWARNINGS": "ignore"}
        return run_notebook(path, self.root / learner, version, env)

    def solution(self, path):
        if path not in self._solutions:
            self._solutions[path] = self._run(path, "solution")
        return self._solutions[path]

    def starter(self, path):
        return self._run(path, "starter")


@pytest.fixture(scope="session")
def notebook_runs(local_cluster, tmp_path_factory):
    return NotebookRuns(local_cluster, tmp_path_factory.mktemp("notebooks"))
