"""`connect()` (every check, apply, reset) reuses one ApiClient per kubeconfig file and context, behind the guard."""
from __future__ import annotations

import shutil

import pytest

from grader.cluster import lifecycle
from grader.errors import BackendUnavailable, ContextRefused

pytestmark = [pytest.mark.cluster]


def test_checks_reuse_the_client_until_the_file_changes(local_cluster, monkeypatch, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(local_cluster.data_dir, data, ignore=shutil.ignore_patterns("etcd", "*.log", "*.pid"))
    monkeypatch.setenv("CPIN_DATA", str(data))
    first, _ = lifecycle.connect()
    second, _ = lifecycle.connect()
    assert first.api_client is second.api_client and first is not second       # evidence stays per call
    assert second.request("GET", "/version").data["gitVersion"].startswith("v1.")
    kubeconfig = data / "local" / "kubeconfig"
    kubeconfig.write_text(kubeconfig.read_text() + "\n")                      # a rewritten file: a new client
    third, _ = lifecycle.connect()
    assert third.api_client is not first.api_client
    assert third.request("GET", "/version").status == 200
    kubeconfig.write_text(kubeconfig.read_text().replace("certificate-authority-data: ",
                                                         "certificate-authority-data: x", 1))
    with pytest.raises((ContextRefused, BackendUnavailable)):   # no longer the kit's CA: refused, cache or not
        lifecycle.connect()
