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
