"""Fixtures of the cluster tests: a guarded `Kube`, dev/prod environments, a decoy API server, a cluster with
the real node."""
from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def wait_for(predicate, *, timeout: float = 30.0, what: str = "condition"):
    """Poll `predicate` until it returns a truthy value (returned); fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:g}s waiting for {what} (last value: {last!r})")


@pytest.fixture(scope="session", name="wait_for")
def wait_for_fixture():
    return wait_for


@pytest.fixture(scope="session")
def kube(local_cluster):
    from grader.kube.client import Kube

    return Kube(local_cluster.api_client)


@pytest.fixture(scope="session")
def envs_dev_prod(local_cluster):
    """Two environments of one project made by `create_env`: (dev namespace, prod namespace)."""
    from grader.cluster.envs import create_env

    project = "t" + uuid.uuid4().hex[:6]
    dev = create_env(local_cluster.api_client, project, "dev", "dev")
    prod = create_env(local_cluster.api_client, project, "prod", "prod")
    return dev.namespace, prod.namespace


def start_detached_control_plane(data_dir: Path, context: str, *, extra_apiserver_args: tuple[str, ...] = ()):
    """etcd + kube-apiserver started by a separate Python process that exits at once (as `cpin` does)."""
    code = (
        "import sys\nfrom pathlib import Path\nfrom grader.cluster.local import LocalBackend, API_ONLY\n"
        f"LocalBackend(data_dir=Path({str(data_dir)!r}), context={context!r}, components=API_ONLY,"
        f" extra_apiserver_args={extra_apiserver_args!r}).up()\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    from grader.cluster.local import LocalBackend, API_ONLY
    return LocalBackend(data_dir=data_dir, context=context, components=API_ONLY)


@pytest.fixture(scope="session", name="start_control_plane")
def start_control_plane_fixture():
    return start_detached_control_plane


AUDIT_POLICY = """\
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Metadata
"""


@pytest.fixture(scope="session")
def decoy(tmp_path_factory, need_tools):
    """A second live API server (etcd + kube-apiserver) that the kit must never touch.

    It writes an audit log of every request, so the tests can prove that no request from the
    kit's client (user agent of the Python client) ever reached it.
    """
    need_tools("etcd", "kube-apiserver")
    root = tmp_path_factory.mktemp("decoy")
    (root / "audit-policy.yaml").write_text(AUDIT_POLICY)
    audit_log = root / "audit.log"
    backend = None
    try:
        backend = start_detached_control_plane(
            root, "decoy", extra_apiserver_args=(f"--audit-policy-file={root / 'audit-policy.yaml'}",
                                                 f"--audit-log-path={audit_log}"))
        backend.audit_log = audit_log
        yield backend
    finally:
        from grader.cluster.local import LocalBackend, API_ONLY
        (backend or LocalBackend(data_dir=root, context="decoy", components=API_ONLY)).down()


NODE_TOOLS = ("kubelet", "kube-proxy", "containerd", "containerd-shim-runc-v2", "ctr")


@contextlib.contextmanager
def real_node_cluster(tmp_path_factory, need_tools, name: str):
    """A local cluster with the real node, brought down (with the services started on it) at the end;
    skipped without Linux, root or a free node (failed in CI for a missing tool)."""
    from grader import services
    from grader.cluster import kubeconfig as kc
    from grader.cluster import lifecycle, node

    if platform.system() != "Linux" or os.geteuid() != 0:
        pytest.skip("a real node needs Linux and root")
    need_tools("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", *NODE_TOOLS)
    reason = node.blocker()
    if reason:
        pytest.skip(f"no real node here: {reason}")
    data_dir = tmp_path_factory.mktemp(name)
    api = None
    try:
        result = lifecycle.up("local", data_dir=data_dir, real_node="on")
        api = kc.api_client(result.backend.kubeconfig(), result.backend.context)
        yield data_dir, api, result.backend
    finally:
        if api is not None:
            api.close()
        services.down(data_dir=data_dir)
        lifecycle.down("local", data_dir=data_dir)


@pytest.fixture(scope="session", name="real_node_cluster")
def real_node_cluster_fixture():
    return real_node_cluster
