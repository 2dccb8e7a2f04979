"""Rules tests: fixtures live in data/<rule ID>/{ok,ko}/; every test runs with its own CPIN_DATA."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _tmp_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "cpin-data"))
