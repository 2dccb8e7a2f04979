"""The local backend: generated certificates and command lines (pure), and the life of a detached
control plane (started by a process that exits, crash reported, removed by `down`)."""
from __future__ import annotations

import datetime as dt
import os
import signal
import time

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from grader.cluster import local
from grader.cluster.pki import write_pki
from grader.errors import BackendUnavailable


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return write_pki(tmp_path_factory.mktemp("pki"))


def _cert(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_certificates_chain_to_the_ca(pki):
    ca = _cert(pki.ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for path in [pki.serving[0]] + [pki.client(n)[0] for n in ("admin", "controller-manager", "scheduler", "kwok")]:
        cert = _cert(path)
        cert.verify_directly_issued_by(ca)
        assert cert.not_valid_after_utc > dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=365)


def test_serving_certificate_names_and_usage(pki):
    cert = _cert(pki.serving[0])
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "kubernetes.default.svc" in san.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)][:1] == ["127.0.0.1"]
    assert ExtendedKeyUsageOID.SERVER_AUTH in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value


def test_client_identities(pki):
    admin = _cert(pki.client("admin")[0]).subject
    assert admin.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:masters"
    kcm = _cert(pki.client("controller-manager")[0]).subject
    assert kcm.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:kube-controller-manager"
    assert oct(pki.sa_key.stat().st_mode & 0o777) == "0o600"


def test_command_lines(pki, tmp_path):
    bins = {name: tmp_path / name for name in local.COMPONENTS}
    ports = local.Ports.pick()
    argv = local.commands(tmp_path, bins, ports, pki)
    assert set(argv) == set(local.COMPONENTS)
    api = argv["kube-apiserver"]
    assert "--authorization-mode=RBAC" in api
    assert any(a.startswith("--enable-admission-plugins=") and "ServiceAccount" in a and "ResourceQuota" in a
               for a in api)
    assert f"--secure-port={ports.apiserver}" in api and "--bind-address=127.0.0.1" in api
    assert f"--etcd-servers=https://127.0.0.1:{ports.etcd}" in api
    etcd = argv["etcd"]
    assert "--client-cert-auth=true" in etcd and "--peer-client-cert-auth=true" in etcd
    assert not any("http://" in a for a in etcd)
    assert "--leader-elect=false" in argv["kube-controller-manager"]
    assert "--manage-all-nodes=false" in argv["kwok"]
    assert len(set(vars(ports).values())) == 6
    only_api = local.commands(tmp_path, {k: bins[k] for k in local.API_ONLY}, ports, pki)
    assert set(only_api) == set(local.API_ONLY)


def test_components_never_inherit_the_users_kubeconfig(monkeypatch):
    monkeypatch.setenv("KUBECONFIG", "/home/someone/.kube/prod")
    monkeypatch.setenv("KWOK_KUBE_APISERVER_PORT", "1")
    env = local._child_env()
    assert "KUBECONFIG" not in env and not any(k.startswith("KWOK_") for k in env)


def test_simulated_node_has_realistic_capacity():
    node = local.node_manifest("n1")
    assert node["status"]["capacity"]["cpu"] == "32" and node["status"]["capacity"]["memory"] == "128Gi"
    assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"


def test_a_reused_pid_is_never_taken_for_ours(tmp_path):
    """The pidfile names the executable too: another program with that pid is not 'alive'."""
    from grader.cluster.processes import Proc

    proc = Proc("etcd", tmp_path)
    proc.pidfile.parent.mkdir(parents=True)
    proc.pidfile.write_text(f"{os.getpid()}\n/opt/bin/etcd\n")          # our pid, not etcd
    assert not proc.alive()
    proc.stop(timeout=0.1)                                              # must not signal us
    assert not proc.pidfile.exists()
    import sys
    proc.pidfile.write_text(f"{os.getpid()}\n{sys.executable}\n")
    assert proc.alive()


def test_local_backend_declares_no_containers(tmp_path):
    """Without a real node (grader.cluster.node) no container runs: the checks that need one are skipped."""
    assert local.LocalBackend(data_dir=tmp_path).capabilities["containers"] is False


@pytest.mark.cluster
def test_detached_life_crash_and_down(tmp_path, need_tools, start_control_plane):
    """Started by a process that has exited; status shows it; a crash is reported; down cleans."""
    need_tools(*local.API_ONLY)
    backend = start_control_plane(tmp_path, "vie")           # the starting process is gone now
    status = backend.status()
    assert status.running and [c.name for c in status.components] == list(local.API_ONLY)
    for component in status.components:
        assert component.healthy and component.pid and component.port and component.rss_bytes > 0
    pids = {c.name: c.pid for c in status.components}

    os.kill(pids["kube-apiserver"], signal.SIGKILL)
    for _ in range(200):                                 # SIGKILL lands when the process is next scheduled
        if not _running(pids["kube-apiserver"]):
            break
        time.sleep(0.05)
    crashed = backend.status()
    assert not crashed.running
    assert [c.name for c in crashed.crashed] == ["kube-apiserver"]
    assert crashed.crashed[0].detail                     # the log tail travels with the report
    with pytest.raises(BackendUnavailable, match="à moitié arrêté"):
        backend.up()

    backend.down()
    assert not backend.root.exists()
    assert not any(os.path.exists(f"/proc/{pid}") and _running(pid) for pid in pids.values())


def _running(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")
