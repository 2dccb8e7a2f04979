"""Fixtures shared by every test directory.

`local_cluster` (session): the kit's local control plane (etcd, kube-apiserver, controller-manager,
scheduler, kwok with 2 simulated nodes, the platform's policies installed), started once per test
session in a tmp CPIN_DATA and torn down at the end. Use it instead of starting your own:

    def test_something(local_cluster, monkeypatch):
        kube = Kube(local_cluster.api_client)                       # explicit client
        monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir)) # for code that calls the guard

`requires_tools(*names)` marks a test that needs pinned binaries; `need_tools(*names)` does the same
from inside a fixture. A missing binary skips the test on a workstation, but *fails* it when
CI=true: CI builds the tools, so a skip there would hide a broken build.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

CONTROL_PLANE_TOOLS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
IN_CI = os.environ.get("CI") == "true"


def pytest_configure(config):
    config.addinivalue_line("markers", "requires_tools(*names): needs these pinned binaries "
                                       "(skipped if absent, failed if absent in CI)")


def missing_tools(*names: str) -> list[str]:
    from grader import tools

    return [name for name in names if tools.locate(name)[0] is None]


def need_tools(*names: str) -> None:
    """Skip (workstation) or fail (CI=true) the current test when a pinned binary is missing."""
    missing = missing_tools(*names)
    if not missing:
        return
    message = f"missing tools: {', '.join(missing)} (build them with `cpin tools build`)"
    if IN_CI:
        pytest.fail(message + " — CI must build them, refusing to skip", pytrace=False)
    pytest.skip(message)


def requires_tools(*names: str):
    """Decorator form: `@requires_tools("helm")`."""
    return pytest.mark.requires_tools(*names)


@pytest.fixture(scope="session", name="need_tools")
def need_tools_fixture():
    """`need_tools` for fixtures in other directories (conftest modules are not importable)."""
    return need_tools


def pytest_runtest_setup(item):
    for mark in item.iter_markers(name="requires_tools"):
        need_tools(*mark.args)


@dataclass
class LocalCluster:
    """A running local control plane: where it is and an explicit client for it."""
    data_dir: Path          # the CPIN_DATA it lives in (point CPIN_DATA here for guarded code)
    kubeconfig: Path        # standalone kubeconfig written by the kit
    context: str            # "cpin-local"
    api_client: object      # kubernetes.client.ApiClient, ready, bound to that file and context
    seconds: float          # time `up` took (reported by benchmarks, never asserted)

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that should use this cluster through the kit."""
        return {**os.environ, "CPIN_DATA": str(self.data_dir), "KUBECONFIG": str(self.kubeconfig)}


@pytest.fixture(scope="session")
def local_cluster(tmp_path_factory):
    need_tools(*CONTROL_PLANE_TOOLS)
    from grader.cluster import kubeconfig as kc
    from grader.cluster import lifecycle

    data_dir = tmp_path_factory.mktemp("cpin-cluster")
    try:
        result = lifecycle.up("local", data_dir=data_dir)
    except BaseException:
        lifecycle.down("local", data_dir=data_dir)     # never leave processes behind
        raise
    backend = result.backend
    api = kc.api_client(backend.kubeconfig(), backend.context)
    try:
        yield LocalCluster(data_dir, backend.kubeconfig(), backend.context, api, result.seconds)
    finally:
        api.close()
        from grader import services
        services.down(data_dir=data_dir)                # services a test or notebook started on this cluster
        lifecycle.down("local", data_dir=data_dir)
