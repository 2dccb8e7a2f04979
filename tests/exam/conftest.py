"""Fixtures of the exam tests: a private data dir (signing key, active-exam marker) per test."""
from __future__ import annotations

import pytest


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    path = tmp_path / "data"
    monkeypatch.setenv("CPIN_DATA", str(path))
    monkeypatch.setenv("CPIN_LEARNER", "camille")
    return path
